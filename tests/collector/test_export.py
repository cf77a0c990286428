"""GET /export/events: OpenPanel's authentication, query parameters and response shape."""

import pytest

from tests.collector.projects import OPEN_PROJECT
from tests.support.collector import CollectorServer

# Field names of an event in OpenPanel's export API (IServiceEvent), minus the
# `profile` and `meta` objects it leaves out unless asked for.
EXPORT_FIELDS = {
    "id",
    "name",
    "deviceId",
    "profileId",
    "projectId",
    "sessionId",
    "properties",
    "createdAt",
    "path",
    "origin",
    "referrer",
    "referrerName",
    "referrerType",
    "revenue",
    "duration",
    "country",
    "city",
    "region",
    "longitude",
    "latitude",
    "os",
    "osVersion",
    "browser",
    "browserVersion",
    "device",
    "brand",
    "model",
    "importedAt",
    "sdkName",
    "sdkVersion",
    "groups",
}


def export(collector, headers, **params):
    return collector.http.get("/export/events", params=params, headers=headers)


def credentials(collector, **overrides):
    headers = {
        "openpanel-client-id": collector.client_id,
        "openpanel-client-secret": collector.client_secret,
    }
    headers.update(overrides)
    return {key: value for key, value in headers.items() if value is not None}


def test_export_without_secret_is_401(collector):
    response = export(collector, credentials(collector, **{"openpanel-client-secret": None}))
    assert response.status_code == 401
    assert "missing client secret" in response.json()["message"]


def test_export_with_wrong_secret_is_401(collector):
    response = export(collector, credentials(collector, **{"openpanel-client-secret": "sec_x"}))
    assert response.status_code == 401
    assert response.json()["message"] == "invalid client secret"


def test_export_without_client_id_is_401(collector):
    response = export(collector, credentials(collector, **{"openpanel-client-id": None}))
    assert response.status_code == 401


def test_export_with_unknown_client_id_is_401(collector):
    headers = credentials(
        collector, **{"openpanel-client-id": "11111111-2222-4333-8444-555555555555"}
    )
    response = export(collector, headers)
    assert response.status_code == 401


def test_export_of_unknown_project_is_404(collector):
    response = export(collector, credentials(collector), projectId="nope")
    assert response.status_code == 404


def test_export_of_other_project_is_403(tmp_path):
    projects = [
        {**OPEN_PROJECT},
        {**OPEN_PROJECT, "id": "second", "client_id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"},
    ]
    with CollectorServer(tmp_path, projects=projects) as server:
        server.track("track", {"name": "secret_thing"}, project=server.projects[1])
        response = server.export(projectId="second")
        assert response.status_code == 403
        assert server.export_events() == []


def test_export_names_own_project(collector):
    collector.track("track", {"name": "a"})
    for key in ("projectId", "project_id"):
        response = collector.export(**{key: collector.project_id})
        assert response.status_code == 200
        assert response.json()["meta"]["totalCount"] == 1


def test_export_event_has_openpanel_fields(collector):
    collector.track(
        "track",
        {
            "name": "revenue",
            "profileId": "user-1",
            "properties": {"__revenue": 1999, "__idempotencyKey": "cs_1", "currency": "usd"},
        },
    )
    [event] = collector.export_events()
    assert set(event) == EXPORT_FIELDS
    assert event["name"] == "revenue"
    assert event["profileId"] == "user-1"
    assert event["projectId"] == "demo-shop"
    assert event["revenue"] == 1999
    assert event["properties"] == {"__revenue": 1999, "__idempotencyKey": "cs_1", "currency": "usd"}
    assert event["createdAt"].endswith("Z")
    assert len(event["createdAt"]) == len("2026-12-04T20:05:52.660Z")


def test_anonymous_event_reports_device_as_profile(collector):
    response = collector.track("track", {"name": "a"})
    [event] = collector.export_events()
    assert event["profileId"] == response.json()["deviceId"]


def test_export_pages_newest_first(collector):
    for number in range(7):
        collector.track("track", {"name": "step", "properties": {"n": number}})
    response = collector.export(limit=3, page=2)
    body = response.json()
    assert body["meta"] == {"count": 3, "totalCount": 7, "pages": 3, "current": 2}
    assert [event["properties"]["n"] for event in body["data"]] == [3, 2, 1]
    last = collector.export(limit=3, page=3).json()
    assert last["meta"]["count"] == 1
    assert [event["properties"]["n"] for event in last["data"]] == [0]


@pytest.mark.parametrize(
    ("params", "expected_meta"),
    [
        ({"limit": 0}, {"count": 1, "totalCount": 3, "pages": 3, "current": 1}),
        ({"limit": -5}, {"count": 1, "totalCount": 3, "pages": 3, "current": 1}),
        ({"limit": 2, "page": 0}, {"count": 2, "totalCount": 3, "pages": 2, "current": 1}),
        ({"limit": 2, "page": -1}, {"count": 2, "totalCount": 3, "pages": 2, "current": 1}),
    ],
    ids=["limit-0", "limit-negative", "page-0", "page-negative"],
)
def test_export_clamps_limit_and_page(collector, params, expected_meta):
    for name in ("a", "b", "c"):
        collector.track("track", {"name": name})
    response = collector.export(**params)
    assert response.status_code == 200
    assert response.json()["meta"] == expected_meta


