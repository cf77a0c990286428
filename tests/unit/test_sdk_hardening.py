"""Limits the server enforces, checked by the client at call time, and what a flush does with
a revenue the server can never accept."""

import subprocess
import sys

import pytest

from op_browser import OpenPanel, transport
from op_browser.stripe_webhook import revenue_from_checkout_event
from tests.support.recording_server import Hang, Respond

CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
# Nothing listens here; these tests must fail before any request is made.
UNUSED_API_URL = "http://127.0.0.1:9"
WAIT_S = 30
REJECTED_KEY = "op_browser-rejected-revenues"


@pytest.fixture
def op():
    return OpenPanel(client_id=CLIENT_ID, api_url=UNUSED_API_URL)


@pytest.fixture
def live(server):
    return OpenPanel(client_id=CLIENT_ID, client_secret="sec_1", api_url=server.api_url)


# (call, expected exception, fragments the message must contain)
BAD_CALLS = [
    ("revenue 2**53", lambda op: op.revenue(2**53), ValueError, ["2**53 - 1", "9007199254740992"]),
    ("pending 2**53", lambda op: op.pending_revenue(2**53), ValueError, ["2**53 - 1"]),
    ("key 257 chars", lambda op: op.pending_revenue(1, idempotency_key="k" * 257), ValueError,
     ["idempotency_key", "256", "257"]),
    ("key in properties 257 chars",
     lambda op: op.revenue(1, {"__idempotencyKey": "k" * 257}), ValueError,
     ["properties['__idempotencyKey']", "256"]),
    ("name 81 chars", lambda op: op.track("x" * 81), ValueError, ["80 characters", "81"]),
    ("name with newline", lambda op: op.track("a\nb"), ValueError, ["line break", "'a\\nb'"]),
    ("name with return", lambda op: op.track("a\rb"), ValueError, ["line break"]),
    ("name lone surrogate", lambda op: op.track("e\ud800"), ValueError,
     ["event name", "lone surrogate", "\\ud800"]),
    ("property value surrogate", lambda op: op.track("x", {"a": ["ok", "\udfff"]}), ValueError,
     ["properties['a'][1]", "lone surrogate"]),
    ("property key surrogate", lambda op: op.track("x", {"k\ud800": 1}), ValueError,
     ["properties key", "lone surrogate"]),
    ("profile id surrogate", lambda op: op.identify("u\ud800"), ValueError,
     ["profile_id", "lone surrogate"]),
    ("device id surrogate", lambda op: op.revenue(1, device_id="d\ud800"), ValueError,
     ["device_id", "lone surrogate"]),
    ("key surrogate", lambda op: op.pending_revenue(1, idempotency_key="k\ud800"), ValueError,
     ["idempotency_key", "lone surrogate"]),
    ("first name surrogate", lambda op: op.identify("u1", first_name="\ud800"), ValueError,
     ["first_name", "lone surrogate"]),
    ("track revenue", lambda op: op.track("revenue", {"currency": "USD"}), ValueError,
     ["revenue(amount"]),
    ("track __revenue", lambda op: op.track("purchase", {"__revenue": 5}), ValueError,
     ["'__revenue'", "revenue(amount)"]),
    ("track __idempotencyKey", lambda op: op.track("purchase", {"__idempotencyKey": "k"}),
     ValueError, ["'__idempotencyKey'", "idempotency_key"]),
    ("track __deviceId int", lambda op: op.track("x", {"__deviceId": 5}), TypeError,
     ["properties['__deviceId']"]),
    ("identify __revenue", lambda op: op.identify("u1", properties={"__revenue": 5}), ValueError,
     ["'__revenue'"]),
    ("revenue __revenue", lambda op: op.revenue(5, {"__revenue": 6}), ValueError,
     ["'__revenue'"]),
    ("pending __revenue", lambda op: op.pending_revenue(5, {"__revenue": 6}), ValueError,
     ["'__revenue'"]),
    ("global __revenue", lambda op: op.set_global_properties({"__revenue": 5}), ValueError,
     ["global properties", "'__revenue'"]),
    ("global __idempotencyKey",
     lambda op: op.set_global_properties({"__idempotencyKey": "k"}), ValueError,
     ["global properties", "'__idempotencyKey'"]),
    ("global __deviceId", lambda op: op.set_global_properties({"__deviceId": "spoof"}),
     ValueError, ["global properties", "'__deviceId'", "device_id"]),
]


