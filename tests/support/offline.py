"""Record every request a browser context makes and list those that leave the machine."""

from __future__ import annotations

from urllib.parse import urlsplit

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
# Schemes that never touch the network.
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome-extension", "devtools"})


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


class RequestLog:
    """Collect the URLs of a Playwright browser context's requests."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def attach(self, context) -> RequestLog:
        context.on("request", lambda request: self.urls.append(request.url))
        return self

    def outside_urls(self) -> list[str]:
        return [url for url in self.urls if not is_local(url)]
