"""Validation of `POST /track` bodies, following OpenPanel's ingestion schemas.

    body = parse_body(raw_bytes)          # raises PayloadError (400)
    kind, payload = validate_body(body)   # raises PayloadError (400)

OpenPanel validates with zod schemas; the rules below are the same ones,
written out by hand. Docstrings mark the places where this collector is stricter.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import urlsplit

PAYLOAD_TYPES = (
    "track",
    "identify",
    "increment",
    "decrement",
    "alias",
    "replay",
    "group",
    "assign_group",
)
RESERVED_EVENT_NAMES = frozenset({"session_start", "session_end"})
REVENUE_EVENT_NAME = "revenue"

# OpenPanel blocks event names longer than this, or containing line breaks,
# because scanners send attack payloads as event names.
MAX_EVENT_NAME_CHARS = 80
# OpenPanel ignores a `__deviceId` longer than this after trimming.
MAX_DEVICE_ID_CHARS = 64
# Not an OpenPanel rule: idempotency keys are this collector's extension.
MAX_IDEMPOTENCY_KEY_CHARS = 256
# JavaScript numbers lose precision above this, so a JavaScript SDK cannot send more exactly.
MAX_SAFE_INTEGER = 2**53 - 1
MAX_REPLAY_PAYLOAD_CHARS = 2 * 1_048_576
# Limits that OpenPanel does not have. A value inside `properties` may sit at
# most MAX_PROPERTY_DEPTH levels below the properties object, the op_browser
# SDK's limit too. One `properties` object may contain at most
# MAX_PROPERTY_KEYS keys, counting the keys of nested objects.
MAX_PROPERTY_DEPTH = 16
MAX_PROPERTY_KEYS = 1000
# The body object is level 0, `payload` level 1 and `properties` level 2.
MAX_BODY_DEPTH = 2 + MAX_PROPERTY_DEPTH
# The largest finite 64-bit float has 309 integer digits. JavaScript, and so
# OpenPanel, reads any longer JSON number as Infinity.
MAX_INTEGER_DIGITS = 309

# The e-mail rule of zod's .email(), which OpenPanel's identify schema uses.
EMAIL_PATTERN = re.compile(
    r"^(?!\.)(?!.*\.\.)[A-Z0-9_'+\-.]*[A-Z0-9_+-]@(?:[A-Z0-9][A-Z0-9\-]*\.)+[A-Z]{2,}$",
    re.IGNORECASE,
)
ISO_DATETIME_PATTERN = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$"
)


class PayloadError(ValueError):
    """A request body that OpenPanel rejects with 400 Bad Request."""


def parse_body(raw: bytes) -> dict[str, Any]:
    """Decode a JSON object from the request body.

    Besides invalid JSON, this rejects what SQLite or the JSON encoder would
    fail on later: lone surrogate escapes such as "\\ud800", numbers outside
    the 64-bit float range, and nesting deeper than MAX_BODY_DEPTH levels.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadError(f"request body is not valid UTF-8: {error}") from None
    try:
        body = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_parse_float,
            parse_int=_parse_int,
        )
    except json.JSONDecodeError as error:
        raise PayloadError(f"request body is not valid JSON: {error}") from None
    except RecursionError:
        # The json module raises this at the recursion limit (1000 levels by default).
        raise PayloadError(
            f"request body is nested too deeply: JSON values may sit at most {MAX_BODY_DEPTH} "
            f"levels below the body object ({MAX_PROPERTY_DEPTH} inside properties), "
            "so flatten the nested values"
        ) from None
    if not isinstance(body, dict):
        raise PayloadError(f"request body must be a JSON object, got {type(body).__name__}")
    _check_json_value(body, "body", 0)
    return body


def _reject_constant(name: str) -> float:
    # Python's json accepts NaN and Infinity, which are not JSON.
    raise PayloadError(f"request body is not valid JSON: {name} is not a JSON value")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise PayloadError(
            f"number {text:.40} is out of range: JSON numbers must fit a 64-bit float "
            "(magnitude below about 1.8e308)"
        )
    return value


def _parse_int(text: str) -> int:
    # Checked before int() because Python refuses to convert more than 4300 digits.
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS or not math.isfinite(float(text)):
        raise PayloadError(
            f"integer {text:.40}... ({digits} digits) is out of range: JSON numbers must fit "
            "a 64-bit float (magnitude below about 1.8e308)"
        )
    return int(text)


