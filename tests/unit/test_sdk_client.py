"""The OpenPanel client on CPython, end to end against a recording server on 127.0.0.1."""

import copy

import pytest

from op_browser import FlushResult, OpenPanel, SendError, retry
from tests.support.recording_server import Hang, Respond

CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
WAIT_S = 30


@pytest.fixture
def op(server):
    return OpenPanel(client_id=CLIENT_ID, client_secret="sec_1", api_url=server.api_url)


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(retry, "RETRY_BASE_DELAY_S", 0.02)


def payload(body):
    return body["payload"]


def test_track_body(op, server):
    op.set_global_properties({"plan": "pro"})
    op.track("add_to_cart", {"sku": "tee-01"}, profile_id="u1").result(WAIT_S)
    assert server.tracks() == [{"type": "track", "payload": {
        "name": "add_to_cart", "profileId": "u1",
        "properties": {"plan": "pro", "sku": "tee-01"}}}]


def test_track_lifts_profile_id_from_properties(op, server):
    op.track("x", {"profileId": "u9", "a": 1}).result(WAIT_S)
    assert payload(server.tracks()[0])["profileId"] == "u9"
    assert payload(server.tracks()[0])["properties"] == {"a": 1}


def test_revenue_body(op, server):
    op.revenue(1999, {"currency": "USD"}, device_id="dev-1", profile_id="u1",
               idempotency_key="cs_test_1").result(WAIT_S)
    body = payload(server.tracks()[0])
    assert body["name"] == "revenue"
    assert body["profileId"] == "u1"
    assert body["properties"] == {"currency": "USD", "__deviceId": "dev-1",
                                  "__idempotencyKey": "cs_test_1", "__revenue": 1999}


def test_revenue_generates_unique_keys(op, server):
    op.revenue(100).result(WAIT_S)
    op.revenue(100).result(WAIT_S)
    keys = server.revenue_keys()
    assert len(set(keys)) == 2
    assert all(len(key) == 36 for key in keys)


def test_revenue_without_identity_has_no_device(op, server):
    op.revenue(500).result(WAIT_S)
    body = payload(server.tracks()[0])
    assert "__deviceId" not in body["properties"]
    assert "profileId" not in body


def test_revenue_lifts_web_sdk_device_key(op, server):
    op.revenue(1, {"deviceId": "dev-2"}).result(WAIT_S)
    properties = payload(server.tracks()[0])["properties"]
    assert properties["__deviceId"] == "dev-2"
    assert "deviceId" not in properties


def test_identify_body(op, server):
    op.set_global_properties({"plan": "pro"})
    op.identify("u1", email="ada@example.com", first_name="Ada", last_name="Lovelace",
                avatar="https://example.com/ada.png", properties={"team": "math"}).result(WAIT_S)
    assert server.tracks() == [{"type": "identify", "payload": {
        "profileId": "u1", "firstName": "Ada", "lastName": "Lovelace",
        "email": "ada@example.com", "avatar": "https://example.com/ada.png",
        "properties": {"plan": "pro", "team": "math"}}}]


def test_identify_with_only_id_sends_nothing(op, server):
    assert op.identify("u1").result(WAIT_S) is None
    op.track("after").result(WAIT_S)
    assert [body["type"] for body in server.tracks()] == ["track"]
    assert payload(server.tracks()[0])["profileId"] == "u1"


def test_increment_and_decrement_bodies(op, server):
    op.increment("u1", "logins", 1).result(WAIT_S)
    op.decrement("u1", "credits", 2.5).result(WAIT_S)
    assert server.tracks() == [
        {"type": "increment", "payload": {"profileId": "u1", "property": "logins", "value": 1}},
        {"type": "decrement", "payload": {"profileId": "u1", "property": "credits", "value": 2.5}},
    ]


