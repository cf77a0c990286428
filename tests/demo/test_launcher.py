"""``python -m demo`` starts the shop, collector and mock Stripe, and SIGTERM stops all three."""

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

from tests.demo.servers import free_port

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
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def launcher(tmp_path):
    ports = {"shop": free_port(), "collector": free_port(), "stripe": free_port()}
    command = [sys.executable, "-m", "demo", "--shop-port", str(ports["shop"]),
               "--collector-port", str(ports["collector"]), "--stripe-port", str(ports["stripe"]),
               "--db", str(tmp_path / "demo.sqlite3")]
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
