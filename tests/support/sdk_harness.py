"""Drive tests/browser/pages/sdk_harness_{py,mpy}.html: an op_browser client in a real page.

    harness = Harness(page, static_server, "mpy").open(recording_server.api_url)
    harness.call("pending_revenue", 1999, {"currency": "USD"})
    result = harness.call("flush_revenue")       # FlushResult.as_dict()
"""

from __future__ import annotations

import itertools
import json
from urllib.parse import urlencode

BOOT_TIMEOUT_MS = 60_000
CALL_TIMEOUT_MS = 30_000


class HarnessCallError(Exception):
    """A call that raised inside the page; ``error`` is the exception's class name."""

    def __init__(self, error: str, message: str):
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message


class Harness:
    """One harness page; calls run op_browser methods and return their JSON results."""

    def __init__(self, page, static_server, interpreter: str):
        self.page = page
        self.static_server = static_server
        self.interpreter = interpreter
        self.console: list[str] = []
        self._ids = itertools.count(1)
        page.on("console", lambda message: self.console.append(message.text))

    def url(self, api_url: str, options: dict | None = None,
            constants: dict | None = None) -> str:
        query = {"api": api_url, "options": json.dumps(options or {}),
                 "constants": json.dumps(constants or {})}
        return self.static_server.url(
            f"/pages/sdk_harness_{self.interpreter}.html?{urlencode(query)}")

    def open(self, api_url: str, options: dict | None = None,
             constants: dict | None = None) -> Harness:
        self.page.goto(self.url(api_url, options, constants))
        return self.wait_until_ready()

    def wait_until_ready(self) -> Harness:
        self.page.wait_for_function("window.opHarnessResults && window.opHarnessResults.ready",
                                    timeout=BOOT_TIMEOUT_MS)
        return self

    def reload(self) -> Harness:
        self.page.reload()
        return self.wait_until_ready()

    def start(self, method: str, *args, **kwargs) -> str:
        """Call ``method`` without waiting; return the call id for wait()."""
        call_id = f"call-{next(self._ids)}"
        request = json.dumps({"method": method, "args": list(args), "kwargs": kwargs})
        self.page.evaluate("([id, request]) => window.opHarnessCall(id, request)",
                           [call_id, request])
        return call_id

    def outcome(self, call_id: str, timeout_ms: int = CALL_TIMEOUT_MS) -> dict:
        self.page.wait_for_function("id => window.opHarnessResults[id] !== undefined", arg=call_id,
                                    timeout=timeout_ms)
        return json.loads(self.page.evaluate("id => window.opHarnessResults[id]", call_id))

    def wait(self, call_id: str, timeout_ms: int = CALL_TIMEOUT_MS):
        outcome = self.outcome(call_id, timeout_ms)
        if not outcome["ok"]:
            raise HarnessCallError(outcome["error"], outcome["message"])
        return outcome["value"]

    def call(self, method: str, *args, **kwargs):
        return self.wait(self.start(method, *args, **kwargs))

    def session_item(self, key: str):
        return self.page.evaluate("key => sessionStorage.getItem(key)", key)

    def stored_pending(self) -> list[dict]:
        text = self.session_item("openpanel-pending-revenues")
        return json.loads(text) if text else []
