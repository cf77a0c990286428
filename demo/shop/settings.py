"""Shop settings: where Stripe (or the mock) and the collector are, and the secrets to use."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PROJECTS_FILE = ROOT / "demo" / "projects.toml"
DEMO_PROJECT_NAME = "Demo shop"


@dataclass
class ShopSettings:
    stripe_api_key: str
    stripe_api_base: str
    stripe_webhook_secret: str
    openpanel_client_id: str
    openpanel_client_secret: str
    # The collector as the backend reaches it.
    openpanel_api_url: str
    # The collector as visitors' browsers reach it, which is the same address in the demo.
    openpanel_browser_api_url: str
    # Key of the HMAC that signs the sign-in cookie. Without SHOP_COOKIE_KEY, each start
    # makes a new one, which signs every visitor out.
    cookie_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    # PyScript, its runtimes and the op_browser package, as `python3 build.py build` writes them.
    static_dir: Path = ROOT / "build" / "static"


def demo_project(path: Path = PROJECTS_FILE) -> dict:
    """Return the demo project's entry (client id and secret) from the collector's projects file."""
    with path.open("rb") as file:
        projects = tomllib.load(file).get("projects", [])
    for project in projects:
        if project.get("name") == DEMO_PROJECT_NAME:
            return project
    raise LookupError(f"{path} has no project named {DEMO_PROJECT_NAME!r}: add it or set "
                      "OPENPANEL_CLIENT_ID and OPENPANEL_CLIENT_SECRET")


def settings_from_env(collector_url: str, stripe_url: str) -> ShopSettings:
    """Build settings from environment variables, falling back to the demo project and mock."""
    from demo.stripe_mock import DEFAULT_API_KEY, DEFAULT_WEBHOOK_SECRET

    client_id = os.environ.get("OPENPANEL_CLIENT_ID")
    client_secret = os.environ.get("OPENPANEL_CLIENT_SECRET")
    if not (client_id and client_secret):
        project = demo_project()
        client_id = client_id or project["client_id"]
        client_secret = client_secret or project["client_secret"]
    cookie_key = os.environ.get("SHOP_COOKIE_KEY")
    settings = ShopSettings(
        stripe_api_key=os.environ.get("STRIPE_API_KEY", DEFAULT_API_KEY),
        stripe_api_base=os.environ.get("STRIPE_API_BASE", stripe_url),
        stripe_webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET),
        openpanel_client_id=client_id,
        openpanel_client_secret=client_secret,
        openpanel_api_url=os.environ.get("OPENPANEL_API_URL", collector_url),
        openpanel_browser_api_url=os.environ.get("OPENPANEL_BROWSER_API_URL", collector_url),
    )
    if cookie_key:
        settings.cookie_key = cookie_key.encode()
    return settings
