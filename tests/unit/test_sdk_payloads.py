"""Message builders: @openpanel/web's shapes, new dicts, the caller's dicts untouched."""

import json
import uuid

from op_browser.payloads import (
    counter_message,
    encode,
    identify_message,
    merged,
    revenue_properties,
    track_message,
    uuid4_from_bytes,
    with_profile_id,
    with_timestamp,
)


def test_track_message_shape():
    message = track_message("add_to_cart", {"sku": "tee-01"})
    assert message == {"type": "track",
                       "payload": {"name": "add_to_cart", "properties": {"sku": "tee-01"}}}


def test_track_message_profile_and_device():
    message = track_message("x", {}, profile_id="u1", device_id="d1")
    assert message["payload"]["profileId"] == "u1"
    assert message["payload"]["properties"]["__deviceId"] == "d1"


def test_track_message_keeps_explicit_device():
    message = track_message("x", {"__deviceId": "from-webhook"}, device_id="page-device")
    assert message["payload"]["properties"]["__deviceId"] == "from-webhook"


def test_track_message_copies_properties():
    properties = {"a": 1}
    track_message("x", properties, device_id="d")
    assert properties == {"a": 1}


def test_revenue_properties_order_and_values():
    result = revenue_properties(1999, {"currency": "USD"}, "d1", "key-1")
    assert result == {"currency": "USD", "__deviceId": "d1", "__idempotencyKey": "key-1",
                      "__revenue": 1999}


def test_revenue_properties_without_device():
    result = revenue_properties(5, {}, None, "k")
    assert "__deviceId" not in result


def test_identify_message_omits_missing_traits():
    message = identify_message("u1", {"email": "a@example.com", "firstName": None}, {"plan": "pro"})
    assert message == {"type": "identify", "payload": {
        "profileId": "u1", "email": "a@example.com", "properties": {"plan": "pro"}}}


def test_counter_message_shape():
    assert counter_message("decrement", "u1", "credits", 2) == {
        "type": "decrement", "payload": {"profileId": "u1", "property": "credits", "value": 2}}


def test_with_profile_id_fills_missing_only():
    message = track_message("x", {})
    filled = with_profile_id(message, "u1")
    kept = with_profile_id(track_message("x", {}, profile_id="u0"), "u1")
    assert filled["payload"]["profileId"] == "u1"
    assert "profileId" not in message["payload"]
    assert kept["payload"]["profileId"] == "u0"


def test_with_timestamp_on_track_only():
    stamped = with_timestamp(track_message("x", {"a": 1}), "2026-12-04T10:00:00.000Z")
    counter = counter_message("increment", "u1", "n", 1)
    assert stamped["payload"]["properties"] == {"a": 1, "__timestamp": "2026-12-04T10:00:00.000Z"}
    assert with_timestamp(counter, "t") is counter


def test_merged_later_layers_win():
    first = {"a": 1, "b": 1}
    assert merged(first, None, {"b": 2}) == {"a": 1, "b": 2}
    assert first == {"a": 1, "b": 1}


def test_encode_is_compact_json():
    assert encode({"a": [1, "é"]}) == json.dumps({"a": [1, "é"]}, separators=(",", ":"))


def test_uuid4_from_bytes_is_version_4():
    text = uuid4_from_bytes(bytes(range(16)))
    parsed = uuid.UUID(text)
    assert parsed.version == 4
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed) == text
