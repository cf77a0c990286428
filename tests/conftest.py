"""Fixtures shared by all tests: paths, the Chromium to launch, and local HTTP servers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.collector import CollectorServer
from tests.support.offline import RequestLog
from tests.support.static_server import StaticServer

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "build" / "static"
PAGES = Path(__file__).resolve().parent / "browser" / "pages"
NODE_MODULES = ROOT / "node_modules"

# Keep Chromium from calling Google services, which a closed network refuses noisily.
QUIET_CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_executable() -> str | None:
    """Return the Chromium that build.py chose, or None for Playwright's bundled one."""
    named = os.environ.get("OP_BROWSER_CHROMIUM")
    if named:
        return named
    record = ROOT / "build" / "chromium.json"
    if record.exists():
        return json.loads(record.read_text()).get("path") or None
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": QUIET_CHROMIUM_FLAGS}
    executable = chromium_executable()
    if executable:
        args["executable_path"] = executable
    return args


@pytest.fixture(scope="session")
def static_server():
    """Serve build/static at /static/, test pages at /pages/ and npm packages at /npm/."""
    if not (STATIC / "op_browser.zip").exists():
        pytest.fail("build/static is missing: run `python3 build.py build` (or `build.py test`).")
    server = StaticServer({"/static/": STATIC, "/pages/": PAGES, "/npm/": NODE_MODULES}).start()
    yield server
    server.stop()


@pytest.fixture
def collector(tmp_path):
    """Run the collector on a free 127.0.0.1 port with an empty database and the demo project."""
    with CollectorServer(tmp_path / "collector") as server:
        yield server


@pytest.fixture
def request_log(context):
    """Record every request the test's browser context makes."""
    return RequestLog().attach(context)


@pytest.fixture(autouse=True)
def _stay_on_this_machine(request):
    """Fail any browser test whose pages requested a host other than this machine."""
    if "page" not in request.fixturenames and "context" not in request.fixturenames:
        yield
        return
    log = request.getfixturevalue("request_log")
    yield
    outside = log.outside_urls()
    assert not outside, f"pages requested hosts outside 127.0.0.1: {outside}"


# Fixtures that start Playwright's sync API, which keeps an event loop running in the
# main thread for the rest of the session.
PLAYWRIGHT_FIXTURES = frozenset({"playwright", "browser_type", "browser", "context", "page"})


def pytest_collection_modifyitems(items):
    """Run tests that use Playwright last.

    Once Playwright's sync API has started, asyncio tests in the same process fail with
    "Cannot run the event loop while another loop is running", so they must come first.
    """
    items.sort(key=lambda item: bool(PLAYWRIGHT_FIXTURES & set(item.fixturenames)))
