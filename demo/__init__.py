"""The offline demo: a PyScript shop, a mock Stripe and a local OpenPanel-compatible collector."""