def test_screen_view_then_track_carry_path(op, server):
    op.screen_view("/checkout", {"step": 1}).result(WAIT_S)
    op.screen_view("/checkout").result(WAIT_S)
    op.track("x").result(WAIT_S)
    bodies = server.tracks()
    assert len(bodies) == 2
    assert payload(bodies[0])["properties"] == {"step": 1, "__path": "/checkout"}
    assert payload(bodies[1])["properties"] == {"__path": "/checkout"}


def test_callers_dicts_not_mutated(op):
    properties = {"currency": "USD", "deviceId": "dev-1", "profileId": "u1",
                  "items": [{"sku": "a"}]}
    before = copy.deepcopy(properties)
    op.set_global_properties(properties)
    op.track("x", properties).result(WAIT_S)
    op.revenue(1, properties).result(WAIT_S)
    op.pending_revenue(1, properties)
    op.identify("u1", properties=properties).result(WAIT_S)
    op.flush_revenue().result(WAIT_S)
    assert properties == before


def test_disabled_holds_until_ready(server):
    op = OpenPanel(client_id=CLIENT_ID, api_url=server.api_url, disabled=True)
    handle = op.track("held", {"a": 1})
    op.identify("u1")
    assert handle.done() is False
    assert server.tracks() == []
    op.ready()
    answer = handle.result(WAIT_S)
    properties = payload(server.tracks()[0])["properties"]
    assert answer["sessionId"] == "server-session-id"
    assert properties["a"] == 1
    assert properties["__timestamp"].endswith("Z")
    assert payload(server.tracks()[0])["profileId"] == "u1"


def test_wait_for_profile_holds_until_identify(server):
    op = OpenPanel(client_id=CLIENT_ID, api_url=server.api_url, wait_for_profile=True)
    first = op.track("before_login")
    second = op.increment("u7", "visits", 1)
    assert server.tracks() == []
    op.identify("u7")
    first.result(WAIT_S)
    second.result(WAIT_S)
    bodies = {body["type"]: body for body in server.tracks()}
    assert sorted(bodies) == ["increment", "track"]
    assert payload(bodies["track"])["profileId"] == "u7"


def test_filter_skips_message(server):
    seen = []

    def keep_only_revenue(message):
        seen.append(message["type"])
        return message["payload"].get("name") == "revenue"

    op = OpenPanel(client_id=CLIENT_ID, api_url=server.api_url, filter=keep_only_revenue)
    assert op.track("noise").result(WAIT_S) is None
    op.revenue(10).result(WAIT_S)
    assert seen == ["track", "track"]
    assert [payload(body)["name"] for body in server.tracks()] == ["revenue"]


def test_pending_revenue_flushed_once(op, server):
    key = op.pending_revenue(1999, {"currency": "USD"})
    result = op.flush_revenue().result(WAIT_S)
    again = op.flush_revenue().result(WAIT_S)
    assert isinstance(result, FlushResult)
    assert [entry["amount"] for entry in result.sent] == [1999]
    assert result.ok is True
    assert again.sent == []
    assert server.revenue_keys() == [key]


def test_pending_revenue_same_key_added_once(op, server):
    op.pending_revenue(1999, idempotency_key="order-17")
    op.pending_revenue(1999, idempotency_key="order-17")
    op.flush_revenue().result(WAIT_S)
    assert server.revenue_keys() == ["order-17"]


@pytest.mark.usefixtures("fast_retries")
def test_failed_flush_keeps_revenue_for_next(op, server):
    key = op.pending_revenue(1999, {"currency": "USD"})
    server.plan(*[Respond(500)] * (retry.MAX_RETRIES + 1))
    failed = op.flush_revenue().result(WAIT_S)
    assert failed.sent == []
    assert [entry["amount"] for entry in failed.failed] == [1999]
    assert "HTTP 500" in failed.failed[0]["reason"]
    assert [entry["amount"] for entry in failed.pending] == [1999]
    assert failed.ok is False
    retried = op.flush_revenue().result(WAIT_S)
    assert [entry["amount"] for entry in retried.sent] == [1999]
    assert retried.pending == []
    assert set(server.revenue_keys()) == {key}


