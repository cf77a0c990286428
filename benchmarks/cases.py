"""The benchmark cases and the servers and browser they share."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import sync_playwright

from demo.collector.app import create_app
from tests.conftest import NODE_MODULES, QUIET_CHROMIUM_FLAGS, STATIC, chromium_executable
from tests.support.collector import free_port
from tests.support.static_server import StaticServer

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = ROOT / "demo" / "projects.toml"
CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
CLIENT_SECRET = "sec_demo_4c1f9e2b7a6d"
HOST = "127.0.0.1"
WAIT_TIMEOUT_S = 120.0
POLL_INTERVAL_S = 0.002
INTERPRETERS = {
    "py": "/static/pyodide/pyodide.mjs",
    "mpy": "/static/micropython/micropython.mjs",
}
INTERPRETER_NAMES = {"py": "Pyodide", "mpy": "MicroPython"}
TRACKER_URL = "/npm/@openpanel/web/dist/src/tracker.global.js"


class ArrivalClock:
    """ASGI wrapper that records the time of each 200 response to ``POST /track``."""

    def __init__(self, app) -> None:
        self.app = app
        self.times: list[float] = []
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != "/track" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return

        async def timed_send(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                with self._lock:
                    self.times.append(time.perf_counter())
            await send(message)

        await self.app(scope, receive, timed_send)

    def count_since(self, start: float) -> int:
        with self._lock:
            return sum(1 for moment in self.times if moment >= start)

    def nth_since(self, start: float, count: int) -> float | None:
        with self._lock:
            later = sorted(moment for moment in self.times if moment >= start)
        return later[count - 1] if len(later) >= count else None


class Bench:
    """The collector, a static server for the pages, and one Chromium."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pages = workdir / "pages"
        self.pages.mkdir()

    def __enter__(self) -> Bench:
        app = create_app(self.workdir / "collector.sqlite3", PROJECTS)
        self.clock = ArrivalClock(app)
        port = free_port()
        self.collector_url = f"http://{HOST}:{port}"
        config = uvicorn.Config(self.clock, host=HOST, port=port, log_level="warning")
        self._uvicorn = uvicorn.Server(config)
        self._uvicorn_thread = threading.Thread(target=self._uvicorn.run, daemon=True)
        self._uvicorn_thread.start()
        wait_until(lambda: self._uvicorn.started, "the collector to start")

        routes = {"/static/": STATIC, "/npm/": NODE_MODULES, "/bench/": self.pages}
        self.static = StaticServer(routes).start()
        (self.pages / "blank.html").write_text("<!doctype html><title>blank</title>")

        self._playwright = sync_playwright().start()
        launch = {"args": QUIET_CHROMIUM_FLAGS}
        if chromium_executable():
            launch["executable_path"] = chromium_executable()
        self.browser = self._playwright.chromium.launch(**launch)
        self.browser_version = self.browser.version
        return self

    def __exit__(self, *exc_info) -> None:
        self.browser.close()
        self._playwright.stop()
        self.static.stop()
        self._uvicorn.should_exit = True
        self._uvicorn_thread.join(timeout=10)

    def write_page(self, name: str, html: str) -> str:
        (self.pages / name).write_text(html)
        return self.static.url(f"/bench/{name}")

    def stored_revenue_count(self) -> int:
        response = httpx.get(
            f"{self.collector_url}/export/events",
            params={"event": "revenue", "limit": 1},
            headers={"openpanel-client-id": CLIENT_ID, "openpanel-client-secret": CLIENT_SECRET},
        )
        response.raise_for_status()
        return response.json()["meta"]["totalCount"]


def wait_until(condition, what: str, timeout_s: float = WAIT_TIMEOUT_S):
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(POLL_INTERVAL_S)


# ---------------------------------------------------------------- pages


def pyscript_page(kind: str, code: str, package: str | None = "list") -> str:
    """Return a PyScript page running `code`, loading op_browser as a "zip" or a file "list"."""
    config = json.dumps({"interpreter": INTERPRETERS[kind]})
    if package == "zip":
        config = json.dumps({"interpreter": INTERPRETERS[kind],
                             "files": {"/static/op_browser.zip": "./*"}})
    elif package == "list":
        config = f"/static/op_browser.{kind}.json"
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>benchmark</title>
  <link rel="stylesheet" href="/static/pyscript/core.css">
  <script type="module" src="/static/pyscript/core.js"></script>
