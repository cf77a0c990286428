"""Record a paid Stripe Checkout Session as OpenPanel revenue, from a backend webhook.

    event = stripe.Webhook.construct_event(payload, signature_header, endpoint_secret)
    handle = revenue_from_checkout_event(op, event)
    if handle is not None:
        handle.result(timeout=30)       # or `await handle` in async code

Verify the signature first (``stripe.Webhook.construct_event`` does): this
module trusts the event it is given. It does not import ``stripe``, and reads
plain dicts as well as Stripe's objects. CPython only.

Stripe delivers a webhook at least once, so the same session can arrive twice.
The Checkout Session id is the idempotency key of its revenue, which lets the
collector store a repeated delivery once.
"""

import logging

from .validation import check_device_id, check_profile_id

logger = logging.getLogger("op_browser")

# Stripe sends "completed" when the customer finishes checkout; for delayed
# payment methods (bank debits) the money arrives later, with
# "async_payment_succeeded".
PAID_EVENT_TYPES = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


def _field(container, key):
    """Return ``container[key]`` for a dict or a StripeObject, or None when it is missing."""
    if container is None:
        return None
    try:
        return container[key]
    except (KeyError, TypeError, IndexError):
        return None


def _check_event_type(event):
    if event is None or isinstance(event, (str, bytes, bytearray)) \
            or not hasattr(event, "__getitem__"):
        raise TypeError(
            "event must be the parsed Stripe event (a dict or a Stripe object), got "
            + type(event).__name__ + ": pass the event that stripe.Webhook.construct_event "
            "returned, not the raw request body"
        )


def revenue_from_checkout_event(op, event, properties=None):
    """Send the revenue of a paid Checkout Session event; return its handle, or None.

    Returns None for other event types and for sessions whose
    ``payment_status`` is not "paid" (an unpaid delayed payment, or a session
    that needed no payment). The revenue is ``amount_total`` in the
    currency's minor unit, with ``{"currency": <upper-case ISO code>}``:
    Stripe writes codes in lower case, while OpenPanel's examples and most
    dashboards use upper case. ``metadata.deviceId`` and
    ``metadata.profileId``, when the checkout endpoint stored them, link the
    revenue to the visitor. ``properties`` are added to the event, but a
    ``"currency"`` in them that differs from the session's raises ValueError:
    the currency Stripe charged always wins.
    """
    _check_event_type(event)
    if properties is not None and not isinstance(properties, dict):
        raise TypeError("properties must be a dict or None, got " + repr(properties))
    event_type = _field(event, "type")
    if event_type not in PAID_EVENT_TYPES:
        return None
    session = _field(_field(event, "data"), "object")
    session_id = _field(session, "id")
    if not isinstance(session_id, str) or not session_id:
        raise ValueError("Stripe event " + repr(_field(event, "id")) + " of type "
                         + repr(event_type) + " has no data.object.id: pass the verified event "
                         "that stripe.Webhook.construct_event returned")

    payment_status = _field(session, "payment_status")
    if payment_status != "paid":
        logger.info("no revenue for Checkout Session %s: payment_status is %r", session_id,
                    payment_status)
        return None

    currency = _field(session, "currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha() \
            or not currency.isascii():
        raise ValueError("Checkout Session " + session_id + " currency must be a 3-letter ISO "
                         "4217 code such as 'usd', got " + repr(currency))
    currency = currency.upper()
    revenue_properties = dict(properties) if properties else {}
    override = revenue_properties.get("currency")
    if override is not None and (not isinstance(override, str) or override.upper() != currency):
        raise ValueError(
            "properties['currency'] is " + repr(override) + " but Checkout Session "
            + session_id + " was paid in " + currency + ": remove 'currency' from properties, "
            "because the session's currency is always used"
        )
    revenue_properties["currency"] = currency

    metadata = _field(session, "metadata")
    where = "Checkout Session " + session_id + " metadata"
    device_id = _field(metadata, "deviceId")
    if device_id is not None and device_id != "":
        device_id = check_device_id(device_id, where + "['deviceId']")
    else:
        device_id = None
    profile_id = _field(metadata, "profileId")
    if profile_id is not None and profile_id != "":
        profile_id = check_profile_id(profile_id, where + "['profileId']")
    else:
        profile_id = None
    return op.revenue(
        _field(session, "amount_total"),
        revenue_properties,
        device_id=device_id,
        profile_id=profile_id,
        idempotency_key=session_id,
    )
