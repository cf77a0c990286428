"""Send one request to the OpenPanel API, retrying as the rules in ``retry`` decide.

The platform adapters only move bytes (``post`` and ``get``). Everything that
decides what to do with a response lives here, so the browser and CPython
behave the same.
"""

import asyncio
import json
import time

from .errors import NetworkError, SendError
from .retry import (
    FINAL,
    MAX_RETRIES,
    MAX_RETRY_AFTER_S,
    SUCCESS,
    backoff_delay,
    classify_status,
    parse_retry_after,
)

# How much of a rejected request's response body goes into the log.
MAX_LOGGED_BODY_CHARS = 300


class HttpResponse:
    """Status, body text and ``Retry-After`` header (None when absent) of one response."""

    def __init__(self, status, text, retry_after=None):
        self.status = status
        self.text = text
        self.retry_after = retry_after


def parse_response_body(text):
    """Return the JSON object in a response body, or an empty dict for anything else."""
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def server_message(text):
    """Return the ``message`` of a JSON error response, or the start of a body that is not JSON."""
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        return text.strip()[:MAX_LOGGED_BODY_CHARS]
    if isinstance(parsed, dict):
        message = parsed.get("message") or parsed.get("error")
        if isinstance(message, str):
            return message[:MAX_LOGGED_BODY_CHARS]
    return ""


def _give_up(log, label, reason, status):
    log.error("gave up sending " + label + ": " + reason)
    raise SendError(reason, status=status, event=label)


async def send_with_retries(start_attempt, label, log, first_attempt=None, before_retry=None):
    """Await attempts from ``start_attempt()`` until one succeeds; return its parsed body.

    ``start_attempt()`` returns an awaitable HttpResponse and raises nothing;
    the awaitable raises NetworkError when no response arrives. Pass
    ``first_attempt`` when the first request is already on its way.
    ``before_retry(delay_s)`` runs before each pause, so a caller can extend a
    lease over the time the retry needs. Raises SendError when giving up.
    """
    attempt = first_attempt if first_attempt is not None else start_attempt()
    retry_number = 0
    while True:
        status = None
        retry_after_s = None
        try:
            response = await attempt
        except NetworkError as error:
            reason = "network error: " + str(error)
        else:
            status = response.status
            decision, reason = classify_status(status)
            if decision == SUCCESS:
                return parse_response_body(response.text)
            reason = "HTTP " + str(status) + ", " + reason
            message = server_message(response.text)
            if message:
                reason += " (server message: " + repr(message) + ")"
            if decision == FINAL:
                _give_up(log, label, reason + "; not retried", status)
            retry_after_s = parse_retry_after(response.retry_after, time.time())

        attempts = retry_number + 1
        if retry_number >= MAX_RETRIES:
            _give_up(log, label, reason + " after " + str(attempts) + " attempts", status)
        if retry_after_s is not None and retry_after_s > MAX_RETRY_AFTER_S:
            _give_up(log, label, reason + "; the server asked to wait " + str(retry_after_s)
                     + " s, longer than the " + str(MAX_RETRY_AFTER_S) + " s limit", status)

        delay_s = backoff_delay(retry_number) if retry_after_s is None else retry_after_s
        log.warning("retrying " + label + " in " + str(round(delay_s, 2)) + " s after " + reason
                    + " (attempt " + str(attempts) + " of " + str(MAX_RETRIES + 1) + ")")
        if before_retry is not None:
            before_retry(delay_s)
        await asyncio.sleep(delay_s)
        retry_number += 1
        attempt = start_attempt()
