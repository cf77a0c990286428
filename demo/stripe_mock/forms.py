"""Decode Stripe's form-encoded request bodies into nested dicts and lists.

The Stripe API takes ``application/x-www-form-urlencoded`` bodies whose keys
carry the nesting in brackets, the way the ``stripe`` library writes them::

    line_items[0][price_data][currency]=usd&line_items[0][quantity]=1&metadata[deviceId]=abc

decodes to ``{"line_items": [{"price_data": {"currency": "usd"}, "quantity": "1"}],
"metadata": {"deviceId": "abc"}}``. Every leaf stays a string, as on the wire.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from demo.stripe_mock.errors import StripeError

# "line_items[0][price_data]" -> "line_items", then "0", "price_data".
KEY_HEAD = re.compile(r"^([^\[\]]+)")
KEY_PART = re.compile(r"\[([^\[\]]*)\]")


def split_key(key: str) -> list[str]:
    """Split a bracketed form key into its path, or raise for a malformed key."""
    head = KEY_HEAD.match(key)
    if head is None:
        raise StripeError.invalid_request(f"Invalid parameter name: {key}", param=key)
    parts = [head.group(1)]
    position = head.end()
    for match in KEY_PART.finditer(key, position):
        if match.start() != position:
            break
        parts.append(match.group(1))
        position = match.end()
    if position != len(key):
        raise StripeError.invalid_request(f"Invalid parameter name: {key}", param=key)
    return parts


def decode_form(body: bytes) -> dict:
    """Decode a form body into nested dicts, turning integer-keyed dicts into lists."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as error:
        raise StripeError.invalid_request("Request body is not valid UTF-8.") from error

    tree: dict = {}
    for key, value in pairs:
        path = split_key(key)
        node = tree
        for depth, part in enumerate(path[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                prefix = format_path(path[: depth + 1])
                raise StripeError.invalid_request(
                    f"Invalid hash: {prefix} is given both as a value and as a hash.",
                    param=prefix,
                )
            node = child
        leaf = path[-1]
        if isinstance(node.get(leaf), dict):
            raise StripeError.invalid_request(
                f"Invalid hash: {key} is given both as a value and as a hash.", param=key
            )
        node[leaf] = value
    return _lists_from_indexed_dicts(tree, "")


def format_path(parts: list[str]) -> str:
    """Write a key path back in bracket form, as Stripe names parameters in errors."""
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])


def _lists_from_indexed_dicts(node, name: str):
    if not isinstance(node, dict):
        return node
    converted = {
        key: _lists_from_indexed_dicts(value, f"{name}[{key}]" if name else key)
        for key, value in node.items()
    }
    if converted and all(key.isdigit() for key in converted):
        indexes = sorted(int(key) for key in converted)
        if indexes != list(range(len(indexes))):
            raise StripeError.invalid_request(
                f"Invalid array: the indexes of {name} must run from 0 without gaps.",
                param=name,
            )
        return [converted[str(index)] for index in indexes]
    return converted
