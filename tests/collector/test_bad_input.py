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


def post_text(collector, text):
    """POST a JSON text that json.dumps would not write, such as a lone surrogate escape."""
    return collector.http.post("/track", content=text.encode(), headers=collector.headers())


def assert_rejected(response, collector, message_part):
    assert response.status_code == 400
    assert message_part in response.json()["message"]
    assert collector.count_rows("events") == 0
    assert collector.count_rows("profiles") == 0
    assert collector.count_rows("groups") == 0


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"type": "track", "payload": {"name": "a\\ud800"}}', "payload.name"),
        (
            '{"type": "track", "payload": {"name": "a", "properties": {"p": "\\udfff"}}}',
            "payload.properties.p",
        ),
        (
            '{"type": "track", "payload": {"name": "a", "properties": {"\\ud800": 1}}}',
            "a key of payload.properties",
        ),
        (
            '{"type": "track", "payload": {"name": "a", "properties": {"p": [{"q": "\\ud800"}]}}}',
            "payload.properties.p[0].q",
        ),
        ('{"type": "track", "payload": {"name": "a", "groups": ["\\ud800"]}}', "payload.groups[0]"),
        ('{"type": "identify", "payload": {"profileId": "\\udc00"}}', "payload.profileId"),
        ('{"type": "group", "payload": {"id": "\\ud800", "type": "t", "name": "n"}}', "payload.id"),
    ],
    ids=["name", "value", "key", "nested-value", "group-id", "profile-id", "group"],
)
def test_lone_surrogate_is_400(collector, text, where):
    response = post_text(collector, text)
    assert_rejected(response, collector, f"{where} contains a lone surrogate U+D")


def test_surrogate_pair_is_stored(collector):
    text = '{"type": "track", "payload": {"name": "smile \\ud83d\\ude00"}}'
    response = post_text(collector, text)
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["name"] == "smile \U0001f600"


@pytest.mark.parametrize(
    "number",
    ["9" * 5000, "-" + "9" * 5000, "1" + "0" * 309, "1e999", "-1e999", "1.5e400"],
    ids=["5000-digits", "negative-5000-digits", "310-digits", "1e999", "minus-1e999", "1.5e400"],
)
@pytest.mark.parametrize("field", ["property", "revenue", "profile-id"])
def test_number_outside_float_range_is_400(collector, number, field):
    payloads = {
        "property": f'{{"name": "a", "properties": {{"p": {number}}}}}',
        "revenue": f'{{"name": "revenue", "properties": {{"__revenue": {number}}}}}',
        "profile-id": f'{{"name": "a", "profileId": {number}}}',
    }
    response = post_text(collector, f'{{"type": "track", "payload": {payloads[field]}}}')
    assert_rejected(response, collector, "is out of range: JSON numbers must fit a 64-bit float")


def test_largest_float_is_stored(collector):
    large_integer = 10**308
    response = collector.track(
        "track", {"name": "big", "properties": {"f": 1.7976931348623157e308, "i": large_integer}}
    )
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["properties"]["f"] == 1.7976931348623157e308
    assert event["properties"]["i"] == large_integer


@pytest.mark.parametrize(
    ("opening", "closing"), [("[", "]"), ('{"a": ', "}")], ids=["arrays", "objects"]
)
def test_body_nested_100000_deep_is_400(collector, opening, closing):
    depth = 100_000
    nested = opening * depth + "1" + closing * depth
    text = f'{{"type": "track", "payload": {{"name": "a", "properties": {{"p": {nested}}}}}}}'
    response = post_text(collector, text)
    assert_rejected(response, collector, "nested too deeply")


def nested_value(levels):
    """Return an object whose innermost value sits `levels` levels below it."""
    value = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def test_properties_nested_17_levels_is_400(collector):
    response = collector.track("track", {"name": "deep", "properties": nested_value(17)})
    assert_rejected(response, collector, "is nested too deeply")
    assert "payload.properties.a.a." in response.json()["message"]
    assert "16 inside properties" in response.json()["message"]


def test_properties_nested_16_levels_is_stored(collector):
    properties = nested_value(16)
    response = collector.track("track", {"name": "deep", "properties": properties})
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["properties"] == properties


@pytest.mark.parametrize("kind", ["track", "identify", "group"])
def test_more_than_1000_property_keys_is_400(collector, kind):
    properties = {f"k{index}": index for index in range(999)}
    properties["nested"] = {"a": 1}
    payloads = {
        "track": {"name": "wide"},
        "identify": {"profileId": "user-1"},
        "group": {"id": "g1", "type": "company", "name": "Acme"},
    }
    response = collector.track(kind, {**payloads[kind], "properties": properties})
    assert_rejected(response, collector, "payload.properties has 1001 keys")


def test_1000_property_keys_are_stored(collector):
    properties = {f"k{index}": index for index in range(1000)}
    response = collector.track("track", {"name": "wide", "properties": properties})
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["properties"] == properties


def test_page_url_that_cannot_be_parsed_is_stored(collector):
    response = collector.track("track", {"name": "a", "properties": {"__path": "http://[::1/x"}})
    assert response.status_code == 200
    [event] = collector.export_events()
    assert event["properties"]["__path"] == "http://[::1/x"
    assert event["path"] == ""


def test_increment_past_float_range_is_400(collector):
    collector.track("identify", {"profileId": "user-1", "properties": {"score": 1.7e308}})
    response = collector.track(
        "increment", {"profileId": "user-1", "property": "score", "value": 1.7e308}
    )
    assert response.status_code == 400
    assert "would leave the 64-bit float range" in response.json()["message"]
    assert collector.read_profile("user-1")["properties"] == '{"score":1.7e+308}'


def test_increment_of_very_long_digit_string_is_400(collector):
    collector.track("identify", {"profileId": "user-1", "properties": {"score": "9" * 5000}})
    response = collector.track("increment", {"profileId": "user-1", "property": "score"})
    assert response.status_code == 400
    assert "is not a number" in response.json()["message"]
