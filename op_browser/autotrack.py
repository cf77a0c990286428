"""Automatic tracking in a browser page, wired the way @openpanel/web 1.4.1 wires it.

The client starts it for its ``track_*`` options::

    op = OpenPanel(client_id="...", track_screen_views=True, track_attributes=True)
    op.close()   # removes every listener and restores history.pushState/replaceState

Screen views: history.pushState and history.replaceState are wrapped so that
each call also dispatches "pushstate" or "replacestate" and then
"locationchange" on window, and popstate dispatches "locationchange", as the
web SDK does. A "locationchange" (or, with track_hash_changes, a
"hashchange") sends ``screen_view()`` once no other one has come for
SCREEN_VIEW_DEBOUNCE_MS. Clicks: one document listener reads what was clicked
through a small JavaScript function, and op_browser.clicks decides the event.

The JavaScript parts are built with Function(), like the storage calls in
op_browser.browser. On MicroPython 1.28 an exception thrown by a synchronous
JavaScript call (``new URL()`` on a bad href) cannot be caught in Python and
would end the page's script, so such calls stay inside JavaScript.
"""

import json

import js

from .clicks import link_out_properties, tracked_click

try:
    from pyodide.ffi import create_proxy
except ImportError:
    from jsffi import create_proxy

# The web SDK waits this long after the last navigation before its screen_view.
SCREEN_VIEW_DEBOUNCE_MS = 50

_PATCH_HISTORY = js.Function.new(
    """
    const wrappers = {};
    const originals = {};
    const state = {active: true};
    for (const [method, eventName] of [["pushState", "pushstate"],
                                       ["replaceState", "replacestate"]]) {
        const original = history[method];
        originals[method] = original;
        wrappers[method] = function (...args) {
            const result = original.apply(this, args);
            if (state.active) {
                window.dispatchEvent(new Event(eventName));
                window.dispatchEvent(new Event("locationchange"));
            }
            return result;
        };
        history[method] = wrappers[method];
    }
    const onPopState = () => window.dispatchEvent(new Event("locationchange"));
    window.addEventListener("popstate", onPopState);

    // Undo the above. A wrapper that other code has wrapped in turn cannot be
    // taken out, so it stays in place and only calls the original.
    return () => {
        state.active = false;
        window.removeEventListener("popstate", onPopState);
        for (const method of Object.keys(wrappers)) {
            if (history[method] === wrappers[method]) {
                history[method] = originals[method];
            }
        }
    };
    """,
)

# Returns JSON text: the page's hostname and, for the closest link and the
# closest button around the clicked element, what the click rules need.
_READ_CLICK = js.Function.new(
    "event",
    """
    const target = event.target;
    if (!target || typeof target.closest !== "function") {
        return "null";
    }
    const attributesOf = (element) =>
        element ? Array.from(element.attributes, (item) => [item.name, item.value]) : null;
    const anchor = target.closest("a");
    let link = null;
    if (anchor) {
        const href = anchor.getAttribute("href");
        let hostname = null;
        try {
            hostname = href === null ? null : new URL(href).hostname;
        } catch (error) {
            hostname = null;
        }
        link = {
            href: href,
            hostname: hostname,
            text: anchor.innerText,
            title: anchor.getAttribute("title"),
            targetAlt: target.getAttribute("alt"),
            targetTitle: target.getAttribute("title"),
        };
    }
    return JSON.stringify({
        pageHostname: location.hostname,
        link: link,
        anchorAttributes: attributesOf(anchor),
        buttonAttributes: attributesOf(target.closest("button")),
    });
    """,
)


def _release(proxy):
    # Pyodide keeps a proxy's Python function alive until destroy(); MicroPython
    # proxies have no destroy() and are freed when JavaScript collects them.
    if hasattr(proxy, "destroy"):
        proxy.destroy()


