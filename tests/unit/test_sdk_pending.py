"""Pending-revenue bookkeeping: storage shape, leases, settling, and damaged storage."""

import json

import pytest

from op_browser.log import Log
from op_browser.pending import (
    IDEMPOTENCY_PROPERTY,
    LEASES_KEY,
    PENDING_REVENUES_KEY,
    UNREADABLE_BACKUP_KEY,
    PendingRevenues,
    entry_key,
)
from op_browser.storage import GuardedStorage, MemoryStorage

LEASE_S = 15.0


class NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


class Keys:
    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return f"generated-{self.count}"


class Lines:
    def __init__(self):
        self.lines = []

    def log(self):
        return Log(lambda level, message: self.lines.append((level, message)))

    def at(self, level):
        return [message for found, message in self.lines if found == level]


@pytest.fixture
def storage():
    return MemoryStorage()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def lines():
    return Lines()


def book(storage, clock, lines, owner="page-1"):
    return PendingRevenues(storage, owner, Keys(), clock, lines.log(), NoLock())


def revenue(amount, key, **properties):
    return amount, {**properties, IDEMPOTENCY_PROPERTY: key}


def test_add_writes_web_sdk_shape(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1999, "k1", currency="USD"))
    stored = json.loads(storage.get_item(PENDING_REVENUES_KEY))
    assert stored == [{"amount": 1999, "properties": {"currency": "USD", "__idempotencyKey": "k1"}}]


def test_add_same_key_twice_stores_once(storage, clock, lines):
    pending = book(storage, clock, lines)
    first = pending.add(*revenue(1999, "k1"))
    second = pending.add(*revenue(1999, "k1"))
    assert first is True
    assert second is False
    assert len(pending.stored()) == 1


