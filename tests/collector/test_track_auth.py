"""POST /track authentication: every failure is 401 and stores nothing."""

import pytest

from tests.collector.projects import OPEN_PROJECT, STRICT_PROJECT
from tests.support.collector import CollectorServer

SIGNUP = {"type": "track", "payload": {"name": "signup", "properties": {}}}


@pytest.fixture
def strict(tmp_path):
    with CollectorServer(tmp_path / "strict", projects=[STRICT_PROJECT, OPEN_PROJECT]) as server:
        yield server


def post(server, headers, body=SIGNUP):
    return server.http.post("/track", json=body, headers=headers)


def test_track_without_client_id_is_401(collector):
    headers = collector.headers()
    del headers["openpanel-client-id"]
    response = post(collector, headers)
    assert response.status_code == 401
    assert "missing client id" in response.json()["message"]
    assert collector.count_rows() == 0


@pytest.mark.parametrize(
    "client_id",
    ["not-a-uuid", "A3F1C2D4-5B6E-4F70-8A9B-0C1D2E3F4A5B", "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5"],
)
def test_track_with_malformed_client_id_is_401(collector, client_id):
    headers = {**collector.headers(), "openpanel-client-id": client_id}
    response = post(collector, headers)
    assert response.status_code == 401
    assert collector.count_rows() == 0


def test_track_with_unknown_client_id_is_401(collector):
    headers = {**collector.headers(), "openpanel-client-id": "11111111-2222-4333-8444-555555555555"}
    response = post(collector, headers)
    assert response.status_code == 401
    assert response.json()["message"] == "unknown client id"
    assert collector.count_rows() == 0


def test_track_with_wrong_secret_is_401(collector):
    headers = {**collector.headers(), "openpanel-client-secret": "sec_wrong"}
    response = post(collector, headers)
    assert response.status_code == 401
    assert response.json()["message"] == "invalid client secret"
    assert collector.count_rows() == 0


def test_track_with_secret_of_other_project_is_401(strict):
    headers = strict.headers(origin=None)
    headers["openpanel-client-secret"] = OPEN_PROJECT["client_secret"]
    response = post(strict, headers)
    assert response.status_code == 401
    assert strict.count_rows() == 0


def test_track_accepts_client_id_in_body(collector):
    headers = collector.headers()
    del headers["openpanel-client-id"]
    body = {**SIGNUP, "clientId": collector.client_id}
    response = post(collector, headers, body)
    assert response.status_code == 200
    assert collector.count_rows() == 1


def test_track_accepts_secret_in_body(strict):
    headers = strict.headers(origin=None, user_agent="python-httpx/0.28.1")
    body = {**SIGNUP, "clientSecret": STRICT_PROJECT["client_secret"]}
    response = post(strict, headers, body)
    assert response.status_code == 200
    assert strict.count_rows() == 1


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://shop.example.evil.example",
        "https://shopXexample",
        "null",
    ],
)
def test_track_from_origin_outside_allowlist_is_401(strict, origin):
    response = post(strict, strict.headers(origin=origin))
    assert response.status_code == 401
    assert "origin not allowed" in response.json()["message"]
    assert strict.count_rows() == 0


@pytest.mark.parametrize(
    "origin", ["https://shop.example", "https://www.shop.example", "https://eu.shop.example"]
)
def test_track_from_allowed_origin_is_200(strict, origin):
    response = post(strict, strict.headers(origin=origin))
    assert response.status_code == 200
    assert strict.count_rows() == 1


def test_track_without_origin_or_secret_is_401(collector):
    response = post(collector, collector.headers(origin=None))
    assert response.status_code == 401
    assert collector.count_rows() == 0


def test_track_from_backend_with_secret_is_200(strict):
    headers = strict.headers(secret=True, origin=None, user_agent="python-httpx/0.28.1")
    response = post(strict, headers)
    assert response.status_code == 200
    assert strict.count_rows() == 1


def revenue_body(amount=1999):
    return {"type": "track", "payload": {"name": "revenue", "properties": {"__revenue": amount}}}


def test_secretless_revenue_rejected_when_unsafe_off(strict):
    response = post(strict, strict.headers(origin="https://shop.example"), revenue_body())
    assert response.status_code == 401
    assert "revenue tracking requires the client secret" in response.json()["message"]
    assert strict.count_rows() == 0


def test_revenue_with_secret_when_unsafe_off(strict):
    headers = strict.headers(secret=True, origin=None, user_agent="python-httpx/0.28.1")
    response = post(strict, headers, revenue_body())
    assert response.status_code == 200
    assert strict.count_rows() == 1


def test_secretless_revenue_when_unsafe_on(collector):
    response = post(collector, collector.headers(), revenue_body())
    assert response.status_code == 200
    assert collector.count_rows() == 1


def test_device_id_endpoint_requires_client_id(collector):
    response = collector.http.get("/track/device-id", headers={"origin": "http://127.0.0.1:9"})
    assert response.status_code == 401