def _check_json_value(value: Any, where: str, depth: int) -> None:
    """Raise PayloadError for a lone surrogate or for nesting deeper than MAX_BODY_DEPTH."""
    if depth > MAX_BODY_DEPTH:
        raise PayloadError(
            f"{where} is nested too deeply: JSON values may sit at most {MAX_BODY_DEPTH} levels "
            f"below the body object ({MAX_PROPERTY_DEPTH} inside properties), "
            "so flatten the nested values"
        )
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_value(item, f"{where}[{index}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, f"a key of {where}")
            _check_json_value(item, _member_path(where, key), depth + 1)


def _member_path(where: str, key: str) -> str:
    if where == "body":
        return key
    return f"{where}.{key}" if key.isidentifier() else f"{where}[{key!r}]"


def _check_text(text: str, where: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        surrogate = ord(text[error.start])
        raise PayloadError(
            f"{where} contains a lone surrogate U+{surrogate:04X}, which is not valid Unicode: "
            f"send the character as a surrogate pair or as UTF-8, got {text!r:.80}"
        ) from None


def validate_body(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Check the `{"type", "payload"}` envelope and the payload for its type."""
    kind = body.get("type")
    if kind not in PAYLOAD_TYPES:
        raise PayloadError(
            f"unknown payload type {kind!r}, expected one of {', '.join(PAYLOAD_TYPES)}"
        )
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise PayloadError(f"payload must be a JSON object, got {_type_name(payload)}")
    for key in ("clientId", "clientSecret"):
        if key in body and not isinstance(body[key], str):
            raise PayloadError(f"{key} must be a string, got {_type_name(body[key])}")
    VALIDATORS[kind](payload)
    return kind, payload


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _require_string(payload: dict, key: str, *, optional: bool = False) -> None:
    if key not in payload and optional:
        return
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"payload.{key} must be a non-empty string, got {value!r}")


def _require_profile_id(payload: dict, *, optional: bool = False) -> None:
    if "profileId" not in payload and optional:
        return
    value = payload.get("profileId")
    valid_string = isinstance(value, str) and value != ""
    valid_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (valid_string or valid_number):
        raise PayloadError(
            f"payload.profileId must be a non-empty string or a number, got {value!r}"
        )


def _require_object(payload: dict, key: str) -> None:
    if key in payload and not isinstance(payload[key], dict):
        raise PayloadError(f"payload.{key} must be a JSON object, got {_type_name(payload[key])}")


def _require_properties(payload: dict) -> None:
    """Check that `properties`, when present, is an object of at most MAX_PROPERTY_KEYS keys."""
    _require_object(payload, "properties")
    properties = payload.get("properties")
    if properties is None:
        return
    count = 0
    pending: list[Any] = [properties]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            count += len(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    if count > MAX_PROPERTY_KEYS:
        raise PayloadError(
            f"payload.properties has {count} keys, nested objects included, but at most "
            f"{MAX_PROPERTY_KEYS} are allowed: send fewer properties"
        )


def _require_string_list(payload: dict, key: str, *, nullable: bool) -> None:
    if key not in payload or (nullable and payload[key] is None):
        return
    value = payload[key]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise PayloadError(f"payload.{key} must be a list of non-empty strings, got {value!r}")


def _require_positive_number(payload: dict, key: str) -> None:
    if key not in payload:
        return
    value = payload[key]
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or not value > 0 or not math.isfinite(value):
        raise PayloadError(f"payload.{key} must be a positive number, got {value!r}")


def validate_track(payload: dict) -> None:
    _require_string(payload, "name")
    name = payload["name"]
    if name in RESERVED_EVENT_NAMES:
        raise PayloadError(f"event name {name!r} is reserved for the server: use another name")
    if len(name) > MAX_EVENT_NAME_CHARS:
        raise PayloadError(
            f"event name must be at most {MAX_EVENT_NAME_CHARS} characters, got {len(name)} "
            f"characters ({name[:MAX_EVENT_NAME_CHARS]!r}...): move details into properties"
        )
    if "\n" in name or "\r" in name:
        raise PayloadError(f"event name must not contain a line break, got {name!r}: remove it")
    _require_properties(payload)
    _require_profile_id(payload, optional=True)
    _require_string_list(payload, "groups", nullable=True)
    if name == REVENUE_EVENT_NAME:
        properties = payload.get("properties") or {}
        revenue_amount(properties)
        idempotency_key(properties)


def revenue_amount(properties: dict) -> int | None:
    """Return `__revenue` in minor units, or None when absent.

    Floats with an integral value are accepted because JSON cannot tell 5.0
    from 5 and OpenPanel checks with JavaScript's Number.isInteger. Amounts
    above 2**53 - 1 are rejected, although OpenPanel accepts them.
    """
    value = properties.get("__revenue")
    if value is None:
        return None
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or (isinstance(value, float) and not value.is_integer()):
        raise PayloadError(
            "properties.__revenue must be a non-negative integer in minor units (cents), "
            f"got {value!r}"
        )
    if value < 0 or value > MAX_SAFE_INTEGER:
        raise PayloadError(
            f"properties.__revenue must be between 0 and {MAX_SAFE_INTEGER} minor units, "
            f"got {value!r}"
        )
    return int(value)


def idempotency_key(properties: dict) -> str | None:
    """Return `__idempotencyKey` of a revenue event, or None when absent."""
    value = properties.get("__idempotencyKey")
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_IDEMPOTENCY_KEY_CHARS:
        raise PayloadError(
            "properties.__idempotencyKey must be a non-empty string of at most "
            f"{MAX_IDEMPOTENCY_KEY_CHARS} characters, got {value!r:.80}"
        )
    return value


def device_id_override(properties: dict) -> str | None:
    """Return the caller-chosen `__deviceId`, or None when absent or unusable (as OpenPanel)."""
    value = properties.get("__deviceId")
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_DEVICE_ID_CHARS:
        return None
    return value


def validate_identify(payload: dict) -> None:
    _require_profile_id(payload)
    for key in ("firstName", "lastName"):
        if key in payload and not isinstance(payload[key], str):
            raise PayloadError(f"payload.{key} must be a string, got {payload[key]!r}")
    if "email" in payload:
        email = payload["email"]
        if not isinstance(email, str) or not EMAIL_PATTERN.match(email):
            raise PayloadError(f"payload.email must be a valid e-mail address, got {email!r}")
    if "avatar" in payload:
        avatar = payload["avatar"]
        parts = urlsplit(avatar) if isinstance(avatar, str) else None
        if parts is None or not parts.scheme or not (parts.netloc or parts.path):
            raise PayloadError(f"payload.avatar must be an absolute URL, got {avatar!r}")
    _require_properties(payload)


def validate_increment(payload: dict) -> None:
    _require_profile_id(payload)
    _require_string(payload, "property")
    _require_positive_number(payload, "value")


def validate_alias(payload: dict) -> None:
    _require_profile_id(payload)
    _require_string(payload, "alias")


def validate_replay(payload: dict) -> None:
    chunk_index = payload.get("chunk_index")
    if not _is_int(chunk_index) or not 0 <= chunk_index <= 65_535:
        raise PayloadError(
            f"payload.chunk_index must be an integer from 0 to 65535, got {chunk_index!r}"
        )
    events_count = payload.get("events_count")
    if not _is_int(events_count) or events_count < 1:
        raise PayloadError(f"payload.events_count must be a positive integer, got {events_count!r}")
    if not isinstance(payload.get("is_full_snapshot"), bool):
        raise PayloadError("payload.is_full_snapshot must be true or false")
    for key in ("started_at", "ended_at"):
        value = payload.get(key)
        if not isinstance(value, str) or not ISO_DATETIME_PATTERN.match(value):
            raise PayloadError(f"payload.{key} must be an ISO 8601 date and time, got {value!r}")
    chunk = payload.get("payload")
    if not isinstance(chunk, str) or len(chunk) > MAX_REPLAY_PAYLOAD_CHARS:
        raise PayloadError(
            f"payload.payload must be a string of at most {MAX_REPLAY_PAYLOAD_CHARS} characters"
        )
    session_id = payload.get("sessionId")
    if session_id is not None and (not isinstance(session_id, str) or len(session_id) > 64):
        raise PayloadError("payload.sessionId must be a string of at most 64 characters")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_group(payload: dict) -> None:
    for key in ("id", "type", "name"):
        _require_string(payload, key)
    _require_properties(payload)


def validate_assign_group(payload: dict) -> None:
    if "groupIds" not in payload:
        raise PayloadError("payload.groupIds is missing: send a list of group ids")
    _require_string_list(payload, "groupIds", nullable=False)
    _require_profile_id(payload, optional=True)


VALIDATORS = {
    "track": validate_track,
    "identify": validate_identify,
    "increment": validate_increment,
    "decrement": validate_increment,
    "alias": validate_alias,
    "replay": validate_replay,
    "group": validate_group,
    "assign_group": validate_assign_group,
}
