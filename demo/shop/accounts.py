"""A minimal demo sign-in: a name and an e-mail address kept in an HMAC-signed cookie.

There are no passwords: the demo only needs a stable profile id for the
identified revenue flow. A real shop would use its own authentication.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

COOKIE_NAME = "shop_account"
COOKIE_MAX_AGE_S = 7 * 24 * 60 * 60
MAX_NAME_CHARS = 80
MAX_EMAIL_CHARS = 254
# A practical check (something@domain.tld), not the full RFC 5322 grammar.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Account:
    profile_id: str
    name: str
    email: str

    def to_dict(self) -> dict:
        return {"profile_id": self.profile_id, "name": self.name, "email": self.email}


def account_from_form(name, email) -> Account:
    """Validate the sign-in fields and derive the profile id from the e-mail address."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name is missing: enter the name to sign in with")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"name is longer than {MAX_NAME_CHARS} characters")
    if not isinstance(email, str) or not EMAIL_PATTERN.match(email.strip()):
        raise ValueError(f"email is invalid: expected an address like ada@example.com, "
                         f"got {email!r}")
    if len(email) > MAX_EMAIL_CHARS:
        raise ValueError(f"email is longer than {MAX_EMAIL_CHARS} characters")
    email = email.strip().lower()
    # The same address signs in to the same profile on every visit.
    profile_id = "user_" + hashlib.sha256(email.encode()).hexdigest()[:16]
    return Account(profile_id=profile_id, name=name.strip(), email=email)


def encode_cookie(account: Account, key: bytes) -> str:
    body = base64.urlsafe_b64encode(json.dumps(account.to_dict()).encode()).decode()
    return f"{body}.{_sign(body, key)}"


def decode_cookie(value: str | None, key: bytes) -> Account | None:
    """Return the signed-in account, or None for a missing, forged or malformed cookie."""
    if not value or "." not in value:
        return None
    body, _, signature = value.rpartition(".")
    if not hmac.compare_digest(signature, _sign(body, key)):
        return None
    try:
        fields = json.loads(base64.urlsafe_b64decode(body.encode()))
        return Account(profile_id=fields["profile_id"], name=fields["name"],
                       email=fields["email"])
    except (ValueError, KeyError, TypeError):
        return None


def _sign(body: str, key: bytes) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
