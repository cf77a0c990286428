"""Render the storefront's HTML pages from the templates in ``web/``.

Each template has two placeholders: ``{{config}}``, the JSON the page's Python
reads (client id, collector address, products), and ``{{products}}``, the
product cards. The client secret never goes into a page.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from starlette.responses import HTMLResponse

from demo.shop.catalog import PRODUCTS
from demo.shop.settings import ShopSettings
from demo.stripe_mock.sessions import format_amount

WEB_DIR = Path(__file__).resolve().parent / "web"


def page_config(settings: ShopSettings) -> str:
    config = {
        "client_id": settings.openpanel_client_id,
        "api_url": settings.openpanel_browser_api_url,
        "products": {product.id: product.to_dict() for product in PRODUCTS},
    }
    # "</" would end the <script> element that carries the JSON.
    return json.dumps(config).replace("</", "<\\/")


def product_cards() -> str:
    cards = []
    for index, product in enumerate(PRODUCTS):
        checked = " checked" if index == 0 else ""
        price = format_amount(product.unit_amount, product.currency)
        cards.append(f"""<label class="product">
  <input type="radio" name="product" value="{escape(product.id)}"{checked}>
  <strong>{escape(product.name)}</strong>
  <span class="price">{escape(price)}</span>
  <small>{escape(product.description)}</small>
</label>""")
    return "\n".join(cards)


def render_page(template: str, settings: ShopSettings) -> HTMLResponse:
    html = (WEB_DIR / template).read_text(encoding="utf-8")
    html = html.replace("{{config}}", page_config(settings))
    html = html.replace("{{products}}", product_cards())
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
