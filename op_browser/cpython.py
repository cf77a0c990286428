"""The CPython adapter: httpx on a background event loop, memory storage, ``logging``.

Requests run on one daemon thread per process, which owns an asyncio loop
and an ``httpx.AsyncClient``. So the same client works from sync code (a
Flask or Django view calls ``handle.result()``) and from async code (a
Starlette or FastAPI handler does ``await handle``). A call whose handle is
never awaited still goes out. At exit, unfinished requests get ``EXIT_WAIT_S`` to
complete, and any that do not are logged.
"""

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
from datetime import datetime, timezone

from .errors import NetworkError, SendError
from .log import Log
from .storage import MemoryStorage
from .transport import HttpResponse

try:
    import httpx
except ImportError:
    httpx = None

logger = logging.getLogger("op_browser")

# How long the interpreter waits at exit for requests still running.
EXIT_WAIT_S = 10.0

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class _LoopThread:
    """One asyncio loop on a daemon thread, started on first use and again after fork()."""

    def __init__(self):
        self._guard = threading.Lock()
        self._loop = None
        self._client = None
        self._pid = None
        self._running = set()

    def _ensure_started(self):
        with self._guard:
            if self._loop is not None and self._pid == os.getpid():
                return self._loop
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="op_browser-http",
                                      daemon=True)
            thread.start()
            self._loop = loop
            self._client = None
            self._pid = os.getpid()
            self._running = set()
            return loop

    def http_client(self):
        """Return the loop's httpx client; call only on the loop's thread."""
        if self._client is None:
            self._client = httpx.AsyncClient()
        return self._client

    def submit(self, coro):
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure_started())
        self._running.add(future)
        future.add_done_callback(self._running.discard)
        return future

    def wait_at_exit(self):
        running = list(self._running)
        if not running:
            return
        _done, not_done = concurrent.futures.wait(running, timeout=EXIT_WAIT_S)
        if not_done:
            logger.error("exiting with %d op_browser request(s) unfinished after %.0f s; "
                         "they were not sent", len(not_done), EXIT_WAIT_S)


_LOOP = _LoopThread()
atexit.register(_LOOP.wait_at_exit)

# id(client) -> give_up(when), for clients that hold sends (disabled=True or
# wait_for_profile=True). The strong reference keeps such a client alive, so
# its held sends are logged at exit even if the caller dropped it.
_HOLDING = {}


def _give_up_held_sends():
    for give_up in list(_HOLDING.values()):
        give_up("at interpreter exit")


# atexit runs the last registration first, so held sends are failed before
# the wait for running requests.
atexit.register(_give_up_held_sends)


def _copy_outcome(source, target):
    if target.done():
        return
    error = source.exception()
    if error is not None:
        if not isinstance(error, SendError):
            logger.error("unexpected error in an op_browser send: %r", error, exc_info=error)
        target.set_exception(error)
    else:
        target.set_result(source.result())


class ServerHandle:
    """The handle that a sending call returns on CPython.

    ``handle.result(timeout=None)`` blocks until the send finishes (for sync code);
    ``await handle`` waits without blocking the caller's event loop. Both
    return the server's response body or raise SendError.
    """

    def __init__(self):
        self._future = concurrent.futures.Future()

    def _start(self, coro):
        inner = _LOOP.submit(coro)
        inner.add_done_callback(lambda finished: _copy_outcome(finished, self._future))

    def _resolve(self, value):
        self._future.set_result(value)

    def _fail(self, error):
        self._future.set_exception(error)

    def done(self):
        return self._future.done()

    def result(self, timeout=None):
        """Block until the send finishes and return the response body.

        Raises SendError when the send failed, and TimeoutError after
        ``timeout`` seconds (``concurrent.futures.TimeoutError`` before
        Python 3.11); the send itself goes on after a timeout.
        """
        try:
            return self._future.result(timeout)
        except concurrent.futures.TimeoutError:
            raise concurrent.futures.TimeoutError(
                "op_browser send did not finish within " + str(timeout) + " s; it goes on in "
                "the background (a send held by disabled or wait_for_profile waits for ready() "
                "or identify()): call result() again, or await the handle"
            ) from None

    def __await__(self):
        return asyncio.wrap_future(self._future).__await__()


class CPythonPlatform:
    """Everything the core needs from a CPython process."""

    is_browser = False

    def __init__(self, debug=False):
        if httpx is None:
            raise ImportError("op_browser on CPython needs httpx: install op_browser[server]")
        self.log = Log(self._emit)
        self.lock = threading.RLock()

    def _emit(self, level, message):
        logger.log(_LEVELS[level], message)

    def random_bytes(self, count):
        return os.urandom(count)

    def now_iso(self):
        moment = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        return moment.replace("+00:00", "Z")

    def open_storage(self, kind):
        # A backend has no visitor session: every kind lives in memory.
        return MemoryStorage()

    def page(self):
        return None

    def hold_until_exit(self, key, give_up):
        _HOLDING[key] = give_up

    def release_at_exit(self, key):
        _HOLDING.pop(key, None)

    def spawn(self, coro):
        handle = ServerHandle()
        handle._start(coro)
        return handle

    def deferred(self):
        return ServerHandle()

    def completed(self, value):
        handle = ServerHandle()
        handle._resolve(value)
        return handle

    def start_post(self, url, headers, body, timeout_s):
        return self._request("POST", url, headers, body.encode("utf-8"), timeout_s)

    def start_get(self, url, headers, timeout_s):
        return self._request("GET", url, headers, None, timeout_s)

    async def _request(self, method, url, headers, content, timeout_s):
        client = _LOOP.http_client()
        try:
            response = await client.request(method, url, headers=headers, content=content,
                                            timeout=timeout_s)
        except httpx.TransportError as error:
            raise NetworkError(type(error).__name__ + ": " + str(error)) from error
        return HttpResponse(response.status_code, response.text,
                            response.headers.get("retry-after"))

