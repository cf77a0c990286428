"""The demo shop's ASGI app: storefront pages, checkout API, sign-in and the Stripe webhook.

    app = create_app(settings_from_env("http://127.0.0.1:8001", "http://127.0.0.1:8002"))
"""

from __future__ import annotations

import logging
import mimetypes
import re
from pathlib import Path

import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from demo.shop import accounts
from demo.shop.catalog import PRODUCTS_BY_ID
from demo.shop.checkout_body import InvalidCheckoutBody, parse_checkout_body
from demo.shop.pages import render_page
from demo.shop.settings import ShopSettings
from demo.shop.webhook import TRACKED_BY_FRONTEND, TRACKED_BY_KEY, handle_webhook
from op_browser import OpenPanel

logger = logging.getLogger("demo.shop")

WEB_DIR = Path(__file__).resolve().parent / "web"
# The form of the Checkout Session ids that Stripe and the mock issue, such as cs_test_a1B2.
CHECKOUT_SESSION_ID = re.compile(r"cs_[A-Za-z0-9_]+")
# Browsers refuse ES modules and streaming WebAssembly compilation served with other types.
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")


def create_app(settings: ShopSettings) -> Starlette:
    routes = [
        Route("/", page_route("index.html")),
        Route("/success", page_route("success.html")),
        Route("/cancel", page_route("cancel.html")),
        Route("/api/products", list_products),
        Route("/api/checkout", create_checkout, methods=["POST"]),
        # ":path" lets an id with "/" reach get_order, which rejects it with a JSON 404.
        Route("/api/orders/{session_id:path}", get_order),
        Route("/api/me", get_account),
        Route("/api/sign-in", sign_in, methods=["POST"]),
        Route("/api/sign-out", sign_out, methods=["POST"]),
        Route("/api/stripe/webhook", handle_webhook, methods=["POST"]),
        Mount("/web", StaticFiles(directory=WEB_DIR), name="web"),
        Mount("/static", StaticFiles(directory=settings.static_dir, check_dir=False),
              name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.settings = settings
    # Sends on its own loop thread, so the app needs no start-up or shutdown hook for it.
    app.state.openpanel = OpenPanel(client_id=settings.openpanel_client_id,
                                    client_secret=settings.openpanel_client_secret,
                                    api_url=settings.openpanel_api_url)
    app.state.stripe = stripe.StripeClient(settings.stripe_api_key,
                                           base_addresses={"api": settings.stripe_api_base},
                                           max_network_retries=2)
    return app


def page_route(template: str):
    async def page(request: Request) -> Response:
        return render_page(template, request.app.state.settings)
    return page


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def list_products(request: Request) -> Response:
    return JSONResponse({"data": [product.to_dict() for product in PRODUCTS_BY_ID.values()]})


async def create_checkout(request: Request) -> Response:
    """Create a Stripe Checkout Session for one product and return its URL.

    ``parse_checkout_body`` checks the body, whose format is in
    demo/shop/checkout_body.py. The price comes from the catalogue, never from
    the page.
    """
    try:
        body = await request.json()
    except ValueError:
        return error(400, "request body is invalid: expected JSON such as "
                          '{"product_id": "tee", "flow": "aggregate"}')
    try:
        checkout = parse_checkout_body(body)
    except InvalidCheckoutBody as invalid:
        logger.info("rejected a checkout body: %s", invalid)
        return JSONResponse({"error": str(invalid), "field": invalid.field},
                            status_code=invalid.status)
    product = checkout.product
    flow = checkout.flow

    metadata = {"productId": product.id}
    customer_email = None
    if flow == "anonymous":
        metadata["deviceId"] = checkout.device_id
    elif flow == "identified":
        account = signed_in_account(request)
        if account is None:
            return error(401, "sign in before buying in the identified flow")
        metadata["profileId"] = account.profile_id
        customer_email = account.email
    elif flow == "frontend":
        metadata[TRACKED_BY_KEY] = TRACKED_BY_FRONTEND

    base = str(request.base_url).rstrip("/")
    params = {
        "mode": "payment",
        "line_items": [{
            "price_data": {"currency": product.currency, "unit_amount": product.unit_amount,
                           "product_data": {"name": product.name}},
            "quantity": 1,
        }],
        "metadata": metadata,
        "success_url": f"{base}/success?session_id={{CHECKOUT_SESSION_ID}}&flow={flow}",
        "cancel_url": f"{base}/cancel?session_id={{CHECKOUT_SESSION_ID}}&flow={flow}",
    }
    if customer_email:
        params["customer_email"] = customer_email
    try:
        session = await request.app.state.stripe.v1.checkout.sessions.create_async(params)
    except stripe.StripeError as failure:
        logger.error("creating a Checkout Session for %s failed: %s", product.id, failure)
        return error(502, f"the payment provider rejected the checkout: {failure.user_message}")
    logger.info("created %s for %s (%s flow)", session.id, product.id, flow)
    return JSONResponse({"session_id": session.id, "url": session.url})


async def get_order(request: Request) -> Response:
    """Return what the success page shows: the paid amount and status of a Checkout Session."""
    session_id = request.path_params["session_id"]
    if not CHECKOUT_SESSION_ID.fullmatch(session_id):
        return error(404, f"order not found: {session_id!r} is not a Checkout Session id, "
                          "which starts with cs_ and has only letters, digits and _")
    try:
        session = await request.app.state.stripe.v1.checkout.sessions.retrieve_async(session_id)
    except stripe.InvalidRequestError:
        return error(404, f"order not found: {session_id!r}")
    except stripe.StripeError as failure:
        logger.error("retrieving %s failed: %s", session_id, failure)
        return error(502, "the payment provider did not answer; reload the page")
    metadata = session.metadata.to_dict() if session.metadata else {}
    product = PRODUCTS_BY_ID.get(metadata.get("productId"))
    return JSONResponse({
        "session_id": session.id,
        "status": session.status,
        "payment_status": session.payment_status,
        "amount_total": session.amount_total,
        "currency": session.currency,
        "product_name": product.name if product else None,
    })


def signed_in_account(request: Request) -> accounts.Account | None:
    cookie = request.cookies.get(accounts.COOKIE_NAME)
    return accounts.decode_cookie(cookie, request.app.state.settings.cookie_key)


async def get_account(request: Request) -> Response:
    account = signed_in_account(request)
    return JSONResponse({"account": account.to_dict() if account else None})


async def sign_in(request: Request) -> Response:
    try:
        body = await request.json()
        account = accounts.account_from_form(body.get("name"), body.get("email"))
    except (ValueError, AttributeError) as failure:
        return error(400, f"sign-in failed: {failure}")
    response = JSONResponse({"account": account.to_dict()})
    response.set_cookie(accounts.COOKIE_NAME,
                        accounts.encode_cookie(account, request.app.state.settings.cookie_key),
                        max_age=accounts.COOKIE_MAX_AGE_S, httponly=True, samesite="lax")
    logger.info("signed in %s", account.profile_id)
    return response


async def sign_out(request: Request) -> Response:
    response = JSONResponse({"account": None})
    response.delete_cookie(accounts.COOKIE_NAME)
    return response
