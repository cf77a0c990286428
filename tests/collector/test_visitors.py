"""Device ids, sessions with first-touch sources, profiles and the other payload types."""

import logging
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.collector import BROWSER_USER_AGENT

BACKEND_AGENT = "python-httpx/0.28.1"
OTHER_BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"


def view(path, referrer="", **properties):
    return {
        "name": "screen_view",
        "properties": {"__path": path, "__referrer": referrer, **properties},
    }


def test_track_returns_device_and_session_ids(collector):
    response = collector.track("track", {"name": "signup"})
    body = response.json()
    assert len(body["deviceId"]) == 32
    assert body["sessionId"] != ""
    [event] = collector.export_events()
    assert event["deviceId"] == body["deviceId"]
    assert event["sessionId"] == body["sessionId"]


def test_cookieless_device_id_is_stable_per_browser(collector):
    first = collector.track("track", {"name": "a"}).json()
    second = collector.track("track", {"name": "b"}).json()
    other = collector.track("track", {"name": "c"}, user_agent=OTHER_BROWSER).json()
    assert first == second
    assert other["deviceId"] != first["deviceId"]
    assert other["sessionId"] != first["sessionId"]


def test_device_id_property_sets_device_id(collector):
    response = collector.track("track", {"name": "a", "properties": {"__deviceId": "  dev-42  "}})
    assert response.json()["deviceId"] == "dev-42"
    [event] = collector.export_events()
    assert event["deviceId"] == "dev-42"
    assert event["properties"]["__deviceId"] == "  dev-42  "


def test_device_id_over_64_chars_is_ignored(collector):
    cookieless = collector.track("track", {"name": "a"}).json()["deviceId"]
    response = collector.track("track", {"name": "b", "properties": {"__deviceId": "d" * 65}})
    assert response.json()["deviceId"] == cookieless


def test_backend_event_without_identity_has_no_device(collector):
    response = collector.track(
        "track", {"name": "cron_ran"}, secret=True, origin=None, user_agent=BACKEND_AGENT
    )
    assert response.json() == {"deviceId": "", "sessionId": ""}
    [event] = collector.export_events()
    assert event["deviceId"] == ""
    assert event["profileId"] == ""


def test_backend_revenue_joins_live_session_of_device(collector):
    browser = collector.track("track", view("https://shop.test/", __deviceId="dev-9")).json()
    backend = collector.track(
        "track",
        {"name": "revenue", "properties": {"__revenue": 100, "__deviceId": "dev-9"}},
        secret=True,
        origin=None,
        user_agent=BACKEND_AGENT,
    ).json()
    assert backend == browser


def test_backend_event_joins_live_session_of_profile(collector):
    browser = collector.track("track", {"name": "login", "profileId": "user-5"}).json()
    backend = collector.track(
        "track",
        {"name": "revenue", "profileId": "user-5", "properties": {"__revenue": 100}},
        secret=True,
        origin=None,
        user_agent=BACKEND_AGENT,
    ).json()
    assert backend == browser


def test_session_keeps_first_touch_source(collector):
    collector.track(
        "track",
        view(
            "https://shop.test/?utm_source=newsletter&utm_campaign=winter",
            "https://www.google.com/",
        ),
    )
    collector.track(
        "track", view("https://shop.test/cart", "https://shop.test/?utm_source=newsletter")
    )
    collector.track("track", view("https://shop.test/pay", "https://news.example/"))
    events = collector.export_events()
    assert len({event["sessionId"] for event in events}) == 1
    assert [event["referrerName"] for event in events] == ["Google"] * 3
    assert [event["referrer"] for event in events] == ["https://www.google.com"] * 3


def test_same_site_referrer_is_not_a_source(collector):
    collector.track("track", view("https://shop.test/cart", "https://shop.test/"))
    [event] = collector.export_events()
    assert event["referrer"] == ""
    assert event["path"] == "/cart"
    assert event["origin"] == "https://shop.test"


def test_session_ends_after_30_idle_minutes(collector):
    old = (datetime.now(timezone.utc) - timedelta(minutes=45)).isoformat()
    first = collector.track("track", {"name": "a", "properties": {"__timestamp": old}}).json()
    second = collector.track("track", {"name": "b"}).json()
    assert second["deviceId"] == first["deviceId"]
    assert second["sessionId"] != first["sessionId"]


def test_timestamp_property_sets_event_time(collector):
    collector.track(
        "track", {"name": "queued", "properties": {"__timestamp": "2026-01-02T03:04:05.678Z"}}
    )
    [event] = collector.export_events()
    assert event["createdAt"] == "2026-01-02T03:04:05.678Z"


