"""SQLite storage for events, sessions and profiles.

    store = Store("var/collector.sqlite3")
    result = store.record_track(event)     # committed when this returns
    rows, total = store.export_events(EventQuery(project_id="demo-shop"))

Writes go through one connection guarded by a lock and run in
`BEGIN IMMEDIATE` transactions, so concurrent requests queue instead of
failing with "database is locked". `synchronous=FULL` in WAL mode makes each
commit durable before the method returns, so an acknowledged event survives
a killed process (and, on a disk that honours fsync, a power cut).
"""

from __future__ import annotations

import json
import math
import re
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from .visitors import PageUrl, TrafficSource

SCHEMA_VERSION = 1
# OpenPanel's default session idle window.
SESSION_IDLE = timedelta(minutes=30)
BUSY_TIMEOUT_MS = 10_000
# The dashboard reads at most this many revenue events.
MAX_DASHBOARD_REVENUES = 50_000
# The largest finite 64-bit float has 309 integer digits.
MAX_NUMBER_DIGITS = 309

T = TypeVar("T")
UTC = timezone.utc

SCHEMA_V1 = """
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    device_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    properties TEXT NOT NULL,
    created_at TEXT NOT NULL,
    path TEXT NOT NULL,
    origin TEXT NOT NULL,
    referrer TEXT NOT NULL,
    referrer_name TEXT NOT NULL,
    referrer_type TEXT NOT NULL,
    revenue INTEGER,
    idempotency_key TEXT,
    sdk_name TEXT NOT NULL,
    sdk_version TEXT NOT NULL,
    groups TEXT NOT NULL
);
CREATE UNIQUE INDEX events_idempotency_key
    ON events (project_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_project_created ON events (project_id, created_at);
CREATE INDEX events_project_name ON events (project_id, name, created_at);
CREATE INDEX events_project_profile ON events (project_id, profile_id, device_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    last_event_at TEXT NOT NULL,
    entry_path TEXT NOT NULL,
    referrer TEXT NOT NULL,
    referrer_name TEXT NOT NULL,
    referrer_type TEXT NOT NULL,
    utm_source TEXT NOT NULL,
    utm_medium TEXT NOT NULL,
    utm_campaign TEXT NOT NULL,
    utm_term TEXT NOT NULL,
    utm_content TEXT NOT NULL
);
CREATE INDEX sessions_device ON sessions (project_id, device_id, last_event_at);
CREATE INDEX sessions_profile ON sessions (project_id, profile_id, last_event_at);

CREATE TABLE profiles (
    project_id TEXT NOT NULL,
    id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    avatar TEXT NOT NULL,
    properties TEXT NOT NULL,
    groups TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, id)
);

CREATE TABLE groups (
    project_id TEXT NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    properties TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, id)
);

CREATE TABLE replay_chunks (
    project_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    chunk_index INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    events_count INTEGER NOT NULL,
    is_full_snapshot INTEGER NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (project_id, session_id, chunk_index)
);

CREATE TABLE salts (
    day TEXT PRIMARY KEY,
    salt TEXT NOT NULL
);
"""

# Each entry upgrades the schema from the version before it.
MIGRATIONS = {1: SCHEMA_V1}


class ProfileNotFoundError(LookupError):
    """increment or decrement named a profile that identify never created."""


class PropertyNotNumberError(ValueError):
    """increment or decrement named a profile property that contains no number."""


class PropertyOutOfRangeError(ValueError):
    """increment or decrement would leave a profile property outside the 64-bit float range."""


def format_timestamp(moment: datetime) -> str:
    """Format a time as JavaScript's Date.toISOString() does: UTC, milliseconds, "Z"."""
    moment = moment.astimezone(UTC)
    # strftime("%Y") does not pad years before 1000 to four digits on glibc.
    milliseconds = moment.microsecond // 1000
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.") + f"{milliseconds:03d}Z"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class IncomingEvent:
    """A validated `track` payload with everything the request added to it."""

    project_id: str
    name: str
    properties: dict[str, Any]
    profile_id: str
    # Device ids to look for a live session under, best first: the caller's
    # `__deviceId`, or the cookieless ids under today's and yesterday's salt.
    device_candidates: tuple[str, ...]
    from_backend: bool
    created_at: datetime
    page: PageUrl
    source: TrafficSource
    revenue: int | None = None
    idempotency_key: str | None = None
    sdk_name: str = ""
    sdk_version: str = ""
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrackResult:
    device_id: str
    session_id: str
    # False when a revenue with the same idempotency key was already stored.
    stored: bool
    # The stored copy's amount and properties when stored is False.
    first_revenue: int | None = None
    first_properties: dict[str, Any] | None = None


