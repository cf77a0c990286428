"""Server limits checked at call time, and rejected revenues, on Pyodide and MicroPython."""

import json
import socket

import pytest

from tests.support.recording_server import RecordingServer, Respond
from tests.support.sdk_harness import Harness, HarnessCallError

pytestmark = pytest.mark.browser

PENDING_KEY = "openpanel-pending-revenues"
REJECTED_KEY = "op_browser-rejected-revenues"


@pytest.fixture
def api():
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["py", "mpy"])
def harness(request, page, static_server):
    return Harness(page, static_server, request.param)


# (method, args, expected exception, fragment of the message)
BAD_CALLS = [
    ("pending_revenue", [2**53], "ValueError", "2**53 - 1"),
    ("pending_revenue", [1, None, None, None, "k" * 257], "ValueError", "256"),
    ("track", ["x" * 81], "ValueError", "80 characters"),
    ("track", ["a\nb"], "ValueError", "line break"),
    ("track", ["e\ud800"], "ValueError", "lone surrogate"),
    ("track", ["ok", {"note": "x\udc00"}], "ValueError", "properties['note']"),
    ("track", ["ok", {"k\ud800": 1}], "ValueError", "lone surrogate"),
    ("pending_revenue", [1, {"sku": "\ud800"}], "ValueError", "lone surrogate"),
    ("track", ["revenue", {"currency": "USD"}], "ValueError", "revenue(amount"),
    ("track", ["purchase", {"__revenue": 5}], "ValueError", "'__revenue'"),
    ("set_global_properties", [{"__deviceId": "spoof"}], "ValueError", "'__deviceId'"),
    ("set_global_properties", [{"__idempotencyKey": "k"}], "ValueError",
     "'__idempotencyKey'"),
]


def test_bad_calls_raise_and_send_nothing(harness, api):
    harness.open(api.api_url)
    for method, args, error, fragment in BAD_CALLS:
        with pytest.raises(HarnessCallError) as raised:
            harness.call(method, *args)
        assert raised.value.error == error, (method, args)
        assert fragment in raised.value.message, (method, args)
    harness.call("track", "after_bad_calls")
    assert [body["payload"]["name"] for body in api.tracks()] == ["after_bad_calls"]
    properties = api.tracks()[0]["payload"]["properties"]
    assert properties["__deviceId"] == harness.call("get_device_id")
    assert harness.stored_pending() == []


def test_rejected_revenue_moved_aside(harness, api):
    harness.open(api.api_url)
    key = harness.call("pending_revenue", 1999, {"currency": "USD"})
    api.plan(Respond(400, {"message": "schema"}))
    first = harness.call("flush_revenue")
    second = harness.call("flush_revenue")
    assert [entry["amount"] for entry in first["rejected"]] == [1999]
    assert first["rejected"][0]["status"] == 400
    assert first["ok"] is False
    assert second["rejected"] == []
    assert len(api.tracks()) == 1
    assert harness.session_item(PENDING_KEY) is None
    stored = json.loads(harness.session_item(REJECTED_KEY))
    assert [entry["properties"]["__idempotencyKey"] for entry in stored] == [key]
    assert "schema" in stored[0]["reason"]
    assert harness.call("rejected_revenues") == stored


def test_unauthorized_revenue_stays_pending(harness, api):
    harness.open(api.api_url)
    harness.call("pending_revenue", 5)
    api.plan(Respond(401, {"message": "origin not allowed"}))
    result = harness.call("flush_revenue")
    assert result["rejected"] == []
    assert [entry["amount"] for entry in result["pending"]] == [5]
    assert harness.session_item(REJECTED_KEY) is None


def test_network_retry_logs_no_chaining_warning(harness, api):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()
    harness.open(closed_url, constants={"retry.RETRY_BASE_DELAY_S": 0.01})
    with pytest.raises(HarnessCallError) as raised:
        harness.call("track", "unreachable")
    assert raised.value.error == "SendError"
    assert "network error" in raised.value.message
    assert any("retrying event 'unreachable'" in line for line in harness.console)
    assert not any("chaining" in line for line in harness.console), harness.console