@pytest.mark.parametrize(("call", "error", "fragments"), [case[1:] for case in BAD_CALLS],
                         ids=[case[0] for case in BAD_CALLS])
def test_bad_call_raises_before_storing(op, call, error, fragments):
    with pytest.raises(error) as raised:
        call(op)
    for fragment in fragments:
        assert fragment in str(raised.value)
    assert op.pending_revenues() == []
    assert op._global_properties == {}
    assert len(op._queue) == 0


BAD_OPTIONS = [
    ("upper-case client id", {"client_id": CLIENT_ID.upper()}, ValueError,
     ["lowercase", repr(CLIENT_ID)]),
    ("api url with /track", {"api_url": "https://api.openpanel.dev/track"}, ValueError,
     ["/track", "'https://api.openpanel.dev'"]),
    ("api url with /track/", {"api_url": "https://api.openpanel.dev/track/"}, ValueError,
     ["'https://api.openpanel.dev'"]),
    ("api url ftp", {"api_url": "ftp://api.openpanel.dev"}, ValueError, ["http://"]),
    ("api url javascript", {"api_url": "javascript:alert(1)"}, ValueError, ["http://"]),
    ("api url without host", {"api_url": "https://"}, ValueError, ["no host"]),
    ("api url with query", {"api_url": "https://api.openpanel.dev?x=1"}, ValueError,
     ["query"]),
]


@pytest.mark.parametrize(("options", "error", "fragments"), [case[1:] for case in BAD_OPTIONS],
                         ids=[case[0] for case in BAD_OPTIONS])
def test_bad_option_raises(options, error, fragments):
    arguments = {"client_id": CLIENT_ID, "api_url": UNUSED_API_URL, **options}
    with pytest.raises(error) as raised:
        OpenPanel(**arguments)
    for fragment in fragments:
        assert fragment in str(raised.value)


GOOD_CALLS = [
    ("max safe amount", lambda op: op.pending_revenue(2**53 - 1)),
    ("key 256 chars", lambda op: op.pending_revenue(1, idempotency_key="k" * 256)),
    ("name 80 chars", lambda op: op.track("x" * 80)),
    ("surrogate pair", lambda op: op.track("smile \U0001f600", {"e": "\U0001f600"})),
    ("per-event __deviceId", lambda op: op.track("x", {"__deviceId": "dev-1"})),
    ("revenue with key property", lambda op: op.revenue(1, {"__idempotencyKey": "order-1"})),
]


@pytest.mark.parametrize("call", [case[1] for case in GOOD_CALLS],
                         ids=[case[0] for case in GOOD_CALLS])
def test_value_at_limit_accepted(call):
    # The filter skips every send, so nothing waits on the unused address.
    op = OpenPanel(client_id=CLIENT_ID, api_url=UNUSED_API_URL, filter=lambda message: False)
    call(op)


def test_trailing_slash_api_url_accepted():
    OpenPanel(client_id=CLIENT_ID, api_url="https://api.openpanel.dev/")


def test_revenue_device_property_lifted(live, server):
    live.revenue(1, {"__deviceId": " dev-7 "}).result(WAIT_S)
    properties = server.tracks()[0]["payload"]["properties"]
    assert properties["__deviceId"] == "dev-7"


