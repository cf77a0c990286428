"""POST /track payload validation: schema errors are 400 and store nothing."""

import pytest


def track(name, properties=None, **extra):
    payload = {"name": name, **extra}
    if properties is not None:
        payload["properties"] = properties
    return ("track", payload)


INVALID_PAYLOADS = [
    pytest.param(*track("session_start"), id="reserved-session-start"),
    pytest.param(*track("session_end"), id="reserved-session-end"),
    pytest.param(*track(""), id="empty-name"),
    pytest.param(*track("x" * 81), id="name-over-80-chars"),
    pytest.param(*track("sign\nup"), id="name-with-newline"),
    pytest.param("track", {"properties": {}}, id="missing-name"),
    pytest.param("track", {"name": 42}, id="name-not-string"),
    pytest.param(*track("signup", ["a"]), id="properties-not-object"),
    pytest.param("track", {"name": "signup", "properties": None}, id="properties-null"),
    pytest.param(*track("signup", {}, profileId=""), id="empty-profile-id"),
    pytest.param(*track("signup", {}, profileId=True), id="profile-id-bool"),
    pytest.param(*track("signup", {}, groups=[""]), id="empty-group-id"),
    pytest.param(*track("revenue", {"__revenue": 19.99}), id="revenue-float"),
    pytest.param(*track("revenue", {"__revenue": "1999"}), id="revenue-string"),
    pytest.param(*track("revenue", {"__revenue": -1}), id="revenue-negative"),
    pytest.param(*track("revenue", {"__revenue": True}), id="revenue-bool"),
    pytest.param(*track("revenue", {"__revenue": 2**53}), id="revenue-above-safe-integer"),
    pytest.param(*track("revenue", {"__revenue": 1, "__idempotencyKey": 7}), id="key-not-string"),
    pytest.param(*track("revenue", {"__revenue": 1, "__idempotencyKey": ""}), id="key-empty"),
    pytest.param(
        *track("revenue", {"__revenue": 1, "__idempotencyKey": "k" * 257}), id="key-over-256"
    ),
    pytest.param("identify", {"email": "a@b.example"}, id="identify-missing-profile-id"),
    pytest.param("identify", {"profileId": "u1", "email": "not-an-email"}, id="identify-bad-email"),
    pytest.param("identify", {"profileId": "u1", "avatar": "just text"}, id="identify-bad-avatar"),
    pytest.param("identify", {"profileId": "u1", "firstName": 3}, id="identify-name-not-string"),
    pytest.param("increment", {"profileId": "u1"}, id="increment-missing-property"),
    pytest.param(
        "increment", {"profileId": "u1", "property": "n", "value": -2}, id="increment-negative"
    ),
    pytest.param(
        "decrement", {"profileId": "u1", "property": "n", "value": 0}, id="decrement-zero"
    ),
    pytest.param("alias", {"profileId": "u1", "alias": "u2"}, id="alias-not-supported"),
    pytest.param("group", {"id": "g1", "type": "company"}, id="group-missing-name"),
    pytest.param("assign_group", {"groupIds": "g1"}, id="assign-group-not-list"),
    pytest.param("replay", {"chunk_index": 0}, id="replay-missing-fields"),
    pytest.param("pageview", {"name": "x"}, id="unknown-type"),
]


@pytest.mark.parametrize(("kind", "payload"), INVALID_PAYLOADS)
def test_invalid_payload_is_400_and_stores_nothing(collector, kind, payload):
    response = collector.track(kind, payload)
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert collector.count_rows("events") == 0
    assert collector.count_rows("profiles") == 0
    assert collector.count_rows("groups") == 0


def test_unknown_type_message_lists_known_types(collector):
    response = collector.track("pageview", {"name": "x"})
    assert "unknown payload type 'pageview'" in response.json()["message"]
    assert "assign_group" in response.json()["message"]


def test_long_name_message_gives_length(collector):
    response = collector.track("track", {"name": "x" * 81})
    message = response.json()["message"]
    assert "event name must be at most 80 characters, got 81 characters" in message
    assert "line break" not in message


@pytest.mark.parametrize("name", ["sign\nup", "sign\rup", "x" * 79 + "\n"])
def test_name_with_line_break_message(collector, name):
    response = collector.track("track", {"name": name})
    assert response.status_code == 400
    message = response.json()["message"]
    assert message == f"event name must not contain a line break, got {name!r}: remove it"
    assert collector.count_rows() == 0


def test_revenue_float_message_names_value(collector):
    response = collector.track("track", {"name": "revenue", "properties": {"__revenue": 19.99}})
    assert "got 19.99" in response.json()["message"]


def test_revenue_integral_float_is_stored_as_integer(collector):
    response = collector.track("track", {"name": "revenue", "properties": {"__revenue": 500.0}})
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["revenue"] == 500


def test_revenue_zero_is_accepted(collector):
    response = collector.track("track", {"name": "revenue", "properties": {"__revenue": 0}})
    assert response.status_code == 200
    assert collector.count_rows() == 1


def test_revenue_event_without_amount_is_plain_event(collector):
    response = collector.track("track", {"name": "revenue", "properties": {}})
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["revenue"] == 0


def test_revenue_amount_on_other_event_is_not_checked(collector):
    response = collector.track("track", {"name": "refund", "properties": {"__revenue": "n/a"}})
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["properties"]["__revenue"] == "n/a"
    assert event["revenue"] == 0


def test_numeric_profile_id_is_stored_as_text(collector):
    response = collector.track("track", {"name": "signup", "profileId": 42.0})
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["profileId"] == "42"
