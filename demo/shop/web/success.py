"""The success page's Python (MicroPython): confirm the order, then flush a pending revenue.

Only the frontend flow leaves a pending revenue in sessionStorage. In the other
flows the shop's webhook sends the revenue, and this page only shows the order.
"""

import json

from pyscript import document, fetch, window

from op_browser import OpenPanel

CONFIG = json.loads(document.getElementById("shop-config").textContent)
# Stripe's zero-decimal currencies among the shop's, whose amounts have no minor unit.
ZERO_DECIMAL_CURRENCIES = ("jpy", "krw")

op = OpenPanel(client_id=CONFIG["client_id"], api_url=CONFIG["api_url"])


def element(selector):
    return document.querySelector(selector)


def format_amount(amount, currency):
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{amount} {currency.upper()}"
    return f"{amount // 100}.{amount % 100:02d} {currency.upper()}"


def describe_flush(result):
    """Describe a FlushResult for the visitor."""
    if result.ok and result.sent:
        return "sent from this page (pending revenue flushed)"
    if result.ok:
        return "nothing pending: it was already sent"
    if result.failed:
        reason = result.failed[0].get("reason", "unknown reason")
        return f"not sent yet ({reason}); kept pending and sent again when this page reloads"
    return "being sent by another tab or an earlier load of this page"


def show_not_found(message):
    element("#status").textContent = message
    element("#revenue-status").textContent = "not sent: there is no order to confirm"


async def fetch_order(session_id):
    """Fetch the order from the shop and return (order, None), or (None, a message) on failure."""
    # encodeURIComponent keeps "/", "?" and "#" in the id from changing the path or query.
    response = await fetch("/api/orders/" + window.encodeURIComponent(session_id))
    text = await response.text()
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if response.ok and isinstance(body, dict):
        return body, None
    if isinstance(body, dict) and body.get("error"):
        return None, body["error"]
    return None, (f"Loading the order failed: the shop returned HTTP {response.status}. "
                  "Reload to try again.")


async def confirm_order():
    op.screen_view()
    query = window.URLSearchParams.new(window.location.search)
    session_id = query.get("session_id")
    flow = query.get("flow")
    # URLSearchParams.get returns JavaScript null, which arrives as None, for a missing key.
    if not session_id:
        show_not_found("No order to show: this page opens after checkout, with the order's "
                       "session_id in its address.")
        return
    order, failure = await fetch_order(session_id)
    if order is None:
        show_not_found(failure)
        return

    paid = order["payment_status"] == "paid"
    element("#order-title").textContent = f"Order {order['session_id']}"
    element("#order-product").textContent = order["product_name"] or "unknown product"
    element("#order-amount").textContent = format_amount(order["amount_total"], order["currency"])
    element("#order-payment-status").textContent = order["payment_status"]
    element("#status").textContent = ("Thank you, your order is confirmed." if paid
                                      else "Your payment has not completed yet.")
    if flow != "frontend":
        element("#revenue-status").textContent = "sent by the shop's backend from the webhook"
    elif paid:
        result = await op.flush_revenue()
        element("#revenue-status").textContent = describe_flush(result)
    else:
        element("#revenue-status").textContent = "kept pending until the payment completes"


# PyScript runs page scripts with top-level await on Pyodide and MicroPython.
# A failure in confirm_order shows as one line on the page and in the console, not a traceback.
try:
    await confirm_order()  # noqa: F704
except Exception as failure:
    element("#error").textContent = f"Confirming the order failed: {failure}"
    window.console.error("confirming the order failed:", repr(failure))
finally:
    document.body.dataset.done = "true"
