"""Invalid revenues, event names, properties and ids raise in Chromium, storing and sending nothing.

One page per interpreter serves the whole table: each case evaluates the bad
call, then sends a good event as a barrier, and checks that sessionStorage did
not change and that the barrier was the only request.
"""

import json
from urllib.parse import urlencode

import pytest

from tests.faults.bad_input_cases import BAD_CALLS
from tests.support.offline import RequestLog
from tests.support.recording_server import RecordingServer

pytestmark = pytest.mark.browser

BOOT_TIMEOUT_MS = 60_000
CALL_TIMEOUT_MS = 30_000
SNAPSHOT_STORAGE = "JSON.stringify(Object.entries(sessionStorage).sort())"


class EvaluatingPage:
    """A page that evaluates Python expressions on an OpenPanel client."""

    def __init__(self, page):
        self.page = page
        self._count = 0

    def evaluate(self, expression: str) -> dict:
        """Evaluate ``expression`` in the page; return ``{"ok", "value"|"error", "message"}``."""
        self._count += 1
        call_id = f"call-{self._count}"
        self.page.evaluate("([id, expression]) => window.opEvaluate(id, expression)",
                           [call_id, expression])
        self.page.wait_for_function("id => window.opHarnessResults[id] !== undefined",
                                    arg=call_id, timeout=CALL_TIMEOUT_MS)
        return json.loads(self.page.evaluate("id => window.opHarnessResults[id]", call_id))

    def storage(self) -> str:
        return self.page.evaluate(SNAPSHOT_STORAGE)


@pytest.fixture(scope="module")
def api():
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["py", "mpy"])
def client_page(request, browser, static_server, api):
    context = browser.new_context()
    requests = RequestLog().attach(context)
    page = context.new_page()
    query = urlencode({"api": api.api_url})
    page.goto(static_server.url(f"/fault-pages/bad_input_{request.param}.html?{query}"))
    page.wait_for_function("window.opHarnessResults && window.opHarnessResults.ready",
                           timeout=BOOT_TIMEOUT_MS)
    evaluating = EvaluatingPage(page)
    # The first event stores the device id, so later barriers change no storage.
    assert evaluating.evaluate("op.track('page_ready')")["ok"]
    yield evaluating
    context.close()
    assert requests.outside_urls() == []


@pytest.mark.parametrize("bad_call", BAD_CALLS, ids=[call.case_id for call in BAD_CALLS])
def test_bad_call_raises_and_sends_nothing(client_page, api, bad_call):
    api.reset()
    before = client_page.storage()

    outcome = client_page.evaluate(bad_call.expression)
    barrier = client_page.evaluate("op.track('barrier')")

    names = [body["payload"]["name"] for body in api.tracks()]
    assert outcome["ok"] is False
    assert outcome["error"] == bad_call.error
    assert bad_call.fragment in outcome["message"]
    assert barrier["ok"] is True
    assert client_page.storage() == before
    assert names == ["barrier"]
