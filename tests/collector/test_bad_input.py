"""Hostile and malformed request bodies: rejected cleanly or stored verbatim, never executed."""

import json

import pytest

MIB = 1_048_576


def test_malformed_json_is_400(collector):
    response = collector.http.post(
        "/track", content=b'{"type": "track", ', headers=collector.headers()
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]
    assert collector.count_rows() == 0


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"track"', b"null", b"", b'{"type": "track", "payload": {"name": NaN}}'],
    ids=["array", "string", "null", "empty", "nan-literal"],
)
def test_body_that_is_not_json_object_is_400(collector, body):
    response = collector.http.post("/track", content=body, headers=collector.headers())
    assert response.status_code == 400
    assert collector.count_rows() == 0


def test_body_not_utf8_is_400(collector):
    body = b'{"type": "track", "payload": {"name": "\xff\xfe"}}'
    response = collector.http.post("/track", content=body, headers=collector.headers())
    assert response.status_code == 400
    assert "UTF-8" in response.json()["message"]
    assert collector.count_rows() == 0


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_wrong_content_type_is_400(collector, content_type):
    headers = collector.headers()
    if content_type is None:
        del headers["content-type"]
    else:
        headers["content-type"] = content_type
    body = json.dumps({"type": "track", "payload": {"name": "signup"}})
    response = collector.http.post("/track", content=body, headers=headers)
    assert response.status_code == 400
    assert "content type must be application/json" in response.json()["message"]
    assert collector.count_rows() == 0


def test_content_type_with_charset_is_accepted(collector):
    headers = {**collector.headers(), "content-type": "application/json; charset=utf-8"}
    body = json.dumps({"type": "track", "payload": {"name": "signup"}})
    response = collector.http.post("/track", content=body, headers=headers)
    assert response.status_code == 200


def oversized_body(size):
    padding = "x" * size
    return json.dumps({"type": "track", "payload": {"name": "big", "properties": {"p": padding}}})


def test_body_over_1_mib_is_413(collector):
    response = collector.http.post(
        "/track", content=oversized_body(MIB), headers=collector.headers()
    )
    assert response.status_code == 413
    assert collector.count_rows() == 0


def test_chunked_body_over_1_mib_is_413(collector):
    def chunks():
        body = oversized_body(MIB).encode()
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    response = collector.http.post("/track", content=chunks(), headers=collector.headers())
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert collector.count_rows() == 0


def test_body_just_under_1_mib_is_stored(collector):
    response = collector.http.post(
        "/track", content=oversized_body(MIB - 200), headers=collector.headers()
    )
    assert response.status_code == 200
    assert collector.count_rows() == 1


HOSTILE_VALUES = {
    "quotes": "it's \"quoted\" `back` 'single'",
    "sql": "'; DROP TABLE events; --",
    "sql_union": "1' OR '1'='1' UNION SELECT * FROM profiles --",
    "nul": "before\x00after",
    "long": "y" * 10_000,
    "html": "<script>alert('x')</script>",
    "unicode": "naïve café ☕ 日本語 \U0001f600",
    "backslashes": "C:\\path\\to\\file \\u0000",
    "nested": {"deep": ["a", {"b": None, "c": 1.5}]},
}


def test_hostile_property_values_are_stored_verbatim(collector):
    response = collector.track("track", {"name": "hostile", "properties": HOSTILE_VALUES})
    assert response.status_code == 200
    [event] = collector.export_events()
    for key, value in HOSTILE_VALUES.items():
        assert event["properties"][key] == value, key
    assert collector.count_rows("profiles") == 0


@pytest.mark.parametrize(
    "name",
    ["'; DROP TABLE events; --", 'say "hi"', "nul\x00byte", "<b>bold</b>"],
    ids=["sql", "quotes", "nul", "html"],
)
def test_hostile_event_name_is_stored_verbatim(collector, name):
    response = collector.track("track", {"name": name})
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["name"] == name


def test_hostile_profile_id_is_stored_verbatim(collector):
    profile_id = "u'); DELETE FROM profiles; --\x00"
    response = collector.track("identify", {"profileId": profile_id, "firstName": "x" * 10_000})
    assert response.status_code == 200
    profile = collector.read_profile(profile_id)
    assert profile is not None
    assert len(profile["first_name"]) == 10_000


def test_hostile_export_filters_match_nothing(collector):
    collector.track("track", {"name": "signup"})
    events = collector.export_events(event="signup' OR '1'='1", profileId="x' OR 1=1 --")
    assert events == []
    assert collector.count_rows() == 1
