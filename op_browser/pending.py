"""Pending revenues: kept in storage until the server acknowledges them.

The list lives under the key that ``@openpanel/web`` uses, as the same JSON
array of ``{"amount", "properties"}``, so pages using either SDK share it.
Each entry carries its idempotency key inside ``properties``, so whichever SDK
sends it, the server can recognise a repeat.

A flush first takes a lease on the entries it sends, stored under a second
key. An overlapping flush skips leased entries, whether it runs in the same
page (a double click) or in a page that inherited this storage (a reload, a
duplicated tab). Leases expire, because the page that took one may be gone.
An entry whose response was lost that way is sent again after the lease ends,
with the same idempotency key.

An entry that the server rejects for its content (400, 413, 422) would be
rejected again on every flush, so it is moved, with the reason, to a third
key instead of staying pending forever or being dropped.

Every read-modify-write happens inside ``lock`` and without awaiting, so in a
browser it cannot interleave with another flush of the same page.
"""

import json

from .validation import IDEMPOTENCY_PROPERTY, check_amount

PENDING_REVENUES_KEY = "openpanel-pending-revenues"
LEASES_KEY = "op_browser-revenue-leases"
# Storage key for a copy of an unreadable pending-revenue value, made before
# a new list replaces it.
UNREADABLE_BACKUP_KEY = "op_browser-unreadable-pending-revenues"
# Storage key for the JSON array of revenues the server rejected for their
# content: ``{"amount", "properties", "reason", "status"}`` each.
REJECTED_REVENUES_KEY = "op_browser-rejected-revenues"


def _dumps(value):
    return json.dumps(value, separators=(",", ":"))


def entry_key(entry):
    """Return the idempotency key of a stored entry."""
    return entry["properties"][IDEMPOTENCY_PROPERTY]


def copy_entry(entry):
    """Return a copy of a stored entry that callers may change freely."""
    return {"amount": entry["amount"], "properties": json.loads(_dumps(entry["properties"]))}


def _is_valid_entry(entry):
    if not isinstance(entry, dict):
        return False
    properties = entry.get("properties")
    if properties is not None and not isinstance(properties, dict):
        return False
    try:
        check_amount(entry.get("amount"))
    except (TypeError, ValueError):
        return False
    return True


