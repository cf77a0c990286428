"""revenue_from_checkout_event with verified events from the real stripe library."""

import hashlib
import hmac
import json
import time

import pytest
import stripe

from op_browser import OpenPanel
from op_browser.stripe_webhook import revenue_from_checkout_event

CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
ENDPOINT_SECRET = "whsec_test_secret"
WAIT_S = 30


@pytest.fixture
def op(server):
    return OpenPanel(client_id=CLIENT_ID, client_secret="sec_1", api_url=server.api_url)


def checkout_event(event_type="checkout.session.completed", payment_status="paid",
                   metadata=None, amount_total=1999, currency="usd", session_id="cs_test_a1"):
    return {
        "id": "evt_1",
        "object": "event",
        "type": event_type,
        "data": {"object": {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": amount_total,
            "currency": currency,
            "payment_status": payment_status,
            "metadata": metadata if metadata is not None else {},
        }},
    }


def verified(event):
    """Sign the event as Stripe does and let the stripe library verify and parse it."""
    payload = json.dumps(event)
    timestamp = int(time.time())
    signature = hmac.new(ENDPOINT_SECRET.encode(), f"{timestamp}.{payload}".encode(),
                         hashlib.sha256).hexdigest()
    header = f"t={timestamp},v1={signature}"
    return stripe.Webhook.construct_event(payload, header, ENDPOINT_SECRET)


def revenue_payload(server):
    return server.tracks()[0]["payload"]


def test_paid_session_sends_revenue_with_device(op, server):
    event = verified(checkout_event(metadata={"deviceId": "dev-1"}))
    revenue_from_checkout_event(op, event).result(WAIT_S)
    assert revenue_payload(server)["properties"] == {
        "currency": "USD", "__deviceId": "dev-1", "__idempotencyKey": "cs_test_a1",
        "__revenue": 1999}


def test_paid_session_sends_revenue_with_profile(op, server):
    event = verified(checkout_event(metadata={"profileId": "user-123"}))
    revenue_from_checkout_event(op, event).result(WAIT_S)
    assert revenue_payload(server)["profileId"] == "user-123"
    assert "__deviceId" not in revenue_payload(server)["properties"]


def test_paid_session_without_identity(op, server):
    revenue_from_checkout_event(op, verified(checkout_event())).result(WAIT_S)
    payload = revenue_payload(server)
    assert "profileId" not in payload
    assert payload["properties"] == {"currency": "USD", "__idempotencyKey": "cs_test_a1",
                                     "__revenue": 1999}


def test_plain_dict_event_accepted(op, server):
    revenue_from_checkout_event(op, checkout_event(metadata={"deviceId": "dev-1"})).result(WAIT_S)
    assert revenue_payload(server)["properties"]["__deviceId"] == "dev-1"


def test_zero_decimal_currency_amount_unchanged(op, server):
    event = verified(checkout_event(amount_total=1500, currency="jpy"))
    revenue_from_checkout_event(op, event).result(WAIT_S)
    assert revenue_payload(server)["properties"]["__revenue"] == 1500
    assert revenue_payload(server)["properties"]["currency"] == "JPY"


def test_repeated_delivery_reuses_session_key(op, server):
    event = verified(checkout_event())
    revenue_from_checkout_event(op, event).result(WAIT_S)
    revenue_from_checkout_event(op, event).result(WAIT_S)
    assert server.revenue_keys() == ["cs_test_a1", "cs_test_a1"]


def test_async_payment_succeeded_sends_revenue(op, server):
    event = verified(checkout_event(event_type="checkout.session.async_payment_succeeded"))
    revenue_from_checkout_event(op, event).result(WAIT_S)
    assert server.revenue_keys() == ["cs_test_a1"]


def test_extra_properties_added(op, server):
    event = verified(checkout_event())
    revenue_from_checkout_event(op, event, {"source": "webhook"}).result(WAIT_S)
    assert revenue_payload(server)["properties"]["source"] == "webhook"


@pytest.mark.parametrize("event_type", ["payment_intent.succeeded", "checkout.session.expired",
                                        "checkout.session.async_payment_failed"])
def test_other_event_types_ignored(op, server, event_type):
    assert revenue_from_checkout_event(op, verified(checkout_event(event_type=event_type))) is None
    assert server.tracks() == []


@pytest.mark.parametrize("payment_status", ["unpaid", "no_payment_required"])
def test_unpaid_session_ignored(op, server, payment_status):
    event = verified(checkout_event(payment_status=payment_status))
    assert revenue_from_checkout_event(op, event) is None
    assert server.tracks() == []


def test_event_without_session_id_raises(op):
    event = checkout_event()
    del event["data"]["object"]["id"]
    with pytest.raises(ValueError, match=r"data\.object\.id"):
        revenue_from_checkout_event(op, event)


def test_missing_amount_raises_before_sending(op, server):
    with pytest.raises(TypeError, match="None"):
        revenue_from_checkout_event(op, checkout_event(amount_total=None))
    assert server.tracks() == []


def test_module_does_not_import_stripe():
    source = open(revenue_from_checkout_event.__code__.co_filename).read()
    assert "import stripe" not in source
