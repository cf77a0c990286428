"""The demo shop's products. Prices are in the currency's minor unit, as Stripe takes them."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str
    # Minor units: cents for USD. JPY has no minor unit, so 1500 is 1500 yen.
    unit_amount: int
    currency: str

    def to_dict(self) -> dict:
        return asdict(self)


PRODUCTS = (
    Product("tee", "Snake tee", "Organic cotton, one Python on the front.", 2000, "usd"),
    Product("mug", "Debugger mug", "Holds 350 ml of coffee.", 1250, "usd"),
    Product("stickers", "Sticker pack", "Ten vinyl stickers.", 499, "usd"),
    Product("tenugui", "Tenugui towel", "Hand-dyed cotton cloth from Kyoto.", 1500, "jpy"),
)
PRODUCTS_BY_ID = {product.id: product for product in PRODUCTS}
