"""op_browser imports on both PyScript interpreters, served entirely from this machine."""

import pytest

from tests.support.offline import RequestLog, is_local

pytestmark = pytest.mark.browser

BOOT_TIMEOUT_MS = 60_000


@pytest.mark.parametrize("interpreter", ["py", "mpy"])
@pytest.mark.parametrize("form", ["zip", "list"])
def test_package_imports_and_writes_session_storage(
    page, static_server, request_log, interpreter, form
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    name = f"smoke_{interpreter}" if form == "zip" else f"smoke_list_{interpreter}"
    page.goto(static_server.url(f"/pages/{name}.html"))
    page.wait_for_function(
        "sessionStorage.getItem('op_browser_smoke') !== null", timeout=BOOT_TIMEOUT_MS
    )
    stored = page.evaluate("sessionStorage.getItem('op_browser_smoke')")
    assert stored == f"{interpreter} 0.1.0"
    assert errors == []
    if form == "list":
        # The file list exists to spare pages PyScript's unzip library.
        assert [url for url in request_log.urls if "/pyscript/zip-" in url] == []


def test_request_guard_flags_cdn_request(browser, static_server):
    context = browser.new_context()
    log = RequestLog().attach(context)
    page = context.new_page()
    page.set_content('<img src="https://cdn.jsdelivr.net/npm/@pyscript/core/dist/core.css">')
    page.wait_for_timeout(500)
    context.close()
    assert log.outside_urls() == ["https://cdn.jsdelivr.net/npm/@pyscript/core/dist/core.css"]


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000/static/pyscript/core.js", True),
        ("http://localhost/x", True),
        ("data:text/plain,hi", True),
        ("https://cdn.jsdelivr.net/pyodide/v0.26.0/full/pyodide.mjs", False),
        ("https://127.0.0.1.example.com/", False),
    ],
)
def test_is_local_classifies_hosts(url, local):
    assert is_local(url) is local