def test_rejected_revenue_moved_aside(op, server):
    server.plan(Respond(400, {"message": "bad revenue"}))
    key = op.pending_revenue(5)
    result = op.flush_revenue().result(WAIT_S)
    assert result.failed == []
    assert [entry["amount"] for entry in result.rejected] == [5]
    assert "bad revenue" in result.rejected[0]["reason"]
    assert result.rejected[0]["status"] == 400
    assert result.ok is False
    assert op.pending_revenues() == []
    assert [entry["properties"]["__idempotencyKey"] for entry in op.rejected_revenues()] == [key]
    assert len(server.tracks()) == 1


def test_unauthorized_revenue_stays_pending(op, server):
    server.plan(Respond(401, {"message": "bad secret"}))
    op.pending_revenue(5)
    result = op.flush_revenue().result(WAIT_S)
    assert "bad secret" in result.failed[0]["reason"]
    assert result.rejected == []
    assert len(op.pending_revenues()) == 1


def test_overlapping_flushes_send_once(op, server):
    op.pending_revenue(100)
    op.pending_revenue(200)
    server.plan(Hang(), Hang())
    first = op.flush_revenue()
    second = op.flush_revenue().result(WAIT_S)
    server.release()
    first_result = first.result(WAIT_S)
    assert second.sent == []
    assert sorted(entry["amount"] for entry in second.in_flight) == [100, 200]
    assert sorted(entry["amount"] for entry in first_result.sent) == [100, 200]
    assert len(server.revenue_keys()) == 2


def test_flush_sends_concurrently(op, server):
    for amount in (1, 2, 3):
        op.pending_revenue(amount)
    server.plan(Hang(), Hang(), Hang())
    handle = op.flush_revenue()
    server.wait_for_tracks(3, WAIT_S)
    server.release()
    assert len(handle.result(WAIT_S).sent) == 3


def test_flush_pending_revenue_body(op, server):
    op.identify("u1")
    key = op.pending_revenue(2000, {"product_id": "123"}, device_id="dev-9")
    op.flush_revenue().result(WAIT_S)
    body = payload(server.tracks()[0])
    assert body["profileId"] == "u1"
    assert body["properties"] == {"product_id": "123", "__deviceId": "dev-9",
                                  "__idempotencyKey": key, "__revenue": 2000}


def test_flush_while_disabled_waits_for_ready(server):
    op = OpenPanel(client_id=CLIENT_ID, api_url=server.api_url, disabled=True)
    op.pending_revenue(300)
    handle = op.flush_revenue()
    assert handle.done() is False
    op.ready()
    assert [entry["amount"] for entry in handle.result(WAIT_S).sent] == [300]


def test_clear_revenue_removes_pending(op, server):
    op.pending_revenue(1)
    op.clear_revenue()
    assert op.flush_revenue().result(WAIT_S).sent == []
    assert server.tracks() == []


def test_clear_forgets_profile(op, server):
    op.identify("u1")
    op.clear()
    op.track("x").result(WAIT_S)
    assert "profileId" not in payload(server.tracks()[0])


def test_device_id_on_cpython_comes_from_answers(op):
    assert op.get_device_id() == ""
    assert op.fetch_device_id().result(WAIT_S) == ""
    op.track("x").result(WAIT_S)
    assert op.get_device_id() == "server-device-id"


def test_queue_overflow_fails_dropped_handle(server, monkeypatch):
    monkeypatch.setattr("op_browser.event_queue.MAX_QUEUED_SENDS", 2)
    op = OpenPanel(client_id=CLIENT_ID, api_url=server.api_url, disabled=True)
    oldest = op.track("a")
    kept = [op.track("b"), op.track("c")]
    with pytest.raises(SendError, match="dropped"):
        oldest.result(WAIT_S)
    # Send the two held events while the server runs, so none is left at exit.
    op.ready()
    for handle in kept:
        handle.result(WAIT_S)
