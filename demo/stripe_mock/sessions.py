"""Checkout Sessions: validate the create parameters, build the session object, keep it in memory.

Only ``mode=payment`` with inline ``price_data`` line items is supported, which
is what a shop that has no Price objects in its Stripe account sends.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from demo.stripe_mock.errors import StripeError

# Limits from Stripe's metadata documentation (docs.stripe.com/metadata).
MAX_METADATA_KEYS = 50
MAX_METADATA_KEY_CHARS = 40
MAX_METADATA_VALUE_CHARS = 500
MAX_LINE_ITEMS = 100
# Stripe's default: a Checkout Session expires 24 hours after it is created.
SESSION_LIFETIME_S = 24 * 60 * 60
# Stripe accepts amounts of up to eight digits in most currencies.
MAX_UNIT_AMOUNT = 99_999_999

# The API version stripe-python 16.1 sends, for clients that send none. Events are
# rendered in the version of the request that created their session.
DEFAULT_API_VERSION = "2026-10-28.endive"

# Currencies without a minor unit (docs.stripe.com/currencies#zero-decimal).
ZERO_DECIMAL_CURRENCIES = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
    "vnd", "vuv", "xaf", "xof", "xpf",
})

# Stripe's presentment currencies for card payments, as docs.stripe.com/currencies lists them.
# NOTE: a hand-kept copy, which falls behind when Stripe adds or retires a currency.
SUPPORTED_CURRENCIES = frozenset("""
    aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp
    byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp
    gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jpy kes kgs khr kmf krw
    kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad
    ngn nio nok npr nzd pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek
    sgd shp sle sos srd std szl thb tjs top try ttd twd tzs uah ugx usd uyu uzs vnd vuv
    wst xaf xcd xof xpf yer zar zmw
""".split())

# A loose address check: one "@", a non-empty local part and a domain with a dot.
# NOTE: Stripe does not publish its rule, so edge cases may differ from real Stripe.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

CREATE_PARAMS = frozenset({
    "mode", "line_items", "metadata", "success_url", "cancel_url", "customer_email",
    "client_reference_id", "payment_method_types", "locale", "submit_type", "expand",
})
LINE_ITEM_PARAMS = frozenset({"price_data", "quantity"})
PRICE_DATA_PARAMS = frozenset({"currency", "product_data", "unit_amount"})
PRODUCT_DATA_PARAMS = frozenset({"name", "description", "metadata"})


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


@dataclass
class LineItem:
    name: str
    currency: str
    unit_amount: int
    quantity: int

    @property
    def amount_total(self) -> int:
        return self.unit_amount * self.quantity


@dataclass
class CheckoutSession:
    """A Checkout Session as the mock stores it; ``to_dict`` gives Stripe's JSON object."""

    id: str
    created: int
    mode: str
    currency: str
    line_items: list[LineItem]
    metadata: dict[str, str]
    success_url: str
    cancel_url: str | None
    customer_email: str | None
    client_reference_id: str | None
    url: str
    status: str = "open"
    payment_status: str = "unpaid"
    payment_intent: str | None = None
    api_version: str = DEFAULT_API_VERSION
    events: list[str] = field(default_factory=list)

    @property
    def amount_total(self) -> int:
        return sum(item.amount_total for item in self.line_items)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "object": "checkout.session",
            "amount_subtotal": self.amount_total,
            "amount_total": self.amount_total,
            "cancel_url": self.cancel_url,
            "client_reference_id": self.client_reference_id,
            "created": self.created,
            "currency": self.currency,
            "customer_details": ({"email": self.customer_email}
                                 if self.status == "complete" else None),
            "customer_email": self.customer_email,
            "expires_at": self.created + SESSION_LIFETIME_S,
            "livemode": False,
            "metadata": dict(self.metadata),
            "mode": self.mode,
            "payment_intent": self.payment_intent,
            "payment_method_types": ["card"],
            "payment_status": self.payment_status,
            "status": self.status,
            "success_url": self.success_url,
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "url": self.url if self.status == "open" else None,
        }

    def redirect_url(self, template: str) -> str:
        return template.replace("{CHECKOUT_SESSION_ID}", self.id)


class SessionStore:
    """All Checkout Sessions created since the mock started, by id."""

    def __init__(self) -> None:
        self.sessions: dict[str, CheckoutSession] = {}

    def create(self, params: dict, checkout_base_url: str) -> CheckoutSession:
        session = build_session(params, checkout_base_url)
        self.sessions[session.id] = session
        return session

    def get(self, session_id: str) -> CheckoutSession:
        session = self.sessions.get(session_id)
        if session is None:
            raise StripeError.not_found("checkout.session", session_id, "session")
        return session


def build_session(params: dict, checkout_base_url: str) -> CheckoutSession:
    """Validate the create parameters and build an open, unpaid session."""
    reject_unknown(params, CREATE_PARAMS, "")
    mode = params.get("mode")
    if mode is None:
        raise StripeError.missing_param("mode")
    if mode != "payment":
        raise StripeError.invalid_value(
            "mode", f"This mock supports only mode=payment, got mode={mode}.")

    line_items = parse_line_items(params.get("line_items"))
    currencies = {item.currency for item in line_items}
    if len(currencies) > 1:
        raise StripeError.invalid_request(
            "All line items must use the same currency, got " + ", ".join(sorted(currencies)),
            param="line_items")

    session_id = new_id("cs")
    return CheckoutSession(
        id=session_id,
        created=int(time.time()),
        mode=mode,
        currency=line_items[0].currency,
        line_items=line_items,
        metadata=parse_metadata(params.get("metadata"), "metadata"),
        success_url=parse_success_url(params.get("success_url")),
        cancel_url=parse_url(params.get("cancel_url"), "cancel_url"),
        customer_email=parse_email(params.get("customer_email"), "customer_email"),
        client_reference_id=parse_optional_string(params.get("client_reference_id"),
                                                  "client_reference_id"),
        url=f"{checkout_base_url.rstrip('/')}/c/pay/{session_id}",
    )


