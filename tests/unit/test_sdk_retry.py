"""Retry rules: which statuses retry, how long to wait, and Retry-After parsing."""

import pytest

from op_browser import retry
from op_browser.retry import (
    FINAL,
    RETRY,
    SUCCESS,
    backoff_delay,
    classify_status,
    parse_retry_after,
)

STATUS_CASES = [
    (200, SUCCESS), (202, SUCCESS), (204, SUCCESS),
    (400, FINAL), (401, FINAL), (403, FINAL), (404, FINAL), (422, FINAL),
    (408, RETRY), (429, RETRY),
    (500, RETRY), (502, RETRY), (503, RETRY), (599, RETRY),
    (302, FINAL), (600, FINAL),
]


@pytest.mark.parametrize(("status", "decision"), STATUS_CASES)
def test_classify_status(status, decision):
    assert classify_status(status)[0] == decision


def test_unauthorized_reason_names_the_fix():
    assert "client_id" in classify_status(401)[1]


def test_backoff_doubles_with_jitter():
    lowest = [backoff_delay(n, rng=lambda: 0.0) for n in range(4)]
    highest = [backoff_delay(n, rng=lambda: 1.0) for n in range(4)]
    assert lowest == [0.25, 0.5, 1.0, 2.0]
    assert highest == [0.5, 1.0, 2.0, 4.0]


def test_backoff_is_capped():
    assert backoff_delay(30, rng=lambda: 1.0) == retry.RETRY_MAX_DELAY_S


RETRY_AFTER_CASES = [
    ("120", 0.0, 120.0),
    (" 3 ", 0.0, 3.0),
    ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777.0 - 10, 10.0),
    ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777.0 + 10, 0.0),
    ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0, 0.0),
    ("Tue, 29 Feb 2028 12:00:00 GMT", 1835438400.0 - 1, 1.0),
    ("", 0.0, None),
    (None, 0.0, None),
    ("soon", 0.0, None),
    ("-5", 0.0, None),
    ("Sun, 06 Nov 1994 08:49:37 CET", 0.0, None),
]


@pytest.mark.parametrize(("header", "now", "expected"), RETRY_AFTER_CASES)
def test_parse_retry_after(header, now, expected):
    assert parse_retry_after(header, now) == expected
