"""GET /dashboard: totals, sources, daily chart and latest payments for a known set of events."""

from decimal import Decimal
from pathlib import Path

import pytest

from demo.collector.dashboard import format_money
from tests.support.offline import RequestLog

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "build" / "screenshots" / "dashboard.png"
BACKEND_AGENT = "python-httpx/0.28.1"
XSS = "<script>alert('xss')</script>"


def visit(collector, device_id, path, referrer="", profile_id=None):
    payload = {
        "name": "screen_view",
        "properties": {"__path": path, "__referrer": referrer, "__deviceId": device_id},
    }
    if profile_id:
        payload["profileId"] = profile_id
    assert collector.track("track", payload).status_code == 200


def pay(collector, amount, key, currency=None, **identity):
    properties = {"__revenue": amount, "__idempotencyKey": key}
    if currency:
        properties["currency"] = currency
    extra = identity.pop("properties", {})
    if "device_id" in identity:
        properties["__deviceId"] = identity.pop("device_id")
    payload = {"name": "revenue", "properties": {**properties, **extra}, **identity}
    response = collector.track("track", payload, secret=True, origin=None, user_agent=BACKEND_AGENT)
    assert response.status_code == 200


@pytest.fixture
def shop(collector):
    """Three visitors from three sources, five payments, one webhook retry."""
    visit(collector, "dev-a", "https://shop.test/?utm_source=newsletter")
    visit(collector, "dev-b", "https://shop.test/", "https://www.google.com/search?q=mugs")
    visit(collector, "dev-c", "https://shop.test/", profile_id="user-7")
    pay(collector, 1999, "cs_1", "usd", device_id="dev-a")
    pay(collector, 1000, "cs_2", "usd", device_id="dev-a", properties={"note": XSS})
    pay(collector, 1500, "cs_3", "jpy", device_id="dev-b")
    pay(collector, 500, "cs_4", "usd", profileId="user-7")
    pay(collector, 2500, "cs_5", "usd")
    pay(collector, 1999, "cs_1", "usd", device_id="dev-a")
    return collector


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (1999, "USD", "$19.99"),
        (1500, "JPY", "¥1,500"),
        (1234567, "EUR", "€12,345.67"),
        (5, "GBP", "£0.05"),
        (1500, "KRW", "₩1,500"),
        (1500, "KWD", "1.500 KWD"),
        (100, "CHF", "1.00 CHF"),
        (Decimal("1499.75"), "USD", "$15.00"),
        (Decimal("1499.5"), "JPY", "¥1,500"),
        (0, "USD", "$0.00"),
    ],
)
def test_format_money_honours_minor_units(amount, currency, text):
    assert format_money(amount, currency) == text


def test_dashboard_escapes_stored_html(shop):
    page = shop.http.get("/dashboard").text
    assert XSS not in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in page


def test_dashboard_without_revenue(collector):
    response = collector.http.get("/dashboard")
    assert response.status_code == 200
    assert "No revenue events yet." in response.text


def text_of(page, selector):
    return page.locator(selector).inner_text().strip()


@pytest.mark.browser
def test_dashboard_shows_known_numbers(shop, browser):
    # JavaScript off: the page must work as plain HTML.
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1200, "height": 900}
    )
    log = RequestLog().attach(context)
    page = context.new_page()
    page.goto(f"{shop.base_url}/dashboard")

    usd = '#totals .card[data-currency="USD"]'
    jpy = '#totals .card[data-currency="JPY"]'
    assert text_of(page, f"{usd} .total") == "$59.99"
    assert text_of(page, f"{usd} .payments") == "4"
    assert text_of(page, f"{usd} .average") == "$15.00"
    assert text_of(page, f"{jpy} .total") == "¥1,500"
    assert text_of(page, f"{jpy} .payments") == "1"
    assert text_of(page, f"{jpy} .average") == "¥1,500"

    sources = {
        (row.get_attribute("data-source"), row.get_attribute("data-currency")): [
            cell.inner_text() for cell in row.locator("td").all()
        ][2:]
        for row in page.locator("#sources tbody tr").all()
    }
    assert sources == {
        ("newsletter", "USD"): ["2", "$29.99"],
        ("unattributed", "USD"): ["1", "$25.00"],
        ("direct", "USD"): ["1", "$5.00"],
        ("Google", "JPY"): ["1", "¥1,500"],
    }

    bars = page.locator('#daily svg[data-currency="USD"] rect.bar')
    assert bars.count() == 30
    assert bars.last.get_attribute("data-amount") == "5999"
    jpy_bars = page.locator('#daily svg[data-currency="JPY"] rect.bar')
    assert jpy_bars.last.get_attribute("data-amount") == "1500"

    latest = page.locator("#latest tbody tr")
    assert latest.count() == 5
    assert XSS in page.locator("#latest").inner_text()
    assert page.locator("script").count() == 0

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    context.close()
    assert log.outside_urls() == []
    assert log.urls == [f"{shop.base_url}/dashboard"]