class PendingRevenues:
    """The pending revenues of one storage, with their flush leases.

    ``owner`` identifies this client in leases; ``new_key()`` returns a fresh
    idempotency key; ``clock()`` returns the time in seconds since the epoch.
    """

    def __init__(self, storage, owner, new_key, clock, log, lock):
        self._storage = storage
        self._owner = owner
        self._new_key = new_key
        self._clock = clock
        self._log = log
        self._lock = lock
        self._reported_unreadable = False
        self._reported_invalid = False
        self._reported_bad_leases = False

    # ---------------------------------------------------------- reading

    def _read_list(self):
        text = self._storage.get_item(PENDING_REVENUES_KEY)
        if text is None:
            return []
        try:
            data = json.loads(text)
        except ValueError as error:
            self._report_unreadable(text, "it is not JSON (" + str(error) + ")")
            return []
        if not isinstance(data, list):
            self._report_unreadable(text, "it is JSON but not an array")
            return []
        return data

    def _report_unreadable(self, text, why):
        if self._storage.get_item(UNREADABLE_BACKUP_KEY) is None:
            self._storage.set_item(UNREADABLE_BACKUP_KEY, text)
        if not self._reported_unreadable:
            self._reported_unreadable = True
            self._log.error(
                "stored pending revenues under " + repr(PENDING_REVENUES_KEY) + " are unreadable: "
                + why + "; a copy was kept under " + repr(UNREADABLE_BACKUP_KEY)
                + " and new pending revenues start an empty list"
            )

    def _load(self):
        """Return ``(raw list, valid entries)``, giving keyless valid entries a key.

        Invalid entries stay in the raw list, so they are stored unchanged
        until clear() removes them.
        """
        raw = self._read_list()
        valid = []
        invalid_count = 0
        keys_added = False
        for entry in raw:
            if not _is_valid_entry(entry):
                invalid_count += 1
                continue
            properties = entry.get("properties")
            if properties is None:
                properties = {}
                entry["properties"] = properties
            if not isinstance(properties.get(IDEMPOTENCY_PROPERTY), str):
                properties[IDEMPOTENCY_PROPERTY] = self._new_key()
                keys_added = True
            valid.append(entry)
        if keys_added:
            # Entries written by another SDK get their key stored now, so every
            # later attempt sends the same one.
            self._write_list(raw)
        if invalid_count and not self._reported_invalid:
            self._reported_invalid = True
            self._log.error(
                str(invalid_count) + " stored pending revenue(s) are not {\"amount\": int "
                "from 0 to 2**53 - 1, \"properties\": object}; they are kept in storage but "
                "never sent, and clear_revenue() removes them"
            )
        return raw, valid

    def _write_list(self, raw):
        if raw:
            self._storage.set_item(PENDING_REVENUES_KEY, _dumps(raw))
        else:
            self._storage.remove_item(PENDING_REVENUES_KEY)

    def _read_leases(self):
        text = self._storage.get_item(LEASES_KEY)
        if text is None:
            return {}
        try:
            leases = json.loads(text)
        except ValueError:
            leases = None
        if not isinstance(leases, dict):
            if not self._reported_bad_leases:
                self._reported_bad_leases = True
                self._log.warning(
                    "stored flush leases under " + repr(LEASES_KEY) + " are unreadable and were "
                    "reset; idempotency keys still keep a resent revenue from counting twice"
                )
            return {}
        return leases

    def _write_leases(self, leases):
        if leases:
            self._storage.set_item(LEASES_KEY, _dumps(leases))
        else:
            self._storage.remove_item(LEASES_KEY)

    def _lease_is_live(self, lease, now):
        if not isinstance(lease, dict):
            return False
        until = lease.get("until")
        return isinstance(until, (int, float)) and until > now

    # ---------------------------------------------------------- public

    def stored(self):
        """Return copies of the valid pending revenues in storage."""
        with self._lock:
            _raw, valid = self._load()
        return [copy_entry(entry) for entry in valid]

    def add(self, amount, properties):
        """Store a pending revenue; ``properties`` must already hold its idempotency key.

        Returns False, and stores nothing, when an entry with that key is
        already stored.
        """
        key = properties[IDEMPOTENCY_PROPERTY]
        with self._lock:
            raw, valid = self._load()
            for entry in valid:
                if entry_key(entry) == key:
                    return False
            raw.append({"amount": amount, "properties": properties})
            self._write_list(raw)
        return True

    def claim(self, lease_s):
        """Lease every entry that no live lease covers; return ``(claimed, busy)`` copies."""
        with self._lock:
            _raw, valid = self._load()
            leases = self._read_leases()
            now = self._clock()
            kept_leases = {}
            claimed = []
            busy = []
            for entry in valid:
                key = entry_key(entry)
                lease = leases.get(key)
                if self._lease_is_live(lease, now):
                    kept_leases[key] = lease
                    busy.append(copy_entry(entry))
                else:
                    kept_leases[key] = {"owner": self._owner, "until": now + lease_s}
                    claimed.append(copy_entry(entry))
            # Leases of entries no longer stored are dropped here.
            self._write_leases(kept_leases)
        return claimed, busy

    def renew(self, key, lease_s):
        """Extend this client's lease on ``key`` to ``lease_s`` seconds from now."""
        with self._lock:
            leases = self._read_leases()
            lease = leases.get(key)
            if isinstance(lease, dict) and lease.get("owner") != self._owner:
                return
            leases[key] = {"owner": self._owner, "until": self._clock() + lease_s}
            self._write_leases(leases)

    def settle(self, key, acknowledged):
        """Release the lease on ``key``; remove the entry too if the server acknowledged it."""
        with self._lock:
            if acknowledged:
                raw = self._read_list()
                remaining = []
                for entry in raw:
                    if _is_valid_entry(entry) and isinstance(entry.get("properties"), dict) \
                            and entry["properties"].get(IDEMPOTENCY_PROPERTY) == key:
                        continue
                    remaining.append(entry)
                if len(remaining) != len(raw):
                    self._write_list(remaining)
            leases = self._read_leases()
            lease = leases.get(key)
            if isinstance(lease, dict) and lease.get("owner") == self._owner:
                del leases[key]
                self._write_leases(leases)

    def _read_rejected(self):
        text = self._storage.get_item(REJECTED_REVENUES_KEY)
        if text is None:
            return []
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, list) else None

    def rejected(self):
        """Return the revenues moved to ``REJECTED_REVENUES_KEY``, or [] when it is unreadable."""
        with self._lock:
            data = self._read_rejected()
        return data or []

    def reject(self, key, reason, status):
        """Move the entry ``key`` from the pending list to the rejected list; return that record.

        Returns None, and keeps the entry pending, when the rejected list in
        storage is unreadable, because overwriting it would lose earlier records.
        """
        with self._lock:
            rejected = self._read_rejected()
            if rejected is None:
                self._log.error(
                    "kept pending revenue " + key + " although the server rejected it, because "
                    + repr(REJECTED_REVENUES_KEY) + " is unreadable: remove that key"
                )
                self.settle(key, False)
                return None
            raw = self._read_list()
            remaining = []
            record = None
            for entry in raw:
                if record is None and _is_valid_entry(entry) \
                        and isinstance(entry.get("properties"), dict) \
                        and entry["properties"].get(IDEMPOTENCY_PROPERTY) == key:
                    record = copy_entry(entry)
                    continue
                remaining.append(entry)
            if record is not None:
                record["reason"] = reason
                record["status"] = status
                rejected.append(record)
                self._storage.set_item(REJECTED_REVENUES_KEY, _dumps(rejected))
                self._write_list(remaining)
            self.settle(key, False)
        return record

    def clear(self):
        """Remove every pending revenue and lease from storage."""
        with self._lock:
            self._storage.remove_item(PENDING_REVENUES_KEY)
            self._storage.remove_item(LEASES_KEY)


