"""Start the offline demo: the shop, the local collector and the mock Stripe.

    python -m demo                       # ports 8000 (shop), 8001 (collector), 8002 (Stripe)
    python -m demo --shop-port 9000 --db /tmp/demo.sqlite3

Each service runs as its own process. Ctrl-C or SIGTERM stops all three; if
one of them exits on its own, the others are stopped too.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "demo.sqlite3"
PROJECTS_FILE = ROOT / "demo" / "projects.toml"
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.2


@dataclass
class Service:
    name: str
    command: list[str]
    url: str
    env: dict[str, str]
    # A path that responds once the service is ready to take requests.
    ready_path: str = "/"
    process: subprocess.Popen | None = None


def log(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address all three services listen on")
    parser.add_argument("--shop-port", type=int, default=8000, help="TCP port of the shop")
    parser.add_argument("--collector-port", type=int, default=8001,
                        help="TCP port of the collector")
    parser.add_argument("--stripe-port", type=int, default=8002,
                        help="TCP port of the mock Stripe")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB,
                        help=f"SQLite file the collector stores events in (default {DEFAULT_DB})")
    parser.add_argument("--deliver-twice", action="store_true",
                        help="make the mock Stripe deliver every webhook event twice")
    parser.add_argument("--fail-first-delivery", action="store_true",
                        help="make the mock Stripe discard the response to each event's first "
                             "delivery and retry it")
    return parser.parse_args(argv)


def build_services(options: argparse.Namespace) -> list[Service]:
    host = options.host
    shop_url = f"http://{host}:{options.shop_port}"
    collector_url = f"http://{host}:{options.collector_port}"
    stripe_url = f"http://{host}:{options.stripe_port}"
    # A fresh signing secret per run, shared by the mock (signs) and the shop (verifies).
    webhook_secret = "whsec_" + secrets.token_hex(24)
    base_env = {**os.environ, "PYTHONUNBUFFERED": "1", "STRIPE_WEBHOOK_SECRET": webhook_secret}
    python = sys.executable

    stripe_command = [python, "-m", "demo.stripe_mock", "--host", host,
                      "--port", str(options.stripe_port),
                      "--webhook-url", f"{shop_url}/api/stripe/webhook"]
    if options.deliver_twice:
        stripe_command.append("--deliver-twice")
    if options.fail_first_delivery:
        stripe_command.append("--fail-first-delivery")

    return [
        Service("collector",
                [python, "-m", "demo.collector", "--host", host,
                 "--port", str(options.collector_port), "--db", str(options.db),
                 "--projects", str(PROJECTS_FILE)],
                collector_url, base_env, ready_path="/healthcheck"),
        Service("mock Stripe", stripe_command, stripe_url, base_env),
        Service("shop",
                [python, "-m", "demo.shop", "--host", host, "--port", str(options.shop_port),
                 "--collector-url", collector_url, "--stripe-url", stripe_url],
                shop_url, base_env),
    ]


def is_answering(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        # Any HTTP status means the server is up.
        return True
    except (urllib.error.URLError, OSError):
        return False


def wait_until_answering(services: list[Service], stop: threading.Event) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    pending = list(services)
    while pending and not stop.is_set():
        for service in list(pending):
            if service.process.poll() is not None:
                log(f"{service.name} exited during start-up with code "
                    f"{service.process.returncode}; see its output above")
                return False
            if is_answering(service.url + service.ready_path):
                pending.remove(service)
        if time.monotonic() > deadline:
            names = ", ".join(service.name for service in pending)
            log(f"timed out after {STARTUP_TIMEOUT_S:.0f} s waiting for {names} to answer")
            return False
        stop.wait(POLL_INTERVAL_S)
    return not stop.is_set()


def stop_services(services: list[Service]) -> None:
    running = [s for s in services if s.process is not None and s.process.poll() is None]
    for service in running:
        service.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for service in running:
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{service.name} did not stop within {STOP_TIMEOUT_S:.0f} s; killing it")
            service.process.kill()
            service.process.wait()
    log("stopped shop, collector and mock Stripe")


def print_urls(services: dict[str, Service]) -> None:
    shop = services["shop"].url
    collector = services["collector"].url
    log(f"shop:        {shop}/   (try {shop}/?utm_source=newsletter)")
    log(f"dashboard:   {collector}/dashboard   (collector API at {collector})")
    log(f"mock Stripe: {services['mock Stripe'].url}/")
    log("press Ctrl-C to stop")


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    options.db.parent.mkdir(parents=True, exist_ok=True)
    services = build_services(options)
    stop = threading.Event()
    received = []

    def request_stop(signum, _frame):
        received.append(signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    try:
        for service in services:
            service.process = subprocess.Popen(service.command, cwd=ROOT, env=service.env)
        if not wait_until_answering(services, stop):
            return 0 if received else 1
        print_urls({service.name: service for service in services})
        while not stop.wait(POLL_INTERVAL_S):
            exited = [s for s in services if s.process.poll() is not None]
            if exited:
                log(f"{exited[0].name} exited with code {exited[0].process.returncode}; "
                    "stopping the others")
                return 1
        log(f"received {received[0]}; stopping")
        return 0
    finally:
        stop_services(services)


if __name__ == "__main__":
    sys.exit(main())
