"""The mock Stripe ASGI app: Checkout Session API, hosted checkout page, admin endpoints.

    app = create_app(MockStripeSettings(api_key="sk_test_demo",
                                        webhook=WebhookSettings(url=..., secret="whsec_...")))

API routes take the secret key as ``Authorization: Bearer sk_...``, like Stripe.
The ``/_mock/`` admin routes take the same key and exist only in the mock.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from demo.stripe_mock.checkout_page import render_checkout_page, render_message_page
from demo.stripe_mock.errors import StripeError
from demo.stripe_mock.forms import decode_form
from demo.stripe_mock.sessions import DEFAULT_API_VERSION, SessionStore
from demo.stripe_mock.webhooks import WebhookSender, WebhookSettings, build_event

logger = logging.getLogger("demo.stripe_mock")

ADMIN_KNOBS = ("deliver_twice", "fail_first_delivery")


@dataclass
class MockStripeSettings:
    api_key: str
    webhook: WebhookSettings
    # Idempotency keys seen on POST requests: key -> (request digest, response JSON).
    idempotent_results: dict[str, tuple[str, dict]] = field(default_factory=dict)


def create_app(settings: MockStripeSettings) -> Starlette:
    store = SessionStore()
    sender = WebhookSender(settings.webhook)
    # Serialises Pay clicks so that one session completes, and sends its event, once.
    pay_lock = asyncio.Lock()

    async def create_session(request: Request) -> Response:
        check_api_key(request, settings.api_key)
        body = await request.body()
        key = request.headers.get("Idempotency-Key")
        digest = hashlib.sha256(body).hexdigest()
        if key and key in settings.idempotent_results:
            first_digest, result = settings.idempotent_results[key]
            if first_digest != digest:
                raise StripeError.idempotency_conflict(key)
            return JSONResponse(result, headers={"Idempotent-Replayed": "true"})

        session = store.create(decode_form(body), str(request.base_url))
        session.api_version = request.headers.get("Stripe-Version", DEFAULT_API_VERSION)
        result = session.to_dict()
        if key:
            settings.idempotent_results[key] = (digest, result)
        logger.info("created %s: %s %s", session.id, session.amount_total, session.currency)
        return JSONResponse(result)

    async def retrieve_session(request: Request) -> Response:
        check_api_key(request, settings.api_key)
        return JSONResponse(store.get(request.path_params["session_id"]).to_dict())

    async def checkout_page(request: Request) -> Response:
        session = find_session_for_page(store, request)
        if isinstance(session, Response):
            return session
        if session.status == "complete":
            return paid_response(session)
        return HTMLResponse(render_checkout_page(session))

    async def pay(request: Request) -> Response:
        session = find_session_for_page(store, request)
        if isinstance(session, Response):
            return session
        async with pay_lock:
            if session.status == "complete":
                # A second click or a resubmitted form: the payment already went through.
                return paid_response(session)
            session.status = "complete"
            session.payment_status = "paid"
            session.payment_intent = f"pi_{session.id.removeprefix('cs_')}"
            event = build_event("checkout.session.completed", session.to_dict(),
                                session.api_version)
            session.events.append(event["id"])
            logger.info("paid %s; sending %s", session.id, event["id"])
        await sender.send(event)
        return paid_response(session)

    async def list_deliveries(request: Request) -> Response:
        check_api_key(request, settings.api_key)
        return JSONResponse({"data": sender.attempts_as_dicts()})

    async def update_settings(request: Request) -> Response:
        check_api_key(request, settings.api_key)
        try:
            changes = await request.json()
        except ValueError as error:
            raise StripeError.invalid_request(f"Body is not valid JSON: {error}") from error
        if not isinstance(changes, dict):
            raise StripeError.invalid_request("Body must be a JSON object.")
        for name, value in changes.items():
            if name not in ADMIN_KNOBS:
                raise StripeError.unknown_param(name)
            if not isinstance(value, bool):
                raise StripeError.invalid_request(f"{name} must be true or false, got {value!r}.",
                                                  param=name)
            setattr(settings.webhook, name, value)
            logger.info("test knob %s set to %s", name, value)
        return JSONResponse({name: getattr(settings.webhook, name) for name in ADMIN_KNOBS})

    async def replay_event(request: Request) -> Response:
        check_api_key(request, settings.api_key)
        event_id = request.path_params["event_id"]
        try:
            attempt = await sender.replay(event_id)
        except KeyError:
            raise StripeError.not_found("event", event_id, "event") from None
        return JSONResponse({"status": attempt.status, "outcome": attempt.outcome})

    async def wait_for_deliveries(request: Request) -> Response:
        check_api_key(request, settings.api_key)
        await sender.wait_idle()
        return JSONResponse({"data": sender.attempts_as_dicts()})

    async def index(request: Request) -> Response:
        return JSONResponse({"service": "mock Stripe", "webhook_url": settings.webhook.url})

    async def unknown_route(request: Request) -> Response:
        raise StripeError(404, "invalid_request_error",
                          f"Unrecognized request URL ({request.method}: {request.url.path}).")

    def paid_response(session) -> Response:
        # Every session has a success_url, because create_session requires one.
        return RedirectResponse(session.redirect_url(session.success_url), status_code=303)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await sender.close()

    routes = [
        Route("/", index),
        Route("/v1/checkout/sessions", create_session, methods=["POST"]),
        Route("/v1/checkout/sessions/{session_id}", retrieve_session, methods=["GET"]),
        Route("/c/pay/{session_id}", checkout_page, methods=["GET"]),
        Route("/c/pay/{session_id}", pay, methods=["POST"]),
        Route("/_mock/deliveries", list_deliveries, methods=["GET"]),
        Route("/_mock/deliveries/wait", wait_for_deliveries, methods=["POST"]),
        Route("/_mock/settings", update_settings, methods=["POST"]),
        Route("/_mock/events/{event_id}/replay", replay_event, methods=["POST"]),
        Route("/v1/{rest:path}", unknown_route, methods=["GET", "POST", "DELETE"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={StripeError: stripe_error_response})
    app.state.sessions = store
    app.state.sender = sender
    return app


async def stripe_error_response(request: Request, error: StripeError) -> Response:
    return error.response()


def check_api_key(request: Request, api_key: str) -> None:
    """Accept ``Authorization: Bearer <key>`` or HTTP Basic with the key as user name."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    presented_key = None
    if scheme.lower() == "bearer":
        presented_key = credentials.strip()
    elif scheme.lower() == "basic":
        with contextlib.suppress(ValueError):
            presented_key = base64.b64decode(credentials).decode().partition(":")[0]
    if not presented_key:
        raise StripeError.authentication(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY').")
    if presented_key != api_key:
        raise StripeError.authentication(f"Invalid API Key provided: {redact_key(presented_key)}")


def redact_key(key: str) -> str:
    """Show a key the way Stripe's error messages do: its prefix and last four characters."""
    prefix, _, _ = key.rpartition("_")
    return f"{prefix}_{'*' * 12}{key[-4:]}" if prefix and len(key) > 8 else "*" * len(key)


def find_session_for_page(store: SessionStore, request: Request):
    try:
        return store.get(request.path_params["session_id"])
    except StripeError:
        return HTMLResponse(render_message_page("Checkout not found",
                                                "This checkout link is invalid or has expired."),
                            status_code=404)
