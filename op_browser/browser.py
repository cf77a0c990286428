"""The browser adapter: Web Storage, fetch, crypto and the console, through PyScript's ``js``.

It runs on Pyodide and on MicroPython. Where the two differ, the difference
is detected once below, by feature:

- Pyodide returns JavaScript ``null`` as a ``jsnull`` proxy and MicroPython
  as None, so values read from JavaScript are kept only if they are ``str``.
- MicroPython's asyncio has no ``ensure_future``, and awaits an object by
  iterating it where Pyodide calls ``__await__``; handles provide both.
- Their JS exceptions carry the JavaScript error name differently.
- Dicts cross the bridge differently, so every dict goes over as JSON text
  and is parsed by ``JSON.parse`` on the JavaScript side.
- On MicroPython 1.28 a JavaScript exception thrown by a synchronous call or
  property read cannot be caught in Python: it ends the whole script. Web
  Storage throws in ordinary situations (private mode, full quota, storage
  blocked), so every storage call goes through a small JavaScript function
  that catches and returns JSON text. The Fetch standard has fetch() report
  failures by rejecting its promise, and both interpreters raise a rejected
  promise as a catchable exception on ``await``.
"""

import asyncio
import json

import js

from .errors import NetworkError
from .log import Log
from .storage import MemoryStorage
from .transport import HttpResponse

# The Fetch standard allows at most 64 KiB of keepalive request bodies in
# flight per page; a larger body goes without keepalive.
MAX_KEEPALIVE_BODY_BYTES = 65536

_SPAWN = getattr(asyncio, "ensure_future", None) or asyncio.create_task
_HAS_TIMEOUT_SIGNAL = hasattr(js, "AbortSignal") and hasattr(js.AbortSignal, "timeout")
_HAS_DOCUMENT = hasattr(js, "document")


# Built with Function(), as PyScript's own core does, so it needs no
# Content-Security-Policy permission that PyScript does not already need.
_STORAGE_CALL = js.Function.new(
    "area", "action", "key", "value",
    """
    try {
        const storage = window[area];
        if (action === "get") {
            return JSON.stringify({ok: true, value: storage.getItem(key)});
        }
        if (action === "set") {
            storage.setItem(key, value);
        } else {
            storage.removeItem(key);
        }
        return JSON.stringify({ok: true, value: null});
    } catch (error) {
        return JSON.stringify({ok: false, error: String(error)});
    }
    """,
)


class StorageError(Exception):
    """A Web Storage call that threw in the browser."""


def _text_or_none(value):
    return value if isinstance(value, str) else None


def describe_js_error(error):
    """Return "Name: message" for an exception raised by a JavaScript call."""
    args = getattr(error, "args", ())
    # MicroPython's JsException carries (error object, name, message).
    if len(args) == 3 and isinstance(args[1], str):
        return args[1] + ": " + str(args[2])
    return str(error)


class WebStorage:
    """``sessionStorage`` or ``localStorage``; every call may raise StorageError."""

    def __init__(self, name):
        self._name = name

    def _call(self, action, key, value=None):
        outcome = json.loads(_STORAGE_CALL(self._name, action, key, value))
        if not outcome["ok"]:
            raise StorageError(self._name + "." + action + "Item failed: " + outcome["error"])
        return outcome["value"]

    def get_item(self, key):
        return _text_or_none(self._call("get", key))

    def set_item(self, key, value):
        self._call("set", key, value)

    def remove_item(self, key):
        self._call("remove", key)


class _NoLock:
    # A page runs Python on one thread; the storage steps never await.
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