</head>
<body>
<script type="{kind}" config='{config}'>
{code}
</script>
</body>
</html>
"""


def tracker_page(calls: list[list]) -> str:
    queued = "\n".join(f"window.op({', '.join(json.dumps(arg) for arg in call)});"
                       for call in calls)
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>benchmark</title>
  <script>
window.op = window.op || function (...args) {{ (window.op.q = window.op.q || []).push(args); }};
{queued}
  </script>
  <script src="{TRACKER_URL}" defer></script>
</head>
<body></body>
</html>
"""


def client_line(bench: Bench) -> str:
    return f"op = OpenPanel(client_id={CLIENT_ID!r}, api_url={bench.collector_url!r})"


def js_init(bench: Bench) -> list:
    return ["init", {"clientId": CLIENT_ID, "apiUrl": bench.collector_url,
                     "trackScreenViews": False}]


# ---------------------------------------------------------------- measuring


def summarize(samples: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(samples), 1),
        "min_ms": round(min(samples), 1),
        "max_ms": round(max(samples), 1),
        "samples_ms": [round(sample, 1) for sample in samples],
    }


def alternate(runs: int, contenders: dict, measure) -> dict:
    """Measure each contender once per run, rotating their order run by run."""
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for run in range(runs):
        order = names[run % len(names):] + names[:run % len(names)]
        for name in order:
            samples[name].append(measure(name, contenders[name], run))
    return {name: summarize(values) for name, values in samples.items()}


def page_ready_ms(bench: Bench, url: str) -> tuple[float, float | None]:
    """Load `url` in a new context; return its benchDone and benchImport marks in ms."""
    context = bench.browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("window.benchDone !== undefined", timeout=WAIT_TIMEOUT_S * 1000)
        return page.evaluate("[window.benchDone, window.benchImport ?? null]")
    finally:
        context.close()


def case_startup(bench: Bench, runs: int) -> dict:
    """Navigation start to the end of the page's script: bare PyScript against op_browser."""
    mark = "from pyscript import window\nwindow.benchDone = window.performance.now()"
    sdk = (
        "from pyscript import window\n"
        "started = window.performance.now()\n"
        "from op_browser import OpenPanel\n"
        "window.benchImport = window.performance.now() - started\n"
        f"{client_line(bench)}\n"
        "window.benchDone = window.performance.now()"
    )
    urls = {}
    for kind in INTERPRETERS:
        name = INTERPRETER_NAMES[kind]
        urls[f"bare PyScript, {name}"] = bench.write_page(
            f"bare_{kind}.html", pyscript_page(kind, mark, package=None))
        urls[f"op_browser, {name}"] = bench.write_page(
            f"startup_{kind}.html", pyscript_page(kind, sdk))
        urls[f"op_browser.zip, {name}"] = bench.write_page(
            f"startup_zip_{kind}.html", pyscript_page(kind, sdk, package="zip"))
    imports: dict[str, list[float]] = {}

    def measure(name, url, _run):
        done, imported = page_ready_ms(bench, url)
        if imported is not None:
            imports.setdefault(name, []).append(imported)
        return done

    result = {"contenders": alternate(runs, urls, measure)}
    result["import_ms"] = {name: summarize(values) for name, values in imports.items()}
    result["ratios"] = {
        name: ratio(result["contenders"], name, f"bare PyScript, {name.split(', ')[1]}")
        for name in urls if not name.startswith("bare")
    }
    return result


def ratio(contenders: dict, name: str, baseline: str) -> float:
    return round(contenders[name]["median_ms"] / contenders[baseline]["median_ms"], 3)


