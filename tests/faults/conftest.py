"""Fault-test fixtures: a static server that also serves their pages, and a proxy."""

from pathlib import Path

import pytest

from tests.conftest import NODE_MODULES, PAGES, STATIC
from tests.support.fault_proxy import FaultProxy
from tests.support.static_server import StaticServer

FAULT_PAGES = Path(__file__).resolve().parent / "pages"


@pytest.fixture(scope="session")
def static_server():
    """Serve what tests/conftest.py serves, plus this folder's pages at /fault-pages/."""
    if not (STATIC / "op_browser.zip").exists():
        pytest.fail("build/static is missing: run `python3 build.py build` (or `build.py test`).")
    routes = {"/static/": STATIC, "/pages/": PAGES, "/npm/": NODE_MODULES,
              "/fault-pages/": FAULT_PAGES}
    server = StaticServer(routes).start()
    yield server
    server.stop()


@pytest.fixture
def proxy(collector):
    """A fault-injecting proxy in front of the test's collector."""
    server = FaultProxy(collector.base_url).start()
    yield server
    server.release()
    server.stop()
