"""Events and their signed delivery to the configured webhook endpoint.

Each delivery is signed the way Stripe signs webhooks: the header
``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` keyed
by the endpoint's ``whsec_`` secret, so ``stripe.Webhook.construct_event``
verifies it. A delivery that does not get a 2xx is retried with exponential
backoff, as Stripe does; Stripe keeps retrying for up to three days, the mock
for a few seconds (``WebhookSettings.max_attempts``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from dataclasses import asdict, dataclass, field

import httpx

from demo.stripe_mock.sessions import new_id

logger = logging.getLogger("demo.stripe_mock")

DELIVERY_TIMEOUT_S = 10.0


@dataclass
class WebhookSettings:
    """Webhook endpoint, its signing secret, the retry schedule and the test knobs."""

    url: str | None
    secret: str
    max_attempts: int = 5
    retry_base_delay_s: float = 0.5
    # Deliver every event a second time after the first success, as Stripe may.
    deliver_twice: bool = False
    # Discard the response of each event's first attempt and retry, as if the
    # connection had dropped after the endpoint processed the request.
    fail_first_delivery: bool = False


@dataclass
class DeliveryAttempt:
    """One POST of one event, kept for the admin endpoint and tests."""

    event_id: str
    event_type: str
    attempt: int
    status: int | None
    outcome: str
    signature: str
    at: float = field(default_factory=time.time)


def sign_payload(payload: str, secret: str, timestamp: int) -> str:
    """Return the Stripe-Signature header value for a payload sent at ``timestamp``."""
    signed = f"{timestamp}.{payload}".encode()
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def build_event(event_type: str, data_object: dict, api_version: str) -> dict:
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": api_version,
        "created": int(time.time()),
        "data": {"object": data_object},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


class WebhookSender:
    """Send events to the webhook endpoint, retrying in the background."""

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self.attempts: list[DeliveryAttempt] = []
        self._background: set[asyncio.Task] = set()
        # The last signed delivery of each event: (event, body, Stripe-Signature header).
        self._recorded: dict[str, tuple[dict, str, str]] = {}
        self._client = httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_S)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self._client.aclose()

    async def wait_idle(self) -> None:
        """Wait until no retry or repeated delivery is pending."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def send(self, event: dict) -> bool:
        """Make the first delivery attempt now and schedule what follows in the background.

        Returns whether the first attempt succeeded. Retries, and the repeated
        delivery of the ``deliver_twice`` knob, run after this returns.
        """
        if not self.settings.url:
            logger.warning("no webhook URL configured; event %s (%s) not delivered",
                           event["id"], event["type"])
            return False
        payload = json.dumps(event, indent=2)
        delivered = await self._attempt(event, payload, 1)
        if delivered:
            self._after_success(event, payload)
        else:
            self._spawn(self._retry(event, payload, first_attempt=2))
        return delivered

    async def replay(self, event_id: str) -> DeliveryAttempt:
        """Send a recorded delivery again with its original body and signature, unchanged."""
        recorded = self._recorded.get(event_id)
        if recorded is None:
            raise KeyError(event_id)
        event, payload, signature = recorded
        return await self._post(event, payload, signature, attempt=0, outcome_prefix="replay")

    def _after_success(self, event: dict, payload: str) -> None:
        if self.settings.deliver_twice:
            self._spawn(self._retry(event, payload, first_attempt=2))

    async def _retry(self, event: dict, payload: str, first_attempt: int) -> None:
        """Attempt again with doubling delays until one attempt gets a 2xx."""
        for attempt in range(first_attempt, self.settings.max_attempts + 1):
            delay = self.settings.retry_base_delay_s * 2 ** (attempt - 2)
            await asyncio.sleep(delay)
            if await self._attempt(event, payload, attempt):
                return
        logger.error("gave up delivering event %s (%s) after %d attempts",
                     event["id"], event["type"], self.settings.max_attempts)

    async def _attempt(self, event: dict, payload: str, attempt: int) -> bool:
        signature = sign_payload(payload, self.settings.secret, int(time.time()))
        self._recorded[event["id"]] = (event, payload, signature)
        result = await self._post(event, payload, signature, attempt)
        if attempt == 1 and self.settings.fail_first_delivery and result.status is not None:
            result.outcome = "response discarded by fail_first_delivery"
            logger.info("event %s: discarded the response of attempt 1 (fail_first_delivery)",
                        event["id"])
            return False
        return result.outcome == "delivered"

    async def _post(self, event: dict, payload: str, signature: str, attempt: int,
                    outcome_prefix: str = "") -> DeliveryAttempt:
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Stripe-Signature": signature,
                   "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
        status = None
        try:
            response = await self._client.post(self.settings.url, content=payload.encode(),
                                               headers=headers)
            status = response.status_code
            outcome = "delivered" if 200 <= status < 300 else f"endpoint answered {status}"
        except httpx.HTTPError as error:
            outcome = f"request failed: {type(error).__name__}: {error}"
        if outcome_prefix:
            outcome = f"{outcome_prefix}: {outcome}"
        record = DeliveryAttempt(event["id"], event["type"], attempt, status, outcome, signature)
        self.attempts.append(record)
        log = logger.info if status is not None and 200 <= status < 300 else logger.warning
        log("event %s (%s) attempt %d to %s: %s", event["id"], event["type"], attempt,
            self.settings.url, outcome)
        return record

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def attempts_as_dicts(self) -> list[dict]:
        return [asdict(attempt) for attempt in self.attempts]
