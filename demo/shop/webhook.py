"""The Stripe webhook endpoint: verify the signature, then turn a paid checkout into revenue.

Stripe delivers each event at least once and may repeat it, so the revenue is
sent with the Checkout Session id as its idempotency key and the collector
stores it once however often the event arrives.
"""

from __future__ import annotations

import asyncio
import logging

import stripe
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from op_browser.stripe_webhook import revenue_from_checkout_event

logger = logging.getLogger("demo.shop")

# Metadata that marks a checkout whose revenue the page sends itself (the frontend flow).
TRACKED_BY_KEY = "revenueTrackedBy"
TRACKED_BY_FRONTEND = "frontend"
# Below the mock Stripe's 10 s delivery timeout, so a slow collector leads to a 500
# and a later retry rather than a delivery that times out.
REVENUE_TIMEOUT_S = 8.0


async def handle_webhook(request: Request) -> Response:
    settings = request.app.state.settings
    payload = await request.body()
    signature = request.headers.get("Stripe-Signature")
    try:
        event = stripe.Webhook.construct_event(payload, signature,
                                               settings.stripe_webhook_secret)
    except stripe.SignatureVerificationError as error:
        logger.warning("rejected a webhook with an invalid signature: %s", error.user_message)
        return JSONResponse({"error": "invalid signature"}, status_code=400)
    except ValueError as error:
        logger.warning("rejected a webhook whose body is not a Stripe event: %s", error)
        return JSONResponse({"error": "invalid payload"}, status_code=400)

    if frontend_tracked(event):
        logger.info("event %s: the page sends the revenue of this checkout, so the webhook "
                    "does not", event.id)
        return JSONResponse({"received": True})

    try:
        await track_revenue(request.app.state.openpanel, event)
    except Exception as error:
        # A non-2xx makes Stripe retry later. The idempotency key keeps the retry from
        # counting twice if this attempt did reach the collector.
        logger.error("event %s (%s): sending the revenue failed: %s", event.id, event.type, error)
        return JSONResponse({"error": "revenue not recorded; retry later"}, status_code=500)
    return JSONResponse({"received": True})


def frontend_tracked(event) -> bool:
    """Tell whether the event's Checkout Session is marked as tracked by the page."""
    try:
        metadata = event.data.object["metadata"] or {}
        return metadata[TRACKED_BY_KEY] == TRACKED_BY_FRONTEND
    except (AttributeError, KeyError, TypeError):
        return False


async def track_revenue(openpanel, event) -> None:
    """Send the revenue of a paid checkout event. Other event types send nothing."""
    handle = revenue_from_checkout_event(openpanel, event)
    if handle is None:
        logger.info("event %s of type %s carries no revenue", event.id, event.type)
        return
    await asyncio.wait_for(handle, REVENUE_TIMEOUT_S)
    session = event.data.object
    logger.info("event %s: revenue %s %s sent for %s", event.id, session.amount_total,
                session.currency, session.id)
