"""Revenue idempotency keys and the 100 ms guard against byte-identical payloads."""

import json
import logging
import threading
import time

import pytest

from tests.collector.projects import OPEN_PROJECT
from tests.support.collector import CollectorServer

BACKEND_AGENT = "python-httpx/0.28.1"


def revenue(key, amount=1999, **properties):
    return {
        "name": "revenue",
        "properties": {"__revenue": amount, "__idempotencyKey": key, **properties},
    }


def test_repeated_revenue_key_not_stored(collector):
    first = collector.track("track", revenue("cs_test_1"))
    time.sleep(0.15)
    second = collector.track("track", revenue("cs_test_1"))
    assert first.status_code == 200
    assert second.status_code == 200
    assert second.json() == {**first.json(), "duplicate": True}
    assert "duplicate" not in first.json()
    assert collector.count_rows() == 1


@pytest.mark.parametrize(
    ("second_amount", "second_currency", "expected_text"),
    [
        (2500, "usd", "stored revenue with that key is 1999 USD but this one is 2500 USD"),
        (1999, "EUR", "stored revenue with that key is 1999 USD but this one is 1999 EUR"),
    ],
    ids=["amount", "currency"],
)
def test_differing_revenue_with_stored_key_warns(
    collector, caplog, second_amount, second_currency, expected_text
):
    collector.track("track", revenue("cs_test_9", currency="usd"))
    caplog.clear()
    second = collector.track(
        "track", revenue("cs_test_9", amount=second_amount, currency=second_currency)
    )
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert collector.count_rows() == 1
    [event] = collector.export_events()
    assert event["revenue"] == 1999
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert expected_text in warnings[0].getMessage()
    assert "'cs_test_9'" in warnings[0].getMessage()


def test_identical_revenue_retry_does_not_warn(collector, caplog):
    caplog.set_level(logging.INFO, logger="demo.collector")
    collector.track("track", revenue("cs_test_10", currency="usd"))
    time.sleep(0.15)
    caplog.clear()
    collector.track("track", revenue("cs_test_10", currency="USD"))
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert "'cs_test_10' is already stored" in caplog.text


@pytest.mark.parametrize(
    "key",
    ["k" * 256, "\u20ac" * 256, "\U0001f600" * 256, " ", "cs_test_\u00e9"],
    ids=["256-ascii", "256-euro-signs", "256-emoji", "whitespace", "accented"],
)
def test_revenue_key_accepted_as_sdk_sends(collector, key):
    response = collector.track("track", revenue(key))
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["properties"]["__idempotencyKey"] == key
    repeat = collector.track("track", revenue(key), origin=None, secret=True)
    assert repeat.json()["duplicate"] is True
    assert collector.count_rows() == 1


@pytest.mark.parametrize(
    "key", ["k" * 257, "\U0001f600" * 257, "", 42], ids=["257", "257-emoji", "empty", "int"]
)
def test_invalid_revenue_key_is_400(collector, key):
    payload = {"name": "revenue", "properties": {"__revenue": 100, "__idempotencyKey": key}}
    response = collector.track("track", payload)
    assert response.status_code == 400
    message = response.json()["message"]
    assert "__idempotencyKey must be a non-empty string of at most 256 characters" in message
    assert collector.count_rows() == 0


def test_revenue_key_applies_across_senders(collector):
    browser = collector.track("track", revenue("order-7", __deviceId="dev-1"))
    backend = collector.track(
        "track",
        revenue("order-7", __deviceId="dev-1"),
        secret=True,
        origin=None,
        user_agent=BACKEND_AGENT,
    )
    assert browser.status_code == 200
    assert backend.status_code == 200
    assert collector.count_rows() == 1


def test_revenue_key_match_ignores_other_properties(collector):
    collector.track("track", revenue("order-8", amount=1000, attempt=1))
    collector.track("track", revenue("order-8", amount=1000, attempt=2))
    [event] = collector.export_events()
    assert event["properties"]["attempt"] == 1


def test_revenues_with_different_keys_are_both_stored(collector):
    collector.track("track", revenue("order-1"))
    collector.track("track", revenue("order-2"))
    assert collector.count_rows() == 2


def test_revenues_without_key_are_both_stored(collector):
    payload = {"name": "revenue", "properties": {"__revenue": 500}}
    collector.track("track", payload)
    time.sleep(0.15)
    collector.track("track", payload)
    assert collector.count_rows() == 2


