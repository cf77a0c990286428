"""Run the mock Stripe: ``python -m demo.stripe_mock --help`` lists the options.

Every option can also come from the environment variable named in its help,
so a launcher can configure the mock without a command line.
"""

from __future__ import annotations

import argparse
import logging
import os

import uvicorn

from demo.stripe_mock import (
    DEFAULT_API_KEY,
    DEFAULT_WEBHOOK_SECRET,
    MockStripeSettings,
    WebhookSettings,
    create_app,
)


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo.stripe_mock",
                                     description="Mock Stripe Checkout API with signed webhooks.")
    parser.add_argument("--host", default=os.environ.get("STRIPE_MOCK_HOST", "127.0.0.1"),
                        help="address to listen on (STRIPE_MOCK_HOST; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("STRIPE_MOCK_PORT", 8002)),
                        help="TCP port to listen on (STRIPE_MOCK_PORT; default 8002)")
    parser.add_argument("--api-key", default=os.environ.get("STRIPE_API_KEY", DEFAULT_API_KEY),
                        help="secret API key clients must send (STRIPE_API_KEY)")
    parser.add_argument("--webhook-url", default=os.environ.get("STRIPE_WEBHOOK_URL"),
                        help="endpoint that receives signed events (STRIPE_WEBHOOK_URL)")
    parser.add_argument("--webhook-secret",
                        default=os.environ.get("STRIPE_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET),
                        help="whsec_ signing secret of that endpoint (STRIPE_WEBHOOK_SECRET)")
    parser.add_argument("--deliver-twice", action="store_true",
                        default=env_flag("STRIPE_MOCK_DELIVER_TWICE"),
                        help="deliver every event a second time after it succeeded "
                             "(STRIPE_MOCK_DELIVER_TWICE=1)")
    parser.add_argument("--fail-first-delivery", action="store_true",
                        default=env_flag("STRIPE_MOCK_FAIL_FIRST_DELIVERY"),
                        help="discard the response to each event's first delivery and retry "
                             "(STRIPE_MOCK_FAIL_FIRST_DELIVERY=1)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    webhook = WebhookSettings(url=options.webhook_url, secret=options.webhook_secret,
                              deliver_twice=options.deliver_twice,
                              fail_first_delivery=options.fail_first_delivery)
    app = create_app(MockStripeSettings(api_key=options.api_key, webhook=webhook))
    uvicorn.run(app, host=options.host, port=options.port, log_level="warning")


if __name__ == "__main__":
    main()