@dataclass(frozen=True)
class Visit:
    """The device and session an event belongs to, and the session's first-touch source."""

    device_id: str
    session_id: str
    source: TrafficSource


@dataclass(frozen=True)
class EventQuery:
    """Filters of `GET /export/events`. Times are inclusive bounds in the stored format."""

    project_id: str
    names: tuple[str, ...] = ()
    profile_id: str | None = None
    start: str | None = None
    end: str | None = None
    page: int = 1
    limit: int = 50


@dataclass
class RevenueRow:
    """A stored revenue event with the traffic source it is attributed to."""

    event_id: str
    created_at: str
    amount: int
    currency: str
    device_id: str
    profile_id: str
    properties: dict[str, Any]
    source: str = ""


class _ReadConnections(threading.local):
    """One read-only connection per thread, opened on first use."""

    connection: sqlite3.Connection | None = None


class Store:
    """The collector's SQLite database; safe to share between threads."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._writer = self._connect()
        self._readers = _ReadConnections()
        self._reader_list: list[sqlite3.Connection] = []
        self._reader_list_lock = threading.Lock()
        self._salts: dict[str, tuple[str, str]] = {}
        self._migrate()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return connection

    def _migrate(self) -> None:
        with self._transaction() as connection:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"database {self.path} has schema version {version}, newer than this "
                    f"collector's {SCHEMA_VERSION}; use a newer collector or another --db file"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version={target}")

    @property
    def schema_version(self) -> int:
        return self._read(lambda c: c.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._write_lock:
            self._writer.close()
        with self._reader_list_lock:
            for connection in self._reader_list:
                connection.close()
            self._reader_list.clear()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            connection = self._writer
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def _read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._readers.connection
        if connection is None:
            connection = self._connect()
            connection.execute("PRAGMA query_only=ON")
            self._readers.connection = connection
            with self._reader_list_lock:
                self._reader_list.append(connection)
        return query(connection)

    def ping(self) -> bool:
        return self._read(lambda c: c.execute("SELECT 1").fetchone()[0] == 1)

    # Salts for cookieless device ids

    def salts(self, day: date) -> tuple[str, str]:
        """Return the salts of `day` and the day before, creating them on first use.

        Salts live in the database, so device ids stay the same across restarts
        and between processes that share the file.
        """
        key = day.isoformat()
        cached = self._salts.get(key)
        if cached is not None:
            return cached
        previous_key = (day - timedelta(days=1)).isoformat()
        with self._transaction() as connection:
            for day_key in (key, previous_key):
                connection.execute(
                    "INSERT OR IGNORE INTO salts (day, salt) VALUES (?, ?)",
                    (day_key, secrets.token_hex(16)),
                )
            rows = dict(
                connection.execute(
                    "SELECT day, salt FROM salts WHERE day IN (?, ?)", (key, previous_key)
                ).fetchall()
            )
        pair = (rows[key], rows[previous_key])
        self._salts = {key: pair}
        return pair

    # Events and sessions

    def record_track(self, event: IncomingEvent) -> TrackResult:
        """Store a track event, opening or extending its session, in one transaction.

        A revenue whose idempotency key is already stored for the project is
        not stored again: the result has stored=False and the ids of the first
        copy. The check and the insert share one write transaction, and a unique
        index backs them, so two concurrent copies store one row.
        """
        with self._transaction() as connection:
            if event.idempotency_key is not None:
                first = _find_by_idempotency_key(
                    connection, event.project_id, event.idempotency_key
                )
                if first is not None:
                    return TrackResult(
                        first["device_id"],
                        first["session_id"],
                        stored=False,
                        first_revenue=first["revenue"],
                        first_properties=json.loads(first["properties"]),
                    )
            visit = _resolve_visit(connection, event)
            _insert_event(connection, event, visit)
        return TrackResult(visit.device_id, visit.session_id, stored=True)

    def live_session(
        self, project_id: str, device_ids: tuple[str, ...], now: datetime
    ) -> tuple[str, str] | None:
        """Return (device id, session id) of the first device with a live session, or None."""

        def query(connection: sqlite3.Connection) -> tuple[str, str] | None:
            for device_id in device_ids:
                row = _live_session_of_device(connection, project_id, device_id, now)
                if row is not None:
                    return device_id, row["id"]
            return None

        return self._read(query)

    def export_events(self, query: EventQuery) -> tuple[list[dict[str, Any]], int]:
        """Return one page of events, newest first, and the number of matching events."""
        where, params = _event_filters(query)

        def run(connection: sqlite3.Connection) -> tuple[list[dict[str, Any]], int]:
            total = connection.execute(
                f"SELECT COUNT(*) FROM events WHERE {where}", params
            ).fetchone()[0]
            offset = (query.page - 1) * query.limit
            # Checked before the query because SQLite's OFFSET is a 64-bit integer.
            if offset >= total:
                return [], total
            rows = connection.execute(
                f"SELECT * FROM events WHERE {where} "
                "ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
                [*params, query.limit, offset],
            ).fetchall()
            return [_event_document(row) for row in rows], total

        return self._read(run)

    def count_events(self, project_id: str | None = None) -> int:
        if project_id is None:
            return self._read(lambda c: c.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        return self._read(
            lambda c: c.execute(
                "SELECT COUNT(*) FROM events WHERE project_id = ?", (project_id,)
            ).fetchone()[0]
        )

    # Profiles, groups, replays

    def upsert_profile(self, project_id: str, payload: dict[str, Any], now: datetime) -> None:
        """Create or update a profile: given fields replace stored ones, properties are merged."""
        profile_id = str(payload["profileId"])
        timestamp = format_timestamp(now)
        with self._transaction() as connection:
            row = _profile_row(connection, project_id, profile_id)
            properties = json.loads(row["properties"]) if row else {}
            properties.update(payload.get("properties") or {})
            fields = {
                "first_name": payload.get("firstName", row["first_name"] if row else ""),
                "last_name": payload.get("lastName", row["last_name"] if row else ""),
                "email": payload.get("email", row["email"] if row else ""),
                "avatar": payload.get("avatar", row["avatar"] if row else ""),
            }
            _write_profile(connection, project_id, profile_id, fields, properties, row, timestamp)

    def adjust_profile_property(
        self, project_id: str, profile_id: str, property_path: str, delta: float, now: datetime
    ) -> float:
        """Add `delta` to a numeric profile property and return the new value.

        A dotted path ("stats.orders") names a nested property.

        A missing property counts as 0. The stored value is read the way
        JavaScript's parseInt reads it, as OpenPanel does, so "12px" counts as 12.
        """
        with self._transaction() as connection:
            row = _profile_row(connection, project_id, profile_id)
            if row is None:
                raise ProfileNotFoundError(profile_id)
            properties = json.loads(row["properties"])
            keys = property_path.split(".")
            container = properties
            for key in keys[:-1]:
                if not isinstance(container.get(key), dict):
                    container[key] = {}
                container = container[key]
            current = _parse_int_like_javascript(container.get(keys[-1]))
            if current is None:
                raise PropertyNotNumberError(property_path)
            try:
                updated = current + delta
            except OverflowError:
                # An int above the float range plus a float.
                raise PropertyOutOfRangeError(property_path) from None
            if isinstance(updated, float) and not math.isfinite(updated):
                raise PropertyOutOfRangeError(property_path)
            if isinstance(updated, float) and updated.is_integer():
                updated = int(updated)
            container[keys[-1]] = updated
            fields = {key: row[key] for key in ("first_name", "last_name", "email", "avatar")}
            _write_profile(
                connection, project_id, profile_id, fields, properties, row, format_timestamp(now)
            )
        return updated

    def profile(self, project_id: str, profile_id: str) -> dict[str, Any] | None:
        row = self._read(lambda c: _profile_row(c, project_id, profile_id))
        if row is None:
            return None
        return {
            "id": row["id"],
            "firstName": row["first_name"],
            "lastName": row["last_name"],
            "email": row["email"],
            "avatar": row["avatar"],
            "properties": json.loads(row["properties"]),
            "groups": json.loads(row["groups"]),
            "createdAt": row["created_at"],
        }

    def assign_groups(
        self, project_id: str, profile_id: str, group_ids: list[str], now: datetime
    ) -> None:
        """Add groups to a profile, creating an anonymous profile when needed (as OpenPanel)."""
        with self._transaction() as connection:
            row = _profile_row(connection, project_id, profile_id)
            properties = json.loads(row["properties"]) if row else {}
            fields = {
                key: row[key] if row else ""
                for key in ("first_name", "last_name", "email", "avatar")
            }
            groups = json.loads(row["groups"]) if row else []
            groups += [group for group in group_ids if group not in groups]
            _write_profile(
                connection,
                project_id,
                profile_id,
                fields,
                properties,
                row,
                format_timestamp(now),
                groups,
            )

    def upsert_group(self, project_id: str, payload: dict[str, Any], now: datetime) -> None:
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO groups (project_id, id, type, name, properties, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, id) DO UPDATE SET "
                "type = excluded.type, name = excluded.name, "
                "properties = excluded.properties, updated_at = excluded.updated_at",
                (
                    project_id,
                    payload["id"],
                    payload["type"],
                    payload["name"],
                    _json(payload.get("properties") or {}),
                    format_timestamp(now),
                ),
            )

    def store_replay_chunk(self, project_id: str, session_id: str, payload: dict[str, Any]) -> None:
        with self._transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO replay_chunks (project_id, session_id, chunk_index, "
                "started_at, ended_at, events_count, is_full_snapshot, payload) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    project_id,
                    session_id,
                    payload["chunk_index"],
                    payload["started_at"],
                    payload["ended_at"],
                    payload["events_count"],
                    int(payload["is_full_snapshot"]),
                    payload["payload"],
                ),
            )

    # Dashboard

    def revenue_rows(self, project_id: str, default_currency: str) -> list[RevenueRow]:
        """Return revenue events, newest first, each attributed to a traffic source.

        The source is that of the first session of the paying device, or else of
        the paying profile (including sessions of devices it used before it was
        identified). A revenue with neither is "unattributed"; one whose device
        or profile has no session is "direct".
        """

        def run(connection: sqlite3.Connection) -> list[RevenueRow]:
            rows = connection.execute(
                "SELECT id, created_at, revenue, device_id, profile_id, properties FROM events "
                "WHERE project_id = ? AND name = 'revenue' AND revenue IS NOT NULL "
                "ORDER BY created_at DESC, seq DESC LIMIT ?",
                (project_id, MAX_DASHBOARD_REVENUES),
            ).fetchall()
            sources: dict[tuple[str, str], str] = {}
            result = []
            for row in rows:
                properties = json.loads(row["properties"])
                identity = (row["device_id"], row["profile_id"])
                if identity not in sources:
                    sources[identity] = _first_touch_label(connection, project_id, *identity)
                result.append(
                    RevenueRow(
                        event_id=row["id"],
                        created_at=row["created_at"],
                        amount=row["revenue"],
                        currency=revenue_currency(properties, default_currency),
                        device_id=row["device_id"],
                        profile_id=row["profile_id"],
                        properties=properties,
                        source=sources[identity],
                    )
                )
            return result

        return self._read(run)


def revenue_currency(properties: dict[str, Any], default_currency: str) -> str:
    """Return a revenue's `currency` property in upper case, or the default when not 3 letters."""
    currency = properties.get("currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency):
        currency = default_currency
    return currency.upper()


def _find_by_idempotency_key(
    connection: sqlite3.Connection, project_id: str, key: str
) -> sqlite3.Row | None:
    return connection.execute(
        "SELECT device_id, session_id, revenue, properties FROM events "
        "WHERE project_id = ? AND idempotency_key = ?",
        (project_id, key),
    ).fetchone()


def _live_session_of_device(
    connection: sqlite3.Connection, project_id: str, device_id: str, now: datetime
) -> sqlite3.Row | None:
    return connection.execute(
        "SELECT * FROM sessions WHERE project_id = ? AND device_id = ? AND last_event_at >= ? "
        "ORDER BY last_event_at DESC LIMIT 1",
        (project_id, device_id, format_timestamp(now - SESSION_IDLE)),
    ).fetchone()


def _session_source(row: sqlite3.Row) -> TrafficSource:
    utm = tuple(
        (key, row[key])
        for key in ("utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term")
        if row[key]
    )
    return TrafficSource(row["referrer"], row["referrer_name"], row["referrer_type"], utm)


def _resolve_visit(connection: sqlite3.Connection, event: IncomingEvent) -> Visit:
    """Find the live session of the event's device (or, for a backend, its profile) or open one.

    Backend events join a live session but neither extend one nor open one,
    as in OpenPanel, so a webhook does not keep a visit alive.
    """
    session = None
    for device_id in event.device_candidates:
        session = _live_session_of_device(connection, event.project_id, device_id, event.created_at)
        if session is not None:
            break
    if session is None and not event.device_candidates and event.profile_id:
        session = connection.execute(
            "SELECT * FROM sessions WHERE project_id = ? AND profile_id = ? AND last_event_at >= ? "
            "ORDER BY last_event_at DESC LIMIT 1",
            (event.project_id, event.profile_id, format_timestamp(event.created_at - SESSION_IDLE)),
        ).fetchone()

    if session is not None:
        if not event.from_backend:
            connection.execute(
                "UPDATE sessions SET last_event_at = MAX(last_event_at, ?), "
                "profile_id = CASE WHEN profile_id = '' THEN ? ELSE profile_id END WHERE id = ?",
                (format_timestamp(event.created_at), event.profile_id, session["id"]),
            )
        return Visit(session["device_id"], session["id"], _session_source(session))

    device_id = event.device_candidates[0] if event.device_candidates else ""
    if event.from_backend or not device_id:
        return Visit(device_id, "", event.source)

    session_id = str(uuid.uuid4())
    timestamp = format_timestamp(event.created_at)
    connection.execute(
        "INSERT INTO sessions (id, project_id, device_id, profile_id, started_at, last_event_at, "
        "entry_path, referrer, referrer_name, referrer_type, utm_source, utm_medium, utm_campaign, "
        "utm_term, utm_content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            session_id,
            event.project_id,
            device_id,
            event.profile_id,
            timestamp,
            timestamp,
            event.page.path,
            event.source.referrer,
            event.source.referrer_name,
            event.source.referrer_type,
            *(
                event.source.utm_value(key)
                for key in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
            ),
        ),
    )
    return Visit(device_id, session_id, event.source)


