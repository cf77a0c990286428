"""The demo shop: a PyScript storefront and a Starlette backend that sells through Stripe Checkout.

    python -m demo.shop --port 8000 --collector-url http://127.0.0.1:8001 \\
        --stripe-url http://127.0.0.1:8002

The backend creates Checkout Sessions with the ``stripe`` library and turns
verified ``checkout.session.completed`` webhooks into op_browser revenue calls.
"""
