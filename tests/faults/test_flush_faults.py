"""Pending revenues under network and server faults, counted at the real collector.

The SDK runs in Chromium on Pyodide and MicroPython and talks to the
collector through a fault-injecting proxy. Whatever the fault, each revenue
must be stored exactly once in the end: the collector stores one event per
idempotency key, and the SDK must keep every revenue until it is acknowledged.
"""

import time
from collections import Counter

import pytest

from tests.support.fault_proxy import LOSE_RESPONSE, Reply, Stall
from tests.support.sdk_harness import Harness

pytestmark = pytest.mark.browser

# Retries a hundred times faster than in production.
FAST_RETRIES = {"retry.RETRY_BASE_DELAY_S": 0.005}
# One attempt of 1 s instead of 10 s, so a hung request times out quickly.
SHORT_TIMEOUT = {**FAST_RETRIES, "client.REQUEST_TIMEOUT_S": 1}
# The first attempt and the three retries.
ATTEMPTS = 4


@pytest.fixture(params=["py", "mpy"])
def harness(request, page, static_server):
    return Harness(page, static_server, request.param)


def amounts(entries):
    return sorted(entry["amount"] for entry in entries)


def stored_revenue_keys(collector, proxy):
    """Count the stored revenues per idempotency key, once no proxied request is running."""
    proxy.wait_idle()
    events = collector.export_events(event="revenue")
    return Counter(event["properties"]["__idempotencyKey"] for event in events)


def once_each(keys):
    return Counter({key: 1 for key in keys})


def test_outage_then_next_flush_stores_once(harness, proxy, collector):
    harness.open(proxy.api_url, constants=FAST_RETRIES)
    keys = [harness.call("pending_revenue", amount) for amount in (1999, 500)]

    proxy.stop()
    down = harness.call("flush_revenue")
    proxy.start()
    up = harness.call("flush_revenue")
    again = harness.call("flush_revenue")

    assert amounts(down["failed"]) == [500, 1999]
    assert amounts(down["pending"]) == [500, 1999]
    assert amounts(up["sent"]) == [500, 1999]
    assert again["sent"] == []
    assert again["pending"] == []
    assert stored_revenue_keys(collector, proxy) == once_each(keys)


def test_outage_then_page_load_stores_once(harness, proxy, collector):
    harness.open(proxy.api_url, constants=FAST_RETRIES)
    keys = [harness.call("pending_revenue", amount) for amount in (1999, 500)]

    proxy.stop()
    down = harness.call("flush_revenue")
    proxy.start()
    harness.reload()
    up = harness.call("flush_revenue")
    harness.reload()
    again = harness.call("flush_revenue")

    assert amounts(down["pending"]) == [500, 1999]
    assert amounts(up["sent"]) == [500, 1999]
    assert again["sent"] == []
    assert again["pending"] == []
    assert stored_revenue_keys(collector, proxy) == once_each(keys)


def test_server_error_then_success_stores_once(harness, proxy, collector):
    harness.open(proxy.api_url, constants=FAST_RETRIES)
    key = harness.call("pending_revenue", 1999)
    proxy.plan(Reply(500))

    result = harness.call("flush_revenue")

    assert amounts(result["sent"]) == [1999]
    assert proxy.revenue_keys() == [key, key]
    assert stored_revenue_keys(collector, proxy) == once_each([key])


def test_rate_limit_retry_after_stores_once(harness, proxy, collector):
    harness.open(proxy.api_url)
    key = harness.call("pending_revenue", 1999)
    proxy.plan(Reply(429, headers={"Retry-After": "1"}))

    result = harness.call("flush_revenue")

    first, second = proxy.tracks
    assert amounts(result["sent"]) == [1999]
    assert second.time - first.time >= 0.95
    assert stored_revenue_keys(collector, proxy) == once_each([key])


@pytest.mark.parametrize("store_first", [False, True], ids=["arrives late", "response late"])
def test_hang_past_timeout_stores_once(harness, proxy, collector, store_first):
    harness.open(proxy.api_url, constants=SHORT_TIMEOUT)
    key = harness.call("pending_revenue", 1999)
    # The stalled attempt reaches the collector after its retry, or before it
    # with the response held past the 1 s timeout.
    proxy.plan(Stall(2.5, store_first=store_first))

    result = harness.call("flush_revenue")

    assert amounts(result["sent"]) == [1999]
    assert proxy.revenue_keys() == [key, key]
    assert stored_revenue_keys(collector, proxy) == once_each([key])


def test_lost_response_stores_once(harness, proxy, collector):
    harness.open(proxy.api_url, constants=FAST_RETRIES)
    key = harness.call("pending_revenue", 1999)
    proxy.plan(LOSE_RESPONSE)

    result = harness.call("flush_revenue")

    assert amounts(result["sent"]) == [1999]
    assert proxy.revenue_keys() == [key, key]
    assert stored_revenue_keys(collector, proxy) == once_each([key])


