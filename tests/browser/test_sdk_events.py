"""Events, device ids and held sends in Chromium, on Pyodide and MicroPython."""

import pytest

from tests.support.recording_server import RecordingServer
from tests.support.sdk_harness import Harness, HarnessCallError

pytestmark = pytest.mark.browser

DEVICE_ID_KEY = "op_browser-device-id"


@pytest.fixture
def api():
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["py", "mpy"])
def harness(request, page, static_server):
    return Harness(page, static_server, request.param)


def properties_of(body):
    return body["payload"]["properties"]


def test_track_returns_response_body(harness, api):
    harness.open(api.api_url)
    answer = harness.call("track", "add_to_cart", {"sku": "tee-01"})
    assert answer == {"deviceId": "server-device-id", "sessionId": "server-session-id"}


def test_device_id_survives_reload(harness, api):
    harness.open(api.api_url)
    device_id = harness.call("fetch_device_id")
    harness.reload()
    harness.call("track", "after_reload")
    assert len(device_id) == 36
    assert harness.call("get_device_id") == device_id
    assert harness.session_item(DEVICE_ID_KEY) == device_id
    assert properties_of(api.tracks()[0])["__deviceId"] == device_id


def test_device_id_in_local_storage(harness, api):
    harness.open(api.api_url, {"device_id_storage": "local"})
    device_id = harness.call("get_device_id")
    assert harness.page.evaluate(f"localStorage.getItem('{DEVICE_ID_KEY}')") == device_id
    assert harness.session_item(DEVICE_ID_KEY) is None


def test_device_id_from_server(harness, api):
    api.device_id = "hash-of-visitor"
    harness.open(api.api_url, {"device_id_from_server": True})
    harness.call("track", "before_fetch")
    assert harness.call("fetch_device_id") == "hash-of-visitor"
    harness.call("track", "after_fetch")
    before, after = api.tracks()
    assert "__deviceId" not in properties_of(before)
    assert properties_of(after)["__deviceId"] == "hash-of-visitor"


def test_clear_starts_new_device_id(harness, api):
    harness.open(api.api_url)
    first = harness.call("get_device_id")
    harness.call("clear")
    assert harness.call("get_device_id") != first


def test_unawaited_track_before_navigation_arrives(harness, api, static_server):
    harness.open(api.api_url)
    # The page neither awaits the send nor waits before leaving, as a
    # checkout button that redirects to the payment page does.
    harness.page.evaluate("""
        window.opHarnessCall('leaving', JSON.stringify(
            {method: 'track', args: ['checkout_clicked'], kwargs: {}}));
        location.href = '/pages/sdk_web.html';
    """)
    bodies = api.wait_for_tracks(1, timeout_s=15)
    assert bodies[0]["payload"]["name"] == "checkout_clicked"


def test_disabled_holds_events_until_ready(harness, api):
    harness.open(api.api_url, {"disabled": True})
    held = harness.start("track", "held")
    harness.call("identify", "user-1")
    assert api.tracks() == []
    harness.call("ready")
    harness.wait(held)
    body = api.tracks()[0]
    assert body["payload"]["profileId"] == "user-1"
    assert properties_of(body)["__timestamp"].endswith("Z")


def test_debug_off_logs_only_warnings_and_errors(harness, api):
    harness.open(api.api_url)
    harness.call("track", "quiet")
    assert not [line for line in harness.console if line.startswith("[op_browser]")]


def test_debug_on_logs_sends(harness, api):
    harness.open(api.api_url, {"debug": True})
    harness.call("track", "loud")
    assert "[op_browser] sending event 'loud'" in harness.console


def test_reserved_event_name_raises(harness, api):
    harness.open(api.api_url)
    with pytest.raises(HarnessCallError) as raised:
        harness.call("track", "session_start")
    assert raised.value.error == "ValueError"
    assert api.tracks() == []
