"""Run the local collector for a test, on 127.0.0.1 at a free port, with its own database.

    with CollectorServer(tmp_path) as collector:          # uvicorn in a thread
        collector.track("track", {"name": "signup"}, origin="http://127.0.0.1:9")
        events = collector.export_events(event="signup")

    server = CollectorServer(tmp_path, in_subprocess=True).start()   # can be killed
    server.kill()      # SIGKILL, no shutdown
    server.start()     # same port and database

The default project is the demo project from demo/projects.toml; pass
`projects` (a list of `[[projects]]`-style dicts or a TOML path) to use others.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from demo.collector.app import create_app
from demo.collector.projects import Project, build_projects, load_projects

ROOT = Path(__file__).resolve().parents[2]
DEMO_PROJECTS = ROOT / "demo" / "projects.toml"
HOST = "127.0.0.1"
START_TIMEOUT_S = 20.0
# A User-Agent that the collector treats as a browser, so events open sessions.
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
# Requests from the helper without `origin=` carry this Origin, which "*" allows.
DEFAULT_ORIGIN = "http://127.0.0.1:9"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class CollectorServer:
    """A collector on 127.0.0.1 with a database under `workdir` (a new temporary folder if None)."""

    def __init__(
        self,
        workdir: str | Path | None = None,
        projects: str | Path | Sequence[Project | Mapping[str, Any]] | None = None,
        *,
        in_subprocess: bool = False,
    ):
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="collector-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.workdir / "collector.sqlite3"
        self.log_path = self.workdir / "collector.log"
        self.projects_path = self._projects_file(projects)
        self.projects = load_projects(self.projects_path)
        self.in_subprocess = in_subprocess
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.http = httpx.Client(base_url=self.base_url, timeout=10.0)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen | None = None
        self._log_file = None

    def _projects_file(self, projects) -> Path:
        if projects is None:
            return DEMO_PROJECTS
        if isinstance(projects, (str, Path)):
            return Path(projects)
        path = self.workdir / "projects.toml"
        path.write_text(projects_toml(build_projects(projects)), encoding="utf-8")
        return path

    # The first project's credentials, for the common single-project case.

    @property
    def project(self) -> Project:
        return self.projects[0]

    @property
    def client_id(self) -> str:
        return self.project.client_id

    @property
    def client_secret(self) -> str:
        return self.project.client_secret

    @property
    def project_id(self) -> str:
        return self.project.id

    # Lifecycle

    def start(self) -> CollectorServer:
        if self.in_subprocess:
            self._start_process()
        else:
            self._start_thread()
        self._wait_until_healthy()
        return self

    def _start_thread(self) -> None:
        app = create_app(self.db_path, self.projects_path)
        # log_config=None leaves logging to pytest, so caplog captures the collector's lines.
        config = uvicorn.Config(app, host=HOST, port=self.port, log_config=None, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()

    def _start_process(self) -> None:
        # Closed by stop() or kill().
        self._log_file = open(self.log_path, "ab")
        command = [
            sys.executable,
            "-m",
            "demo.collector",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--db",
            str(self.db_path),
            "--projects",
            str(self.projects_path),
        ]
        self._process = subprocess.Popen(
            command, cwd=ROOT, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(
                    f"collector exited with {self._process.returncode}: {self.log_text()}"
                )
            try:
                if self.http.get("/healthcheck").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"collector at {self.base_url} not healthy after {START_TIMEOUT_S} s")

    def kill(self) -> None:
        """Send SIGKILL to the subprocess: no shutdown code runs, as in a crash."""
        if self._process is None:
            raise RuntimeError("kill() needs CollectorServer(in_subprocess=True)")
        os.kill(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=10)
        self._process = None
        self._close_log()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._server = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            self._process = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def close(self) -> None:
        self.stop()
        self.http.close()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> CollectorServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def log_text(self) -> str:
        """Return what the subprocess wrote to stdout and stderr."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # Requests

    def headers(
        self,
        *,
        secret: bool = False,
        origin: str | None = DEFAULT_ORIGIN,
        user_agent: str = BROWSER_USER_AGENT,
        project: Project | None = None,
    ) -> dict[str, str]:
        """Build the headers of a browser request, or of a backend one with secret=True."""
        project = project or self.project
        headers = {
            "content-type": "application/json",
            "openpanel-client-id": project.client_id,
            "user-agent": user_agent,
        }
        if secret:
            headers["openpanel-client-secret"] = project.client_secret
        if origin:
            headers["origin"] = origin
        return headers

    def track(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        secret: bool = False,
        origin: str | None = DEFAULT_ORIGIN,
        user_agent: str = BROWSER_USER_AGENT,
        project: Project | None = None,
    ) -> httpx.Response:
        """POST one `{"type", "payload"}` body to /track."""
        headers = self.headers(secret=secret, origin=origin, user_agent=user_agent, project=project)
        return self.http.post(
            "/track", json={"type": kind, "payload": dict(payload)}, headers=headers
        )

    def export(self, project: Project | None = None, **params: Any) -> httpx.Response:
        """GET /export/events with the project's client id and secret."""
        project = project or self.project
        headers = {
            "openpanel-client-id": project.client_id,
            "openpanel-client-secret": project.client_secret,
        }
        return self.http.get("/export/events", params=params, headers=headers)

    def export_events(self, project: Project | None = None, **params: Any) -> list[dict[str, Any]]:
        """Return every matching event, newest first, reading all pages of /export/events."""
        events: list[dict[str, Any]] = []
        page = 1
        while True:
            response = self.export(project, **{"limit": 1000, **params, "page": page})
            response.raise_for_status()
            body = response.json()
            events.extend(body["data"])
            if page >= body["meta"]["pages"]:
                return events
            page += 1

    def wait_for_events(
        self, count: int, timeout_s: float = 10.0, **params: Any
    ) -> list[dict[str, Any]]:
        """Poll the export API until `count` matching events are stored or `timeout_s` passes."""
        deadline = time.monotonic() + timeout_s
        while True:
            events = self.export_events(**params)
            if len(events) >= count or time.monotonic() >= deadline:
                return events
            time.sleep(0.1)

    def read_profile(
        self, profile_id: str, project: Project | None = None
    ) -> dict[str, Any] | None:
        """Read a stored profile straight from the database (the export API has no profiles)."""
        project = project or self.project
        connection = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        try:
            row = connection.execute(
                "SELECT * FROM profiles WHERE project_id = ? AND id = ?", (project.id, profile_id)
            ).fetchone()
        finally:
            connection.close()
        return dict(row) if row is not None else None

    def count_rows(self, table: str = "events") -> int:
        """Count the rows of a table straight from the database, whatever their project."""
        if table not in {"events", "sessions", "profiles", "groups", "replay_chunks"}:
            raise ValueError(f"unknown table {table!r}")
        connection = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        finally:
            connection.close()


def projects_toml(projects: Sequence[Project]) -> str:
    """Write projects as a TOML file that load_projects() reads back."""
    lines = []
    for project in projects:
        origins = ", ".join(_toml_string(origin) for origin in project.allowed_origins)
        lines += [
            "[[projects]]",
            f"id = {_toml_string(project.id)}",
            f"name = {_toml_string(project.name)}",
            f"client_id = {_toml_string(project.client_id)}",
            f"client_secret = {_toml_string(project.client_secret)}",
            f"allowed_origins = [{origins}]",
            f"allow_unsafe_revenue_tracking = {str(project.allow_unsafe_revenue_tracking).lower()}",
            f"currency = {_toml_string(project.currency)}",
            "",
        ]
    return "\n".join(lines)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
