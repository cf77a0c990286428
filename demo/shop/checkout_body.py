"""Validate the JSON body of ``POST /api/checkout``.

    {"product_id": "tee", "flow": "anonymous", "device_id": "<fetch_device_id()>"}

``device_id`` is required in the anonymous flow and rejected in the others.
Each invalid body raises ``InvalidCheckoutBody``, whose message names the
field, the value received and the expected form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from demo.shop.catalog import PRODUCTS_BY_ID, Product

FLOWS = ("anonymous", "identified", "frontend", "aggregate")
FIELDS = ("product_id", "flow", "device_id")
# OpenPanel's limit for a caller-chosen device id.
MAX_DEVICE_ID_CHARS = 64
# Values are echoed in error messages up to this many characters of their JSON form.
MAX_ECHOED_CHARS = 80


@dataclass
class CheckoutBody:
    product: Product
    flow: str
    # Set in the anonymous flow only, stripped of surrounding whitespace.
    device_id: str | None


class InvalidCheckoutBody(ValueError):
    """A checkout body that the shop rejects, with the HTTP status and the field at fault."""

    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


def as_json(value) -> str:
    """Render a received value as JSON, shortened to MAX_ECHOED_CHARS characters."""
    text = json.dumps(value)
    if len(text) > MAX_ECHOED_CHARS:
        return text[:MAX_ECHOED_CHARS] + "..."
    return text


def parse_checkout_body(body) -> CheckoutBody:
    """Check every field of a decoded JSON body and return the requested checkout."""
    if not isinstance(body, dict):
        raise InvalidCheckoutBody(
            f"request body is invalid: expected a JSON object such as "
            f'{{"product_id": "tee", "flow": "aggregate"}}, got {as_json(body)}')
    reject_unknown_fields(body)
    product = parse_product(body)
    flow = parse_flow(body)
    device_id = parse_device_id(body, flow)
    return CheckoutBody(product=product, flow=flow, device_id=device_id)


def reject_unknown_fields(body: dict) -> None:
    for name in body:
        if name in FIELDS:
            continue
        message = f"field {as_json(name)} is unknown: expected {', '.join(FIELDS)}"
        # Catches the camelCase spelling that the Stripe metadata uses, such as deviceId.
        spelled_alike = [known for known in FIELDS
                         if known.replace("_", "") == name.lower().replace("_", "")]
        if spelled_alike:
            message += f" (did you mean {spelled_alike[0]}?)"
        raise InvalidCheckoutBody(message, field=name)


def parse_product(body: dict) -> Product:
    product_ids = ", ".join(PRODUCTS_BY_ID)
    if "product_id" not in body:
        raise InvalidCheckoutBody(
            f"product_id is missing: expected one of {product_ids}", field="product_id")
    product_id = body["product_id"]
    if not isinstance(product_id, str):
        raise InvalidCheckoutBody(
            f"product_id is invalid: expected a string, one of {product_ids}, "
            f"got {as_json(product_id)}", field="product_id")
    product = PRODUCTS_BY_ID.get(product_id)
    if product is None:
        raise InvalidCheckoutBody(
            f"product not found: {as_json(product_id)}; expected one of {product_ids}",
            field="product_id", status=404)
    return product


def parse_flow(body: dict) -> str:
    flows = ", ".join(FLOWS)
    if "flow" not in body:
        raise InvalidCheckoutBody(f"flow is missing: expected one of {flows}", field="flow")
    flow = body["flow"]
    if flow not in FLOWS:
        raise InvalidCheckoutBody(
            f"flow is invalid: expected one of {flows}, got {as_json(flow)}", field="flow")
    return flow


def parse_device_id(body: dict, flow: str) -> str | None:
    expected = (f"expected the string that fetch_device_id() returns, "
                f"1 to {MAX_DEVICE_ID_CHARS} characters")
    if flow != "anonymous":
        if "device_id" in body:
            raise InvalidCheckoutBody(
                f"device_id is not accepted in the {flow} flow: send it in the anonymous "
                "flow only", field="device_id")
        return None
    if "device_id" not in body:
        raise InvalidCheckoutBody(f"device_id is missing: the anonymous flow requires it, "
                                  f"{expected}", field="device_id")
    value = body["device_id"]
    if not isinstance(value, str):
        raise InvalidCheckoutBody(f"device_id is invalid: {expected}, got {as_json(value)}",
                                  field="device_id")
    device_id = value.strip()
    if not device_id:
        raise InvalidCheckoutBody(f"device_id is invalid: {expected}, got an empty string",
                                  field="device_id")
    if len(device_id) > MAX_DEVICE_ID_CHARS:
        raise InvalidCheckoutBody(
            f"device_id is invalid: {expected}, got {len(device_id)} characters",
            field="device_id")
    return device_id
