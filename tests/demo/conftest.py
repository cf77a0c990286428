"""Fixtures that start the demo's three services on free loopback ports for one test.

Each test gets its own collector database, so "exactly one revenue" means one
in the whole store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from demo.collector.app import create_app as create_collector_app
from demo.shop.app import create_app as create_shop_app
from demo.shop.settings import PROJECTS_FILE, ShopSettings, demo_project
from demo.stripe_mock import MockStripeSettings, WebhookSettings
from demo.stripe_mock import create_app as create_mock_stripe_app
from tests.demo.servers import AppServer, free_port

STRIPE_API_KEY = "sk_test_demo_tests_key"
WEBHOOK_SECRET = "whsec_demo_tests_secret"


@dataclass
class DemoStack:
    collector: AppServer
    stripe: AppServer
    shop: AppServer
    webhook: WebhookSettings
    client_id: str
    client_secret: str
    collector_db: Path

    def restart_collector(self) -> None:
        """Start a new collector on the same port and database after ``collector.stop()``."""
        app = create_collector_app(self.collector_db, PROJECTS_FILE)
        self.collector = AppServer(app, port=self.collector.port).start()

    def export_events(self, event: str | None = None) -> list[dict]:
        """Return every stored event (newest first) through the collector's export API."""
        params = {"limit": 1000}
        if event:
            params["event"] = event
        response = httpx.get(self.collector.url("/export/events"), params=params,
                             headers={"openpanel-client-id": self.client_id,
                                      "openpanel-client-secret": self.client_secret})
        response.raise_for_status()
        return response.json()["data"]

    def revenues(self) -> list[dict]:
        return self.export_events("revenue")

    def wait_for_revenues(self, count: int, timeout_s: float = 15.0) -> list[dict]:
        """Wait until at least ``count`` revenues are stored, then return all of them."""
        deadline = time.monotonic() + timeout_s
        while True:
            revenues = self.revenues()
            if len(revenues) >= count or time.monotonic() > deadline:
                return revenues
            time.sleep(0.1)

    def wait_for_deliveries(self) -> list[dict]:
        """Wait until the mock Stripe has no retry or repeated delivery pending."""
        response = httpx.post(self.stripe.url("/_mock/deliveries/wait"), timeout=60,
                              headers={"Authorization": f"Bearer {STRIPE_API_KEY}"})
        response.raise_for_status()
        return response.json()["data"]


@pytest.fixture
def demo_stack(tmp_path):
    project = demo_project()
    shop_port = free_port()
    webhook = WebhookSettings(url=f"http://127.0.0.1:{shop_port}/api/stripe/webhook",
                              secret=WEBHOOK_SECRET, retry_base_delay_s=0.2)
    collector_db = tmp_path / "events.sqlite3"
    collector = AppServer(create_collector_app(collector_db, PROJECTS_FILE)).start()
    stripe_server = AppServer(create_mock_stripe_app(MockStripeSettings(STRIPE_API_KEY, webhook)))
    settings = ShopSettings(
        stripe_api_key=STRIPE_API_KEY,
        stripe_api_base=stripe_server.url(),
        stripe_webhook_secret=WEBHOOK_SECRET,
        openpanel_client_id=project["client_id"],
        openpanel_client_secret=project["client_secret"],
        openpanel_api_url=collector.url(),
        openpanel_browser_api_url=collector.url(),
    )
    shop = AppServer(create_shop_app(settings), port=shop_port)
    stack = DemoStack(collector, stripe_server.start(), shop.start(), webhook,
                      project["client_id"], project["client_secret"], collector_db)
    try:
        yield stack
    finally:
        shop.stop()
        stripe_server.stop()
        stack.collector.stop()
