"""Rejections are logged with reason and client id; the client secret never appears in logs."""

import logging

import pytest

from tests.collector.projects import STRICT_PROJECT
from tests.support.collector import CollectorServer

SECRET = STRICT_PROJECT["client_secret"]


@pytest.fixture
def strict(tmp_path):
    with CollectorServer(tmp_path, projects=[STRICT_PROJECT]) as server:
        yield server


def exercise_every_path(server):
    """Send accepted and rejected requests that carry the secret in headers and body."""
    backend = server.headers(secret=True, origin=None, user_agent="python-httpx/0.28.1")
    server.http.post("/track", json={"type": "track", "payload": {"name": "ok"}}, headers=backend)
    revenue = {"name": "revenue", "properties": {"__revenue": 100, "__idempotencyKey": "k"}}
    server.http.post("/track", json={"type": "track", "payload": revenue}, headers=backend)
    server.http.post("/track", json={"type": "track", "payload": revenue}, headers=backend)
    server.http.post(
        "/track",
        json={"type": "track", "payload": {"name": "session_start"}, "clientSecret": SECRET},
        headers=server.headers(origin=None),
    )
    wrong = {**backend, "openpanel-client-secret": SECRET + "-wrong"}
    server.http.post("/track", json={"type": "track", "payload": {"name": "x"}}, headers=wrong)
    server.http.post("/track", json={"type": "track", "payload": revenue}, headers=server.headers())
    server.http.post("/track", content=b"{not json", headers=backend)
    server.http.post(
        "/track",
        json={"type": "increment", "payload": {"profileId": "p", "property": "n"}},
        headers=backend,
    )
    server.export()
    server.http.get(
        "/export/events",
        headers={"openpanel-client-id": server.client_id, "openpanel-client-secret": SECRET[:-1]},
    )
    server.http.get("/dashboard")


def test_secret_never_logged_in_process(strict, caplog):
    caplog.set_level(logging.DEBUG)
    exercise_every_path(strict)
    assert len(caplog.records) > 5
    assert SECRET not in caplog.text
    assert SECRET[:-1] not in caplog.text


def test_secret_never_logged_by_subprocess(tmp_path):
    server = CollectorServer(tmp_path, projects=[STRICT_PROJECT], in_subprocess=True).start()
    try:
        exercise_every_path(server)
    finally:
        server.close()
    log = server.log_text()
    assert "rejected POST /track" in log
    assert SECRET not in log
    assert SECRET[:-1] not in log


def test_secret_never_in_dashboard(strict):
    page = strict.http.get("/dashboard").text
    assert SECRET not in page


def test_rejection_logged_with_reason_and_client_id(strict, caplog):
    caplog.set_level(logging.INFO, logger="demo.collector")
    strict.track("track", {"name": "x"}, origin="https://evil.example")
    [record] = [r for r in caplog.records if r.name == "demo.collector" and "rejected" in r.message]
    assert record.levelname == "WARNING"
    assert "401" in record.message
    assert "origin not allowed" in record.message
    assert STRICT_PROJECT["client_id"] in record.message
    assert "https://evil.example" in record.message


def test_log_lines_quote_attacker_text(strict, caplog):
    caplog.set_level(logging.INFO, logger="demo.collector")
    headers = strict.headers()
    del headers["openpanel-client-id"]
    body = {"type": "track", "payload": {"name": "x"}, "clientId": "x\nFORGED rejected line"}
    strict.http.post("/track", json=body, headers=headers)
    messages = [r.getMessage() for r in caplog.records if r.name == "demo.collector"]
    assert any("FORGED" in message for message in messages)
    assert all("\n" not in message for message in messages)


def test_start_and_stop_are_logged(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="demo.collector")
    with CollectorServer(tmp_path, projects=[STRICT_PROJECT]):
        pass
    messages = [r.getMessage() for r in caplog.records if r.name == "demo.collector"]
    assert any(message.startswith("collector started") for message in messages)
    assert messages[-1] == "collector stopped"