def test_all_responses_lost_stores_once(harness, proxy, collector):
    harness.open(proxy.api_url, constants=FAST_RETRIES)
    key = harness.call("pending_revenue", 1999)
    proxy.plan(*[LOSE_RESPONSE] * ATTEMPTS)

    lost = harness.call("flush_revenue")
    stored_after_loss = stored_revenue_keys(collector, proxy)
    retried = harness.call("flush_revenue")

    # The collector stored the revenue, but the page never received a response,
    # so it must keep the revenue and send it again with the same key.
    assert amounts(lost["failed"]) == [1999]
    assert amounts(lost["pending"]) == [1999]
    assert stored_after_loss == once_each([key])
    assert amounts(retried["sent"]) == [1999]
    assert retried["pending"] == []
    assert stored_revenue_keys(collector, proxy) == once_each([key])


def test_every_attempt_timed_out_keeps_revenue(harness, proxy, collector):
    harness.open(proxy.api_url, constants=SHORT_TIMEOUT)
    key = harness.call("pending_revenue", 1999)
    proxy.plan(*[Stall(1.5)] * ATTEMPTS)

    timed_out = harness.call("flush_revenue")
    stored_after_timeouts = stored_revenue_keys(collector, proxy)
    retried = harness.call("flush_revenue")

    # Each stalled attempt reaches the collector after the page gave up on it.
    assert amounts(timed_out["failed"]) == [1999]
    assert amounts(timed_out["pending"]) == [1999]
    assert stored_after_timeouts == once_each([key])
    assert amounts(retried["sent"]) == [1999]
    assert stored_revenue_keys(collector, proxy) == once_each([key])


def test_reload_during_flush_stores_once(harness, proxy, collector):
    # A lease of 7 s (a 1 s request timeout plus a 6 s margin) outlasts a
    # Pyodide reload, which takes about 4 s on a 2-core machine.
    lease_s = 7.0
    constants = {"client.REQUEST_TIMEOUT_S": 1, "client.LEASE_MARGIN_S": lease_s - 1}
    harness.open(proxy.api_url, constants=constants)
    key = harness.call("pending_revenue", 1999)
    proxy.plan(Stall())
    leased_at = time.monotonic()
    harness.start("flush_revenue")
    deadline = time.monotonic() + 10
    while not proxy.tracks and time.monotonic() < deadline:
        time.sleep(0.05)

    harness.reload()
    during_lease = harness.call("flush_revenue")
    reloaded_within_lease = time.monotonic() - leased_at < lease_s
    # The first page's request may still reach the collector after its page is gone.
    proxy.release()
    time.sleep(max(0.0, leased_at + lease_s + 0.2 - time.monotonic()))
    after_lease = harness.call("flush_revenue")

    assert reloaded_within_lease
    assert amounts(during_lease["in_flight"]) == [1999]
    assert during_lease["sent"] == []
    assert amounts(after_lease["sent"]) == [1999]
    assert after_lease["pending"] == []
    assert stored_revenue_keys(collector, proxy) == once_each([key])


def test_concurrent_flushes_store_once(harness, proxy, collector):
    harness.open(proxy.api_url)
    keys = [harness.call("pending_revenue", amount) for amount in (100, 200, 300)]
    # The first flush's requests are held, so it cannot finish before the second starts.
    proxy.plan(Stall(), Stall(), Stall())

    first = harness.start("flush_revenue")
    second = harness.start("flush_revenue")
    second_result = harness.wait(second)
    proxy.release()
    first_result = harness.wait(first)

    assert amounts(first_result["sent"]) == [100, 200, 300]
    assert second_result["sent"] == []
    assert amounts(second_result["in_flight"]) == [100, 200, 300]
    assert sorted(proxy.revenue_keys()) == sorted(keys)
    assert stored_revenue_keys(collector, proxy) == once_each(keys)


def test_duplicated_tab_stores_once(harness, proxy, collector, static_server):
    harness.open(proxy.api_url)
    keys = [harness.call("pending_revenue", amount) for amount in (100, 200)]
    # Chromium copies sessionStorage into a window that window.open() opens
    # on the same origin, as it does for a duplicated tab.
    with harness.page.context.expect_page() as opened:
        harness.page.evaluate("url => window.open(url)", harness.page.url)
    duplicate = Harness(opened.value, static_server, harness.interpreter).wait_until_ready()
    copied = amounts(duplicate.stored_pending())
    # Each request is held for 1 s, so the two tabs' flushes overlap.
    proxy.plan(Stall(1.0), Stall(1.0), Stall(1.0), Stall(1.0))

    first = harness.start("flush_revenue")
    second = duplicate.start("flush_revenue")
    first_result = harness.wait(first)
    second_result = duplicate.wait(second)

    assert copied == [100, 200]
    assert amounts(first_result["sent"]) == [100, 200]
    assert amounts(second_result["sent"]) == [100, 200]
    assert first_result["pending"] == []
    assert second_result["pending"] == []
    assert stored_revenue_keys(collector, proxy) == once_each(keys)


def test_track_before_redirect_is_stored(harness, proxy, collector):
    harness.open(proxy.api_url)
    # The page neither awaits the send nor waits before leaving, as a
    # checkout button that redirects to the payment page does.
    harness.page.evaluate("""
        window.opHarnessCall('leaving', JSON.stringify(
            {method: 'track', args: ['checkout_clicked'], kwargs: {}}));
        location.href = '/fault-pages/left.html';
    """)
    events = collector.wait_for_events(1, timeout_s=15, event="checkout_clicked")
    assert len(events) == 1
