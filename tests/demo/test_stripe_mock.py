"""The mock Stripe against the real ``stripe`` library: sessions, errors, page, webhooks."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from demo.stripe_mock import MockStripeSettings, WebhookSettings, create_app, sign_payload
from demo.stripe_mock.errors import StripeError
from demo.stripe_mock.forms import decode_form
from demo.stripe_mock.sessions import format_amount
from tests.demo.servers import AppServer, WebhookReceiver

API_KEY = "sk_test_mock_tests_0001"
WEBHOOK_SECRET = "whsec_mock_tests_secret"
SUCCESS_URL = "http://127.0.0.1:9/success?session_id={CHECKOUT_SESSION_ID}&flow=anonymous"
CANCEL_URL = "http://127.0.0.1:9/cancel?session_id={CHECKOUT_SESSION_ID}"


def tee_params(**overrides) -> dict:
    params = {
        "mode": "payment",
        "line_items": [{
            "price_data": {"currency": "usd", "unit_amount": 2000,
                           "product_data": {"name": "Snake tee"}},
            "quantity": 1,
        }],
        "metadata": {"deviceId": "device-123"},
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
        "customer_email": "ada@example.com",
    }
    params.update(overrides)
    return params


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    with AppServer(receiver.app()) as server:
        receiver.url = server.url("/webhook")
        yield receiver


@pytest.fixture
def webhook_settings(receiver):
    return WebhookSettings(url=receiver.url, secret=WEBHOOK_SECRET, retry_base_delay_s=0.1)


@pytest.fixture
def mock_stripe(webhook_settings):
    with AppServer(create_app(MockStripeSettings(API_KEY, webhook_settings))) as server:
        yield server


@pytest.fixture
def client(mock_stripe):
    return stripe.StripeClient(API_KEY, base_addresses={"api": mock_stripe.url()},
                               max_network_retries=0)


def pay(session) -> httpx.Response:
    return httpx.post(session.url, follow_redirects=False, timeout=10)


def test_create_session_returns_open_session(client):
    session = client.v1.checkout.sessions.create(tee_params())
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.amount_total == 2000
    assert session.currency == "usd"
    assert session.metadata.to_dict() == {"deviceId": "device-123"}
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.customer_email == "ada@example.com"
    assert session.url.endswith(f"/c/pay/{session.id}")


def test_retrieve_session_matches_created(client):
    created = client.v1.checkout.sessions.create(tee_params())
    retrieved = client.v1.checkout.sessions.retrieve(created.id)
    assert retrieved.id == created.id
    assert retrieved.amount_total == created.amount_total
    assert retrieved.success_url == SUCCESS_URL


def test_create_sums_line_items_and_quantities(client):
    items = [
        {"price_data": {"currency": "jpy", "unit_amount": 1500,
                        "product_data": {"name": "Tenugui"}}, "quantity": 2},
        {"price_data": {"currency": "jpy", "unit_amount": 300,
                        "product_data": {"name": "Sticker"}}, "quantity": 3},
    ]
    session = client.v1.checkout.sessions.create(tee_params(line_items=items))
    assert session.amount_total == 3900
    assert session.currency == "jpy"


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        (tee_params(line_items=None), "line_items", "parameter_missing"),
        (tee_params(mode=None), "mode", "parameter_missing"),
        (tee_params(colour="red"), "colour", "parameter_unknown"),
        (tee_params(success_url="not a url"), "success_url", "url_invalid"),
        (tee_params(line_items=[{"price_data": {"currency": "usd",
                                                "product_data": {"name": "x"}},
                                 "quantity": 1}]),
         "line_items[0][price_data][unit_amount]", "parameter_missing"),
        (tee_params(line_items=[{"price_data": {"currency": "usd", "unit_amount": "12.5",
                                                "product_data": {"name": "x"}},
                                 "quantity": 1}]),
         "line_items[0][price_data][unit_amount]", "parameter_invalid_integer"),
        (tee_params(metadata={"k" * 41: "v"}), f"metadata[{'k' * 41}]", None),
        (tee_params(success_url=None), "success_url", "parameter_missing"),
        (tee_params(success_url=""), "success_url", "parameter_missing"),
        (tee_params(customer_email="not-an-email"), "customer_email", "email_invalid"),
        (tee_params(customer_email="ada@localhost"), "customer_email", "email_invalid"),
        (tee_params(line_items=[{"price_data": {"currency": "zzz", "unit_amount": 100,
                                                "product_data": {"name": "x"}},
                                 "quantity": 1}]),
         "line_items[0][price_data][currency]", "parameter_invalid_string"),
    ],
)
def test_create_rejects_invalid_params(client, params, param, code):
    params = {key: value for key, value in params.items() if value is not None}
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params)
    assert raised.value.http_status == 400
    assert raised.value.param == param
    assert raised.value.code == code


def test_create_rejects_unsupported_currency(client):
    items = [{"price_data": {"currency": "zzz", "unit_amount": 100,
                             "product_data": {"name": "x"}}, "quantity": 1}]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(tee_params(line_items=items))
    assert raised.value.error.type == "invalid_request_error"
    assert "Invalid currency: zzz" in raised.value.user_message


def test_create_accepts_uppercase_currency(client):
    items = [{"price_data": {"currency": "EUR", "unit_amount": 100,
                             "product_data": {"name": "x"}}, "quantity": 1}]
    session = client.v1.checkout.sessions.create(tee_params(line_items=items))
    assert session.currency == "eur"


def test_create_rejects_mixed_currencies(client):
    items = [
        {"price_data": {"currency": "usd", "unit_amount": 100,
                        "product_data": {"name": "a"}}, "quantity": 1},
        {"price_data": {"currency": "jpy", "unit_amount": 100,
                        "product_data": {"name": "b"}}, "quantity": 1},
    ]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(tee_params(line_items=items))
    assert raised.value.param == "line_items"


def test_retrieve_unknown_session_is_404(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.retrieve("cs_test_missing")
    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"


def test_wrong_api_key_is_rejected(mock_stripe):
    wrong = stripe.StripeClient("sk_test_wrong_key_9999",
                                base_addresses={"api": mock_stripe.url()})
    with pytest.raises(stripe.AuthenticationError) as raised:
        wrong.v1.checkout.sessions.create(tee_params())
    assert raised.value.http_status == 401
    assert "sk_test_wrong_key_9999" not in raised.value.user_message
    assert raised.value.user_message.endswith("9999")


def test_missing_api_key_has_stripe_error_shape(mock_stripe):
    response = httpx.post(mock_stripe.url("/v1/checkout/sessions"), data={"mode": "payment"})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "API key" in response.json()["error"]["message"]


def test_unknown_api_route_is_404(mock_stripe):
    response = httpx.get(mock_stripe.url("/v1/customers"),
                         headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_idempotency_key_replays_first_result(client):
    options = {"idempotency_key": "order-42"}
    first = client.v1.checkout.sessions.create(tee_params(), options)
    second = client.v1.checkout.sessions.create(tee_params(), options)
    assert second.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(tee_params(customer_email="x@example.com"), options)


def test_checkout_page_shows_total_and_cancel(client):
    session = client.v1.checkout.sessions.create(tee_params())
    page = httpx.get(session.url)
    assert page.status_code == 200
    assert "20.00 USD" in page.text
    assert f"/cancel?session_id={session.id}" in page.text
    assert "<script" not in page.text
    assert "<link" not in page.text


def test_pay_redirects_with_session_id(client, receiver):
    session = client.v1.checkout.sessions.create(tee_params())
    response = pay(session)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/success"
    assert parse_qs(location.query)["session_id"] == [session.id]
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_pay_sends_signed_completed_event(client, receiver):
    session = client.v1.checkout.sessions.create(tee_params())
    pay(session)
    delivery = receiver.wait_for(1)[0]
    event = stripe.Webhook.construct_event(delivery.body, delivery.signature, WEBHOOK_SECRET)
    assert event.id.startswith("evt_")
    assert event.object == "event"
    assert event.type == "checkout.session.completed"
    assert event.livemode is False
    assert isinstance(event.created, int)
    assert event.api_version
    paid = event.data.object
    assert paid.id == session.id
    assert paid.amount_total == 2000
    assert paid.currency == "usd"
    assert paid.payment_status == "paid"
    assert paid.metadata.to_dict() == {"deviceId": "device-123"}


def test_signature_fails_with_other_secret(client, receiver):
    pay(client.v1.checkout.sessions.create(tee_params()))
    delivery = receiver.wait_for(1)[0]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body, delivery.signature, "whsec_other")


def test_sign_payload_matches_stripe_library():
    payload = json.dumps({"id": "evt_1", "object": "event"})
    header = sign_payload(payload, WEBHOOK_SECRET, 1_700_000_000)
    expected = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET,
                                                                 1_700_000_000)
    assert header == expected


def test_paying_twice_sends_one_event(client, receiver, mock_stripe):
    session = client.v1.checkout.sessions.create(tee_params())
    first = pay(session)
    second = pay(session)
    assert first.headers["location"] == second.headers["location"]
    time.sleep(0.5)
    assert len(receiver.received) == 1


def test_failed_delivery_is_retried(client, receiver, mock_stripe):
    receiver.statuses = [500, 503]
    pay(client.v1.checkout.sessions.create(tee_params()))
    deliveries = receiver.wait_for(3)
    event_ids = {json.loads(delivery.body)["id"] for delivery in deliveries}
    assert len(event_ids) == 1
    attempts = mock_stripe_attempts(mock_stripe)
    assert [attempt["status"] for attempt in attempts] == [500, 503, 200]
    # Doubling delays from 0.1 s: the third attempt comes at least 0.3 s after the first.
    assert attempts[2]["at"] - attempts[0]["at"] >= 0.3


def test_deliver_twice_repeats_event(client, receiver, webhook_settings):
    webhook_settings.deliver_twice = True
    pay(client.v1.checkout.sessions.create(tee_params()))
    deliveries = receiver.wait_for(2)
    assert json.loads(deliveries[0].body)["id"] == json.loads(deliveries[1].body)["id"]
    for delivery in deliveries:
        stripe.Webhook.construct_event(delivery.body, delivery.signature, WEBHOOK_SECRET)


def test_fail_first_delivery_retries_after_success(client, receiver, mock_stripe,
                                                   webhook_settings):
    webhook_settings.fail_first_delivery = True
    pay(client.v1.checkout.sessions.create(tee_params()))
    deliveries = receiver.wait_for(2)
    assert json.loads(deliveries[0].body)["id"] == json.loads(deliveries[1].body)["id"]
    outcomes = [attempt["outcome"] for attempt in mock_stripe_attempts(mock_stripe)]
    assert outcomes[0].startswith("response discarded")
    assert outcomes[1] == "delivered"


def test_admin_settings_toggle_knobs(mock_stripe, webhook_settings):
    headers = {"Authorization": f"Bearer {API_KEY}"}
    response = httpx.post(mock_stripe.url("/_mock/settings"), headers=headers,
                          json={"deliver_twice": True})
    assert response.status_code == 200
    assert webhook_settings.deliver_twice is True
    rejected = httpx.post(mock_stripe.url("/_mock/settings"), headers=headers,
                          json={"deliver_thrice": True})
    assert rejected.status_code == 400


def test_replay_resends_identical_request(client, receiver, mock_stripe):
    pay(client.v1.checkout.sessions.create(tee_params()))
    original = receiver.wait_for(1)[0]
    event_id = json.loads(original.body)["id"]
    response = httpx.post(mock_stripe.url(f"/_mock/events/{event_id}/replay"),
                          headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 200
    replayed = receiver.wait_for(2)[1]
    assert replayed.body == original.body
    assert replayed.signature == original.signature


def mock_stripe_attempts(mock_stripe) -> list[dict]:
    response = httpx.post(mock_stripe.url("/_mock/deliveries/wait"),
                          headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
    return response.json()["data"]


def test_decode_form_builds_nested_lists():
    body = (b"line_items[0][price_data][currency]=usd&line_items[0][quantity]=1"
            b"&line_items[1][quantity]=2&metadata[deviceId]=abc&mode=payment")
    assert decode_form(body) == {
        "line_items": [{"price_data": {"currency": "usd"}, "quantity": "1"},
                       {"quantity": "2"}],
        "metadata": {"deviceId": "abc"},
        "mode": "payment",
    }


@pytest.mark.parametrize("body", [b"line_items[1][quantity]=1", b"a=1&a[b]=2", b"a]=1"])
def test_decode_form_rejects_malformed_keys(body):
    with pytest.raises(StripeError):
        decode_form(body)


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [(2000, "usd", "20.00 USD"), (499, "usd", "4.99 USD"), (1500, "jpy", "1500 JPY")],
)
def test_format_amount_respects_zero_decimal(amount, currency, text):
    assert format_amount(amount, currency) == text