def test_same_key_in_two_projects_is_stored_twice(tmp_path):
    demo_and_open = [
        {
            "id": "demo-shop",
            "name": "Demo shop",
            "client_id": "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b",
            "client_secret": "sec_demo_4c1f9e2b7a6d",
            "allowed_origins": ["*"],
            "allow_unsafe_revenue_tracking": True,
        },
        OPEN_PROJECT,
    ]
    with CollectorServer(tmp_path, projects=demo_and_open) as server:
        first = server.track("track", revenue("shared"), project=server.projects[0])
        second = server.track("track", revenue("shared"), project=server.projects[1])
        assert first.status_code == 200
        assert second.status_code == 200
        assert server.count_rows() == 2


def test_key_on_other_event_is_not_deduplicated(collector):
    payload = {"name": "checkout", "properties": {"__idempotencyKey": "k1"}}
    collector.track("track", payload)
    time.sleep(0.15)
    collector.track("track", payload)
    assert collector.count_rows() == 2


def test_concurrent_revenues_with_same_key_store_one_row(collector):
    statuses = []
    barrier = threading.Barrier(16)

    def send(attempt):
        # Distinct bodies, so the 100 ms guard cannot be what stops the copies.
        body = revenue("concurrent-key", attempt=attempt)
        barrier.wait()
        statuses.append(collector.track("track", body, secret=True, origin=None).status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 16
    assert collector.count_rows() == 1


def test_identical_payload_within_100_ms_is_dropped(collector):
    headers = collector.headers()
    # A busy machine can delay the second request past the window, so try a
    # few fresh bodies and judge only a pair sent inside it.
    for attempt in range(5):
        payload = {"name": "click", "properties": {"attempt": attempt}}
        body = json.dumps({"type": "track", "payload": payload})
        started = time.monotonic()
        first = collector.http.post("/track", content=body, headers=headers)
        second = collector.http.post("/track", content=body, headers=headers)
        if time.monotonic() - started < 0.08:
            break
    stored = collector.export_events(event="click")
    assert first.status_code == 200
    assert second.status_code == 200
    assert second.json() == first.json()
    assert [event["properties"]["attempt"] for event in stored].count(attempt) == 1


def test_identical_payload_after_window_is_stored(collector):
    body = json.dumps({"type": "track", "payload": {"name": "click"}})
    headers = collector.headers()
    collector.http.post("/track", content=body, headers=headers)
    time.sleep(0.2)
    collector.http.post("/track", content=body, headers=headers)
    assert collector.count_rows() == 2


def test_identical_payload_from_other_origin_is_stored(collector):
    body = json.dumps({"type": "track", "payload": {"name": "click"}})
    collector.http.post("/track", content=body, headers=collector.headers(origin="http://a.test"))
    collector.http.post("/track", content=body, headers=collector.headers(origin="http://b.test"))
    assert collector.count_rows() == 2


def test_payload_differing_in_one_byte_is_stored(collector):
    headers = collector.headers()
    collector.http.post(
        "/track", content=b'{"type":"track","payload":{"name":"click"}}', headers=headers
    )
    collector.http.post(
        "/track", content=b'{"type":"track","payload":{"name":"click"} }', headers=headers
    )
    assert collector.count_rows() == 2


def test_identical_backend_payloads_without_origin_are_stored(collector):
    body = json.dumps({"type": "track", "payload": {"name": "webhook_seen"}})
    headers = collector.headers(secret=True, origin=None, user_agent=BACKEND_AGENT)
    collector.http.post("/track", content=body, headers=headers)
    collector.http.post("/track", content=body, headers=headers)
    assert collector.count_rows() == 2


def send_copies_at_once(collector, body, copies):
    """Post `copies` identical bodies from parallel threads; return responses and seconds taken."""
    headers = collector.headers()
    barrier = threading.Barrier(copies)
    responses = []

    def send():
        barrier.wait()
        responses.append(collector.http.post("/track", content=body, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(copies)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses, time.monotonic() - started


def test_concurrent_identical_payloads_store_one_row(collector):
    copies = 5
    # As above, judge only a burst that fitted inside the 100 ms window.
    for attempt in range(5):
        payload = {"name": "double_click", "properties": {"attempt": attempt}}
        body = json.dumps({"type": "track", "payload": payload})
        responses, elapsed_s = send_copies_at_once(collector, body, copies)
        if elapsed_s < 0.08:
            break
    stored = collector.export_events(event="double_click")
    assert [response.status_code for response in responses] == [200] * copies
    assert len({response.text for response in responses}) == 1
    assert [event["properties"]["attempt"] for event in stored].count(attempt) == 1
