"""The shop's Stripe webhook with the real collector: duplicates, bad signatures, replays."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from demo.stripe_mock import sign_payload
from demo.stripe_mock.webhooks import build_event
from tests.demo.conftest import STRIPE_API_KEY, WEBHOOK_SECRET

DEVICE_ID = "device-webhook-test-0001"
# Stripe's default tolerance in stripe.Webhook.construct_event is 300 s.
STALE_AGE_S = 301


def buy(stack, flow: str = "anonymous", product_id: str = "tee", client=None) -> str:
    """Create a Checkout Session through the shop, pay it on the mock page, return its id."""
    client = client or httpx.Client()
    body = {"product_id": product_id, "flow": flow}
    if flow == "anonymous":
        body["device_id"] = DEVICE_ID
    checkout = client.post(stack.shop.url("/api/checkout"), json=body)
    assert checkout.status_code == 200, checkout.text
    session_id = checkout.json()["session_id"]
    paid = client.post(checkout.json()["url"], follow_redirects=False)
    assert paid.status_code == 303
    return session_id


def completed_event_body(session_id: str, metadata: dict, event_type: str =
                         "checkout.session.completed") -> str:
    session = {"id": session_id, "object": "checkout.session", "amount_total": 2000,
               "currency": "usd", "metadata": metadata, "payment_status": "paid",
               "status": "complete", "mode": "payment"}
    return json.dumps(build_event(event_type, session, "2026-10-28.endive"))


def post_webhook(stack, body: str, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return httpx.post(stack.shop.url("/api/stripe/webhook"), content=body, headers=headers)


def test_anonymous_purchase_stores_one_revenue(demo_stack):
    session_id = buy(demo_stack)
    demo_stack.wait_for_deliveries()
    revenues = demo_stack.wait_for_revenues(1)
    assert len(revenues) == 1
    assert revenues[0]["revenue"] == 2000
    assert revenues[0]["properties"]["currency"].lower() == "usd"
    assert revenues[0]["deviceId"] == DEVICE_ID
    assert revenues[0]["properties"]["__idempotencyKey"] == session_id


def test_duplicate_delivery_stores_one_revenue(demo_stack):
    demo_stack.webhook.deliver_twice = True
    buy(demo_stack)
    deliveries = demo_stack.wait_for_deliveries()
    assert [attempt["status"] for attempt in deliveries] == [200, 200]
    assert len(demo_stack.revenues()) == 1


def test_lost_response_retry_stores_one_revenue(demo_stack):
    demo_stack.webhook.fail_first_delivery = True
    buy(demo_stack)
    deliveries = demo_stack.wait_for_deliveries()
    assert len(deliveries) == 2
    assert len(demo_stack.revenues()) == 1


def test_collector_outage_is_retried_once(demo_stack):
    # Long enough for the collector to come back before Stripe's second attempt.
    demo_stack.webhook.retry_base_delay_s = 3.0
    demo_stack.collector.stop()
    buy(demo_stack)
    first = httpx.get(demo_stack.stripe.url("/_mock/deliveries"),
                      headers={"Authorization": f"Bearer {STRIPE_API_KEY}"}).json()["data"]
    assert [attempt["status"] for attempt in first] == [500]

    demo_stack.restart_collector()
    deliveries = demo_stack.wait_for_deliveries()
    assert [attempt["status"] for attempt in deliveries] == [500, 200]
    assert len(demo_stack.revenues()) == 1


def test_replayed_delivery_stores_no_second_revenue(demo_stack):
    buy(demo_stack)
    event_id = demo_stack.wait_for_deliveries()[0]["event_id"]
    demo_stack.wait_for_revenues(1)
    replay = httpx.post(demo_stack.stripe.url(f"/_mock/events/{event_id}/replay"),
                        headers={"Authorization": f"Bearer {STRIPE_API_KEY}"})
    assert replay.json()["status"] == 200
    assert len(demo_stack.revenues()) == 1


def test_bad_signature_is_rejected(demo_stack):
    body = completed_event_body("cs_test_forged", {"deviceId": DEVICE_ID})
    signature = sign_payload(body, "whsec_not_the_shop_secret", int(time.time()))
    response = post_webhook(demo_stack, body, signature)
    assert response.status_code == 400
    assert demo_stack.export_events() == []


def test_missing_signature_is_rejected(demo_stack):
    body = completed_event_body("cs_test_unsigned", {"deviceId": DEVICE_ID})
    response = post_webhook(demo_stack, body, None)
    assert response.status_code == 400
    assert demo_stack.export_events() == []


def test_tampered_body_is_rejected(demo_stack):
    body = completed_event_body("cs_test_tampered", {"deviceId": DEVICE_ID})
    signature = sign_payload(body, WEBHOOK_SECRET, int(time.time()))
    response = post_webhook(demo_stack, body.replace("2000", "200000"), signature)
    assert response.status_code == 400
    assert demo_stack.export_events() == []


def test_stale_timestamp_is_rejected(demo_stack):
    body = completed_event_body("cs_test_stale", {"deviceId": DEVICE_ID})
    signature = sign_payload(body, WEBHOOK_SECRET, int(time.time()) - STALE_AGE_S)
    response = post_webhook(demo_stack, body, signature)
    assert response.status_code == 400
    assert demo_stack.export_events() == []


def test_unknown_event_type_is_acknowledged(demo_stack):
    body = completed_event_body("cs_test_other", {}, event_type="customer.created")
    response = post_webhook(demo_stack, body, sign_payload(body, WEBHOOK_SECRET,
                                                           int(time.time())))
    assert response.status_code == 200
    assert demo_stack.export_events() == []


def test_frontend_flow_webhook_sends_nothing(demo_stack):
    buy(demo_stack, flow="frontend")
    deliveries = demo_stack.wait_for_deliveries()
    assert deliveries[0]["status"] == 200
    assert demo_stack.revenues() == []


def test_identified_purchase_carries_profile_id(demo_stack):
    client = httpx.Client()
    signed_in = client.post(demo_stack.shop.url("/api/sign-in"),
                            json={"name": "Ada", "email": "ada@example.com"})
    profile_id = signed_in.json()["account"]["profile_id"]
    buy(demo_stack, flow="identified", client=client)
    revenues = demo_stack.wait_for_revenues(1)
    assert len(revenues) == 1
    assert revenues[0]["profileId"] == profile_id


def test_identified_checkout_needs_sign_in(demo_stack):
    response = httpx.post(demo_stack.shop.url("/api/checkout"),
                          json={"product_id": "tee", "flow": "identified"})
    assert response.status_code == 401


def test_aggregate_purchase_has_no_identity(demo_stack):
    session_id = buy(demo_stack, flow="aggregate", product_id="tenugui")
    revenues = demo_stack.wait_for_revenues(1)
    assert len(revenues) == 1
    assert revenues[0]["revenue"] == 1500
    assert revenues[0]["properties"]["currency"].lower() == "jpy"
    assert revenues[0]["deviceId"] == ""
    assert revenues[0]["profileId"] == ""
    assert revenues[0]["properties"]["__idempotencyKey"] == session_id


@pytest.mark.parametrize("path", ["/", "/success?session_id=cs_x&flow=frontend", "/cancel"])
def test_pages_do_not_contain_client_secret(demo_stack, path):
    page = httpx.get(demo_stack.shop.url(path))
    assert page.status_code == 200
    assert demo_stack.client_id in page.text
    assert demo_stack.client_secret not in page.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"product_id": "nothing", "flow": "aggregate"}, 404),
        ({"product_id": "tee", "flow": "teleport"}, 400),
        ({"product_id": "tee", "flow": "anonymous"}, 400),
        ({"product_id": "tee", "flow": "anonymous", "device_id": "x" * 65}, 400),
    ],
)
def test_checkout_rejects_invalid_request(demo_stack, body, status):
    response = httpx.post(demo_stack.shop.url("/api/checkout"), json=body)
    assert response.status_code == status
    assert "error" in response.json()
