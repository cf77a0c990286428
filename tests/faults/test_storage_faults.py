"""sessionStorage that throws, or that another script filled with bad data, in Chromium.

In every case the SDK must start, report the problem once, keep the valid
pending revenues and store each of them exactly once at the collector.
"""

import json
from collections import Counter

import pytest

from tests.support.sdk_harness import Harness

pytestmark = pytest.mark.browser

PENDING_KEY = "openpanel-pending-revenues"
LEASES_KEY = "op_browser-revenue-leases"
UNREADABLE_BACKUP_KEY = "op_browser-unreadable-pending-revenues"
FALLBACK_WARNING = "keeping its data in memory"

# Init scripts that break sessionStorage before the page's own scripts run.
STORAGE_FAULTS = {
    "quota": """
        Storage.prototype.setItem = function () {
            throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        };
    """,
    "unavailable": """
        Object.defineProperty(window, 'sessionStorage', {
            get() { throw new DOMException('The operation is insecure.', 'SecurityError'); },
        });
    """,
}


@pytest.fixture(params=["py", "mpy"])
def harness(request, page, static_server):
    return Harness(page, static_server, request.param)


def amounts(entries):
    return sorted(entry["amount"] for entry in entries)


def stored_revenues(collector):
    """Return ``(amounts, count per idempotency key)`` of the revenues the collector stored."""
    events = collector.export_events(event="revenue")
    keys = Counter(event["properties"]["__idempotencyKey"] for event in events)
    return sorted(event["revenue"] for event in events), keys


def write_session_item(harness, key, text):
    harness.page.evaluate("([key, value]) => sessionStorage.setItem(key, value)", [key, text])


def lines_containing(harness, text):
    return [line for line in harness.console if text in line]


def test_full_storage_keeps_earlier_revenue(harness, collector):
    harness.open(collector.base_url)
    earlier = harness.call("pending_revenue", 700)
    harness.page.add_init_script(STORAGE_FAULTS["quota"])
    harness.reload()

    later = harness.call("pending_revenue", 300)
    result = harness.call("flush_revenue")
    again = harness.call("flush_revenue")

    stored_amounts, keys = stored_revenues(collector)
    assert amounts(result["sent"]) == [300, 700]
    assert again["pending"] == []
    assert len(lines_containing(harness, FALLBACK_WARNING)) == 1
    assert stored_amounts == [300, 700]
    assert keys == Counter({earlier: 1, later: 1})


def test_unavailable_storage_falls_back_to_memory(harness, collector):
    harness.page.add_init_script(STORAGE_FAULTS["unavailable"])
    harness.open(collector.base_url)

    key = harness.call("pending_revenue", 300)
    pending = harness.call("pending_revenues")
    result = harness.call("flush_revenue")
    again = harness.call("flush_revenue")

    stored_amounts, keys = stored_revenues(collector)
    assert amounts(pending) == [300]
    assert amounts(result["sent"]) == [300]
    assert again["pending"] == []
    assert len(lines_containing(harness, FALLBACK_WARNING)) == 1
    assert stored_amounts == [300]
    assert keys == Counter({key: 1})


WRONG_SHAPE_ENTRIES = [
    "not an object",
    42,
    None,
    [1999],
    {"amount": 19.99, "properties": {}},
    {"amount": -5, "properties": {}},
    {"amount": "1999", "properties": {}},
    {"amount": True, "properties": {}},
    {"amount": 100, "properties": ["currency", "USD"]},
    {"properties": {"currency": "USD"}},
]
VALID_ENTRIES = [
    # As @openpanel/web stores it: no idempotency key.
    {"amount": 400, "properties": {"currency": "USD"}},
    {"amount": 600, "properties": {"__idempotencyKey": "order-600"}},
    {"amount": 800},
]


def test_wrong_shape_entries_reported_once(harness, collector):
    harness.open(collector.base_url)
    write_session_item(harness, PENDING_KEY, json.dumps(WRONG_SHAPE_ENTRIES + VALID_ENTRIES))
    harness.reload()

    harness.call("pending_revenues")
    added = harness.call("pending_revenue", 50)
    first = harness.call("flush_revenue")
    second = harness.call("flush_revenue")

    stored_amounts, keys = stored_revenues(collector)
    assert len(lines_containing(harness, "stored pending revenue(s) are not")) == 1
    assert amounts(first["sent"]) == [50, 400, 600, 800]
    assert second["sent"] == []
    assert harness.stored_pending() == WRONG_SHAPE_ENTRIES
    assert stored_amounts == [50, 400, 600, 800]
    assert keys[added] == 1
    assert keys["order-600"] == 1
    assert set(keys.values()) == {1}


@pytest.mark.parametrize("text", ['[{"amount": 500, "properties": {', '{"amount": 500}'],
                         ids=["truncated JSON", "object not array"])
def test_unreadable_list_reported_once_and_kept(harness, collector, text):
    harness.open(collector.base_url)
    write_session_item(harness, PENDING_KEY, text)
    harness.reload()

    harness.call("pending_revenues")
    key = harness.call("pending_revenue", 300)
    result = harness.call("flush_revenue")
    harness.call("flush_revenue")

    stored_amounts, keys = stored_revenues(collector)
    assert len(lines_containing(harness, "are unreadable")) == 1
    assert harness.session_item(UNREADABLE_BACKUP_KEY) == text
    assert amounts(result["sent"]) == [300]
    assert stored_amounts == [300]
    assert keys == Counter({key: 1})


def test_unreadable_leases_reported_once(harness, collector):
    harness.open(collector.base_url)
    key = harness.call("pending_revenue", 300)
    write_session_item(harness, LEASES_KEY, "{not json")
    harness.reload()

    result = harness.call("flush_revenue")
    harness.call("flush_revenue")

    stored_amounts, keys = stored_revenues(collector)
    assert len(lines_containing(harness, "flush leases")) == 1
    assert amounts(result["sent"]) == [300]
    assert stored_amounts == [300]
    assert keys == Counter({key: 1})