def time_to_acknowledged(bench: Bench, url: str, count: int, before=None) -> float:
    """Milliseconds from navigation to the `count`-th acknowledged ``POST /track``."""
    context = bench.browser.new_context()
    try:
        page = context.new_page()
        if before is not None:
            before(page)
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        arrived = wait_until(lambda: bench.clock.nth_since(started, count),
                             f"{count} acknowledged events from {url}")
        return (arrived - started) * 1000
    finally:
        context.close()


def case_first_event(bench: Bench, runs: int) -> dict:
    """Navigation to the first event acknowledged by the collector."""
    code = f"from op_browser import OpenPanel\n{client_line(bench)}\nop.track('bench_first_event')"
    urls = {"@openpanel/web": bench.write_page(
        "first_js.html", tracker_page([js_init(bench), ["track", "bench_first_event"]]))}
    for kind in INTERPRETERS:
        urls[f"op_browser, {INTERPRETER_NAMES[kind]}"] = bench.write_page(
            f"first_{kind}.html", pyscript_page(kind, code))
    result = {"contenders": alternate(
        runs, urls, lambda _name, url, _run: time_to_acknowledged(bench, url, 1))}
    result["ratios"] = {name: ratio(result["contenders"], name, "@openpanel/web")
                        for name in urls if name != "@openpanel/web"}
    return result


def flush_case(bench: Bench, runs: int, count: int) -> dict:
    code = (f"from op_browser import OpenPanel\n{client_line(bench)}\n"
            "result = await op.flush_revenue()")
    urls = {"@openpanel/web": bench.write_page(
        "flush_js.html", tracker_page([js_init(bench), ["flushRevenue"]]))}
    for kind in INTERPRETERS:
        urls[f"op_browser, {INTERPRETER_NAMES[kind]}"] = bench.write_page(
            f"flush_{kind}.html", pyscript_page(kind, code))
    blank = bench.static.url("/bench/blank.html")
    stored_before = bench.stored_revenue_count()

    def measure(name, url, run):
        entries = [
            {"amount": 1999, "properties": {
                "currency": "USD", "__idempotencyKey": f"bench-{uuid.uuid4().hex}"}}
            for _ in range(count)
        ]

        def seed(page):
            page.goto(blank)
            page.evaluate("entries => sessionStorage.setItem("
                          "'openpanel-pending-revenues', JSON.stringify(entries))", entries)

        return time_to_acknowledged(bench, url, count, before=seed)

    result = {"contenders": alternate(runs, urls, measure)}
    result["ratios"] = {name: ratio(result["contenders"], name, "@openpanel/web")
                        for name in urls if name != "@openpanel/web"}
    # Timings of a flush that lost or doubled a revenue mean nothing, so that fails the case.
    time.sleep(0.5)
    stored = bench.stored_revenue_count() - stored_before
    expected = runs * len(urls) * count
    result["stored_revenues"] = stored
    result["expected_revenues"] = expected
    if stored != expected:
        raise RuntimeError(f"flush of {count}: collector stored {stored} revenues, "
                           f"expected {expected}")
    return result


def case_flush_1(bench: Bench, runs: int) -> dict:
    """Success page: navigation to 1 pending revenue acknowledged."""
    return flush_case(bench, runs, 1)


def case_flush_50(bench: Bench, runs: int) -> dict:
    """Success page: navigation to 50 pending revenues acknowledged."""
    return flush_case(bench, runs, 50)


LOAD_TEST = "tests/collector/test_load.py"
LOAD_RESULTS = ROOT / "build" / "benchmarks" / "collector_ingestion.json"


def case_collector_ingestion(_bench: Bench, _runs: int) -> dict:
    """Run the collector's zero-loss load test and return its figures."""
    LOAD_RESULTS.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-q", "-m", "load", LOAD_TEST]
    completed = subprocess.run(command, cwd=ROOT, env=dict(os.environ), check=False)
    if completed.returncode != 0 or not LOAD_RESULTS.exists():
        raise RuntimeError(f"the collector load test failed (exit code {completed.returncode})")
    return {"figures": json.loads(LOAD_RESULTS.read_text())}


CASES = {
    "startup": case_startup,
    "first_event": case_first_event,
    "flush_1": case_flush_1,
    "flush_50": case_flush_50,
    "collector_ingestion": case_collector_ingestion,
}
