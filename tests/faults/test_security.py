"""Revenue from a page without the secret, and where the client secret must never show up."""

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from demo.shop.settings import demo_project
from tests.demo.servers import free_port
from tests.support.collector import CollectorServer
from tests.support.fault_proxy import FaultProxy
from tests.support.sdk_harness import Harness, HarnessCallError

ROOT = Path(__file__).resolve().parents[2]
FAST_RETRIES = {"retry.RETRY_BASE_DELAY_S": 0.005}
LAUNCH_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0

# The client id the harness page uses, in a project that accepts revenue only
# with the client secret.
SECRET_REVENUE_ONLY = {
    "id": "secret-revenue-only",
    "name": "Secret revenue only",
    "client_id": "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b",
    "client_secret": "sec_secret_revenue_only_5e6f7a",
    "allowed_origins": ["*"],
    "allow_unsafe_revenue_tracking": False,
}


@pytest.fixture
def strict_collector(tmp_path):
    with CollectorServer(tmp_path / "collector", projects=[SECRET_REVENUE_ONLY]) as server:
        yield server


@pytest.fixture
def strict_proxy(strict_collector):
    proxy = FaultProxy(strict_collector.base_url).start()
    yield proxy
    proxy.stop()


@pytest.fixture(params=["py", "mpy"])
def harness(request, page, static_server):
    return Harness(page, static_server, request.param)


def amounts(entries):
    return sorted(entry["amount"] for entry in entries)


@pytest.mark.browser
def test_frontend_revenue_kept_when_unsafe_off(harness, strict_collector, strict_proxy):
    harness.open(strict_proxy.api_url, constants=FAST_RETRIES)
    key = harness.call("pending_revenue", 1999)

    result = harness.call("flush_revenue")
    harness.call("track", "checkout_viewed")

    gave_up = [line for line in harness.console
               if "gave up sending pending revenue 1999" in line]
    assert result["sent"] == []
    assert amounts(result["failed"]) == [1999]
    assert "HTTP 401" in result["failed"][0]["reason"]
    assert amounts(result["pending"]) == [1999]
    assert harness.stored_pending()[0]["properties"]["__idempotencyKey"] == key
    assert len(gave_up) == 1
    # 401 is final, so the revenue was sent once and not retried.
    assert strict_proxy.revenue_keys() == [key]
    assert strict_collector.export_events(event="revenue") == []
    assert len(strict_collector.export_events(event="checkout_viewed")) == 1


@pytest.mark.browser
def test_direct_revenue_rejected_when_unsafe_off(harness, strict_collector):
    harness.open(strict_collector.base_url, constants=FAST_RETRIES)

    with pytest.raises(HarnessCallError) as raised:
        harness.call("revenue", 1999)

    gave_up = [line for line in harness.console if "gave up sending revenue 1999" in line]
    assert raised.value.error == "SendError"
    assert "HTTP 401" in raised.value.message
    assert len(gave_up) == 1
    assert strict_collector.export_events(event="revenue") == []


class Launcher:
    """``python -m demo`` on free ports, with its whole output collected."""

    def __init__(self, db_path: Path):
        self.ports = {"shop": free_port(), "collector": free_port(), "stripe": free_port()}
        command = [sys.executable, "-m", "demo",
                   "--shop-port", str(self.ports["shop"]),
                   "--collector-port", str(self.ports["collector"]),
                   "--stripe-port", str(self.ports["stripe"]),
                   "--db", str(db_path)]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout),
                                        daemon=True)
        self._reader.start()

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + LAUNCH_TIMEOUT_S
        while not any("press Ctrl-C to stop" in line for line in self.lines):
            assert self.process.poll() is None, "python -m demo exited:\n" + self.output()
            assert time.monotonic() < deadline, "python -m demo did not start:\n" + self.output()
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=STOP_TIMEOUT_S)
        self._reader.join(timeout=STOP_TIMEOUT_S)

    def output(self) -> str:
        return "".join(self.lines)


@pytest.fixture
def launcher(tmp_path):
    running = Launcher(tmp_path / "demo.sqlite3")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def wait_for_revenue(launcher, project) -> list[dict]:
    headers = {"openpanel-client-id": project["client_id"],
               "openpanel-client-secret": project["client_secret"]}
    deadline = time.monotonic() + 20
    while True:
        response = httpx.get(launcher.url("collector", "/export/events"),
                             params={"event": "revenue"}, headers=headers)
        revenues = response.json()["data"]
        if revenues or time.monotonic() > deadline:
            return revenues
        time.sleep(0.2)


def test_client_secret_never_in_output_or_pages(launcher):
    project = demo_project()
    secret = project["client_secret"]
    launcher.wait_until_ready()

    # A backend purchase: the shop's webhook sends the revenue with the secret.
    checkout = httpx.post(launcher.url("shop", "/api/checkout"),
                          json={"product_id": "tee", "flow": "anonymous",
                                "device_id": "device-secret-check"}).json()
    paid = httpx.post(checkout["url"], follow_redirects=False)
    revenues = wait_for_revenue(launcher, project)
    # Rejected requests that carry the secret are logged too.
    rejected = httpx.post(launcher.url("collector", "/track"),
                          json={"type": "track",
                                "payload": {"name": "revenue",
                                            "properties": {"__revenue": 19.99}}},
                          headers={"openpanel-client-id": project["client_id"],
                                   "openpanel-client-secret": secret})
    wrong = httpx.post(launcher.url("collector", "/track"),
                       json={"type": "track", "payload": {"name": "signup"}},
                       headers={"openpanel-client-id": project["client_id"],
                                "openpanel-client-secret": secret + "-wrong"})
    session_id = checkout["session_id"]
    pages = {
        "storefront": launcher.url("shop", "/"),
        "success": launcher.url("shop", f"/success?session_id={session_id}&flow=anonymous"),
        "cancel": launcher.url("shop", "/cancel"),
        "products": launcher.url("shop", "/api/products"),
        "order": launcher.url("shop", f"/api/orders/{session_id}"),
        "dashboard": launcher.url("collector", "/dashboard"),
        "checkout page": checkout["url"],
    }
    bodies = {name: httpx.get(url).text for name, url in pages.items()}
    launcher.stop()

    assert paid.status_code == 303
    assert len(revenues) == 1
    assert rejected.status_code == 400
    assert wrong.status_code == 401
    for name, body in bodies.items():
        assert secret not in body, f"the {name} page contains the client secret"
    assert secret not in launcher.output()
    assert secret[:-1] not in launcher.output()
