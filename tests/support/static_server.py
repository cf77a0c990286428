"""A threaded HTTP server for tests that serves folders under URL prefixes on 127.0.0.1.

    server = StaticServer({"/static/": STATIC, "/pages/": PAGES}).start()
    page.goto(server.url("/pages/smoke_py.html"))
    server.stop()
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

# Browsers refuse ES modules and streaming WebAssembly compilation without these types,
# and older Python versions do not map them.
EXTRA_TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".json": "application/json",
    ".toml": "application/toml",
    ".py": "text/x-python",
}


class StaticServer:
    """Serve each folder under its URL prefix; a prefix must start and end with "/"."""

    def __init__(self, routes: dict[str, Path], host: str = "127.0.0.1", port: int = 0):
        for prefix in routes:
            if not (prefix.startswith("/") and prefix.endswith("/")):
                raise ValueError(f"route prefix must start and end with '/', got {prefix!r}")
        self.routes = {prefix: Path(folder).resolve() for prefix, folder in routes.items()}
        self.host = host
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> StaticServer:
        routes = self.routes

        class Handler(SimpleHTTPRequestHandler):
            extensions_map: ClassVar[dict[str, str]] = {
                **SimpleHTTPRequestHandler.extensions_map,
                **EXTRA_TYPES,
            }

            def translate_path(self, path: str) -> str:
                url_path = unquote(urlsplit(path).path)
                for prefix, folder in sorted(routes.items(), key=lambda item: -len(item[0])):
                    if url_path.startswith(prefix):
                        candidate = (folder / url_path[len(prefix):]).resolve()
                        if candidate == folder or folder in candidate.parents:
                            return str(candidate)
                return ""

            def send_head(self):
                if not self.translate_path(self.path):
                    self.send_error(HTTPStatus.NOT_FOUND, "no route for this path")
                    return None
                return super().send_head()

            def end_headers(self) -> None:
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def log_message(self, format: str, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

