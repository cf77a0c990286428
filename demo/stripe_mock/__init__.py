"""A mock of the Stripe Checkout API for the offline demo and the tests.

    python -m demo.stripe_mock --port 8002 --webhook-url http://127.0.0.1:8000/api/stripe/webhook

It serves the part of Stripe's API that the ``stripe`` library uses for
Checkout (create and retrieve a Checkout Session), a hosted checkout page with
Pay and Cancel, and signed ``checkout.session.completed`` webhooks. Point the
library at it with ``stripe.StripeClient(key, base_addresses={"api": url})``.
"""

from demo.stripe_mock.app import MockStripeSettings, create_app
from demo.stripe_mock.webhooks import WebhookSettings, sign_payload

# Demo credentials of the mock's one account. Never real Stripe keys.
DEFAULT_API_KEY = "sk_test_demo_mock_stripe"
DEFAULT_WEBHOOK_SECRET = "whsec_demo_mock_stripe_secret"

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_WEBHOOK_SECRET",
    "MockStripeSettings",
    "WebhookSettings",
    "create_app",
    "sign_payload",
]