class FlushResult:
    """Outcome of one flush_revenue() call.

    Each list contains ``{"amount", "properties"}`` copies of stored entries:

    - ``sent``: acknowledged by the server in this flush and removed from storage.
    - ``failed``: tried in this flush and kept in storage; each also has a
      ``"reason"``.
    - ``in_flight``: skipped because another flush (this page, a page before a
      reload, or a duplicated tab) holds their lease; kept in storage.
    - ``pending``: everything still stored after this flush, for the next one.
    - ``rejected``: rejected by the server for their content (400, 413, 422)
      or found invalid before sending, in this flush; moved out of the
      pending list to ``op_browser-rejected-revenues``. Each also has a
      ``"reason"`` and a ``"status"`` (None when no request was made).
    """

    def __init__(self, sent, failed, in_flight, pending, rejected=None):
        self.sent = sent
        self.failed = failed
        self.in_flight = in_flight
        self.pending = pending
        self.rejected = rejected if rejected is not None else []

    @property
    def ok(self):
        """True when nothing failed or was rejected and nothing is left pending."""
        return not self.failed and not self.rejected and not self.pending

    def as_dict(self):
        return {
            "sent": self.sent,
            "failed": self.failed,
            "in_flight": self.in_flight,
            "pending": self.pending,
            "rejected": self.rejected,
            "ok": self.ok,
        }

    def __repr__(self):
        return ("FlushResult(sent=" + str(len(self.sent)) + ", failed=" + str(len(self.failed))
                + ", in_flight=" + str(len(self.in_flight)) + ", pending="
                + str(len(self.pending)) + ", rejected=" + str(len(self.rejected)) + ")")
