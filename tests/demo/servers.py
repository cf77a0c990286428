"""Run ASGI apps on free loopback ports in background threads, and record webhook requests.

    with AppServer(create_app(settings)) as server:
        httpx.get(server.url("/"))
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

START_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """One uvicorn server in a daemon thread, bound to 127.0.0.1."""

    def __init__(self, app, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> AppServer:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=START_TIMEOUT_S)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@dataclass
class ReceivedWebhook:
    body: bytes
    signature: str | None


@dataclass
class WebhookReceiver:
    """A webhook endpoint that records each request and responds with scripted statuses.

    ``statuses`` is consumed one per request; once empty, every request gets 200.
    """

    statuses: list[int] = field(default_factory=list)
    received: list[ReceivedWebhook] = field(default_factory=list)

    def app(self) -> Starlette:
        async def receive(request: Request) -> JSONResponse:
            self.received.append(ReceivedWebhook(await request.body(),
                                                 request.headers.get("Stripe-Signature")))
            status = self.statuses.pop(0) if self.statuses else 200
            return JSONResponse({"status": status}, status_code=status)

        return Starlette(routes=[Route("/webhook", receive, methods=["POST"])])

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[ReceivedWebhook]:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} webhook requests, got "
                                     f"{len(self.received)} within {timeout_s} s")
            time.sleep(0.02)
        return self.received
