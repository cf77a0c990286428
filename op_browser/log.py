"""A small logger that the core writes to and each platform routes.

On CPython the messages go to ``logging.getLogger("op_browser")``; in a
browser they go to the console (debug and info only with ``debug=True``).
"""


class Log:
    """Pass each message with its level name to ``emit(level, message)``."""

    def __init__(self, emit):
        self._emit = emit

    def debug(self, message):
        self._emit("debug", message)

    def info(self, message):
        self._emit("info", message)

    def warning(self, message):
        self._emit("warning", message)

    def error(self, message):
        self._emit("error", message)
