"""Build the JSON messages that ``POST /track`` takes, in @openpanel/web's shape.

Every function returns new dicts and never changes its arguments.
"""

import json

from .pending import IDEMPOTENCY_PROPERTY

# Keys that @openpanel/web lifts out of a properties object into the payload
# or into internal properties; op_browser accepts them there too.
PROFILE_ID_KEY = "profileId"
DEVICE_ID_KEY = "deviceId"


def uuid4_from_bytes(random_bytes):
    """Format 16 random bytes as a version 4 UUID string."""
    data = bytearray(random_bytes[:16])
    data[6] = (data[6] & 0x0F) | 0x40
    data[8] = (data[8] & 0x3F) | 0x80
    text = "".join(["%02x" % byte for byte in data])
    return text[0:8] + "-" + text[8:12] + "-" + text[12:16] + "-" + text[16:20] + "-" + text[20:32]


def encode(message):
    """Return the JSON text of a message, as compact as JSON.stringify writes it."""
    return json.dumps(message, separators=(",", ":"))


def merged(*layers):
    """Return one new dict with the keys of each layer, later layers winning."""
    result = {}
    for layer in layers:
        if layer:
            result.update(layer)
    return result


def track_message(name, properties, profile_id=None, device_id=None):
    """Return a ``track`` message; ``__deviceId`` is added only where none is set."""
    properties = dict(properties)
    if device_id is not None and "__deviceId" not in properties:
        properties["__deviceId"] = device_id
    payload = {"name": name, "properties": properties}
    if profile_id is not None:
        payload["profileId"] = profile_id
    return {"type": "track", "payload": payload}


def revenue_properties(amount, properties, device_id, idempotency_key):
    """Return revenue properties: the caller's, then ``__deviceId``, key and ``__revenue``."""
    result = dict(properties)
    if device_id is not None:
        result["__deviceId"] = device_id
    result[IDEMPOTENCY_PROPERTY] = idempotency_key
    result["__revenue"] = amount
    return result


def identify_message(profile_id, traits, properties):
    """Return an ``identify`` message; ``traits`` maps email, firstName, lastName, avatar."""
    payload = {"profileId": profile_id}
    for key in ("firstName", "lastName", "email", "avatar"):
        if traits.get(key) is not None:
            payload[key] = traits[key]
    payload["properties"] = properties
    return {"type": "identify", "payload": payload}


def counter_message(kind, profile_id, property_name, value):
    """Return an ``increment`` or ``decrement`` message."""
    return {
        "type": kind,
        "payload": {"profileId": profile_id, "property": property_name, "value": value},
    }


def with_profile_id(message, profile_id):
    """Return ``message`` with ``payload.profileId`` set, unless it has one or none is known."""
    payload = message["payload"]
    if profile_id is None or payload.get("profileId") is not None:
        return message
    payload = dict(payload)
    payload["profileId"] = profile_id
    return {"type": message["type"], "payload": payload}


def with_timestamp(message, timestamp):
    """Return a track message with ``__timestamp`` set, as queued events carry."""
    if message["type"] != "track":
        return message
    payload = dict(message["payload"])
    properties = dict(payload["properties"])
    properties["__timestamp"] = timestamp
    payload["properties"] = properties
    return {"type": "track", "payload": payload}