def _insert_event(connection: sqlite3.Connection, event: IncomingEvent, visit: Visit) -> None:
    connection.execute(
        "INSERT INTO events (id, project_id, name, device_id, profile_id, session_id, properties, "
        "created_at, path, origin, referrer, referrer_name, referrer_type, revenue, "
        "idempotency_key, sdk_name, sdk_version, groups) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(uuid.uuid4()),
            event.project_id,
            event.name,
            visit.device_id,
            event.profile_id,
            visit.session_id,
            _json(event.properties),
            format_timestamp(event.created_at),
            event.page.path,
            event.page.origin,
            visit.source.referrer,
            visit.source.referrer_name,
            visit.source.referrer_type,
            event.revenue,
            event.idempotency_key,
            event.sdk_name,
            event.sdk_version,
            _json(list(event.groups)),
        ),
    )


def _event_filters(query: EventQuery) -> tuple[str, list[Any]]:
    clauses = ["project_id = ?"]
    params: list[Any] = [query.project_id]
    if query.names:
        clauses.append(f"name IN ({', '.join('?' for _ in query.names)})")
        params.extend(query.names)
    if query.profile_id is not None:
        # As OpenPanel: the profile's events plus the anonymous events of
        # devices the profile has used.
        clauses.append(
            "(profile_id = ? OR (profile_id = '' AND device_id != '' AND device_id IN "
            "(SELECT device_id FROM events "
            "WHERE project_id = ? AND profile_id = ? AND device_id != '')))"
        )
        params.extend([query.profile_id, query.project_id, query.profile_id])
    if query.start is not None:
        clauses.append("created_at >= ?")
        params.append(query.start)
    if query.end is not None:
        clauses.append("created_at <= ?")
        params.append(query.end)
    return " AND ".join(clauses), params


