"""Exceptions that op_browser raises to callers."""


class SendError(Exception):
    """A request that op_browser gave up on, after the retries its status allows.

    ``status`` is the HTTP status of the last attempt, or None when the server
    could not be reached. ``reason`` is the explanation that was also logged.
    """

    def __init__(self, reason, status=None, event=None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.event = event


class NetworkError(Exception):
    """A request that failed before an HTTP status arrived (refused, dropped, timed out)."""