def reject_unknown(params, known: frozenset, prefix: str) -> None:
    if not isinstance(params, dict):
        raise StripeError.invalid_request(f"Invalid object: {prefix} must be a hash.",
                                          param=prefix or None)
    for key in params:
        if key not in known:
            raise StripeError.unknown_param(f"{prefix}[{key}]" if prefix else key)


def parse_line_items(value) -> list[LineItem]:
    if value is None:
        raise StripeError.missing_param("line_items")
    if not isinstance(value, list) or not value:
        raise StripeError.invalid_request("Invalid array", param="line_items")
    if len(value) > MAX_LINE_ITEMS:
        raise StripeError.invalid_request(
            f"line_items may contain at most {MAX_LINE_ITEMS} items, got {len(value)}.",
            param="line_items")
    return [parse_line_item(item, f"line_items[{index}]") for index, item in enumerate(value)]


def parse_line_item(item, name: str) -> LineItem:
    reject_unknown(item, LINE_ITEM_PARAMS, name)
    price_data = item.get("price_data")
    if price_data is None:
        # Real Stripe also accepts `price` (the id of a Price object); the mock keeps no Prices.
        raise StripeError.missing_param(f"{name}[price_data]")
    price_name = f"{name}[price_data]"
    reject_unknown(price_data, PRICE_DATA_PARAMS, price_name)

    currency = price_data.get("currency")
    if not currency:
        raise StripeError.missing_param(f"{price_name}[currency]")
    if currency.lower() not in SUPPORTED_CURRENCIES:
        raise StripeError.invalid_value(
            f"{price_name}[currency]",
            f"Invalid currency: {currency}. Stripe currently supports these currencies: "
            + ", ".join(sorted(SUPPORTED_CURRENCIES)))

    product_data = price_data.get("product_data")
    if product_data is None:
        raise StripeError.missing_param(f"{price_name}[product_data]")
    reject_unknown(product_data, PRODUCT_DATA_PARAMS, f"{price_name}[product_data]")
    product_name = product_data.get("name")
    if not product_name:
        raise StripeError.missing_param(f"{price_name}[product_data][name]")

    unit_amount = parse_integer(price_data.get("unit_amount"), f"{price_name}[unit_amount]",
                                minimum=0, maximum=MAX_UNIT_AMOUNT)
    quantity = parse_integer(item.get("quantity"), f"{name}[quantity]", minimum=1,
                             maximum=999_999)
    return LineItem(name=product_name, currency=currency.lower(), unit_amount=unit_amount,
                    quantity=quantity)


def parse_integer(value, param: str, minimum: int, maximum: int) -> int:
    if value is None:
        raise StripeError.missing_param(param)
    if not isinstance(value, str) or not value.lstrip("-").isdigit():
        raise StripeError.invalid_request(f"Invalid integer: {value}", param=param,
                                          code="parameter_invalid_integer")
    number = int(value)
    if not minimum <= number <= maximum:
        raise StripeError.invalid_request(
            f"Invalid {param}: must be between {minimum} and {maximum}, got {number}.",
            param=param, code="parameter_invalid_integer")
    return number


def parse_metadata(value, param: str) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise StripeError.invalid_request(f"Invalid object: {param} must be a hash.", param=param)
    if len(value) > MAX_METADATA_KEYS:
        raise StripeError.invalid_request(
            f"Invalid {param}: at most {MAX_METADATA_KEYS} keys, got {len(value)}.", param=param)
    metadata = {}
    for key, item in value.items():
        if not isinstance(item, str):
            raise StripeError.invalid_request(
                f"Invalid {param}[{key}]: metadata values must be strings.",
                param=f"{param}[{key}]")
        if len(key) > MAX_METADATA_KEY_CHARS:
            raise StripeError.invalid_request(
                f"Metadata keys can have up to {MAX_METADATA_KEY_CHARS} characters; "
                f"{key!r} has {len(key)}.", param=f"{param}[{key}]")
        if len(item) > MAX_METADATA_VALUE_CHARS:
            raise StripeError.invalid_request(
                f"Metadata values can have up to {MAX_METADATA_VALUE_CHARS} characters; "
                f"the value of {key!r} has {len(item)}.", param=f"{param}[{key}]")
        # Stripe treats an empty value as "unset this key".
        if item != "":
            metadata[key] = item
    return metadata


def parse_url(value, param: str) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise StripeError.invalid_request("Not a valid URL", param=param,
                                          code="url_invalid")
    return value


def parse_success_url(value) -> str:
    # Stripe requires success_url for a hosted checkout page (ui_mode=hosted, its
    # default and the only mode the mock has) and rejects it for embedded ones.
    if value is None or value == "":
        raise StripeError.missing_param("success_url")
    return parse_url(value, "success_url")


def parse_email(value, param: str) -> str | None:
    email = parse_optional_string(value, param)
    if email is not None and not EMAIL_PATTERN.match(email):
        raise StripeError.invalid_request(f"Invalid email address: {email}", param=param,
                                          code="email_invalid")
    return email


def parse_optional_string(value, param: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise StripeError.invalid_request(f"Invalid string: {param} must be a string.",
                                          param=param)
    return value


def format_amount(amount: int, currency: str) -> str:
    """Format minor units for people: 2000 usd -> "20.00 USD", 1500 jpy -> "1500 JPY"."""
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{amount} {currency.upper()}"
    return f"{amount // 100}.{amount % 100:02d} {currency.upper()}"
