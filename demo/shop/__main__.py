"""Run the demo shop: ``python -m demo.shop --help`` lists the options.

Secrets and addresses can also come from the environment: STRIPE_API_KEY,
STRIPE_API_BASE, STRIPE_WEBHOOK_SECRET, OPENPANEL_CLIENT_ID,
OPENPANEL_CLIENT_SECRET, OPENPANEL_API_URL, OPENPANEL_BROWSER_API_URL and
SHOP_COOKIE_KEY. Without them the shop uses the demo project and the mock Stripe.
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from demo.shop.app import create_app
from demo.shop.settings import settings_from_env


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo.shop",
                                     description="Demo shop with Stripe Checkout and op_browser.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="TCP port to listen on")
    parser.add_argument("--collector-url", default="http://127.0.0.1:8001",
                        help="base URL of the OpenPanel-compatible collector")
    parser.add_argument("--stripe-url", default="http://127.0.0.1:8002",
                        help="base URL of the Stripe API (the mock Stripe in the demo)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app(settings_from_env(options.collector_url, options.stripe_url))
    uvicorn.run(app, host=options.host, port=options.port, log_level="warning")


if __name__ == "__main__":
    main()
