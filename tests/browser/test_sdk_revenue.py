"""Pending revenues in real sessionStorage, on Pyodide and MicroPython in Chromium.

Each test drives op_browser in a harness page against a recording server that
can fail, hang or drop requests, and checks what reached the server and what
stayed in storage.
"""

import json
import socket
import time

import pytest

from tests.support.recording_server import DROP, Hang, RecordingServer, Respond
from tests.support.sdk_harness import Harness, HarnessCallError

pytestmark = pytest.mark.browser

PENDING_KEY = "openpanel-pending-revenues"
# Retries a hundred times faster than in production, so a give-up takes well
# under a second.
FAST_RETRIES = {"retry.RETRY_BASE_DELAY_S": 0.005}


@pytest.fixture
def api():
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["py", "mpy"])
def harness(request, page, static_server):
    return Harness(page, static_server, request.param)


def unused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def amounts(entries):
    return sorted(entry["amount"] for entry in entries)


def test_pending_revenue_survives_reload(harness, api):
    harness.open(api.api_url)
    key = harness.call("pending_revenue", 1999, {"currency": "USD", "product_id": "123"})
    harness.reload()
    stored = harness.call("pending_revenues")
    assert stored == [{"amount": 1999, "properties": {
        "currency": "USD", "product_id": "123", "__idempotencyKey": key}}]
    assert api.tracks() == []


def test_storage_uses_web_sdk_shape(harness, api):
    harness.open(api.api_url)
    key = harness.call("pending_revenue", 2000, {"productId": "123"})
    assert harness.stored_pending() == [
        {"amount": 2000, "properties": {"productId": "123", "__idempotencyKey": key}}]


def test_flush_after_reload_sends_once(harness, api):
    harness.open(api.api_url)
    key = harness.call("pending_revenue", 1999, {"currency": "USD"})
    harness.reload()
    first = harness.call("flush_revenue")
    second = harness.call("flush_revenue")
    assert amounts(first["sent"]) == [1999]
    assert first["ok"] is True
    assert second["sent"] == []
    assert api.revenue_keys() == [key]
    assert harness.session_item(PENDING_KEY) is None


def test_flush_sends_every_pending_revenue(harness, api):
    harness.open(api.api_url)
    for amount in (100, 200, 300):
        harness.call("pending_revenue", amount)
    result = harness.call("flush_revenue")
    assert amounts(result["sent"]) == [100, 200, 300]
    assert len(set(api.revenue_keys())) == 3


def test_failed_flush_keeps_revenue_for_next(harness, api):
    harness.open(api.api_url, constants=FAST_RETRIES)
    key = harness.call("pending_revenue", 1999, {"currency": "USD"})
    api.plan(*[Respond(500, {"message": "database down"})] * 4)
    failed = harness.call("flush_revenue")
    assert failed["sent"] == []
    assert amounts(failed["failed"]) == [1999]
    assert "database down" in failed["failed"][0]["reason"]
    assert amounts(harness.stored_pending()) == [1999]

    harness.reload()
    retried = harness.call("flush_revenue")
    assert amounts(retried["sent"]) == [1999]
    assert harness.session_item(PENDING_KEY) is None
    assert set(api.revenue_keys()) == {key}


def test_flush_with_server_down_keeps_revenue(harness, api, static_server):
    harness.open(f"http://127.0.0.1:{unused_port()}", constants=FAST_RETRIES)
    key = harness.call("pending_revenue", 750)
    down = harness.call("flush_revenue")
    assert amounts(down["failed"]) == [750]
    assert "network error" in down["failed"][0]["reason"]
    assert amounts(harness.stored_pending()) == [750]

    # Same tab and origin, so sessionStorage carries over to the page that
    # talks to a server that is up.
    harness.open(api.api_url)
    up = harness.call("flush_revenue")
    assert amounts(up["sent"]) == [750]
    assert api.revenue_keys() == [key]


def test_dropped_connection_retried(harness, api):
    harness.open(api.api_url, constants=FAST_RETRIES)
    harness.call("pending_revenue", 10)
    api.plan(DROP)
    result = harness.call("flush_revenue")
    assert amounts(result["sent"]) == [10]
    assert len(api.revenue_keys()) == 2
    assert len(set(api.revenue_keys())) == 1


def test_racing_flushes_never_double_send(harness, api):
    harness.open(api.api_url)
    for amount in (100, 200):
        harness.call("pending_revenue", amount)
    api.plan(Hang(), Hang())
    first = harness.start("flush_revenue")
    second = harness.start("flush_revenue")
    second_result = harness.wait(second)
    api.release()
    first_result = harness.wait(first)
    assert second_result["sent"] == []
    assert amounts(second_result["in_flight"]) == [100, 200]
    assert amounts(first_result["sent"]) == [100, 200]
    assert len(api.revenue_keys()) == 2
    assert harness.session_item(PENDING_KEY) is None