def test_rejected_revenue_moved_aside_once(live, server):
    server.plan(Respond(400, {"message": "properties.__revenue must be between 0 and 2**53-1"}))
    key = live.pending_revenue(1999, {"currency": "USD"})
    first = live.flush_revenue().result(WAIT_S)
    second = live.flush_revenue().result(WAIT_S)
    assert [entry["amount"] for entry in first.rejected] == [1999]
    assert first.rejected[0]["status"] == 400
    assert "2**53-1" in first.rejected[0]["reason"]
    assert first.as_dict()["rejected"] == first.rejected
    assert first.pending == []
    assert second.as_dict()["rejected"] == []
    assert len(server.tracks()) == 1
    stored = live.rejected_revenues()
    assert [entry["properties"]["__idempotencyKey"] for entry in stored] == [key]
    assert stored[0]["properties"]["currency"] == "USD"


def test_rejected_revenue_logged(live, server, caplog):
    server.plan(Respond(400, {"message": "bad"}))
    live.pending_revenue(5)
    live.flush_revenue().result(WAIT_S)
    moved = [record for record in caplog.records if REJECTED_KEY in record.getMessage()]
    assert len(moved) == 1
    assert moved[0].levelname == "ERROR"


def test_rejection_keeps_other_revenues(live, server):
    live.pending_revenue(1, idempotency_key="a")
    live.pending_revenue(2, idempotency_key="b")
    server.plan(Respond(400, {"message": "bad"}))
    result = live.flush_revenue().result(WAIT_S)
    assert len(result.rejected) == 1
    assert len(result.sent) == 1
    assert live.pending_revenues() == []


def test_unreadable_rejected_list_keeps_pending(live, server):
    live._pending._storage.set_item(REJECTED_KEY, "{not json")
    server.plan(Respond(400, {"message": "bad"}))
    live.pending_revenue(5)
    result = live.flush_revenue().result(WAIT_S)
    assert [entry["amount"] for entry in result.failed] == [5]
    assert [entry["amount"] for entry in live.pending_revenues()] == [5]
    assert live._pending._storage.get_item(REJECTED_KEY) == "{not json"


def test_stored_key_too_long_moved_aside(live, server):
    live._pending._storage.set_item(
        "openpanel-pending-revenues",
        '[{"amount": 5, "properties": {"__idempotencyKey": "' + "k" * 300 + '"}}]')
    result = live.flush_revenue().result(WAIT_S)
    assert server.tracks() == []
    assert result.rejected[0]["status"] is None
    assert "256" in result.rejected[0]["reason"]
    assert live.pending_revenues() == []


def test_payload_too_large_moved_aside(live, server):
    server.plan(Respond(413, {"message": "too large"}))
    live.pending_revenue(5)
    result = live.flush_revenue().result(WAIT_S)
    assert result.rejected[0]["status"] == 413


def test_server_error_keeps_pending(live, server, monkeypatch):
    monkeypatch.setattr(transport, "MAX_RETRIES", 0)
    server.plan(Respond(503, {"message": "down"}))
    live.pending_revenue(5)
    result = live.flush_revenue().result(WAIT_S)
    assert result.rejected == []
    assert len(live.pending_revenues()) == 1


def paid_event(currency="usd", metadata=None):
    return {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {
        "id": "cs_test_h1", "amount_total": 1999, "currency": currency,
        "payment_status": "paid", "metadata": metadata or {}}}}


@pytest.mark.parametrize("raw", ['{"type": "checkout.session.completed"}',
                                 b'{"type": "checkout.session.completed"}', None, 42],
                         ids=["str", "bytes", "None", "int"])
def test_webhook_raw_payload_raises(op, raw):
    with pytest.raises(TypeError) as raised:
        revenue_from_checkout_event(op, raw)
    assert "stripe.Webhook.construct_event" in str(raised.value)
    assert type(raw).__name__ in str(raised.value)


