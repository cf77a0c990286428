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


def revenue_from_checkout_event(op, event, properties=None):
    """Send the revenue of a paid Checkout Session event; return its handle, or None.

    Returns None for other event types and for sessions whose
    ``payment_status`` is not "paid" (an unpaid delayed payment, or a session
    that needed no payment). The revenue is ``amount_total`` in the
    currency's minor unit, with ``{"currency": <upper-case ISO code>}``:
    Stripe writes codes in lower case, while OpenPanel's examples and most
    dashboards use upper case. ``metadata.deviceId`` and
    ``metadata.profileId``, when the checkout endpoint stored them, link the
    revenue to the visitor. ``properties`` are added to the event.
    """
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
    if not isinstance(currency, str) or not currency:
        raise ValueError("Checkout Session " + session_id + " has no currency, got "
                         + repr(currency))
    revenue_properties = {"currency": currency.upper()}
    if properties:
        revenue_properties.update(properties)

    metadata = _field(session, "metadata")
    device_id = _field(metadata, "deviceId") or None
    profile_id = _field(metadata, "profileId") or None
    return op.revenue(
        _field(session, "amount_total"),
        revenue_properties,
        device_id=device_id,
        profile_id=profile_id,
        idempotency_key=session_id,
    )