def test_export_clamps_limit_to_1000(collector):
    # Sent without Origin, so the duplicate guard does not apply.
    for number in range(1001):
        properties = {"n": number}
        response = collector.track(
            "track", {"name": "n", "properties": properties}, origin=None, secret=True
        )
        assert response.status_code == 200
    response = collector.export(limit=1001)
    assert response.json()["meta"] == {
        "count": 1000,
        "totalCount": 1001,
        "pages": 2,
        "current": 1,
    }


@pytest.mark.parametrize("value", ["abc", "2.5", "1e3"])
def test_export_limit_not_integer_is_400(collector, value):
    response = collector.export(limit=value)
    assert response.status_code == 400
    assert "query parameter limit must be an integer" in response.json()["message"]


@pytest.mark.parametrize("page_number", ["3", "99999999999999999999"])
def test_export_page_after_last_is_empty(collector, page_number):
    collector.track("track", {"name": "a"})
    response = collector.export(page=page_number, limit=1)
    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["meta"] == {
        "count": 0,
        "totalCount": 1,
        "pages": 1,
        "current": int(page_number),
    }


def test_export_defaults_to_50_per_page(collector):
    assert collector.export().json()["meta"] == {
        "count": 0,
        "totalCount": 0,
        "pages": 0,
        "current": 1,
    }
    for number in range(51):
        collector.track("track", {"name": "bulk", "properties": {"n": number}})
    meta = collector.export().json()["meta"]
    assert meta == {"count": 50, "totalCount": 51, "pages": 2, "current": 1}


@pytest.mark.parametrize(
    ("name", "value"), [("page", "two"), ("limit", "1.5"), ("start", "yesterday")]
)
def test_export_with_invalid_parameter_is_400(collector, name, value):
    response = collector.export(**{name: value})
    assert response.status_code == 400
    assert name in response.json()["message"]


def test_export_filters_by_event_names(collector):
    for name in ("a", "b", "c"):
        collector.track("track", {"name": name})
    assert [event["name"] for event in collector.export_events(event="b")] == ["b"]
    names = {event["name"] for event in collector.export_events(event=["a", "c"])}
    assert names == {"a", "c"}


def test_export_filters_by_profile_with_anonymous_history(collector):
    collector.track("track", {"name": "browse", "properties": {"__deviceId": "dev-1"}})
    collector.track(
        "track", {"name": "login", "profileId": "user-1", "properties": {"__deviceId": "dev-1"}}
    )
    collector.track("track", {"name": "other", "properties": {"__deviceId": "dev-2"}})
    names = [event["name"] for event in collector.export_events(profileId="user-1")]
    assert names == ["login", "browse"]


def test_export_filters_by_time(collector):
    for day in ("2026-03-01T10:00:00Z", "2026-03-02T23:59:59.999Z", "2026-03-03T00:00:00Z"):
        collector.track("track", {"name": "dated", "properties": {"__timestamp": day}})
    whole_day = collector.export_events(start="2026-03-02", end="2026-03-02")
    assert [event["createdAt"] for event in whole_day] == ["2026-03-02T23:59:59.999Z"]
    since = collector.export_events(start="2026-03-02T12:00:00+00:00")
    assert len(since) == 2
    until = collector.export_events(end="2026-03-01T10:00:00Z")
    assert [event["createdAt"] for event in until] == ["2026-03-01T10:00:00.000Z"]


def test_export_lists_only_own_project(tmp_path):
    projects = [
        {**OPEN_PROJECT},
        {**OPEN_PROJECT, "id": "second", "client_id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"},
    ]
    with CollectorServer(tmp_path, projects=projects) as server:
        server.track("track", {"name": "mine"}, project=server.projects[0])
        server.track("track", {"name": "theirs"}, project=server.projects[1])
        assert [event["name"] for event in server.export_events()] == ["mine"]
        assert [event["name"] for event in server.export_events(server.projects[1])] == ["theirs"]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "0001-01-01", "end": "9999-12-31"},
        {"start": "0001-01-01T00:00:00Z", "end": "9999-12-31T23:59:59.999Z"},
    ],
    ids=["dates", "date-times"],
)
def test_export_accepts_extreme_dates(collector, params):
    collector.track("track", {"name": "a"})
    response = collector.export(**params)
    assert response.status_code == 200
    assert response.json()["meta"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [("start", "0001-01-01T00:00:00+01:00"), ("end", "9999-12-31T23:59:59-01:00")],
)
def test_export_time_outside_utc_range_is_400(collector, name, value):
    response = collector.export(**{name: value})
    assert response.status_code == 400
    message = response.json()["message"]
    assert f"query parameter {name} must be an ISO 8601 date or date-time" in message
