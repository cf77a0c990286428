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
    """Decode a JSON object from the request body."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadError(f"request body is not valid UTF-8: {error}") from None
    try:
        body = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise PayloadError(f"request body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise PayloadError(f"request body must be a JSON object, got {type(body).__name__}")
    return body


def _reject_constant(name: str) -> float:
    # Python's json accepts NaN and Infinity, which are not JSON.
    raise PayloadError(f"request body is not valid JSON: {name} is not a JSON value")


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
    if len(name) > MAX_EVENT_NAME_CHARS or "\n" in name or "\r" in name:
        raise PayloadError(
            f"event name must be at most {MAX_EVENT_NAME_CHARS} characters without line breaks, "
            f"got {len(name)} characters"
        )
    _require_object(payload, "properties")
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
    _require_object(payload, "properties")


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
    _require_object(payload, "properties")


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
