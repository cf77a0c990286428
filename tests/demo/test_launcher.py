"""``python -m demo``: starts three services, checks their ports, and stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.demo.servers import AppServer, free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
READY_LINE = "press Ctrl-C to stop"


def child_pids(parent: int) -> list[int]:
    """List the direct children of ``parent`` from /proc (Linux only)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in brackets may contain spaces; the parent pid follows it.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent:
            children.append(int(entry.name))
    return children


def is_running(pid: int) -> bool:
    """Tell whether ``pid`` runs. A zombie, which no parent has reaped yet, counts as stopped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state != "Z"


def launcher_command(ports: dict[str, int], db: Path) -> list[str]:
    return [sys.executable, "-m", "demo", "--shop-port", str(ports["shop"]),
            "--collector-port", str(ports["collector"]), "--stripe-port", str(ports["stripe"]),
            "--db", str(db)]


def refuses_connections(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
    except httpx.ConnectError:
        return True
    return False


@pytest.fixture
def launcher(tmp_path):
    ports = {"shop": free_port(), "collector": free_port(), "stripe": free_port()}
    command = launcher_command(ports, tmp_path / "demo.sqlite3")
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    yield process, ports, output
    if process.poll() is None:
        process.kill()
        process.wait()


def wait_for_line(output: list[str], process, text: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not any(text in line for line in output):
        assert process.poll() is None, "python -m demo exited early:\n" + "".join(output)
        assert time.monotonic() < deadline, "no start-up line in:\n" + "".join(output)
        time.sleep(0.1)


LINUX_ONLY = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@LINUX_ONLY
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_launcher_starts_and_stops_three_services(launcher, signum):
    process, ports, output = launcher
    wait_for_line(output, process, READY_LINE)
    urls = {
        "shop": f"http://127.0.0.1:{ports['shop']}/",
        "collector": f"http://127.0.0.1:{ports['collector']}/healthcheck",
        "stripe": f"http://127.0.0.1:{ports['stripe']}/",
    }
    for name, url in urls.items():
        assert httpx.get(url).status_code == 200, name
    printed = "".join(output)
    assert f"http://127.0.0.1:{ports['collector']}/dashboard" in printed
    children = child_pids(process.pid)
    assert len(children) == 3

    process.send_signal(signum)
    assert process.wait(timeout=STOP_TIMEOUT_S) == 0
    for pid in children:
        assert not is_running(pid), f"service process {pid} still runs"
    for url in urls.values():
        with pytest.raises(httpx.ConnectError):
            httpx.get(url)


@LINUX_ONLY
def test_launcher_stops_all_when_one_dies(launcher):
    process, _ports, output = launcher
    wait_for_line(output, process, READY_LINE)
    children = child_pids(process.pid)
    os.kill(children[0], signal.SIGKILL)

    assert process.wait(timeout=STOP_TIMEOUT_S) == 1
    for pid in children:
        assert not is_running(pid), f"service process {pid} still runs"
    assert "stopping the others" in "".join(output)


@LINUX_ONLY
def test_launcher_killed_stops_services(launcher):
    process, ports, output = launcher
    wait_for_line(output, process, READY_LINE)
    children = child_pids(process.pid)
    assert len(children) == 3

    process.kill()
    process.wait()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while any(is_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in children:
        assert not is_running(pid), f"service process {pid} still runs after SIGKILL"
    for name, port in ports.items():
        assert refuses_connections(port), f"{name} port {port} still accepts connections"


def healthcheck_app() -> Starlette:
    """Build another program that responds on the collector's health-check path."""
    async def healthcheck(request):
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/healthcheck", healthcheck)])


def test_launcher_rejects_port_in_use(tmp_path):
    with AppServer(healthcheck_app()) as other_server:
        ports = {"shop": free_port(), "collector": other_server.port, "stripe": free_port()}
        result = subprocess.run(launcher_command(ports, tmp_path / "demo.sqlite3"), cwd=ROOT,
                                capture_output=True, text=True, timeout=START_TIMEOUT_S)
        assert httpx.get(other_server.url("/healthcheck")).status_code == 200

    assert result.returncode == 1
    assert f"port {ports['collector']} on 127.0.0.1 is already in use" in result.stdout
    assert "--collector-port" in result.stdout
    assert READY_LINE not in result.stdout
    assert "started nothing" in result.stdout
    assert refuses_connections(ports["shop"])
    assert refuses_connections(ports["stripe"])


def test_launcher_rejects_shared_port(tmp_path):
    port = free_port()
    ports = {"shop": port, "collector": free_port(), "stripe": port}
    result = subprocess.run(launcher_command(ports, tmp_path / "demo.sqlite3"), cwd=ROOT,
                            capture_output=True, text=True, timeout=START_TIMEOUT_S)
    assert result.returncode == 1
    assert f"--stripe-port and --shop-port are both {port}" in result.stdout
    assert READY_LINE not in result.stdout
    assert refuses_connections(ports["collector"])
