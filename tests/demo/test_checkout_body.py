"""``POST /api/checkout`` body checks: each invalid field gets a 400 that names it."""

from __future__ import annotations

import httpx
import pytest

from demo.shop.checkout_body import InvalidCheckoutBody, parse_checkout_body

DEVICE_ID = "device-checkout-test-0001"


@pytest.mark.parametrize(
    ("body", "field", "status", "words"),
    [
        ([], None, 400, ["JSON object", "[]"]),
        ({"flow": "aggregate"}, "product_id", 400, ["product_id is missing", "tee"]),
        ({"product_id": ["tee"], "flow": "frontend"}, "product_id", 400,
         ["product_id is invalid", '["tee"]', "string"]),
        ({"product_id": None, "flow": "frontend"}, "product_id", 400, ["null"]),
        ({"product_id": "nothing", "flow": "aggregate"}, "product_id", 404,
         ["product not found", '"nothing"', "tee"]),
        ({"product_id": "tee"}, "flow", 400, ["flow is missing", "anonymous"]),
        ({"product_id": "tee", "flow": "teleport"}, "flow", 400,
         ["flow is invalid", '"teleport"', "aggregate"]),
        ({"product_id": "tee", "flow": {"name": "anonymous"}}, "flow", 400, ["flow is invalid"]),
        ({"product_id": "tee", "flow": "anonymous"}, "device_id", 400,
         ["device_id is missing", "fetch_device_id()"]),
        ({"product_id": "tee", "flow": "anonymous", "device_id": 5}, "device_id", 400,
         ["device_id is invalid", "got 5", "string"]),
        ({"product_id": "tee", "flow": "anonymous", "device_id": "  "}, "device_id", 400,
         ["empty string"]),
        ({"product_id": "tee", "flow": "anonymous", "device_id": "x" * 65}, "device_id", 400,
         ["got 65 characters", "1 to 64"]),
        ({"product_id": "tee", "flow": "aggregate", "device_id": DEVICE_ID}, "device_id", 400,
         ["not accepted in the aggregate flow"]),
        ({"product_id": "tee", "flow": "anonymous", "deviceId": 5}, "deviceId", 400,
         ['"deviceId" is unknown', "did you mean device_id?"]),
        ({"product_id": "tee", "flow": "aggregate", "quantity": 2}, "quantity", 400,
         ['"quantity" is unknown', "product_id, flow, device_id"]),
    ],
)
def test_parse_rejects_invalid_field(body, field, status, words):
    with pytest.raises(InvalidCheckoutBody) as raised:
        parse_checkout_body(body)
    assert raised.value.field == field
    assert raised.value.status == status
    for word in words:
        assert word in str(raised.value)


def test_parse_shortens_long_values():
    with pytest.raises(InvalidCheckoutBody) as raised:
        parse_checkout_body({"product_id": "tee", "flow": "z" * 1000})
    assert len(str(raised.value)) < 300
    assert str(raised.value).endswith("...")


def test_parse_accepts_anonymous_body():
    checkout = parse_checkout_body({"product_id": "tee", "flow": "anonymous",
                                    "device_id": f" {DEVICE_ID} "})
    assert checkout.product.id == "tee"
    assert checkout.flow == "anonymous"
    assert checkout.device_id == DEVICE_ID


def test_parse_accepts_aggregate_body():
    checkout = parse_checkout_body({"product_id": "mug", "flow": "aggregate"})
    assert checkout.product.id == "mug"
    assert checkout.device_id is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product_id": ["tee"], "flow": "frontend"}, "product_id"),
        ({"flow": "frontend"}, "product_id"),
        ({"product_id": "tee", "flow": "anonymous", "deviceId": 5}, "deviceId"),
        ({"product_id": "tee", "flow": "anonymous", "device_id": 5}, "device_id"),
    ],
)
def test_checkout_api_names_invalid_field(demo_stack, body, field):
    response = httpx.post(demo_stack.shop.url("/api/checkout"), json=body)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert field in response.json()["error"]


def test_checkout_api_rejects_non_json(demo_stack):
    response = httpx.post(demo_stack.shop.url("/api/checkout"), content=b"product_id=tee",
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "expected JSON" in response.json()["error"]
