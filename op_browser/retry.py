"""When to retry a request to the OpenPanel API, and how long to wait first.

The rules are data so they can be read in one place: each status range maps
to a decision and the reason that goes into the log.
"""

import random

# Retries after the first attempt; @openpanel/sdk 1.3.1 also makes 3.
MAX_RETRIES = 3
RETRY_BASE_DELAY_S = 0.5
RETRY_MAX_DELAY_S = 30.0
# A server that requests a longer pause than this is treated as down for now,
# because a browser page is unlikely to stay open that long.
MAX_RETRY_AFTER_S = 60.0
# Each attempt, connection set-up included, is cancelled after this long.
REQUEST_TIMEOUT_S = 10.0

SUCCESS = "success"
RETRY = "retry"
FINAL = "final"

# (lowest status, highest status, decision, reason). The first matching row wins.
STATUS_RULES = (
    (200, 299, SUCCESS, "accepted"),
    (401, 401, FINAL, "authentication failed: check client_id, client_secret and the "
                      "project's allowed origins"),
    (408, 408, RETRY, "the server timed out waiting for the request"),
    (429, 429, RETRY, "rate limited by the server"),
    (400, 499, FINAL, "the server rejected the request"),
    (500, 599, RETRY, "server error"),
)


def classify_status(status):
    """Return ``(decision, reason)`` for an HTTP status."""
    for lowest, highest, decision, reason in STATUS_RULES:
        if lowest <= status <= highest:
            return decision, reason
    return FINAL, "unexpected HTTP status"


def backoff_delay(retry_number, rng=random.random):
    """Return seconds to wait before retry ``retry_number`` (counted from 0).

    The delay doubles each time and half of it is random ("equal jitter"), so
    many pages that lost the server at once do not return in step.
    """
    ceiling = min(RETRY_MAX_DELAY_S, RETRY_BASE_DELAY_S * (2 ** retry_number))
    return ceiling / 2 + rng() * ceiling / 2


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _days_from_civil(year, month, day):
    # Days since 1970-01-01 for a proleptic Gregorian date, counting years from
    # March so leap days fall at the end. MicroPython has no calendar.timegm.
    if month <= 2:
        year -= 1
    era = year // 400
    year_of_era = year - era * 400
    shifted_month = month + 9 if month <= 2 else month - 3
    day_of_year = (153 * shifted_month + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _parse_http_date(text):
    # IMF-fixdate as RFC 9110 requires: "Sun, 06 Nov 1994 08:49:37 GMT".
    parts = text.replace(",", " ").split()
    if len(parts) != 6 or parts[5].upper() != "GMT":
        return None
    try:
        day = int(parts[1])
        month = MONTHS.index(parts[2].lower()) + 1
        year = int(parts[3])
        hours, minutes, seconds = [int(piece) for piece in parts[4].split(":")]
    except ValueError:
        return None
    return _days_from_civil(year, month, day) * 86400 + hours * 3600 + minutes * 60 + seconds


def parse_retry_after(value, now_s):
    """Return the seconds a ``Retry-After`` header requests, or None if it is unreadable.

    The header is either a number of seconds or an HTTP date.
    """
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    moment = _parse_http_date(text)
    if moment is None:
        return None
    return max(0.0, moment - now_s)
