"""Projects the collector accepts, loaded from a TOML file.

[[projects]]
name = "Demo shop"
client_id = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"   # lowercase UUID
client_secret = "sec_demo_4c1f9e2b7a6d"
allowed_origins = ["*"]                # "*", "https://shop.example", "*.example.com"
allow_unsafe_revenue_tracking = true   # accept revenue from browsers without the secret
currency = "USD"                       # optional: for revenue without a `currency` property
id = "demo-shop"                       # optional: defaults to a slug of the name
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 has no tomllib, so the demo extra installs tomli for it.
    import tomli as tomllib

# OpenPanel's ingestion API accepts client ids of this form (lowercase hex only).
CLIENT_ID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CURRENCY_PATTERN = re.compile(r"^[A-Za-z]{3}$")
DEFAULT_CURRENCY = "USD"
KNOWN_KEYS = frozenset(
    {
        "id",
        "name",
        "client_id",
        "client_secret",
        "allowed_origins",
        "allow_unsafe_revenue_tracking",
        "currency",
    }
)


class ProjectConfigError(ValueError):
    """A projects file or entry that the collector cannot use."""


@dataclass(frozen=True)
class Project:
    """One OpenPanel project: its client credentials and ingestion rules."""

    id: str
    name: str
    client_id: str
    # Kept out of repr() so that logging a project never prints the secret.
    client_secret: str = field(repr=False)
    allowed_origins: tuple[str, ...] = ()
    allow_unsafe_revenue_tracking: bool = False
    currency: str = DEFAULT_CURRENCY

    def secret_matches(self, candidate: str) -> bool:
        """Compare a client secret in constant time."""
        return hmac.compare_digest(candidate.encode(), self.client_secret.encode())

    def origin_allowed(self, origin: str | None) -> bool:
        """Check an Origin header against the allowlist, the way OpenPanel does.

        Entries and the origin are compared without scheme, "www." and trailing
        slash. "*" allows any request that carries an Origin header, and
        "*.example.com" allows its subdomains. A request without an Origin
        header (a backend) must authenticate with the client secret instead.
        """
        if not origin:
            return False
        host = _strip_origin(origin)
        for entry in self.allowed_origins:
            if entry == "*":
                return True
            allowed = _strip_origin(entry)
            if "*" in allowed:
                pattern = re.escape(allowed).replace(r"\*", ".+?")
                if re.fullmatch(pattern, host):
                    return True
            elif allowed == host:
                return True
        return False


def _strip_origin(value: str) -> str:
    value = re.sub(r"^https?://", "", value.strip().lower())
    value = value.removeprefix("www.")
    return value.rstrip("/")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def project_from_mapping(entry: Mapping[str, Any], position: int = 0) -> Project:
    """Build a Project from one `[[projects]]` table, naming the bad key on error."""
    label = f"project #{position + 1}"
    if not isinstance(entry, Mapping):
        raise ProjectConfigError(f"{label} must be a table, got {type(entry).__name__}")
    unknown = sorted(set(entry) - KNOWN_KEYS)
    if unknown:
        raise ProjectConfigError(
            f"{label} has unknown keys {unknown}, expected some of {sorted(KNOWN_KEYS)}"
        )

    client_id = entry.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID_PATTERN.match(client_id):
        raise ProjectConfigError(
            f"{label}: client_id must be a lowercase UUID such as "
            f"a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b, got {client_id!r}"
        )
    label = f"project {client_id}"

    secret = entry.get("client_secret")
    if not isinstance(secret, str) or not secret:
        raise ProjectConfigError(f"{label}: client_secret must be a non-empty string")

    name = entry.get("name", client_id)
    if not isinstance(name, str) or not name:
        raise ProjectConfigError(f"{label}: name must be a non-empty string")

    project_id = entry.get("id") or _slug(name) or client_id
    if not isinstance(project_id, str):
        raise ProjectConfigError(f"{label}: id must be a string, got {project_id!r}")

    origins = entry.get("allowed_origins", [])
    if not isinstance(origins, list) or not all(isinstance(o, str) and o for o in origins):
        raise ProjectConfigError(f"{label}: allowed_origins must be a list of non-empty strings")

    unsafe = entry.get("allow_unsafe_revenue_tracking", False)
    if not isinstance(unsafe, bool):
        raise ProjectConfigError(f"{label}: allow_unsafe_revenue_tracking must be true or false")

    currency = entry.get("currency", DEFAULT_CURRENCY)
    if not isinstance(currency, str) or not CURRENCY_PATTERN.match(currency):
        raise ProjectConfigError(
            f"{label}: currency must be a 3-letter ISO 4217 code, got {currency!r}"
        )

    return Project(
        id=project_id,
        name=name,
        client_id=client_id,
        client_secret=secret,
        allowed_origins=tuple(origins),
        allow_unsafe_revenue_tracking=unsafe,
        currency=currency.upper(),
    )


def build_projects(entries: Iterable[Project | Mapping[str, Any]]) -> list[Project]:
    """Build projects from Project objects or `[[projects]]` mappings, rejecting duplicate ids."""
    projects = [
        entry if isinstance(entry, Project) else project_from_mapping(entry, position)
        for position, entry in enumerate(entries)
    ]
    if not projects:
        raise ProjectConfigError("no projects configured: add at least one [[projects]] table")
    for attribute in ("client_id", "id"):
        values = [getattr(project, attribute) for project in projects]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise ProjectConfigError(f"duplicate project {attribute} values: {duplicates}")
    return projects


def load_projects(path: str | Path) -> list[Project]:
    """Read the `[[projects]]` tables of a TOML file."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectConfigError(f"projects file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise ProjectConfigError(f"projects file {path} is not valid TOML: {error}") from None
    entries = document.get("projects")
    if not isinstance(entries, list):
        raise ProjectConfigError(f"projects file {path} has no [[projects]] tables")
    return build_projects(entries)
