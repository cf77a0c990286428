"""The success page with a missing, unknown or unusual session_id: a clear message, no traceback."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

pytestmark = pytest.mark.browser

BOOT_TIMEOUT_MS = 60_000


def open_success_page(page, stack, query: str) -> list[str]:
    """Open /success with ``query``, wait for its Python to finish, return the order URLs."""
    order_urls: list[str] = []

    def record(request):
        if "/api/orders/" in request.url:
            order_urls.append(request.url)

    page.on("request", record)
    page.goto(stack.shop.url(f"/success{query}"))
    page.wait_for_function("document.body.dataset.done === 'true'", timeout=BOOT_TIMEOUT_MS)
    return order_urls


@pytest.fixture
def page_errors(page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_success_page_without_session_id(page, page_errors, demo_stack):
    order_urls = open_success_page(page, demo_stack, "")
    assert order_urls == []
    assert "No order to show" in page.text_content("#status")
    assert "None" not in page.text_content("#status")
    assert page.text_content("#revenue-status").startswith("not sent")
    assert page.text_content("#error") == ""
    assert "Traceback" not in page.text_content("body")
    assert page_errors == []


@pytest.mark.parametrize("session_id", ["a/b", "cs_x?y=1", "cs_x#top", "cs_test_missing"])
def test_success_page_unknown_session_id(page, page_errors, demo_stack, session_id):
    order_urls = open_success_page(page, demo_stack,
                                   f"?session_id={quote(session_id, safe='')}&flow=anonymous")
    assert order_urls == [demo_stack.shop.url("/api/orders/" + quote(session_id, safe=""))]
    assert "order not found" in page.text_content("#status")
    assert repr(session_id) in page.text_content("#status")
    assert page.text_content("#revenue-status").startswith("not sent")
    assert page.text_content("#error") == ""
    assert "Traceback" not in page.text_content("body")
    assert page_errors == []


def test_success_page_non_json_answer(page, page_errors, demo_stack):
    page.route("**/api/orders/**",
               lambda route: route.fulfill(status=500, body="Internal Server Error",
                                           content_type="text/plain"))
    open_success_page(page, demo_stack, "?session_id=cs_test_any&flow=anonymous")
    assert "HTTP 500" in page.text_content("#status")
    assert page.text_content("#error") == ""
    assert "Traceback" not in page.text_content("body")
    assert page_errors == []


@pytest.mark.parametrize("path", ["a%2Fb", "a/b", "cs_x%3Fy%3D1", "None"])
def test_order_api_rejects_invalid_id(demo_stack, path):
    response = httpx.get(demo_stack.shop.url(f"/api/orders/{path}"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert "order not found" in response.json()["error"]