def test_future_timestamp_is_replaced_by_arrival_time(collector):
    future = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    collector.track("track", {"name": "skewed", "properties": {"__timestamp": future}})
    [event] = collector.export_events()
    created = datetime.fromisoformat(event["createdAt"].replace("Z", "+00:00"))
    assert abs(created - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_sdk_headers_are_stored(collector):
    headers = {
        **collector.headers(),
        "openpanel-sdk-name": "op_browser",
        "openpanel-sdk-version": "0.1.0",
    }
    collector.http.post("/track", json={"type": "track", "payload": {"name": "a"}}, headers=headers)
    [event] = collector.export_events()
    assert event["sdkName"] == "op_browser"
    assert event["sdkVersion"] == "0.1.0"


def test_device_id_endpoint_matches_track(collector):
    tracked = collector.track("track", {"name": "a"}).json()
    response = collector.http.get("/track/device-id", headers=collector.headers())
    assert response.status_code == 200
    body = response.json()
    assert body["deviceId"] == tracked["deviceId"]
    assert body["sessionId"] == tracked["sessionId"]
    assert body["message"] == "current session exists for this device id"


def test_device_id_endpoint_without_session(collector):
    response = collector.http.get("/track/device-id", headers=collector.headers())
    body = response.json()
    assert len(body["deviceId"]) == 32
    assert body["sessionId"] == ""
    assert collector.count_rows() == 0


def test_identify_creates_and_updates_profile(collector):
    first = collector.track(
        "identify",
        {
            "profileId": "user-1",
            "firstName": "Ada",
            "email": "ada@example.com",
            "properties": {"plan": "free", "seats": 1},
        },
    )
    second = collector.track(
        "identify", {"profileId": "user-1", "lastName": "Lovelace", "properties": {"plan": "pro"}}
    )
    assert first.status_code == 200
    assert second.status_code == 200
    profile = collector.read_profile("user-1")
    assert profile["first_name"] == "Ada"
    assert profile["last_name"] == "Lovelace"
    assert profile["email"] == "ada@example.com"
    assert profile["properties"] == '{"plan":"pro","seats":1}'
    assert collector.count_rows("events") == 0


def test_increment_unknown_profile_is_404_and_stores_nothing(collector):
    response = collector.track("increment", {"profileId": "ghost", "property": "visits"})
    assert response.status_code == 404
    assert "not found" in response.json()["message"]
    assert collector.count_rows("profiles") == 0


def test_decrement_unknown_profile_is_404(collector):
    response = collector.track("decrement", {"profileId": "ghost", "property": "visits"})
    assert response.status_code == 404
    assert collector.count_rows("profiles") == 0


def test_increment_and_decrement_adjust_profile_property(collector):
    collector.track("identify", {"profileId": "user-2", "properties": {"visits": "3"}})
    collector.track("increment", {"profileId": "user-2", "property": "visits"})
    time.sleep(0.15)
    collector.track("increment", {"profileId": "user-2", "property": "visits", "value": 5})
    collector.track("decrement", {"profileId": "user-2", "property": "visits", "value": 2})
    collector.track("increment", {"profileId": "user-2", "property": "stats.orders"})
    profile = collector.read_profile("user-2")
    assert profile["properties"] == '{"visits":7,"stats":{"orders":1}}'


def test_increment_of_text_property_is_400(collector):
    collector.track("identify", {"profileId": "user-3", "properties": {"plan": "pro"}})
    response = collector.track("increment", {"profileId": "user-3", "property": "plan"})
    assert response.status_code == 400
    assert collector.read_profile("user-3")["properties"] == '{"plan":"pro"}'


def test_group_and_assign_group_are_stored(collector):
    group = collector.track("group", {"id": "acme", "type": "company", "name": "Acme"})
    assign = collector.track("assign_group", {"groupIds": ["acme"], "profileId": "user-4"})
    assert group.status_code == 200
    assert assign.status_code == 200
    assert collector.count_rows("groups") == 1
    assert collector.read_profile("user-4")["groups"] == '["acme"]'


def test_replay_without_session_is_400(collector):
    chunk = {
        "chunk_index": 0,
        "events_count": 1,
        "is_full_snapshot": True,
        "started_at": "2026-12-01T10:00:00Z",
        "ended_at": "2026-12-01T10:00:01Z",
        "payload": "[]",
    }
    response = collector.track("replay", chunk)
    assert response.status_code == 400
    collector.track("track", {"name": "a"})
    response = collector.track("replay", chunk)
    assert response.status_code == 200
    assert collector.count_rows("replay_chunks") == 1


def test_browser_user_agent_constant_counts_as_browser(collector):
    response = collector.track("track", {"name": "a"}, user_agent=BROWSER_USER_AGENT)
    assert response.json()["sessionId"] != ""


@pytest.mark.parametrize(
    "timestamp",
    [
        "0001-01-01",
        "0001-01-01T00:00:00+01:00",
        "1970-01-01T00:00:00Z",
        "1999-12-31T23:59:59.999Z",
        "9999-12-31T23:59:59-01:00",
        "not a time",
    ],
)
def test_timestamp_outside_window_uses_arrival_time(collector, caplog, timestamp):
    caplog.set_level(logging.INFO, logger="demo.collector")
    response = collector.track("track", {"name": "clock", "properties": {"__timestamp": timestamp}})
    assert response.status_code == 200
    [event] = collector.export_events()
    created = datetime.fromisoformat(event["createdAt"].replace("Z", "+00:00"))
    assert abs(created - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert event["properties"]["__timestamp"] == timestamp
    assert f"instead of __timestamp {timestamp!r}" in caplog.text


def test_timestamp_at_window_start_is_kept(collector):
    timestamp = "2000-01-01T00:00:00.000Z"
    collector.track("track", {"name": "old", "properties": {"__timestamp": timestamp}})
    [event] = collector.export_events()
    assert event["createdAt"] == timestamp
