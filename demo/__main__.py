"""Start the offline demo: the shop, the local collector and the mock Stripe.

    python -m demo                       # ports 8000 (shop), 8001 (collector), 8002 (Stripe)
    python -m demo --shop-port 9000 --db /tmp/demo.sqlite3

Each service runs as its own process. Ctrl-C or SIGTERM stops all three; if
one of them exits on its own, the others are stopped too. Before starting, the
launcher checks that the three ports are free and stops with an error naming
the option to change when one is not.

Each service also stops when the launcher dies without cleaning up (SIGKILL,
a crash). Each service watches the read end of a pipe whose only write end is
in the launcher, and the operating system closes that write end when the
launcher exits for any reason. This works on Linux and macOS alike, unlike
Linux's prctl(PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import argparse
import errno
import os
import runpy
import secrets
import signal
import socket
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
# First argument of the hidden command the launcher runs each service with:
# python -m demo _service <parent pipe fd> <module> <module arguments>...
SERVICE_COMMAND = "_service"


@dataclass
class Service:
    name: str
    # The module that ``python -m`` runs, and its arguments.
    command: list[str]
    url: str
    env: dict[str, str]
    port: int
    # The launcher option that sets ``port``, named in errors.
    port_option: str
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

    stripe_command = ["demo.stripe_mock", "--host", host,
                      "--port", str(options.stripe_port),
                      "--webhook-url", f"{shop_url}/api/stripe/webhook"]
    if options.deliver_twice:
        stripe_command.append("--deliver-twice")
    if options.fail_first_delivery:
        stripe_command.append("--fail-first-delivery")

    return [
        Service("collector",
                ["demo.collector", "--host", host,
                 "--port", str(options.collector_port), "--db", str(options.db),
                 "--projects", str(PROJECTS_FILE)],
                collector_url, base_env, options.collector_port, "--collector-port",
                ready_path="/healthcheck"),
        Service("mock Stripe", stripe_command, stripe_url, base_env, options.stripe_port,
                "--stripe-port"),
        Service("shop",
                ["demo.shop", "--host", host, "--port", str(options.shop_port),
                 "--collector-url", collector_url, "--stripe-url", stripe_url],
                shop_url, base_env, options.shop_port, "--shop-port"),
    ]


def find_port_conflicts(services: list[Service], host: str) -> list[str]:
    """Return one error message per port that two services share or that is in use."""
    conflicts = []
    for index, service in enumerate(services):
        for other in services[:index]:
            if other.port == service.port:
                conflicts.append(f"{other.port_option} and {service.port_option} are both "
                                 f"{service.port}: give each service its own port")
    for service in services:
        failure = bind_error(host, service.port)
        if failure is None:
            continue
        if failure.errno == errno.EADDRINUSE:
            reason = "is already in use"
        else:
            reason = f"cannot be used ({failure.strerror})"
        conflicts.append(f"port {service.port} on {host} {reason}, so the {service.name} "
                         f"cannot start: stop the program listening there or choose another "
                         f"port with {service.port_option}")
    return conflicts


def bind_error(host: str, port: int) -> OSError | None:
    """Bind a probe socket the way uvicorn does and return the error, or None if none."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # asyncio's create_server, which uvicorn 0.55 binds through, sets SO_REUSEADDR
        # too, so a port left in TIME_WAIT counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error
    return None


def start_service(service: Service, parent_pipe: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "demo", SERVICE_COMMAND, str(parent_pipe),
               *service.command]
    return subprocess.Popen(command, cwd=ROOT, env=service.env, pass_fds=(parent_pipe,))


def run_service(argv: list[str]) -> None:
    """Run one service module as ``__main__``, and stop it when the launcher's pipe closes."""
    parent_pipe, module, *arguments = argv
    watcher = threading.Thread(target=stop_when_parent_exits, args=(int(parent_pipe),),
                               name="parent-watcher", daemon=True)
    watcher.start()
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def stop_when_parent_exits(parent_pipe: int) -> None:
    # Nothing is ever written to the pipe, so read() returns only at end of file, which
    # comes when the launcher's write end closes: on a normal stop or when it dies.
    while os.read(parent_pipe, 1):
        pass
    log(f"launcher exited; stopping {sys.argv[0]} (pid {os.getpid()})")
    # SIGTERM lets uvicorn shut down cleanly. If it has not exited in time, force it.
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(STOP_TIMEOUT_S)
    log(f"{sys.argv[0]} did not stop within {STOP_TIMEOUT_S:.0f} s; exiting")
    os._exit(1)


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
            # A service counts as ready only while its own process still runs, so that
            # another program responding on the port is not taken for it.
            if is_answering(service.url + service.ready_path) and service.process.poll() is None:
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
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [SERVICE_COMMAND]:
        run_service(argv[1:])
        return 0

    options = parse_args(argv)
    services = build_services(options)
    # NOTE: a program that takes a port after this check is caught only when the
    # service then fails to bind and exits, which stops the others.
    conflicts = find_port_conflicts(services, options.host)
    if conflicts:
        for message in conflicts:
            log(f"error: {message}")
        log("started nothing")
        return 1
    options.db.parent.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    received = []

    def request_stop(signum, _frame):
        received.append(signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    # The children inherit only the read end. The write end stays in this process,
    # so the kernel closes it, and the children see end of file, however this process ends.
    parent_pipe, _parent_pipe_write_end = os.pipe()
    try:
        for service in services:
            service.process = start_service(service, parent_pipe)
        os.close(parent_pipe)
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
