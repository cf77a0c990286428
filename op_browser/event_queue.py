"""Sends held back while the client is disabled or waits for a profile id."""

# Past this many held sends the oldest one that is not revenue is dropped,
# so a page that never calls ready() cannot grow without bound. Revenue is
# never dropped.
MAX_QUEUED_SENDS = 1000


class QueuedSend:
    """One held send: ``start()`` sends it, and ``drop(reason)`` fails its handle."""

    def __init__(self, label, start, drop, is_revenue):
        self.label = label
        self.start = start
        self.drop = drop
        self.is_revenue = is_revenue


class EventQueue:
    """Held sends in call order."""

    def __init__(self, log, max_sends=None):
        self._log = log
        self._max_sends = MAX_QUEUED_SENDS if max_sends is None else max_sends
        self._items = []

    def __len__(self):
        return len(self._items)

    def add(self, item):
        self._items.append(item)
        if len(self._items) > self._max_sends:
            self._drop_oldest_non_revenue()

    def _drop_oldest_non_revenue(self):
        for index, item in enumerate(self._items):
            if not item.is_revenue:
                del self._items[index]
                reason = ("dropped " + item.label + " from the queue: more than "
                          + str(self._max_sends) + " sends are waiting for ready() or identify()")
                self._log.warning(reason)
                item.drop(reason)
                return

    def drain(self):
        """Remove and return every held send, oldest first."""
        items = self._items
        self._items = []
        return items