class AutoTracker:
    """The listeners, timers and history wrappers behind the ``track_*`` options."""

    def __init__(self, client, log, screen_views, hash_changes, outgoing_links, attributes):
        self._client = client
        self._log = log
        self._screen_views = screen_views
        self._hash_changes = hash_changes
        self._outgoing_links = outgoing_links
        self._attributes = attributes
        self._listeners = []
        self._restore_history = None
        self._timer_proxy = None
        self._timer_ids = []
        self._running = False

    def start(self):
        self._running = True
        if self._screen_views:
            self._restore_history = _PATCH_HISTORY()
            self._timer_proxy = create_proxy(self._on_timer)
            change = "hashchange" if self._hash_changes else "locationchange"
            self._listen(js.window, change, self._on_location_change)
            # Like the web SDK, the first screen_view waits for a 0 ms timer,
            # so identify() or set_global_properties() called right after the
            # client is built, before the page script awaits, apply to it.
            self._start_timer(0)
        if self._outgoing_links or self._attributes:
            self._listen(js.document, "click", self._on_click)
        self._listen(js.window, "pagehide", self._on_page_hide)
        return self

    def stop(self):
        """Remove every listener, timer and history wrapper, and release their proxies."""
        if not self._running:
            return
        self._running = False
        for timer_id in self._timer_ids:
            js.clearTimeout(timer_id)
        self._timer_ids = []
        for target, event_type, proxy in self._listeners:
            target.removeEventListener(event_type, proxy)
            _release(proxy)
        self._listeners = []
        if self._restore_history is not None:
            self._restore_history()
            self._restore_history = None
        if self._timer_proxy is not None:
            _release(self._timer_proxy)
            self._timer_proxy = None

    # ------------------------------------------------------------ wiring

    def _listen(self, target, event_type, handler):
        proxy = create_proxy(handler)
        target.addEventListener(event_type, proxy)
        self._listeners.append((target, event_type, proxy))

    def _start_timer(self, delay_ms):
        self._timer_ids.append(js.setTimeout(self._timer_proxy, delay_ms))

    def _debounce(self):
        for timer_id in self._timer_ids:
            js.clearTimeout(timer_id)
        self._timer_ids = []
        self._start_timer(SCREEN_VIEW_DEBOUNCE_MS)

    # ------------------------------------------------------------ handlers
    # Each handler catches everything: an exception escaping into a
    # JavaScript event dispatch would only reach the console as an
    # "uncaught" error, and on MicroPython it is thrown into the page.

    def _on_location_change(self, event):
        if self._running:
            self._debounce()

    def _on_timer(self):
        self._timer_ids = []
        if not self._running:
            return
        try:
            self._client.screen_view()
        except Exception as error:
            self._log.error("automatic screen_view failed: " + repr(error))

    def _on_click(self, event):
        if not self._running:
            return
        try:
            clicked = json.loads(_READ_CLICK(event))
            if clicked is not None:
                self._track_click(clicked)
        except Exception as error:
            self._log.error("automatic click tracking failed: " + repr(error))

    def _track_click(self, clicked):
        # Same order as the web SDK, whose link listener is added first.
        if self._outgoing_links and clicked["link"] is not None:
            properties = link_out_properties(clicked["link"], clicked["pageHostname"])
            if properties is not None:
                self._client.track("link_out", properties)
        if self._attributes:
            tracked = tracked_click(clicked["buttonAttributes"], clicked["anchorAttributes"])
            if tracked is not None:
                self._track_attribute_event(tracked[0], tracked[1])

    def _track_attribute_event(self, name, properties):
        try:
            self._client.track(name, properties)
        except (TypeError, ValueError) as error:
            self._log.error("data-track=" + repr(name) + " was not sent: " + str(error))

    def _on_page_hide(self, event):
        # A page kept in the back/forward cache (persisted) may be shown
        # again, so only a page that is going away is torn down.
        if not event.persisted:
            self.stop()
