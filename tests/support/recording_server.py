"""An OpenPanel-like API on 127.0.0.1 that records every request and injects faults.

    server = RecordingServer().start()
    server.plan(Respond(500), Respond(429, headers={"Retry-After": "1"}), HANG, DROP)
    ...                                    # the next four POST /track get these
    server.tracks()                        # JSON bodies of every POST /track
    server.stop()

POST /track takes the planned actions in order, then ``default`` (200 with a
device and session id). Requests are recorded before their action runs, so a
hung or dropped request is still in the record. CORS is open, as on
OpenPanel's API, and ``Retry-After`` is exposed to pages.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# A hung request gets its response after this long even if release() is never called,
# so no test can wedge a server thread for good.
MAX_HANG_S = 60.0


class Respond:
    """Reply with ``status``, a JSON body and extra headers."""

    def __init__(self, status: int = 200, body: dict | None = None,
                 headers: dict[str, str] | None = None):
        self.status = status
        self.body = body
        self.headers = headers or {}

    def __repr__(self) -> str:
        return f"Respond({self.status})"


class Hang:
    """Hold the request until release() (or ``MAX_HANG_S``), then act as ``then``.

    Without ``then``, the server's ``default`` responds.
    """

    def __init__(self, then: Respond | Drop | None = None):
        self.then = then

    def __repr__(self) -> str:
        return f"Hang(then={self.then!r})"


class Drop:
    """Close the connection without any response, as a crashed server would."""

    def __repr__(self) -> str:
        return "Drop()"


HANG = Hang()
DROP = Drop()


class RecordedRequest:
    """One request as it arrived, with its body parsed when it is JSON."""

    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.time = time.monotonic()
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self) -> str:
        return f"RecordedRequest({self.method} {self.path} {self.json!r})"


class RecordingServer:
    """See the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self.default: Respond | Hang | Drop = Respond(
            200, {"deviceId": "server-device-id", "sessionId": "server-session-id"})
        self.device_id = "server-device-id"
        self.requests: list[RecordedRequest] = []
        self._planned: list[Respond | Hang | Drop] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._released = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None

    # ---------------------------------------------------------- control

    def plan(self, *actions: Respond | Hang | Drop) -> None:
        """Queue actions for the next POST /track requests, in order."""
        with self._lock:
            self._planned.extend(actions)

    def release(self) -> None:
        """Let every hung request, now and later, go on to its response."""
        self._released.set()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._planned.clear()
        self._released.clear()

    def _next_action(self) -> Respond | Hang | Drop:
        with self._lock:
            return self._planned.pop(0) if self._planned else self.default

    def _record(self, request: RecordedRequest) -> None:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

    # ---------------------------------------------------------- reading

    def track_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path == "/track"]

    def tracks(self) -> list[dict]:
        """Return the JSON bodies of every POST /track, in arrival order."""
        return [r.json for r in self.track_requests()]

    def revenue_keys(self) -> list[str]:
        """Return the ``__idempotencyKey`` of every revenue request, repeats included."""
        keys = []
        for body in self.tracks():
            payload = (body or {}).get("payload", {})
            if body and body.get("type") == "track" and payload.get("name") == "revenue":
                keys.append(payload.get("properties", {}).get("__idempotencyKey"))
        return keys

    def wait_for_tracks(self, count: int, timeout_s: float = 30.0) -> list[dict]:
        """Wait until at least ``count`` POST /track arrived; return all their bodies."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                arrived = [r for r in self.requests if r.method == "POST" and r.path == "/track"]
                if len(arrived) >= count:
                    return [r.json for r in arrived]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"expected {count} POST /track within {timeout_s} s, got {len(arrived)}")
                self._changed.wait(remaining)

    # ---------------------------------------------------------- serving

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> RecordingServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _cors(self) -> None:
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Expose-Headers", "Retry-After")

            def _read_body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _record(self, body: bytes) -> None:
                headers = {key.lower(): value for key, value in self.headers.items()}
                path = urlsplit(self.path).path
                server._record(RecordedRequest(self.command, path, headers, body))

            def _respond(self, answer: Respond) -> None:
                payload = json.dumps(answer.body if answer.body is not None else {}).encode()
                self.send_response(answer.status)
                self._cors()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _drop(self) -> None:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def _act(self, action: Respond | Hang | Drop) -> None:
                if isinstance(action, Hang):
                    server._released.wait(MAX_HANG_S)
                    action = action.then or server.default
                if isinstance(action, Drop):
                    self._drop()
                else:
                    self._respond(action)

            def do_OPTIONS(self) -> None:
                self._record(b"")
                self.send_response(204)
                self._cors()
                requested = self.headers.get("Access-Control-Request-Headers") or ""
                self.send_header("Access-Control-Allow-Headers", requested or "*")
                self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                self.send_header("Access-Control-Max-Age", "600")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                body = self._read_body()
                self._record(body)
                if urlsplit(self.path).path != "/track":
                    self._respond(Respond(404, {"message": "not found"}))
                    return
                self._act(server._next_action())

            def do_GET(self) -> None:
                self._record(b"")
                if urlsplit(self.path).path == "/track/device-id":
                    self._respond(Respond(200, {"deviceId": server.device_id,
                                              "sessionId": "server-session-id",
                                              "message": "ok"}))
                    return
                self._respond(Respond(404, {"message": "not found"}))

            def log_message(self, format: str, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.release()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
