"""The storefront's Python (Pyodide): one button per revenue flow, each ending at the mock Stripe.

Every flow creates its Checkout Session through the shop's ``/api/checkout``;
they differ in what identity reaches Stripe and in who sends the revenue.
"""

import json

from pyscript import document, fetch, when, window

from op_browser import OpenPanel

CONFIG = json.loads(document.getElementById("shop-config").textContent)
PRODUCTS = CONFIG["products"]
BUY_BUTTONS = ("#buy-anonymous", "#buy-frontend", "#buy-aggregate")


def start_analytics():
    """Return a client that also sends screen views, outgoing links and data-track clicks.

    Its first screen view carries the page URL, so ?utm_source=... becomes the
    session's source.
    """
    return OpenPanel(client_id=CONFIG["client_id"], api_url=CONFIG["api_url"],
                     track_screen_views=True, track_outgoing_links=True, track_attributes=True)


op = start_analytics()


class ShopError(Exception):
    """The shop's API rejected a request; the message is the shop's own."""


def element(selector):
    return document.querySelector(selector)


def show_error(message):
    element("#error").textContent = message


def selected_product():
    return PRODUCTS[element('input[name="product"]:checked').value]


async def post_json(path, body):
    response = await fetch(path, method="POST", headers={"Content-Type": "application/json"},
                           body=json.dumps(body))
    data = await response.json()
    if not response.ok:
        raise ShopError(data.get("error") or f"{path} failed with status {response.status}")
    return data


async def start_checkout(flow, **extra):
    """Create a Checkout Session for the selected product and return its payment URL."""
    product_id = selected_product()["id"]
    data = await post_json("/api/checkout", {"product_id": product_id, "flow": flow, **extra})
    # Sent after identify() in the signed-in flow, so the visit is linked to the profile
    # and the profile's revenue is credited to the visit's source.
    op.track("checkout_started", {"flow": flow, "product_id": product_id})
    return data["url"]


def go_to(url):
    element("#status").textContent = "Opening checkout\u2026"
    window.location.href = url


def show_account(account):
    signed_in = account is not None
    element("#account").textContent = (
        f"Signed in as {account['name']} ({account['email']}), profile id "
        f"{account['profile_id']}." if signed_in else "Not signed in.")
    element("#account").dataset.profileId = account["profile_id"] if signed_in else ""
    element("#buy-identified").disabled = not signed_in
    element("#sign-out").hidden = not signed_in
    element("#sign-out").disabled = not signed_in


def guarded(handler):
    """Show any failure of a click handler on the page instead of losing it in the console."""
    async def run(event):
        show_error("")
        try:
            await handler(event)
        except Exception as failure:
            show_error(f"{handler.__name__.replace('_', ' ')} failed: {failure}")
            raise
    run.__name__ = handler.__name__
    return run


@when("click", "#buy-anonymous")
@guarded
async def buy_anonymously(event):
    device_id = await op.fetch_device_id()
    element("#device-id").textContent = device_id
    go_to(await start_checkout("anonymous", device_id=device_id))


@when("click", "#sign-in")
@guarded
async def sign_in(event):
    data = await post_json("/api/sign-in", {"name": element("#sign-in-name").value,
                                            "email": element("#sign-in-email").value})
    account = data["account"]
    op.identify(account["profile_id"], email=account["email"], first_name=account["name"])
    show_account(account)


@when("click", "#sign-out")
@guarded
async def sign_out(event):
    await post_json("/api/sign-out", {})
    op.clear()
    show_account(None)


@when("click", "#buy-identified")
@guarded
async def buy_signed_in(event):
    go_to(await start_checkout("identified"))


@when("click", "#buy-frontend")
@guarded
async def buy_with_frontend_tracking(event):
    product = selected_product()
    url = await start_checkout("frontend")
    # The success page flushes this entry from sessionStorage, and the cancel page clears it.
    op.pending_revenue(product["unit_amount"], {"currency": product["currency"].upper(),
                                                "product_id": product["id"]})
    go_to(url)


@when("click", "#buy-aggregate")
@guarded
async def buy_without_identity(event):
    go_to(await start_checkout("aggregate"))


async def start():
    account = (await (await fetch("/api/me")).json())["account"]
    if account is not None:
        # The SDK keeps the profile id in memory only, so each page load identifies again.
        op.identify(account["profile_id"], email=account["email"], first_name=account["name"])
    show_account(account)
    element("#device-id").textContent = await op.fetch_device_id()
    for selector in (*BUY_BUTTONS, "#sign-in"):
        element(selector).disabled = False
    element("#status").textContent = "Ready. Choose a product and a flow."
    document.body.dataset.ready = "true"


# PyScript runs page scripts with top-level await on Pyodide and MicroPython.
await start()  # noqa: F704
