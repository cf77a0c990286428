"""op_browser sends the JSON bodies that @openpanel/web 1.4.1 sends, for the same calls.

Both SDKs run in Chromium against their own recording server. The bodies
must be equal once the values that differ by design are removed: op_browser
sends its device id with every event and an idempotency key with every
revenue, and neither SDK's timestamps or ids are comparable.
"""

import pytest

from tests.support.recording_server import RecordingServer
from tests.support.sdk_harness import Harness

pytestmark = pytest.mark.browser

EXPLICIT_DEVICE_ID = "dev-from-checkout"
IGNORED_PROPERTIES = ("__idempotencyKey", "__timestamp")

# (python method, args, kwargs, the same call on window.openpanel, bodies it sends)
STEPS = [
    ("track", ["add_to_cart", {"sku": "tee-01", "qty": 2, "price": 19.5}], {},
     "openpanel.track('add_to_cart', {sku: 'tee-01', qty: 2, price: 19.5})", 1),
    ("set_global_properties", [{"plan": "pro", "ab": ["a", "b"]}], {},
     "openpanel.setGlobalProperties({plan: 'pro', ab: ['a', 'b']})", 0),
    ("track", ["checkout_started", {"cart": {"items": 2, "coupon": None}}], {},
     "openpanel.track('checkout_started', {cart: {items: 2, coupon: null}})", 1),
    ("identify", ["user-123"], {"email": "ada@example.com", "first_name": "Ada",
                                "last_name": "Lovelace", "avatar": "https://example.com/a.png",
                                "properties": {"team": "math"}},
     "openpanel.identify({profileId: 'user-123', email: 'ada@example.com', firstName: 'Ada',"
     " lastName: 'Lovelace', avatar: 'https://example.com/a.png', properties: {team: 'math'}})",
     1),
    ("track", ["after_identify"], {}, "openpanel.track('after_identify')", 1),
    ("increment", ["user-123", "logins", 1], {},
     "openpanel.increment({profileId: 'user-123', property: 'logins', value: 1})", 1),
    ("decrement", ["user-123", "credits", 2], {},
     "openpanel.decrement({profileId: 'user-123', property: 'credits', value: 2})", 1),
    ("screen_view", ["/checkout", {"step": 2}], {},
     "openpanel.screenView('/checkout', {step: 2})", 1),
    ("track", ["on_checkout_page"], {}, "openpanel.track('on_checkout_page')", 1),
    ("revenue", [1999, {"currency": "USD"}], {},
     "openpanel.revenue(1999, {currency: 'USD'})", 1),
    ("revenue", [500, {"currency": "EUR"}], {"device_id": EXPLICIT_DEVICE_ID},
     f"openpanel.revenue(500, {{currency: 'EUR', deviceId: '{EXPLICIT_DEVICE_ID}'}})", 1),
    ("pending_revenue", [2000, {"product_id": "123"}], {},
     "openpanel.pendingRevenue(2000, {product_id: '123'})", 0),
    ("flush_revenue", [], {}, "openpanel.flushRevenue()", 1),
]


@pytest.fixture
def api():
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.fixture
def web_api():
    server = RecordingServer().start()
    yield server
    server.stop()


def comparable(body):
    """Return ``body`` without the values that differ between the SDKs by design."""
    payload = dict(body["payload"])
    if "properties" in payload:
        properties = {key: value for key, value in payload["properties"].items()
                      if key not in IGNORED_PROPERTIES}
        # op_browser adds its own device id to every event; only a device id
        # the caller chose must match.
        if properties.get("__deviceId") != EXPLICIT_DEVICE_ID:
            properties.pop("__deviceId", None)
        payload["properties"] = properties
    return {"type": body["type"], "payload": payload}


