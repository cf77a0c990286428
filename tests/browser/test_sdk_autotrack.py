"""Automatic tracking sends what @openpanel/web 1.4.1 sends for the same navigations and clicks.

Both SDKs run in Chromium against their own recording server, on pages with
the same links and buttons, and each step (a history call or a click) must
produce the same bodies. Two differences are by design: op_browser adds its
device id to every event, and it adds ``__path`` (the last screen view's URL)
to ``link_out`` and ``data-track`` events, which the web SDK sends without one.
"""

import json
import time
from urllib.parse import quote

import pytest

from tests.support.recording_server import RecordingServer
from tests.support.sdk_harness import Harness

pytestmark = pytest.mark.browser

# Long enough for the 50 ms screen view debounce and a request to arrive.
QUIET_WAIT_S = 0.4

FIXTURE_HTML = """
<nav>
  <a id="docs" href="https://docs.example.com/guide" title="Guide">  Read
     the   docs </a>
  <a id="same-host" href="http://127.0.0.1:9/elsewhere">Same host, other port</a>
  <a id="relative" href="/products/2">Relative</a>
  <a id="mailto" href="mailto:shop@example.com">Mail us</a>
  <a id="bad-url" href="http://[::1/">Broken URL</a>
  <a id="logo-link" href="https://cdn.example.org/"><img id="logo" alt="Example logo"
     src="data:,"></a>
  <a id="partner" href="https://partner.example.net/spring" data-track="promo_click"
     data-campaign="spring">Partner sale</a>
  <a href="/products/1" data-track="card_open" data-card-id="1"><button
     id="open-card">Open</button></a>
</nav>
<button id="add-to-cart" data-track="add_to_cart" data-product-id="tee-01" data-price="19.5"
        data-gift_wrap="yes" data-x--y="z"><span id="add-to-cart-label">Add to cart</span></button>
<button id="empty-track" data-track="" data-x="1">No event name</button>
<button id="reserved-track" data-track="session_start">Reserved name</button>
"""

# Clicks on links must not leave the page, and must not reach other hosts.
STAY_ON_PAGE = """
document.addEventListener("click", (event) => {
    if (event.target.closest("a")) {
        event.preventDefault();
    }
});
"""

WEB_OPTIONS = {"trackScreenViews": True, "trackOutgoingLinks": True, "trackAttributes": True}
OUR_OPTIONS = {"track_screen_views": True, "track_outgoing_links": True,
               "track_attributes": True}

# (JavaScript run in the page, POST /track requests it causes)
NAVIGATIONS = [
    ("history.pushState({}, '', '/shop/tee-01')", 1),
    ("history.replaceState({}, '', '/shop/tee-01?color=red')", 1),
    ("document.title = 'Cart'; history.pushState({}, '', '/cart')", 1),
    ("history.back()", 1),
    # Three changes inside the debounce time send one screen view, for /c.
    ("history.pushState({}, '', '/a'); history.pushState({}, '', '/b');"
     " history.replaceState({}, '', '/c')", 1),
    ("history.pushState({}, '', '/c')", 0),
    ("location.hash = 'reviews'", 1),
]

# (element to click, POST /track requests it causes)
CLICKS = [
    ("#docs", 1),
    ("#same-host", 0),
    ("#relative", 0),
    ("#mailto", 0),
    ("#bad-url", 0),
    ("#logo", 1),
    ("#add-to-cart", 1),
    ("#add-to-cart-label", 1),
    ("#partner", 2),
    ("#open-card", 1),
    ("#empty-track", 0),
]

