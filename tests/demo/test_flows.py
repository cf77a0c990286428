"""The four revenue flows clicked through in Chromium, checked in the collector's export API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

BOOT_TIMEOUT_MS = 60_000
ROOT = Path(__file__).resolve().parents[2]
# Outside test-results/, which pytest-playwright empties at the start of every run.
SCREENSHOT = ROOT / "var" / "screenshots" / "demo-dashboard.png"
PENDING_KEY = "openpanel-pending-revenues"
CHECKOUT_PAGES = "**/c/pay/**"
# Time a page gets to send something it should not have sent, before the test counts.
SETTLE_S = 1.5


@pytest.fixture
def page_errors(page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def open_shop(page, stack, query: str = "") -> str:
    """Open the storefront, wait for Python to start, return the device id it shows."""
    page.goto(stack.shop.url(f"/{query}"))
    page.wait_for_function("document.body.dataset.ready === 'true'", timeout=BOOT_TIMEOUT_MS)
    return page.text_content("#device-id")


def choose(page, product_id: str) -> None:
    page.check(f'input[name="product"][value="{product_id}"]')


def pay_and_wait_for_success(page) -> str:
    """Pay on the mock checkout page; return the session id the success page received."""
    page.wait_for_url("**/c/pay/**")
    page.click("#pay")
    page.wait_for_url("**/success?**")
    page.wait_for_function("document.body.dataset.done === 'true'", timeout=BOOT_TIMEOUT_MS)
    return page.evaluate("new URLSearchParams(location.search).get('session_id')")


def sign_in(page, name: str = "Ada Lovelace", email: str = "ada@example.com") -> str:
    page.fill("#sign-in-name", name)
    page.fill("#sign-in-email", email)
    page.click("#sign-in")
    page.wait_for_function("document.querySelector('#account').dataset.profileId")
    return page.get_attribute("#account", "data-profile-id")


def hold_checkout_navigation(page) -> list[str]:
    """Keep the page on the shop when it heads for checkout; return the URLs it tried.

    sessionStorage belongs to one origin, so the pending revenue can only be read
    while the page is still on the shop.
    """
    urls: list[str] = []

    def stay(route):
        urls.append(route.request.url)
        # A browser that gets 204 No Content for a navigation keeps the current page.
        route.fulfill(status=204)

    page.route(CHECKOUT_PAGES, stay)
    return urls


def pending_revenues(page) -> list:
    return json.loads(page.evaluate(f"sessionStorage.getItem('{PENDING_KEY}') || '[]'"))


def test_anonymous_flow_links_device_id(page, page_errors, demo_stack):
    device_id = open_shop(page, demo_stack, "?utm_source=newsletter")
    page.click("#buy-anonymous")
    session_id = pay_and_wait_for_success(page)

    demo_stack.wait_for_deliveries()
    revenues = demo_stack.wait_for_revenues(1)
    assert len(revenues) == 1
    assert revenues[0]["revenue"] == 2000
    assert revenues[0]["properties"]["currency"].lower() == "usd"
    assert revenues[0]["deviceId"] == device_id
    assert revenues[0]["properties"]["__idempotencyKey"] == session_id
    assert page.text_content("#order-amount") == "20.00 USD"
    assert page_errors == []


def test_anonymous_flow_credits_utm_source(page, demo_stack):
    open_shop(page, demo_stack, "?utm_source=newsletter")
    page.click("#buy-anonymous")
    pay_and_wait_for_success(page)
    demo_stack.wait_for_revenues(1)

    page.goto(demo_stack.collector.url("/dashboard"))
    assert "newsletter" in page.text_content("body")


def test_identified_flow_links_profile_id(page, page_errors, demo_stack):
    open_shop(page, demo_stack, "?utm_source=partner")
    profile_id = sign_in(page)
    choose(page, "mug")
    page.click("#buy-identified")
    pay_and_wait_for_success(page)

    demo_stack.wait_for_deliveries()
    revenues = demo_stack.wait_for_revenues(1)
    assert len(revenues) == 1
    assert revenues[0]["revenue"] == 1250
    assert revenues[0]["properties"]["currency"].lower() == "usd"
    assert revenues[0]["profileId"] == profile_id
    assert page_errors == []

    page.goto(demo_stack.collector.url("/dashboard"))
    assert "partner" in page.text_content("body")


def test_frontend_flow_flushes_on_success_page(page, page_errors, demo_stack):
    device_id = open_shop(page, demo_stack)
    choose(page, "stickers")
    page.click("#buy-frontend")
    pay_and_wait_for_success(page)

    revenues = demo_stack.wait_for_revenues(1)
    demo_stack.wait_for_deliveries()
    time.sleep(SETTLE_S)
    revenues = demo_stack.revenues()
    assert len(revenues) == 1
    assert revenues[0]["revenue"] == 499
    assert revenues[0]["properties"]["currency"].lower() == "usd"
    assert revenues[0]["deviceId"] == device_id
    assert pending_revenues(page) == []
    assert page.text_content("#revenue-status").startswith("sent from this page")
    assert page_errors == []


def test_frontend_flow_reload_counts_once(page, demo_stack):
    open_shop(page, demo_stack)
    page.click("#buy-frontend")
    pay_and_wait_for_success(page)
    demo_stack.wait_for_revenues(1)

    page.reload()
    page.wait_for_function("document.body.dataset.done === 'true'", timeout=BOOT_TIMEOUT_MS)
    time.sleep(SETTLE_S)
    assert len(demo_stack.revenues()) == 1
    assert page.text_content("#revenue-status") == "nothing pending: it was already sent"


def test_frontend_flow_cancel_sends_nothing(page, page_errors, demo_stack):
    open_shop(page, demo_stack)
    checkout_urls = hold_checkout_navigation(page)
    page.click("#buy-frontend")
    while not checkout_urls:
        page.wait_for_timeout(50)
    assert len(pending_revenues(page)) == 1

    page.unroute(CHECKOUT_PAGES)
    page.goto(checkout_urls[0])
    page.click("#cancel")
    page.wait_for_url("**/cancel?**")
    page.wait_for_function("document.body.dataset.done === 'true'", timeout=BOOT_TIMEOUT_MS)
    time.sleep(SETTLE_S)
    assert pending_revenues(page) == []
    assert demo_stack.revenues() == []
    assert demo_stack.wait_for_deliveries() == []
    assert page_errors == []


def test_anonymous_flow_cancel_sends_nothing(page, demo_stack):
    open_shop(page, demo_stack)
    page.click("#buy-anonymous")
    page.wait_for_url("**/c/pay/**")
    page.click("#cancel")
    page.wait_for_function("document.body.dataset.done === 'true'", timeout=BOOT_TIMEOUT_MS)
    time.sleep(SETTLE_S)
    assert demo_stack.revenues() == []
    assert demo_stack.wait_for_deliveries() == []


def test_aggregate_flow_has_no_identity(page, page_errors, demo_stack):
    open_shop(page, demo_stack)
    choose(page, "tenugui")
    page.click("#buy-aggregate")
    session_id = pay_and_wait_for_success(page)

    demo_stack.wait_for_deliveries()
    revenues = demo_stack.wait_for_revenues(1)
    assert len(revenues) == 1
    assert revenues[0]["revenue"] == 1500
    assert revenues[0]["properties"]["currency"].lower() == "jpy"
    assert revenues[0]["deviceId"] == ""
    assert revenues[0]["profileId"] == ""
    assert revenues[0]["properties"]["__idempotencyKey"] == session_id
    assert page.text_content("#order-amount") == "1500 JPY"
    assert page_errors == []


def test_dashboard_after_four_flows(page, demo_stack):
    open_shop(page, demo_stack, "?utm_source=newsletter")
    page.click("#buy-anonymous")
    pay_and_wait_for_success(page)

    open_shop(page, demo_stack)
    sign_in(page)
    choose(page, "mug")
    page.click("#buy-identified")
    pay_and_wait_for_success(page)

    open_shop(page, demo_stack)
    choose(page, "stickers")
    page.click("#buy-frontend")
    pay_and_wait_for_success(page)

    open_shop(page, demo_stack)
    choose(page, "tenugui")
    page.click("#buy-aggregate")
    pay_and_wait_for_success(page)

    demo_stack.wait_for_deliveries()
    revenues = demo_stack.wait_for_revenues(4)
    assert sorted(revenue["revenue"] for revenue in revenues) == [499, 1250, 1500, 2000]

    page.goto(demo_stack.collector.url("/dashboard"))
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 0
