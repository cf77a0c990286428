"""A reverse proxy on 127.0.0.1 that injects faults between a client and a real server.

    proxy = FaultProxy(collector.base_url).start()
    proxy.plan(Reply(500), LOSE_RESPONSE, Stall(2.0))   # the next three POST /track
    ...                                                  # point the SDK at proxy.api_url
    proxy.stop()        # the API is down: connections are refused
    proxy.start()       # up again, on the same port
    proxy.wait_idle()   # every stalled request has finished
    proxy.stop()

Every request other than POST /track is forwarded unchanged, CORS preflights
included. Each POST /track takes the next planned action, then ``FORWARD``:

- ``FORWARD``: pass the request on and relay the response.
- ``Reply(status)``: respond at once, so the server never receives the request.
- ``LOSE_RESPONSE``: pass the request on, so the server stores it, then close
  the connection without a response, as a crash or a network cut would.
- ``Stall(seconds, store_first)``: hold the request for ``seconds`` (or until
  release()), then forward it. With ``store_first`` the server stores it at
  once and only the response is held.

Each response closes its connection (HTTP/1.0), so a browser cannot reach a
stopped proxy through a connection it kept open.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOST = "127.0.0.1"
# A stalled request goes on after this long even if release() is never
# called, so no test can wedge a proxy thread for good.
MAX_STALL_S = 60.0
UPSTREAM_TIMEOUT_S = 30.0
# Headers that describe one connection and must not be relayed (RFC 9110, 7.6.1).
HOP_BY_HOP_HEADERS = frozenset({
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
    "upgrade", "host", "content-length",
})


class Forward:
    """Pass the request on and relay the response."""

    def __repr__(self) -> str:
        return "Forward()"


class Reply:
    """Respond with ``status`` without forwarding the request."""

    def __init__(self, status: int, body: dict | None = None,
                 headers: dict[str, str] | None = None):
        self.status = status
        self.body = body if body is not None else {"message": f"injected HTTP {status}"}
        self.headers = headers or {}

    def __repr__(self) -> str:
        return f"Reply({self.status})"


class LoseResponse:
    """Forward the request, then close the connection without any response."""

    def __repr__(self) -> str:
        return "LoseResponse()"


class Stall:
    """Hold the request ``seconds`` (at most until release()), then forward it.

    With ``store_first`` the request is forwarded at once and its response is
    held instead.
    """

    def __init__(self, seconds: float = MAX_STALL_S, store_first: bool = False):
        self.seconds = seconds
        self.store_first = store_first

    def __repr__(self) -> str:
        return f"Stall({self.seconds}, store_first={self.store_first})"


FORWARD = Forward()
LOSE_RESPONSE = LoseResponse()
Action = Forward | Reply | LoseResponse | Stall


class ProxiedRequest:
    """One POST /track as it reached the proxy, with the action it got."""

    def __init__(self, body: bytes, action: Action):
        self.body = body
        self.action = action
        self.time = time.monotonic()
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None

    @property
    def revenue_key(self) -> str | None:
        """Return the ``__idempotencyKey`` of a revenue event, else None."""
        if not isinstance(self.json, dict) or self.json.get("type") != "track":
            return None
        payload = self.json.get("payload") or {}
        if payload.get("name") != "revenue":
            return None
        return (payload.get("properties") or {}).get("__idempotencyKey")


class FaultProxy:
    """See the module docstring."""

    def __init__(self, upstream_url: str, port: int = 0):
        upstream = urlsplit(upstream_url)
        if upstream.hostname != HOST:
            raise ValueError(f"the upstream must be on {HOST}, got {upstream_url!r}")
        self.upstream_port = upstream.port
        self.port = port
        self.tracks: list[ProxiedRequest] = []
        self._planned: list[Action] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0
        self._released = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # ---------------------------------------------------------- control

    def plan(self, *actions: Action) -> None:
        """Queue actions for the next POST /track requests, in order."""
        with self._lock:
            self._planned.extend(actions)

    def release(self) -> None:
        """End every stall now and later."""
        self._released.set()

    def revenue_keys(self) -> list[str | None]:
        """Return the idempotency key of every revenue POST /track, repeats included."""
        with self._lock:
            return [r.revenue_key for r in self.tracks if r.revenue_key is not None]

    def wait_idle(self, timeout_s: float = MAX_STALL_S + 5) -> None:
        """Wait until no request is being handled, stalled ones included."""
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{self._busy} proxied request(s) still running")
                self._idle.wait(remaining)

    def _take_action(self, body: bytes) -> Action:
        with self._lock:
            action = self._planned.pop(0) if self._planned else FORWARD
            self.tracks.append(ProxiedRequest(body, action))
            return action

    def _enter(self) -> None:
        with self._lock:
            self._busy += 1

    def _leave(self) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    # ---------------------------------------------------------- serving

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes):
        """Send the request upstream; return ``(status, headers, body)`` of its response."""
        connection = http.client.HTTPConnection(HOST, self.upstream_port,
                                                timeout=UPSTREAM_TIMEOUT_S)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def start(self) -> FaultProxy:
        """Start listening on ``port`` (a free one the first time) and return self."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _request_headers(self) -> dict[str, str]:
                return {name: value for name, value in self.headers.items()
                        if name.lower() not in HOP_BY_HOP_HEADERS}

            def _send(self, status: int, headers, body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in HOP_BY_HOP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _reply(self, reply: Reply) -> None:
                headers = [("Content-Type", "application/json"),
                           ("Access-Control-Allow-Origin", "*"),
                           ("Access-Control-Expose-Headers", "Retry-After")]
                headers.extend(reply.headers.items())
                self._send(reply.status, headers, json.dumps(reply.body).encode())

            def _lose_response(self) -> None:
                self.close_connection = True
                self.connection.close()

            def _relay(self, body: bytes) -> None:
                self._send(*proxy._forward(self.command, self.path, self._request_headers(),
                                           body))

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.command != "POST" or urlsplit(self.path).path != "/track":
                    self._relay(body)
                    return
                action = proxy._take_action(body)
                if isinstance(action, Reply):
                    self._reply(action)
                elif isinstance(action, LoseResponse):
                    proxy._forward(self.command, self.path, self._request_headers(), body)
                    self._lose_response()
                elif isinstance(action, Stall):
                    self._stall(action, body)
                else:
                    self._relay(body)

            def _stall(self, stall: Stall, body: bytes) -> None:
                if stall.store_first:
                    response = proxy._forward(self.command, self.path,
                                              self._request_headers(), body)
                    proxy._released.wait(stall.seconds)
                    self._send(*response)
                else:
                    proxy._released.wait(stall.seconds)
                    self._relay(body)

            def _handle_counted(self) -> None:
                proxy._enter()
                try:
                    self._handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first, as a timed-out browser does
                finally:
                    proxy._leave()

            do_GET = do_POST = do_OPTIONS = _handle_counted

            def log_message(self, format: str, *args) -> None:
                pass

        self._released.clear()
        self._httpd = ThreadingHTTPServer((HOST, self.port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening, so new connections are refused; stalled requests go on."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