def run_web_sdk(page, static_server, server):
    query = f"?api={server.api_url}"
    page.goto(static_server.url(f"/pages/sdk_web.html{query}"))
    page.wait_for_function("window.openpanel !== undefined")
    expected = 0
    for _method, _args, _kwargs, script, sends in STEPS:
        page.evaluate(f"async () => {{ await {script}; }}")
        expected += sends
        server.wait_for_tracks(expected)
    return server.tracks()


def run_op_browser(harness, server):
    harness.open(server.api_url)
    expected = 0
    for method, args, kwargs, _script, sends in STEPS:
        harness.call(method, *args, **kwargs)
        expected += sends
        server.wait_for_tracks(expected)
    return server.tracks()


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_bodies_match_web_sdk(context, static_server, api, web_api, interpreter):
    web_bodies = run_web_sdk(context.new_page(), static_server, web_api)
    harness = Harness(context.new_page(), static_server, interpreter)
    our_bodies = run_op_browser(harness, api)
    assert len(our_bodies) == len(web_bodies)
    for ours, theirs in zip(our_bodies, web_bodies, strict=True):
        assert comparable(ours) == comparable(theirs)


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_revenue_extras_present(page, static_server, api, interpreter):
    harness = Harness(page, static_server, interpreter)
    run_op_browser(harness, api)
    revenue = [body["payload"]["properties"] for body in api.tracks()
               if body["payload"].get("name") == "revenue"]
    assert len(revenue) == 3
    assert all(len(properties["__idempotencyKey"]) == 36 for properties in revenue)
    assert revenue[0]["__deviceId"] == harness.call("get_device_id")
    assert revenue[1]["__deviceId"] == EXPLICIT_DEVICE_ID


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_same_header_names_as_web_sdk(context, static_server, api, web_api, interpreter):
    page = context.new_page()
    page.goto(static_server.url(f"/pages/sdk_web.html?api={web_api.api_url}"))
    page.wait_for_function("window.openpanel !== undefined")
    page.evaluate("async () => { await openpanel.track('x'); }")
    harness = Harness(context.new_page(), static_server, interpreter).open(api.api_url)
    harness.call("track", "x")
    theirs = web_api.track_requests()[0].headers
    ours = api.track_requests()[0].headers
    for name in ("content-type", "openpanel-client-id", "openpanel-sdk-name",
                 "openpanel-sdk-version"):
        assert name in theirs
        assert name in ours
    assert ours["openpanel-client-id"] == theirs["openpanel-client-id"]
    assert ours["content-type"] == theirs["content-type"]


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_web_sdk_pending_revenue_flushed_by_op_browser(page, static_server, api, interpreter):
    page.goto(static_server.url(f"/pages/sdk_web.html?api={api.api_url}"))
    page.wait_for_function("window.openpanel !== undefined")
    page.evaluate("openpanel.pendingRevenue(2000, {productId: '123', deviceId: 'dev-js'})")
    harness = Harness(page, static_server, interpreter).open(api.api_url)
    result = harness.call("flush_revenue")
    properties = api.tracks()[0]["payload"]["properties"]
    assert [entry["amount"] for entry in result["sent"]] == [2000]
    assert properties["productId"] == "123"
    assert properties["__deviceId"] == "dev-js"
    assert properties["__revenue"] == 2000
    assert len(properties["__idempotencyKey"]) == 36


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_op_browser_pending_revenue_flushed_by_web_sdk(page, static_server, api, interpreter):
    harness = Harness(page, static_server, interpreter).open(api.api_url)
    key = harness.call("pending_revenue", 1500, {"currency": "USD"})
    page.goto(static_server.url(f"/pages/sdk_web.html?api={api.api_url}"))
    page.wait_for_function("window.openpanel !== undefined")
    page.evaluate("async () => { await openpanel.flushRevenue(); }")
    properties = api.tracks()[0]["payload"]["properties"]
    assert properties["__revenue"] == 1500
    assert properties["currency"] == "USD"
    assert properties["__idempotencyKey"] == key
