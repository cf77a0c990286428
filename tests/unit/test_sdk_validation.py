"""Argument checks of the OpenPanel client: each bad value raises, and names itself and the fix."""

import math

import pytest

from op_browser import OpenPanel

CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
# Nothing listens here; these tests must fail before any request is made.
UNUSED_API_URL = "http://127.0.0.1:9"


@pytest.fixture
def op():
    return OpenPanel(client_id=CLIENT_ID, api_url=UNUSED_API_URL)


# (call, expected exception, fragments the message must contain)
BAD_CALLS = [
    ("revenue float", lambda op: op.revenue(19.99), TypeError, ["19.99", "minor units"]),
    ("revenue bool", lambda op: op.revenue(True), TypeError, ["True", "integer"]),
    ("revenue str", lambda op: op.revenue("1999"), TypeError, ["'1999'"]),
    ("revenue None", lambda op: op.revenue(None), TypeError, ["None"]),
    ("revenue NaN", lambda op: op.revenue(math.nan), TypeError, ["nan"]),
    ("revenue negative", lambda op: op.revenue(-1), ValueError, ["-1", "non-negative"]),
    ("revenue above 2**53", lambda op: op.revenue(2**53 + 1), ValueError, ["2**53"]),
    ("pending float", lambda op: op.pending_revenue(19.99), TypeError, ["19.99"]),
    ("pending bool", lambda op: op.pending_revenue(False), TypeError, ["False"]),
    ("event name empty", lambda op: op.track(""), ValueError, ["non-empty"]),
    ("event name blank", lambda op: op.track("   "), ValueError, ["non-empty"]),
    ("event name int", lambda op: op.track(5), TypeError, ["5"]),
    ("event session_start", lambda op: op.track("session_start"), ValueError, ["reserved"]),
    ("event session_end", lambda op: op.track("session_end"), ValueError, ["reserved"]),
    ("properties list", lambda op: op.track("x", ["a"]), TypeError, ["dict", "['a']"]),
    ("properties int key", lambda op: op.track("x", {1: "a"}), TypeError, ["keys must be str"]),
    ("properties set value", lambda op: op.track("x", {"a": {1}}), TypeError,
     ["properties['a']", "JSON-serialisable"]),
    ("properties nested NaN", lambda op: op.track("x", {"a": [1, math.inf]}), ValueError,
     ["properties['a'][1]", "finite"]),
    ("properties object", lambda op: op.track("x", {"when": object()}), TypeError,
     ["properties['when']"]),
    ("revenue properties NaN", lambda op: op.revenue(1, {"tax": math.nan}), ValueError,
     ["properties['tax']"]),
    ("device id too long", lambda op: op.revenue(1, device_id="d" * 65), ValueError,
     ["64 characters", "65"]),
    ("device id blank", lambda op: op.revenue(1, device_id="  "), ValueError, ["non-empty"]),
    ("device id int", lambda op: op.revenue(1, device_id=7), TypeError, ["device_id"]),
    ("device id in properties", lambda op: op.pending_revenue(1, {"deviceId": "d" * 70}),
     ValueError, ["properties['deviceId']"]),
    ("profile id bool", lambda op: op.revenue(1, profile_id=True), TypeError, ["profile_id"]),
    ("profile id empty", lambda op: op.identify(""), ValueError, ["profile_id"]),
    ("idempotency key empty", lambda op: op.revenue(1, idempotency_key=""), ValueError,
     ["idempotency_key"]),
    ("idempotency key int", lambda op: op.revenue(1, idempotency_key=5), TypeError,
     ["idempotency_key"]),
    ("email without at", lambda op: op.identify("u1", email="ada.example.com"), ValueError,
     ["ada.example.com"]),
    ("avatar not URL", lambda op: op.identify("u1", avatar="me.png"), ValueError, ["me.png"]),
    ("first name int", lambda op: op.identify("u1", first_name=3), TypeError, ["first_name"]),
    ("increment zero", lambda op: op.increment("u1", "logins", 0), ValueError,
     ["positive", "decrement()"]),
    ("increment str", lambda op: op.increment("u1", "logins", "1"), TypeError, ["'1'"]),
    ("increment bool", lambda op: op.increment("u1", "logins", True), TypeError, ["True"]),
    ("increment property empty", lambda op: op.increment("u1", "", 1), ValueError,
     ["property"]),
    ("global properties None", lambda op: op.set_global_properties(None), TypeError, ["None"]),
    ("global properties NaN", lambda op: op.set_global_properties({"a": math.nan}), ValueError,
     ["properties['a']"]),
    ("screen view path missing", lambda op: op.screen_view(), ValueError, ["path"]),
]


@pytest.mark.parametrize(("call", "error", "fragments"),
                         [case[1:] for case in BAD_CALLS], ids=[case[0] for case in BAD_CALLS])
def test_bad_argument_raises_naming_it(op, call, error, fragments):
    with pytest.raises(error) as raised:
        call(op)
    for fragment in fragments:
        assert fragment in str(raised.value)


def test_bad_revenue_stores_nothing(op):
    with pytest.raises(TypeError):
        op.pending_revenue(19.99, {"currency": "USD"})
    assert op.pending_revenues() == []


def test_deep_nesting_rejected(op):
    nested = {}
    inner = nested
    for _ in range(20):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(ValueError, match="nested more than"):
        op.track("deep", nested)


BAD_OPTIONS = [
    ("client id missing", {"client_id": None}, TypeError, "client_id"),
    ("client id not UUID", {"client_id": "my-project"}, ValueError, "'my-project'"),
    ("api url without scheme", {"api_url": "api.openpanel.dev"}, ValueError, "http://"),
    ("device id storage", {"device_id_storage": "cookie"}, ValueError, "'cookie'"),
    ("filter not callable", {"filter": True}, TypeError, "filter"),
    ("client secret empty", {"client_secret": ""}, ValueError, "client_secret"),
]


@pytest.mark.parametrize(("options", "error", "fragment"),
                         [case[1:] for case in BAD_OPTIONS], ids=[case[0] for case in BAD_OPTIONS])
def test_bad_option_raises(options, error, fragment):
    arguments = {"client_id": CLIENT_ID, "api_url": UNUSED_API_URL, **options}
    with pytest.raises(error) as raised:
        OpenPanel(**arguments)
    assert fragment in str(raised.value)


GOOD_VALUES = [
    ("zero revenue", lambda op: op.pending_revenue(0)),
    ("max safe revenue", lambda op: op.pending_revenue(2**53 - 1)),
    ("int profile id", lambda op: op.pending_revenue(1, profile_id=42)),
    ("64 char device id", lambda op: op.pending_revenue(1, device_id="d" * 64)),
    ("padded device id", lambda op: op.pending_revenue(1, device_id="  d" + "x" * 62 + " ")),
    ("nested properties", lambda op: op.pending_revenue(1, {"items": [{"sku": "a", "qty": 2}]})),
    ("tuple property", lambda op: op.pending_revenue(1, {"sizes": ("s", "m")})),
]


@pytest.mark.parametrize("call", [case[1] for case in GOOD_VALUES],
                         ids=[case[0] for case in GOOD_VALUES])
def test_good_value_accepted(op, call):
    call(op)
    assert len(op.pending_revenues()) == 1
