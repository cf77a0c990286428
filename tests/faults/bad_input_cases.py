"""Invalid calls of the revenue and event API, shared by the CPython and browser tests.

Each case is a Python expression on the client ``op``, so a page can evaluate
values that JSON cannot carry (NaN, infinity, sets, non-str keys, objects).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BadCall:
    """One invalid call: the expression, the exception it must raise and a message fragment."""

    case_id: str
    expression: str
    error: str
    fragment: str


BAD_AMOUNTS = [
    ("float", "19.99", "TypeError", "19.99"),
    ("bool", "True", "TypeError", "True"),
    ("str", "'1999'", "TypeError", "'1999'"),
    ("None", "None", "TypeError", "None"),
    ("NaN", "float('nan')", "TypeError", "nan"),
    ("infinity", "float('inf')", "TypeError", "inf"),
    ("above 2**53", "2**53 + 1", "ValueError", "2**53"),
    ("negative", "-1", "ValueError", "-1"),
]

# Arguments after the first, for every method that takes properties.
BAD_PROPERTIES = [
    ("properties list", "['a']", "TypeError", "dict"),
    ("properties str", "'currency=USD'", "TypeError", "dict"),
    ("properties int", "5", "TypeError", "dict"),
    ("properties int key", "{1: 'a'}", "TypeError", "keys must be str"),
    ("properties set value", "{'a': {1}}", "TypeError", "properties['a']"),
    ("properties object value", "{'a': object()}", "TypeError", "properties['a']"),
    ("properties NaN value", "{'a': float('nan')}", "ValueError", "properties['a']"),
    ("properties nested infinity", "{'a': [1, float('inf')]}", "ValueError",
     "properties['a'][1]"),
]

BAD_PROFILE_IDS = [
    ("profile id bool", "profile_id=True", "TypeError", "profile_id"),
    ("profile id empty", "profile_id=''", "ValueError", "profile_id"),
    ("profile id float", "profile_id=1.5", "TypeError", "profile_id"),
]

BAD_REVENUE_IDS = [
    *BAD_PROFILE_IDS,
    ("device id 65 chars", "device_id='d' * 65", "ValueError", "64 characters"),
    ("device id blank", "device_id='  '", "ValueError", "device_id"),
    ("device id int", "device_id=7", "TypeError", "device_id"),
    ("device id in properties", "{'deviceId': 'd' * 70}", "ValueError",
     "properties['deviceId']"),
    ("idempotency key empty", "idempotency_key=''", "ValueError", "idempotency_key"),
    ("idempotency key int", "idempotency_key=5", "TypeError", "idempotency_key"),
]

BAD_EVENT_NAMES = [
    ("name empty", "''", "ValueError", "non-empty"),
    ("name blank", "'   '", "ValueError", "non-empty"),
    ("name int", "5", "TypeError", "event name"),
    ("name None", "None", "TypeError", "event name"),
    ("name session_start", "'session_start'", "ValueError", "reserved"),
    ("name session_end", "'session_end'", "ValueError", "reserved"),
]


def bad_calls() -> list[BadCall]:
    """Return every invalid call of revenue(), pending_revenue() and track()."""
    calls = []
    for method in ("revenue", "pending_revenue"):
        for name, amount, error, fragment in BAD_AMOUNTS:
            calls.append(BadCall(f"{method} amount {name}", f"op.{method}({amount})", error,
                                 fragment))
        for name, argument, error, fragment in BAD_PROPERTIES + BAD_REVENUE_IDS:
            calls.append(BadCall(f"{method} {name}", f"op.{method}(100, {argument})", error,
                                 fragment))
    for name, event_name, error, fragment in BAD_EVENT_NAMES:
        calls.append(BadCall(f"track {name}", f"op.track({event_name})", error, fragment))
    for name, argument, error, fragment in BAD_PROPERTIES + BAD_PROFILE_IDS:
        calls.append(BadCall(f"track {name}", f"op.track('checkout', {argument})", error,
                             fragment))
    return calls


BAD_CALLS = bad_calls()
