"""CORS, health check and routes outside the ingestion API."""


def test_preflight_allows_any_origin_and_sdk_headers(collector):
    response = collector.http.options(
        "/track",
        headers={
            "origin": "http://127.0.0.1:5555",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,openpanel-client-id,openpanel-sdk-name",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "openpanel-client-id" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-max-age"] == "604800"


def test_track_response_allows_any_origin(collector):
    response = collector.track("track", {"name": "a"}, origin="http://127.0.0.1:5555")
    assert response.headers["access-control-allow-origin"] == "*"


def test_rejected_track_response_allows_any_origin(collector):
    response = collector.track("track", {"name": "session_start"}, origin="http://127.0.0.1:5555")
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"


def test_dashboard_sends_no_cors_headers(collector):
    response = collector.http.get("/dashboard", headers={"origin": "http://127.0.0.1:5555"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_healthcheck_reports_ready(collector):
    response = collector.http.get("/healthcheck")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "db": True}


def test_get_on_track_is_405(collector):
    response = collector.http.get("/track")
    assert response.status_code == 405


def test_unknown_dashboard_project_is_404(collector):
    response = collector.http.get("/dashboard", params={"project": "<nope>"})
    assert response.status_code == 404
    assert "<nope>" not in response.text