class BrowserHandle:
    """The awaitable that a sending call returns in a browser.

    ``await handle`` returns the server's response body or raises SendError. A
    browser cannot block, so result() only works once done() is True.
    """

    def __init__(self, log):
        self._log = log
        self._finished = False
        self._value = None
        self._error = None
        self._task = None
        self._gate = None
        self._coro = None

    def _start(self, coro):
        if self._gate is not None:
            self._coro = coro
            self._gate.set()
        else:
            self._task = _SPAWN(self._run(coro))

    def _defer(self):
        self._gate = asyncio.Event()
        self._task = _SPAWN(self._run_when_started())

    async def _run_when_started(self):
        await self._gate.wait()
        await self._run(self._coro)

    async def _run(self, coro):
        try:
            if coro is not None:
                self._value = await coro
        except Exception as error:
            self._error = error
            if type(error).__name__ != "SendError":
                self._log.error("unexpected error in a send: " + repr(error))
        self._finished = True

    def _resolve(self, value):
        self._value = value
        self._finished = True

    def _fail(self, error):
        self._error = error
        self._finished = True
        if self._gate is not None:
            self._gate.set()

    def done(self):
        return self._finished

    def result(self):
        if not self._finished:
            raise RuntimeError("the send has not finished: use `await handle` in a browser, "
                               "which cannot wait without blocking the page")
        if self._error is not None:
            raise self._error
        return self._value

    def __await__(self):
        if self._task is not None:
            yield from self._task
        return self.result()

    # MicroPython awaits an object by iterating it.
    __iter__ = __await__


class BrowserPlatform:
    """Everything the core needs from a browser page."""

    is_browser = True

    def __init__(self, debug=False):
        self._debug = debug
        self.log = Log(self._emit)
        self.lock = _NoLock()

    def _emit(self, level, message):
        text = "[op_browser] " + message
        if level == "error":
            js.console.error(text)
        elif level == "warning":
            js.console.warn(text)
        elif self._debug:
            js.console.log(text)

    # ------------------------------------------------------------ values

    def random_bytes(self, count):
        values = js.crypto.getRandomValues(js.Uint8Array.new(count))
        return bytes([int(values[index]) for index in range(count)])

    def now_iso(self):
        return js.Date.new().toISOString()

    def open_storage(self, kind):
        if kind == "memory":
            return MemoryStorage()
        return WebStorage(kind + "Storage")

    def page(self):
        if not _HAS_DOCUMENT:
            return None
        return {
            "href": str(js.location.href),
            "title": str(js.document.title),
            "referrer": str(js.document.referrer),
        }

    def start_autotrack(self, client, options):
        """Start the listeners behind the ``track_*`` options; return the tracker to stop."""
        from .autotrack import AutoTracker

        tracker = AutoTracker(client, self.log, options["track_screen_views"],
                              options["track_hash_changes"], options["track_outgoing_links"],
                              options["track_attributes"])
        return tracker.start()

    # NOTE: a page gets no reliable last chance to run code when it closes.
    # Held sends are therefore not logged there, and they are lost with the page.
    def hold_until_exit(self, key, give_up):
        pass

    def release_at_exit(self, key):
        pass

    # ------------------------------------------------------------ handles

    def spawn(self, coro):
        handle = BrowserHandle(self.log)
        handle._start(coro)
        return handle

    def deferred(self):
        handle = BrowserHandle(self.log)
        handle._defer()
        return handle

    def completed(self, value):
        handle = BrowserHandle(self.log)
        handle._resolve(value)
        return handle

    # ------------------------------------------------------------ HTTP

    def start_post(self, url, headers, body, timeout_s):
        keepalive = len(body.encode("utf-8")) <= MAX_KEEPALIVE_BODY_BYTES
        init = {"method": "POST", "headers": headers, "body": body, "keepalive": keepalive}
        return self._receive(self._fetch(url, init, timeout_s))

    def start_get(self, url, headers, timeout_s):
        return self._receive(self._fetch(url, {"method": "GET", "headers": headers}, timeout_s))

    def _fetch(self, url, init, timeout_s):
        """Call fetch now; return its promise, or the exception if fetch threw at once."""
        try:
            options = js.JSON.parse(json.dumps(init))
            if _HAS_TIMEOUT_SIGNAL:
                options.signal = js.AbortSignal.timeout(int(timeout_s * 1000))
            return js.fetch(url, options)
        except Exception as error:
            return error

    async def _receive(self, promise):
        if isinstance(promise, Exception):
            raise NetworkError(describe_js_error(promise))
        # MicroPython logs "Warning: exception chaining not supported" to the
        # console for ``raise ... from``, so the error is raised after the block.
        failure = None
        try:
            response = await promise
            text = await response.text()
        except Exception as error:
            failure = describe_js_error(error)
        if failure is not None:
            raise NetworkError(failure)
        retry_after = _text_or_none(response.headers.get("retry-after"))
        return HttpResponse(int(response.status), text, retry_after)
