"""The CPython transport against a real HTTP server on 127.0.0.1: responses, retries, handles."""

import asyncio
import concurrent.futures
import logging
import socket
import time

import pytest

from op_browser import OpenPanel, SendError, retry, transport
from op_browser.version import VERSION
from tests.support.recording_server import DROP, Hang, Respond

CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
WAIT_S = 30


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(retry, "RETRY_BASE_DELAY_S", 0.02)


@pytest.fixture
def op(server):
    return OpenPanel(client_id=CLIENT_ID, api_url=server.api_url)


def unused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_result_returns_response_body(op):
    answer = op.track("signup").result(WAIT_S)
    assert answer == {"deviceId": "server-device-id", "sessionId": "server-session-id"}


async def test_await_returns_response_body(op):
    answer = await op.track("signup")
    assert answer["sessionId"] == "server-session-id"


def test_call_without_waiting_still_sends(op, server):
    op.track("fire_and_forget")
    bodies = server.wait_for_tracks(1, WAIT_S)
    assert bodies[0]["payload"]["name"] == "fire_and_forget"


def test_headers_carry_client_and_sdk(server):
    op = OpenPanel(client_id=CLIENT_ID, client_secret="sec_1", api_url=server.api_url + "/")
    op.track("x").result(WAIT_S)
    headers = server.track_requests()[0].headers
    assert headers["openpanel-client-id"] == CLIENT_ID
    assert headers["openpanel-client-secret"] == "sec_1"
    assert headers["openpanel-sdk-name"] == "op_browser"
    assert headers["openpanel-sdk-version"] == VERSION
    assert headers["content-type"] == "application/json"


def test_sdk_name_option(server):
    op = OpenPanel(client_id=CLIENT_ID, api_url=server.api_url, sdk_name="shop-backend")
    op.track("x").result(WAIT_S)
    assert server.track_requests()[0].headers["openpanel-sdk-name"] == "shop-backend"


@pytest.mark.usefixtures("fast_retries")
def test_server_error_retried_until_success(op, server):
    server.plan(Respond(500), Respond(503), DROP)
    op.track("x").result(WAIT_S)
    assert len(server.tracks()) == 4


@pytest.mark.usefixtures("fast_retries")
def test_gives_up_after_max_retries(op, server, caplog):
    server.plan(*[Respond(500, {"message": "database down"})] * 10)
    with pytest.raises(SendError) as raised:
        op.track("x").result(WAIT_S)
    assert len(server.tracks()) == retry.MAX_RETRIES + 1
    assert raised.value.status == 500
    assert "database down" in raised.value.reason
    assert "gave up sending event 'x'" in caplog.text


def test_client_error_not_retried_and_logged(op, server, caplog):
    server.plan(Respond(400, {"message": "properties.__revenue must be an integer"}))
    with caplog.at_level(logging.ERROR, logger="op_browser"), pytest.raises(SendError) as raised:
        op.track("x").result(WAIT_S)
    assert len(server.tracks()) == 1
    assert raised.value.status == 400
    assert "properties.__revenue must be an integer" in caplog.text


def test_unauthorized_not_retried(op, server):
    server.plan(Respond(401, {"message": "invalid client secret"}))
    with pytest.raises(SendError, match="client_secret"):
        op.track("x").result(WAIT_S)
    assert len(server.tracks()) == 1


def test_rate_limit_honours_retry_after(op, server):
    server.plan(Respond(429, headers={"Retry-After": "1"}))
    started = time.monotonic()
    op.track("x").result(WAIT_S)
    requests = server.track_requests()
    assert len(requests) == 2
    assert requests[1].time - requests[0].time >= 0.95
    assert time.monotonic() - started < 5


def test_retry_after_beyond_limit_gives_up(op, server):
    server.plan(Respond(429, headers={"Retry-After": "3600"}))
    with pytest.raises(SendError, match="3600"):
        op.track("x").result(WAIT_S)
    assert len(server.tracks()) == 1


@pytest.mark.usefixtures("fast_retries")
def test_server_down_raises_network_error(caplog):
    op = OpenPanel(client_id=CLIENT_ID, api_url=f"http://127.0.0.1:{unused_port()}")
    with pytest.raises(SendError) as raised:
        op.track("x").result(WAIT_S)
    assert raised.value.status is None
    assert "network error" in raised.value.reason
    assert "gave up" in caplog.text


def test_hung_request_times_out_and_retries(op, server, monkeypatch, fast_retries):
    monkeypatch.setattr("op_browser.client.REQUEST_TIMEOUT_S", 0.5)
    server.plan(Hang())
    op.track("x").result(WAIT_S)
    assert len(server.tracks()) == 2


def test_result_timeout_raises(op, server):
    server.plan(Hang())
    handle = op.track("x")
    with pytest.raises(concurrent.futures.TimeoutError):
        handle.result(timeout=0.2)
    server.release()
    assert handle.result(WAIT_S)["sessionId"] == "server-session-id"


async def test_many_concurrent_awaits(op, server):
    answers = await asyncio.gather(*[op.track(f"event_{n}") for n in range(20)])
    assert len(answers) == 20
    assert len(server.tracks()) == 20


def test_server_message_from_json_and_text():
    assert transport.server_message('{"message": "bad"}') == "bad"
    assert transport.server_message("{}") == ""
    assert transport.server_message("Bad Gateway") == "Bad Gateway"
    assert transport.server_message("") == ""


def test_device_id_from_server(server):
    server.device_id = "hash-of-visitor"
    op = OpenPanel(client_id=CLIENT_ID, api_url=server.api_url, device_id_from_server=True)
    assert op.fetch_device_id().result(WAIT_S) == "hash-of-visitor"
    assert op.get_device_id() == "hash-of-visitor"
    device_request = next(r for r in server.requests if r.path == "/track/device-id")
    assert device_request.headers["openpanel-client-id"] == CLIENT_ID