HASH_NAVIGATIONS = [
    ("history.pushState({}, '', '/no-view')", 0),
    ("location.hash = 'one'", 1),
    ("history.replaceState({}, '', '/still-no-view')", 0),
    ("location.hash = 'two'", 1),
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


def prepare_page(page):
    page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", FIXTURE_HTML)
    page.evaluate(STAY_ON_PAGE)


def click(page, selector):
    page.evaluate("selector => document.querySelector(selector).click()", selector)


def run_steps(page, server, steps, expected):
    """Run each step and wait for its requests; return the expected request count."""
    for script, sends in steps:
        if script.startswith("#"):
            click(page, script)
        else:
            page.evaluate(script)
        expected += sends
        if sends:
            server.wait_for_tracks(expected)
        else:
            time.sleep(QUIET_WAIT_S)
    time.sleep(QUIET_WAIT_S)
    return expected


def run_web_sdk(page, static_server, server, options, steps):
    query = f"?api={server.api_url}&options={quote(json.dumps(options))}"
    page.goto(static_server.url(f"/pages/autotrack_web.html{query}"))
    page.wait_for_function("window.openpanel !== undefined")
    start_url = page.evaluate("location.href")
    prepare_page(page)
    server.wait_for_tracks(1)
    return start_url, run_steps(page, server, steps, 1)


def run_op_browser(harness, server, options, steps):
    harness.open(server.api_url, options)
    start_url = harness.page.evaluate("location.href")
    prepare_page(harness.page)
    server.wait_for_tracks(1)
    return start_url, run_steps(harness.page, server, steps, 1)


def comparable(body, start_url):
    """Return the name and properties of ``body``, without op_browser's device id.

    The first screen view's URL is the page's own, so it becomes "<start url>".
    """
    properties = dict(body["payload"]["properties"])
    properties.pop("__deviceId", None)
    for key, value in properties.items():
        if value == start_url:
            properties[key] = "<start url>"
    return body["payload"]["name"], properties


def in_step_order(events, steps):
    """Sort the events of each step by name and properties.

    The requests of one click (``link_out`` and a ``data-track`` event) go out
    together and may arrive in either order, from either SDK.
    """
    ordered = events[:1]
    start = 1
    for _script, sends in steps:
        ordered.extend(sorted(events[start:start + sends], key=json.dumps))
        start += sends
    return ordered + events[start:]


def compare_with_web_sdk(context, static_server, api, web_api, interpreter, our_options,
                         web_options, steps):
    web_page = context.new_page()
    web_start_url, web_expected = run_web_sdk(web_page, static_server, web_api, web_options,
                                              steps)
    harness = Harness(context.new_page(), static_server, interpreter)
    our_start_url, our_expected = run_op_browser(harness, api, our_options, steps)
    theirs = in_step_order([comparable(body, web_start_url) for body in web_api.tracks()],
                           steps)
    ours = in_step_order([comparable(body, our_start_url) for body in api.tracks()], steps)
    return ours, theirs, our_expected, web_expected, harness


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_navigation_matches_web_sdk(context, static_server, api, web_api, interpreter):
    ours, theirs, our_expected, web_expected, _ = compare_with_web_sdk(
        context, static_server, api, web_api, interpreter, OUR_OPTIONS, WEB_OPTIONS,
        NAVIGATIONS)
    assert len(theirs) == web_expected
    assert len(ours) == our_expected
    assert ours == theirs
    assert theirs[0] == ("screen_view", {"__referrer": "", "__path": "<start url>",
                                         "__title": "op_browser harness"})


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_clicks_match_web_sdk(context, static_server, api, web_api, interpreter):
    ours, theirs, our_expected, web_expected, _ = compare_with_web_sdk(
        context, static_server, api, web_api, interpreter, OUR_OPTIONS, WEB_OPTIONS, CLICKS)
    assert len(theirs) == web_expected
    assert len(ours) == our_expected
    for (our_name, our_properties), (their_name, their_properties) in zip(ours[1:], theirs[1:],
                                                                          strict=True):
        assert our_name == their_name
        assert "__path" not in their_properties
        assert our_properties.pop("__path") == "<start url>"
        assert our_properties == their_properties


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_click_events_content(context, static_server, api, web_api, interpreter):
    ours, _, _, _, _ = compare_with_web_sdk(
        context, static_server, api, web_api, interpreter, OUR_OPTIONS, WEB_OPTIONS, CLICKS)
    events = [(name, {key: value for key, value in properties.items()
                      if not key.startswith("__")}) for name, properties in ours[1:]]
    add_to_cart = {"productId": "tee-01", "price": "19.5", "giftWrap": "yes", "x-Y": "z"}
    assert events == [
        # innerText collapses white space but keeps the trailing space before
        # </a>; neither SDK trims it.
        ("link_out", {"href": "https://docs.example.com/guide", "text": "Read the docs "}),
        ("link_out", {"href": "https://cdn.example.org/", "text": "Example logo"}),
        ("add_to_cart", add_to_cart),
        ("add_to_cart", add_to_cart),
        ("link_out", {"href": "https://partner.example.net/spring", "text": "Partner sale"}),
        ("promo_click", {"campaign": "spring"}),
        ("card_open", {"cardId": "1"}),
    ]


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_hash_changes_match_web_sdk(context, static_server, api, web_api, interpreter):
    ours, theirs, our_expected, web_expected, _ = compare_with_web_sdk(
        context, static_server, api, web_api, interpreter,
        {"track_screen_views": True, "track_hash_changes": True},
        {"trackScreenViews": True, "trackHashChanges": True}, HASH_NAVIGATIONS)
    assert len(theirs) == web_expected
    assert len(ours) == our_expected
    assert ours == theirs


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_reserved_data_track_name_logged(page, static_server, api, interpreter):
    harness = Harness(page, static_server, interpreter).open(api.api_url, OUR_OPTIONS)
    prepare_page(page)
    api.wait_for_tracks(1)
    click(page, "#reserved-track")
    time.sleep(QUIET_WAIT_S)
    assert len(api.tracks()) == 1
    assert any("data-track='session_start' was not sent" in line for line in harness.console)


# ---------------------------------------------------------------- stopping

WATCHED_LISTENERS = (("document", "click"), ("window", "locationchange"),
                     ("window", "hashchange"), ("window", "pagehide"), ("window", "popstate"))

HISTORY_RESTORED = """
history.pushState === History.prototype.pushState
    && history.replaceState === History.prototype.replaceState
"""


def listeners(page):
    """Return the watched listeners on window and document, as Chromium's DevTools lists them.

    Each entry is ``(target, event type)``, once per listener.
    """
    session = page.context.new_cdp_session(page)
    found = []
    for target in ("window", "document"):
        object_id = session.send("Runtime.evaluate", {"expression": target})["result"]["objectId"]
        answer = session.send("DOMDebugger.getEventListeners", {"objectId": object_id})
        for listener in answer["listeners"]:
            if (target, listener["type"]) in WATCHED_LISTENERS:
                found.append((target, listener["type"]))
    session.detach()
    return sorted(found)


def keep_handlers(page):
    """Store the watched listeners' functions in ``window.keptHandlers``; return how many."""
    session = page.context.new_cdp_session(page)
    found = 0
    for target in ("window", "document"):
        # DevTools returns the handler functions only for objects of a named group.
        found_target = session.send("Runtime.evaluate",
                                    {"expression": target, "objectGroup": "kept-handlers"})
        object_id = found_target["result"]["objectId"]
        answer = session.send("DOMDebugger.getEventListeners",
                              {"objectId": object_id, "objectGroup": "kept-handlers"})
        for listener in answer["listeners"]:
            if (target, listener["type"]) not in WATCHED_LISTENERS:
                continue
            session.send("Runtime.callFunctionOn", {
                "objectId": listener["handler"]["objectId"],
                "functionDeclaration": "function () { (window.keptHandlers ||= []).push(this); }",
            })
            found += 1
    session.detach()
    return found


def open_tracking(page, static_server, api, interpreter, before_fixture=None):
    harness = Harness(page, static_server, interpreter).open(api.api_url, OUR_OPTIONS)
    if before_fixture is not None:
        before_fixture(page)
    prepare_page(page)
    api.wait_for_tracks(1)
    return harness


def navigate_and_click(page):
    page.evaluate("history.pushState({}, '', '/after-stop')")
    page.evaluate("location.hash = 'after-stop'")
    click(page, "#docs")
    click(page, "#add-to-cart")
    time.sleep(QUIET_WAIT_S)


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_close_stops_automatic_events(page, static_server, api, interpreter):
    harness = open_tracking(page, static_server, api, interpreter)
    harness.call("close")
    navigate_and_click(page)
    assert len(api.tracks()) == 1
    assert page.evaluate(HISTORY_RESTORED) is True


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_clear_keeps_automatic_events(page, static_server, api, interpreter):
    harness = open_tracking(page, static_server, api, interpreter)
    harness.call("clear")
    page.evaluate("history.pushState({}, '', '/after-clear')")
    time.sleep(QUIET_WAIT_S)
    paths = [track["payload"]["properties"]["__path"] for track in api.tracks()]
    assert len(paths) == 2
    assert paths[1].endswith("/after-clear")


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_close_removes_listeners(context, static_server, api, interpreter):
    plain_page = context.new_page()
    Harness(plain_page, static_server, interpreter).open(api.api_url)
    prepare_page(plain_page)
    baseline = listeners(plain_page)
    page = context.new_page()
    harness = open_tracking(page, static_server, api, interpreter)
    tracking = listeners(page)
    harness.call("close")
    assert listeners(page) == baseline
    assert len(tracking) == len(baseline) + 4
    for kind in (("document", "click"), ("window", "locationchange"), ("window", "pagehide"),
                 ("window", "popstate")):
        assert tracking.count(kind) == baseline.count(kind) + 1


def test_close_destroys_pyodide_proxies(page, static_server, api):
    kept = []
    harness = open_tracking(page, static_server, api, "py",
                            lambda page: kept.append(keep_handlers(page)))
    harness.call("close")
    errors = page.evaluate("""() => window.keptHandlers.map((handler) => {
        try {
            handler(new MouseEvent("click"));
            return "called";
        } catch (error) {
            return String(error);
        }
    })""")
    # The history wrappers' popstate listener is plain JavaScript, not a proxy.
    destroyed = [error for error in errors if "destroyed" in error]
    assert kept == [4]
    assert len(destroyed) == 3
    assert len(api.tracks()) == 1


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_kept_handler_after_close_sends_nothing(page, static_server, api, interpreter):
    harness = open_tracking(page, static_server, api, interpreter, keep_handlers)
    harness.call("close")
    page.evaluate("""() => {
        const link = document.querySelector("#docs");
        for (const handler of window.keptHandlers) {
            try {
                handler({target: link, persisted: false});
            } catch (error) {
                // A destroyed Pyodide proxy throws; that is a pass too.
            }
        }
    }""")
    time.sleep(QUIET_WAIT_S)
    assert len(api.tracks()) == 1


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_page_hide_stops_tracking(page, static_server, api, interpreter):
    open_tracking(page, static_server, api, interpreter)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}))")
    navigate_and_click(page)
    assert len(api.tracks()) == 1
    assert page.evaluate(HISTORY_RESTORED) is True


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
def test_cached_page_hide_keeps_tracking(page, static_server, api, interpreter):
    open_tracking(page, static_server, api, interpreter)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
    page.evaluate("history.pushState({}, '', '/still-tracked')")
    bodies = api.wait_for_tracks(2)
    assert bodies[1]["payload"]["name"] == "screen_view"
    assert bodies[1]["payload"]["properties"]["__path"].endswith("/still-tracked")
