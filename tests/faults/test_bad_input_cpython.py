"""Invalid revenues, event names, properties and ids raise on CPython; nothing is stored or sent."""

import pytest

from op_browser import OpenPanel
from tests.faults.bad_input_cases import BAD_CALLS
from tests.support.recording_server import RecordingServer

CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
SEND_TIMEOUT_S = 10


@pytest.fixture(scope="module")
def api():
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize("bad_call", BAD_CALLS, ids=[call.case_id for call in BAD_CALLS])
def test_bad_call_raises_and_sends_nothing(api, bad_call):
    api.reset()
    op = OpenPanel(client_id=CLIENT_ID, api_url=api.api_url)

    with pytest.raises(Exception) as raised:
        eval(bad_call.expression, {"op": op})

    # A call that starts a request does so before it returns. Once a later
    # event has its response, a request from the bad call would be recorded.
    op.track("barrier").result(timeout=SEND_TIMEOUT_S)
    names = [body["payload"]["name"] for body in api.tracks()]
    assert type(raised.value).__name__ == bad_call.error
    assert bad_call.fragment in str(raised.value)
    assert op.pending_revenues() == []
    assert names == ["barrier"]
