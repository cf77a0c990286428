"""Visitor identity and traffic source: cookieless device ids, referrers, UTM parameters.

device_id = cookieless_device_id(user_agent, ip, project_id, salt)
source = traffic_source(path="https://shop.test/?utm_source=news", referrer="")
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# OpenPanel's device id: SHAKE-256 of "ua:ip:project:salt", 16 bytes in hex.
DEVICE_ID_BYTES = 16
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# A user agent of one product token ("python-httpx/0.28.1", "Go-http-client/1.1")
# is a backend, as in OpenPanel's user-agent parser.
SINGLE_PRODUCT_USER_AGENT = re.compile(r"^[^/]+/[\d.]+$")

# Display names for common referrers. Other referrers are shown by their host name.
KNOWN_REFERRERS = {
    "google.com": ("Google", "search"),
    "bing.com": ("Bing", "search"),
    "duckduckgo.com": ("DuckDuckGo", "search"),
    "search.yahoo.com": ("Yahoo!", "search"),
    "yandex.ru": ("Yandex", "search"),
    "baidu.com": ("Baidu", "search"),
    "facebook.com": ("Facebook", "social"),
    "instagram.com": ("Instagram", "social"),
    "t.co": ("Twitter", "social"),
    "twitter.com": ("Twitter", "social"),
    "x.com": ("Twitter", "social"),
    "linkedin.com": ("LinkedIn", "social"),
    "reddit.com": ("Reddit", "social"),
    "youtube.com": ("YouTube", "social"),
    "news.ycombinator.com": ("Hacker News", "social"),
    "github.com": ("GitHub", "unknown"),
}


def cookieless_device_id(user_agent: str, ip: str, project_id: str, salt: str) -> str:
    """Derive the anonymous device id that OpenPanel computes without cookies."""
    material = f"{user_agent}:{ip}:{project_id}:{salt}".encode()
    return hashlib.shake_256(material).hexdigest(DEVICE_ID_BYTES)


def is_backend_user_agent(user_agent: str | None) -> bool:
    """Tell a backend HTTP client from a browser by its User-Agent header.

    NOTE: OpenPanel parses the header with ua-parser-js and treats it as a
    backend when no OS, browser or device is recognised. This approximation
    treats every header that does not start with "Mozilla/" or "Opera/" as a
    backend, so unusual browsers and apps may be classified as backends.
    """
    if not user_agent:
        return True
    if SINGLE_PRODUCT_USER_AGENT.match(user_agent):
        return True
    return not user_agent.startswith(("Mozilla/", "Opera/"))


@dataclass(frozen=True)
class PageUrl:
    """The parts of an event's `__path` property that the collector stores."""

    path: str
    origin: str
    query: dict[str, str]


def parse_page_url(url: object) -> PageUrl:
    if not isinstance(url, str) or not url:
        return PageUrl(path="", origin="", query={})
    try:
        parts = urlsplit(url)
    except ValueError:
        # For example "http://[::1", an unclosed IPv6 address.
        return PageUrl(path="", origin="", query={})
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return PageUrl(path=parts.path or ("/" if origin else ""), origin=origin, query=query)


@dataclass(frozen=True)
class TrafficSource:
    """Traffic source of a visit: the first-touch data a session keeps."""

    referrer: str = ""
    referrer_name: str = ""
    referrer_type: str = ""
    utm: tuple[tuple[str, str], ...] = ()

    def utm_value(self, key: str) -> str:
        return dict(self.utm).get(key, "")

    @property
    def label(self) -> str:
        """Name the source for reports: utm_source, then the referrer, then "direct"."""
        return self.utm_value("utm_source") or self.referrer_name or "direct"


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def traffic_source(path: object, referrer: object) -> TrafficSource:
    """Read the referrer and UTM parameters of a page view.

    A referrer on the page's own host is ignored, as OpenPanel does, so moving
    between pages of the shop does not count as a source. A `ref` query
    parameter replaces a missing `utm_source`.
    """
    page = parse_page_url(path)
    utm = {key: page.query[key] for key in UTM_KEYS if page.query.get(key)}
    if "utm_source" not in utm and page.query.get("ref"):
        utm["utm_source"] = page.query["ref"]

    referrer_url = referrer.strip().rstrip("/") if isinstance(referrer, str) else ""
    referrer_host = _host(referrer_url)
    if not referrer_host or referrer_host == _host(page.origin):
        referrer_url, referrer_host = "", ""
    name, kind = KNOWN_REFERRERS.get(
        referrer_host, (referrer_host, "unknown" if referrer_host else "")
    )
    return TrafficSource(
        referrer=referrer_url,
        referrer_name=name,
        referrer_type=kind,
        utm=tuple(sorted(utm.items())),
    )