@pytest.mark.parametrize("currency", ["", "us", "usdt", "12$", None], ids=repr)
def test_webhook_bad_currency_raises(op, currency):
    with pytest.raises(ValueError) as raised:
        revenue_from_checkout_event(op, paid_event(currency=currency))
    assert "3-letter" in str(raised.value)
    assert repr(currency) in str(raised.value)


def test_webhook_currency_override_raises(op):
    with pytest.raises(ValueError) as raised:
        revenue_from_checkout_event(op, paid_event(), {"currency": "EUR"})
    assert "'EUR'" in str(raised.value)
    assert "USD" in str(raised.value)


def test_webhook_same_currency_accepted(live, server):
    revenue_from_checkout_event(live, paid_event(), {"currency": "usd", "plan": "pro"}).result(
        WAIT_S)
    properties = server.tracks()[0]["payload"]["properties"]
    assert properties["currency"] == "USD"
    assert properties["plan"] == "pro"


def test_webhook_int_device_id_names_metadata(op):
    with pytest.raises(TypeError) as raised:
        revenue_from_checkout_event(op, paid_event(metadata={"deviceId": 42}))
    assert "metadata['deviceId']" in str(raised.value)
    assert "cs_test_h1" in str(raised.value)


def test_webhook_blank_profile_id_names_metadata(op):
    with pytest.raises(ValueError) as raised:
        revenue_from_checkout_event(op, paid_event(metadata={"profileId": "  "}))
    assert "metadata['profileId']" in str(raised.value)


HELD_AT_EXIT_SCRIPT = """
import logging, sys
from op_browser import OpenPanel
logging.basicConfig(stream=sys.stderr, level=logging.ERROR, format="%(levelname)s %(message)s")
held = OpenPanel(client_id=sys.argv[1], api_url=sys.argv[2], disabled=True)
held.track("held_event")
held.revenue(1999, idempotency_key="order-7")
waiting = OpenPanel(client_id=sys.argv[1], api_url=sys.argv[2], wait_for_profile=True)
waiting.track("waiting_event")
del held, waiting
"""


def test_held_sends_logged_at_exit():
    completed = subprocess.run(
        [sys.executable, "-c", HELD_AT_EXIT_SCRIPT, CLIENT_ID, UNUSED_API_URL],
        capture_output=True, text=True, timeout=60, check=False)
    lines = [line for line in completed.stderr.splitlines() if "at interpreter exit" in line]
    assert completed.returncode == 0, completed.stderr
    assert len(lines) == 3, completed.stderr
    assert "ERROR gave up event 'held_event' at interpreter exit" in lines[0]
    assert "disabled=True and ready() was never called" in lines[0]
    assert "revenue 1999 (idempotency key order-7)" in lines[1]
    assert "this revenue was not sent" in lines[1]
    assert "event 'waiting_event'" in lines[2]
    assert "wait_for_profile=True" in lines[2]


def test_released_sends_not_logged_at_exit(server):
    script = HELD_AT_EXIT_SCRIPT.replace("del held, waiting",
                                         "held.ready()\nwaiting.identify('u1')")
    completed = subprocess.run(
        [sys.executable, "-c", script, CLIENT_ID, server.api_url],
        capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "at interpreter exit" not in completed.stderr
    assert len(server.tracks()) == 3


def test_result_timeout_says_what(live, server):
    server.plan(Hang(Respond(200)))
    handle = live.track("slow")
    with pytest.raises(TimeoutError) as raised:
        handle.result(timeout=0.2)
    assert "did not finish within 0.2 s" in str(raised.value)
    assert "background" in str(raised.value)


def test_held_result_timeout_says_what():
    held = OpenPanel(client_id=CLIENT_ID, api_url=UNUSED_API_URL, disabled=True)
    with pytest.raises(TimeoutError) as raised:
        held.track("held").result(timeout=0.1)
    assert "ready()" in str(raised.value)
    held._give_up_held("in this test")
