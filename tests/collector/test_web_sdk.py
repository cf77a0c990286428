"""The real @openpanel/web tracker, on a page of another origin, sending to the collector."""

from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests.collector.projects import STRICT_PROJECT
from tests.support.collector import CollectorServer
from tests.support.static_server import StaticServer

pytestmark = pytest.mark.browser

TRACKER = "/npm/@openpanel/web/dist/src/tracker.global.js"
PAGES = Path(__file__).resolve().parent / "pages"
READY_TIMEOUT_MS = 15_000


@pytest.fixture
def shop_server():
    """Serve the shop page from its own origin, apart from the collector and the tracker."""
    server = StaticServer({"/shop/": PAGES}).start()
    yield server
    server.stop()


def open_shop(page, shop_server, static_server, project, api_url, extra_query=None):
    query = {
        "clientId": project.client_id,
        "apiUrl": api_url,
        "tracker": static_server.url(TRACKER),
        **(extra_query or {}),
    }
    page.goto(shop_server.url("/shop/web_sdk.html?" + urlencode(query)))
    page.wait_for_function("window.openpanel !== undefined", timeout=READY_TIMEOUT_MS)


SEND_EVENTS = """async () => {
    const op = window.openpanel;
    const tracked = await op.track("add_to_cart", { sku: "mug-blue", quantity: 2 });
    await op.identify({ profileId: "user-42", firstName: "Ada", email: "ada@example.com" });
    const paid = await op.revenue(1999, { currency: "usd", __idempotencyKey: "web-order-1" });
    const retried = await op.revenue(1999, {
        currency: "usd", __idempotencyKey: "web-order-1", attempt: 2,
    });
    op.pendingRevenue(500, { currency: "usd", __idempotencyKey: "web-order-2" });
    await op.flushRevenue();
    return { tracked, paid, retried };
}"""


def test_web_sdk_events_reach_export(page, shop_server, static_server, collector):
    utm = {"utm_source": "newsletter"}
    open_shop(page, shop_server, static_server, collector.project, collector.base_url, utm)
    assert urlsplit(page.url).port != collector.port

    sent = page.evaluate(SEND_EVENTS)
    assert sent["tracked"]["deviceId"] != ""
    # @openpanel/web hands the parsed reply to the caller, extra field included.
    assert sent["retried"] == {**sent["paid"], "duplicate": True}

    events = collector.wait_for_events(4)
    names = sorted(event["name"] for event in events)
    assert names == ["add_to_cart", "revenue", "revenue", "screen_view"]
    by_name = {event["name"]: event for event in events}

    view = by_name["screen_view"]
    assert view["path"] == "/shop/web_sdk.html"
    assert view["properties"]["__path"] == page.url
    assert view["origin"] == shop_server.url("")
    assert view["sdkName"] == "web"
    assert view["sdkVersion"] == "1.4.1"

    cart = by_name["add_to_cart"]
    assert cart["properties"]["sku"] == "mug-blue"
    assert cart["properties"]["quantity"] == 2
    assert cart["deviceId"] == sent["tracked"]["deviceId"]
    assert cart["sessionId"] == view["sessionId"]

    revenues = sorted(
        (event for event in events if event["name"] == "revenue"), key=lambda e: e["revenue"]
    )
    assert [event["revenue"] for event in revenues] == [500, 1999]
    assert [event["properties"]["__idempotencyKey"] for event in revenues] == [
        "web-order-2",
        "web-order-1",
    ]
    assert [event["profileId"] for event in revenues] == ["user-42", "user-42"]
    assert "attempt" not in revenues[1]["properties"]

    profile = collector.read_profile("user-42")
    assert profile["first_name"] == "Ada"
    assert profile["email"] == "ada@example.com"


def test_web_sdk_revenue_counts_on_dashboard(page, shop_server, static_server, collector):
    utm = {"utm_source": "newsletter"}
    open_shop(page, shop_server, static_server, collector.project, collector.base_url, utm)
    page.evaluate(SEND_EVENTS)
    collector.wait_for_events(2, event="revenue")
    html = collector.http.get("/dashboard").text
    assert 'data-source="newsletter" data-currency="USD"' in html
    assert "$24.99" in html


def test_web_sdk_on_origin_outside_allowlist_stores_nothing(
    page, shop_server, static_server, tmp_path
):
    with CollectorServer(tmp_path, projects=[STRICT_PROJECT]) as strict:
        posts = []
        page.on(
            "response",
            lambda response: (
                posts.append(response.status) if response.request.method == "POST" else None
            ),
        )
        open_shop(page, shop_server, static_server, strict.project, strict.base_url)
        result = page.evaluate("async () => await window.openpanel.track('add_to_cart', {})")
        assert result is None
        assert posts
        assert set(posts) == {401}
        assert strict.count_rows() == 0