def test_reload_during_flush_waits_for_lease(harness, api):
    # A lease of 7 s (a 1 s request timeout plus a 6 s margin) outlasts a
    # Pyodide reload, which takes about 4 s here.
    lease_s = 7.0
    constants = {"client.REQUEST_TIMEOUT_S": 1, "client.LEASE_MARGIN_S": lease_s - 1}
    harness.open(api.api_url, constants=constants)
    key = harness.call("pending_revenue", 1999)
    api.plan(Hang())
    leased_at = time.monotonic()
    harness.start("flush_revenue")
    api.wait_for_tracks(1)

    harness.reload()
    during_lease = harness.call("flush_revenue")
    assert time.monotonic() - leased_at < lease_s
    assert during_lease["sent"] == []
    assert amounts(during_lease["in_flight"]) == [1999]
    assert len(api.revenue_keys()) == 1

    # The first page never received the response, so after the lease the revenue
    # goes out again with the same key, which the collector deduplicates.
    api.release()
    time.sleep(max(0.0, leased_at + lease_s + 0.2 - time.monotonic()))
    after_lease = harness.call("flush_revenue")
    assert amounts(after_lease["sent"]) == [1999]
    assert api.revenue_keys() == [key, key]


def test_clear_revenue_discards_pending(harness, api):
    harness.open(api.api_url)
    harness.call("pending_revenue", 1999)
    harness.call("clear_revenue")
    harness.reload()
    result = harness.call("flush_revenue")
    assert result["sent"] == []
    assert result["pending"] == []
    assert api.tracks() == []


def test_rate_limit_retry_after_read_in_browser(harness, api):
    harness.open(api.api_url)
    harness.call("pending_revenue", 5)
    api.plan(Respond(429, headers={"Retry-After": "1"}))
    result = harness.call("flush_revenue")
    requests = api.track_requests()
    assert amounts(result["sent"]) == [5]
    assert len(requests) == 2
    assert requests[1].time - requests[0].time >= 0.95


def test_rejected_revenue_not_retried_and_moved(harness, api):
    harness.open(api.api_url)
    harness.call("pending_revenue", 5)
    api.plan(Respond(400, {"message": "__revenue must be an integer"}))
    result = harness.call("flush_revenue")
    assert len(api.tracks()) == 1
    assert "__revenue must be an integer" in result["rejected"][0]["reason"]
    assert result["failed"] == []
    assert result["pending"] == []
    assert amounts(json.loads(harness.session_item("op_browser-rejected-revenues"))) == [5]
    assert any("gave up sending pending revenue 5" in line for line in harness.console)
    assert any("op_browser-rejected-revenues" in line for line in harness.console)


def test_unreadable_storage_reported_once(harness, api):
    harness.open(api.api_url)
    harness.page.evaluate(f"sessionStorage.setItem('{PENDING_KEY}', '[{{not json')")
    harness.reload()
    harness.call("pending_revenue", 300)
    harness.call("pending_revenues")
    errors = [line for line in harness.console if "unreadable" in line]
    assert len(errors) == 1
    assert amounts(harness.stored_pending()) == [300]


def test_invalid_entries_kept_and_valid_flushed(harness, api):
    harness.open(api.api_url)
    stored = [{"amount": 19.99, "properties": {}}, {"amount": 400, "properties": {}}]
    harness.page.evaluate("([key, value]) => sessionStorage.setItem(key, value)",
                          [PENDING_KEY, json.dumps(stored)])
    harness.reload()
    result = harness.call("flush_revenue")
    assert amounts(result["sent"]) == [400]
    assert harness.stored_pending() == [{"amount": 19.99, "properties": {}}]


def test_throwing_storage_falls_back_to_memory(harness, api):
    harness.page.add_init_script("""
        Object.defineProperty(window, 'sessionStorage', {
            get() { throw new DOMException('storage is disabled', 'SecurityError'); },
        });
    """)
    harness.open(api.api_url)
    harness.call("pending_revenue", 1999)
    result = harness.call("flush_revenue")
    warnings = [line for line in harness.console if "keeping its data in memory" in line]
    assert amounts(result["sent"]) == [1999]
    assert len(warnings) == 1


def test_client_secret_raises_in_browser(harness, api):
    harness.open(api.api_url)
    with pytest.raises(HarnessCallError) as raised:
        harness.call("new_client", client_secret="sec_1")
    assert raised.value.error == "ValueError"
    assert "page source" in raised.value.message


def test_bad_amount_raises_in_browser(harness, api):
    harness.open(api.api_url)
    with pytest.raises(HarnessCallError) as raised:
        harness.call("pending_revenue", 19.99)
    assert raised.value.error == "TypeError"
    assert "19.99" in raised.value.message
    assert harness.session_item(PENDING_KEY) is None