def _event_document(row: sqlite3.Row) -> dict[str, Any]:
    """Shape a stored event like an event of OpenPanel's export API."""
    return {
        "id": row["id"],
        "name": row["name"],
        "deviceId": row["device_id"],
        # OpenPanel reports an anonymous event's device id as its profile id.
        "profileId": row["profile_id"] or row["device_id"],
        "projectId": row["project_id"],
        "sessionId": row["session_id"],
        "properties": json.loads(row["properties"]),
        "createdAt": row["created_at"],
        "path": row["path"],
        "origin": row["origin"],
        "referrer": row["referrer"],
        "referrerName": row["referrer_name"],
        "referrerType": row["referrer_type"],
        "revenue": row["revenue"] or 0,
        "duration": 0,
        "country": "",
        "city": "",
        "region": "",
        "longitude": None,
        "latitude": None,
        "os": "",
        "osVersion": "",
        "browser": "",
        "browserVersion": "",
        "device": "",
        "brand": "",
        "model": "",
        "importedAt": None,
        "sdkName": row["sdk_name"],
        "sdkVersion": row["sdk_version"],
        "groups": json.loads(row["groups"]),
    }


def _profile_row(
    connection: sqlite3.Connection, project_id: str, profile_id: str
) -> sqlite3.Row | None:
    return connection.execute(
        "SELECT * FROM profiles WHERE project_id = ? AND id = ?", (project_id, profile_id)
    ).fetchone()


