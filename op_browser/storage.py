"""Key-value storage with the Web Storage contract, and a guard that catches every storage error.

A browser's ``sessionStorage`` can throw on any call: in private mode, when
storage is disabled, in a sandboxed frame or when the quota is full. The SDK
must keep working there, so ``GuardedStorage`` moves to memory on the first
failure and warns once.
"""


class MemoryStorage:
    """Storage that lives as long as the process (CPython) or the page (browser fallback)."""

    def __init__(self):
        self._items = {}

    def get_item(self, key):
        return self._items.get(key)

    def set_item(self, key, value):
        self._items[key] = value

    def remove_item(self, key):
        self._items.pop(key, None)


class GuardedStorage:
    """Wrap a storage that may throw; fall back to memory for good after its first error.

    After the switch, writes and removals go to an in-memory overlay, and
    reads look in the overlay first and then, where it still works, in the
    original storage, so values written before the failure stay readable.
    """

    def __init__(self, primary, name, log):
        self._primary = primary
        self._name = name
        self._log = log
        # key -> value, or None for a key removed after the switch; None
        # itself means the primary storage still works.
        self._overlay = None

    @property
    def uses_memory(self):
        return self._overlay is not None

    def _fall_back(self, action, error):
        if self._overlay is None:
            self._overlay = {}
            self._log.warning(
                self._name + " failed to " + action + " (" + repr(error) + "); keeping its data "
                "in memory for this page from now on, so it will not survive a reload"
            )

    def get_item(self, key):
        if self._overlay is not None and key in self._overlay:
            return self._overlay[key]
        try:
            return self._primary.get_item(key)
        except Exception as error:
            self._fall_back("read", error)
            return None

    def set_item(self, key, value):
        if self._overlay is None:
            try:
                self._primary.set_item(key, value)
                return
            except Exception as error:
                self._fall_back("write", error)
        self._overlay[key] = value

    def remove_item(self, key):
        if self._overlay is None:
            try:
                self._primary.remove_item(key)
                return
            except Exception as error:
                self._fall_back("remove an item", error)
        self._overlay[key] = None
        try:
            self._primary.remove_item(key)
        except Exception:
            pass  # the overlay already hides the old value
