"""Projects that collector tests configure besides the demo project."""

# Browsers on shop.example (and its subdomains) only; revenue needs the secret.
STRICT_PROJECT = {
    "id": "strict-shop",
    "name": "Strict shop",
    "client_id": "0b5e8d1c-2f4a-4c6b-9d7e-1a2b3c4d5e6f",
    "client_secret": "sec_strict_9a8b7c6d5e4f",
    "allowed_origins": ["https://shop.example", "*.shop.example"],
    "allow_unsafe_revenue_tracking": False,
}

# Same settings as the demo project, under other credentials.
OPEN_PROJECT = {
    "id": "open-shop",
    "name": "Open shop",
    "client_id": "7c9d2e4f-6a1b-4d3c-8e5f-0a9b8c7d6e5f",
    "client_secret": "sec_open_1f2e3d4c5b6a",
    "allowed_origins": ["*"],
    "allow_unsafe_revenue_tracking": True,
}