def _write_profile(
    connection: sqlite3.Connection,
    project_id: str,
    profile_id: str,
    fields: dict[str, str],
    properties: dict[str, Any],
    existing: sqlite3.Row | None,
    timestamp: str,
    groups: list[str] | None = None,
) -> None:
    if groups is None:
        groups = json.loads(existing["groups"]) if existing else []
    connection.execute(
        "INSERT OR REPLACE INTO profiles (project_id, id, first_name, last_name, email, avatar, "
        "properties, groups, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            project_id,
            profile_id,
            fields["first_name"],
            fields["last_name"],
            fields["email"],
            fields["avatar"],
            _json(properties),
            _json(groups),
            existing["created_at"] if existing else timestamp,
            timestamp,
        ),
    )


def _parse_int_like_javascript(value: Any) -> int | None:
    """Read a value as JavaScript's parseInt(String(value), 10) does, with None for NaN."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return math.trunc(value) if math.isfinite(value) else None
    if isinstance(value, str):
        match = re.match(r"\s*([+-]?\d+)", value)
        if match is None or len(match.group(1)) > MAX_NUMBER_DIGITS:
            # parseInt reads more than 309 digits as Infinity, which is no usable count.
            return None
        return int(match.group(1))
    return None


def _first_touch_label(
    connection: sqlite3.Connection, project_id: str, device_id: str, profile_id: str
) -> str:
    if not device_id and not profile_id:
        return "unattributed"
    session = None
    if device_id:
        session = connection.execute(
            "SELECT * FROM sessions WHERE project_id = ? AND device_id = ? "
            "ORDER BY started_at LIMIT 1",
            (project_id, device_id),
        ).fetchone()
    if session is None and profile_id:
        session = connection.execute(
            "SELECT * FROM sessions WHERE project_id = ? AND (profile_id = ? OR device_id IN "
            "(SELECT device_id FROM events "
            "WHERE project_id = ? AND profile_id = ? AND device_id != '')) "
            "ORDER BY started_at LIMIT 1",
            (project_id, profile_id, project_id, profile_id),
        ).fetchone()
    if session is None:
        return "direct"
    return _session_source(session).label
