"""Run the collector: `python -m demo.collector --host 127.0.0.1 --port 8001`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import uvicorn

from .app import create_app
from .projects import ProjectConfigError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
DEFAULT_DB = ROOT / "var" / "collector.sqlite3"
DEFAULT_PROJECTS = ROOT / "demo" / "projects.toml"


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demo.collector",
        description="Local OpenPanel-compatible collector: POST /track, GET /export/events, "
        "GET /dashboard.",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default: {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        help="SQLite database file, created if missing (default: var/collector.sqlite3 "
        "in the repository)",
    )
    parser.add_argument(
        "--projects",
        type=Path,
        default=DEFAULT_PROJECTS,
        help="TOML file with [[projects]] tables (default: demo/projects.toml)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="logging level (default: info)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(
        level=arguments.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        app = create_app(arguments.db, arguments.projects)
    except ProjectConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for project in app.state.collector.projects:
        print(
            f"collector project {project.id!r}: client id {project.client_id}, "
            f"dashboard http://{arguments.host}:{arguments.port}/dashboard?project={project.id}",
            flush=True,
        )
    uvicorn.run(app, host=arguments.host, port=arguments.port, log_level=arguments.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