def test_stored_returns_copies(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1", currency="USD"))
    pending.stored()[0]["properties"]["currency"] = "EUR"
    assert pending.stored()[0]["properties"]["currency"] == "USD"


def test_claim_leases_all_unleased(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1"))
    pending.add(*revenue(2, "k2"))
    claimed, busy = pending.claim(LEASE_S)
    assert [entry_key(entry) for entry in claimed] == ["k1", "k2"]
    assert busy == []
    leases = json.loads(storage.get_item(LEASES_KEY))
    assert leases["k1"] == {"owner": "page-1", "until": clock.now + LEASE_S}


def test_second_claim_same_owner_is_busy(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1"))
    pending.claim(LEASE_S)
    claimed, busy = pending.claim(LEASE_S)
    assert claimed == []
    assert [entry_key(entry) for entry in busy] == ["k1"]


def test_other_owner_waits_for_lease_expiry(storage, clock, lines):
    before_reload = book(storage, clock, lines, owner="page-1")
    after_reload = book(storage, clock, lines, owner="page-2")
    before_reload.add(*revenue(1, "k1"))
    before_reload.claim(LEASE_S)
    assert after_reload.claim(LEASE_S)[0] == []
    clock.now += LEASE_S + 0.001
    claimed, _busy = after_reload.claim(LEASE_S)
    assert [entry_key(entry) for entry in claimed] == ["k1"]


def test_settle_acknowledged_removes_only_that_entry(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1"))
    pending.add(*revenue(2, "k2"))
    pending.claim(LEASE_S)
    pending.settle("k1", True)
    assert [entry_key(entry) for entry in pending.stored()] == ["k2"]
    assert "k1" not in json.loads(storage.get_item(LEASES_KEY))


def test_settle_failed_keeps_entry_and_frees_lease(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1"))
    pending.claim(LEASE_S)
    pending.settle("k1", False)
    claimed, _busy = pending.claim(LEASE_S)
    assert [entry_key(entry) for entry in claimed] == ["k1"]


def test_settle_keeps_entry_added_during_flush(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1"))
    pending.claim(LEASE_S)
    pending.add(*revenue(2, "k2"))
    pending.settle("k1", True)
    assert [entry_key(entry) for entry in pending.stored()] == ["k2"]


def test_settle_leaves_other_owners_lease(storage, clock, lines):
    first = book(storage, clock, lines, owner="page-1")
    second = book(storage, clock, lines, owner="page-2")
    first.add(*revenue(1, "k1"))
    first.claim(LEASE_S)
    second.settle("k1", False)
    assert json.loads(storage.get_item(LEASES_KEY))["k1"]["owner"] == "page-1"


def test_renew_extends_own_lease(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1"))
    pending.claim(LEASE_S)
    clock.now += 10
    pending.renew("k1", 40)
    assert json.loads(storage.get_item(LEASES_KEY))["k1"]["until"] == clock.now + 40


def test_renew_skips_other_owners_lease(storage, clock, lines):
    first = book(storage, clock, lines, owner="page-1")
    second = book(storage, clock, lines, owner="page-2")
    first.add(*revenue(1, "k1"))
    first.claim(LEASE_S)
    second.renew("k1", 400)
    assert json.loads(storage.get_item(LEASES_KEY))["k1"]["until"] == clock.now + LEASE_S


def test_clear_removes_entries_and_leases(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1"))
    pending.claim(LEASE_S)
    pending.clear()
    assert storage.get_item(PENDING_REVENUES_KEY) is None
    assert storage.get_item(LEASES_KEY) is None


def test_keyless_entries_get_stored_keys(storage, clock, lines):
    # What @openpanel/web writes: no idempotency key, and properties may be absent.
    storage.set_item(PENDING_REVENUES_KEY, json.dumps(
        [{"amount": 2000, "properties": {"productId": "123"}}, {"amount": 500}]))
    pending = book(storage, clock, lines)
    keys = [entry_key(entry) for entry in pending.stored()]
    stored = json.loads(storage.get_item(PENDING_REVENUES_KEY))
    assert keys == ["generated-1", "generated-2"]
    assert [entry["properties"][IDEMPOTENCY_PROPERTY] for entry in stored] == keys
    assert [entry_key(entry) for entry in pending.stored()] == keys


def test_unreadable_json_reported_once_and_backed_up(storage, clock, lines):
    storage.set_item(PENDING_REVENUES_KEY, "[{not json")
    pending = book(storage, clock, lines)
    assert pending.stored() == []
    assert pending.stored() == []
    assert len(lines.at("error")) == 1
    assert PENDING_REVENUES_KEY in lines.at("error")[0]
    assert storage.get_item(UNREADABLE_BACKUP_KEY) == "[{not json"


def test_unreadable_json_replaced_by_new_entry(storage, clock, lines):
    storage.set_item(PENDING_REVENUES_KEY, '{"amount": 5}')
    pending = book(storage, clock, lines)
    pending.add(*revenue(7, "k7"))
    assert [entry["amount"] for entry in pending.stored()] == [7]
    assert storage.get_item(UNREADABLE_BACKUP_KEY) == '{"amount": 5}'
    assert "not an array" in lines.at("error")[0]


def test_invalid_entries_kept_but_skipped(storage, clock, lines):
    raw = [
        {"amount": 1999, "properties": {IDEMPOTENCY_PROPERTY: "good"}},
        {"amount": 19.99, "properties": {}},
        {"amount": "100"},
        "junk",
        {"amount": 5, "properties": ["not", "a", "dict"]},
    ]
    storage.set_item(PENDING_REVENUES_KEY, json.dumps(raw))
    pending = book(storage, clock, lines)
    assert [entry_key(entry) for entry in pending.stored()] == ["good"]
    pending.claim(LEASE_S)
    pending.settle("good", True)
    left = json.loads(storage.get_item(PENDING_REVENUES_KEY))
    assert left == raw[1:]
    assert len(lines.at("error")) == 1
    assert "4 stored pending revenue(s)" in lines.at("error")[0]


def test_unreadable_leases_reset_with_warning(storage, clock, lines):
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1"))
    storage.set_item(LEASES_KEY, "garbage")
    claimed, _busy = pending.claim(LEASE_S)
    assert [entry_key(entry) for entry in claimed] == ["k1"]
    assert len(lines.at("warning")) == 1


class BrokenStorage:
    """Web Storage in private mode or with the quota used up: every call throws."""

    def __init__(self):
        self.calls = 0

    def _fail(self, *args):
        self.calls += 1
        raise OSError("QuotaExceededError")

    get_item = set_item = remove_item = _fail


def test_throwing_storage_falls_back_with_one_warning(clock, lines):
    storage = GuardedStorage(BrokenStorage(), "sessionStorage", lines.log())
    pending = book(storage, clock, lines)
    pending.add(*revenue(1, "k1"))
    pending.add(*revenue(2, "k2"))
    assert [entry_key(entry) for entry in pending.stored()] == ["k1", "k2"]
    assert storage.uses_memory is True
    assert len(lines.at("warning")) == 1
    assert "sessionStorage" in lines.at("warning")[0]


class QuotaStorage(MemoryStorage):
    """Reads work, writes throw: a full quota."""

    def set_item(self, key, value):
        raise OSError("QuotaExceededError")


def test_full_storage_overlays_memory(lines):
    primary = QuotaStorage()
    primary._items["old"] = "kept"
    storage = GuardedStorage(primary, "sessionStorage", lines.log())
    storage.set_item("new", "in memory")
    assert storage.get_item("new") == "in memory"
    assert storage.get_item("old") == "kept"
    storage.remove_item("old")
    assert storage.get_item("old") is None
    assert len(lines.at("warning")) == 1
