"""The collector's ASGI application: OpenPanel's ingestion and export API plus a dashboard.

    from demo.collector.app import create_app
    app = create_app("var/collector.sqlite3", "demo/projects.toml")
    uvicorn.run(app, host="127.0.0.1", port=8001)

Routes: POST /track, GET /track/device-id, GET /export/events,
GET /healthcheck and GET /dashboard.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import payloads
from .dashboard import render_dashboard
from .projects import CLIENT_ID_PATTERN, Project, build_projects, load_projects
from .store import (
    EventQuery,
    IncomingEvent,
    ProfileNotFoundError,
    PropertyNotNumberError,
    PropertyOutOfRangeError,
    Store,
    TrackResult,
    format_timestamp,
    revenue_currency,
)
from .visitors import cookieless_device_id, is_backend_user_agent, parse_page_url, traffic_source

logger = logging.getLogger("demo.collector")

UTC = timezone.utc
# OpenPanel accepts bodies up to 500 MiB, but this collector stops at 1 MiB.
MAX_BODY_BYTES = 1_048_576
# OpenPanel drops a byte-identical payload from the same IP and origin within this window.
DUPLICATE_WINDOW_S = 0.100
# A `__timestamp` further in the future than this is replaced by the arrival time (as OpenPanel).
MAX_CLOCK_SKEW = timedelta(minutes=1)
# A `__timestamp` before this is replaced by the arrival time too. OpenPanel has
# no lower bound, but such a time comes from a device clock that was reset far
# more often than from an event that was queued that long.
MIN_EVENT_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
# OpenPanel caches CORS preflights for a week.
CORS_MAX_AGE_S = 7 * 24 * 3600
CORS_PATH_PREFIXES = ("/track", "/export")
MAX_EXPORT_LIMIT = 1000
DEFAULT_EXPORT_LIMIT = 50
# Rejections are logged one line each, up to this many per window, then counted.
REJECTION_LOG_LIMIT = 50
REJECTION_LOG_WINDOW_S = 10.0
DATE_ONLY_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Rejection(Exception):
    """A rejected request: its HTTP status and the message sent to the caller and the log."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


ERROR_NAMES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def error_content(status: int, message: str) -> dict[str, Any]:
    return {"status": status, "error": ERROR_NAMES.get(status, "Error"), "message": message}


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse(error_content(status, message), status)


class RejectionLog:
    """Log rejected requests with reason and client id, rate-limited per window."""

    def __init__(self) -> None:
        self._window_start = time.monotonic()
        self._logged = 0
        self._suppressed = 0

    def record(self, request: Request, client_id: str | None, rejection: Rejection) -> None:
        now = time.monotonic()
        if now - self._window_start >= REJECTION_LOG_WINDOW_S:
            if self._suppressed:
                logger.warning(
                    "suppressed %d more rejected-request messages in the last %.0f s",
                    self._suppressed,
                    REJECTION_LOG_WINDOW_S,
                )
            self._window_start, self._logged, self._suppressed = now, 0, 0
        if self._logged >= REJECTION_LOG_LIMIT:
            self._suppressed += 1
            return
        self._logged += 1
        # %r quotes attacker-controlled text so that it cannot forge log lines.
        logger.warning(
            "rejected %s %s with %d: %s (client id %r, origin %r)",
            request.method,
            request.url.path,
            rejection.status,
            rejection.message,
            client_id,
            request.headers.get("origin"),
        )


class DuplicateGuard:
    """Give a byte-identical request that arrives within the window the first one's response.

    A later copy waits for the first copy's outcome instead of being stored,
    so the caller sees the same status and ids either way.
    """

    def __init__(self, window_s: float = DUPLICATE_WINDOW_S):
        self.window_s = window_s
        self._entries: dict[bytes, tuple[float, asyncio.Future]] = {}
        self._next_sweep = 0.0

    def claim(self, key: bytes) -> tuple[bool, asyncio.Future]:
        """Return (True, first copy's future) for a duplicate, else (False, a future to resolve)."""
        now = time.monotonic()
        if now >= self._next_sweep:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            self._next_sweep = now + 1.0
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return True, entry[1]
        future = asyncio.get_running_loop().create_future()
        self._entries[key] = (now + self.window_s, future)
        return False, future


class ScopedCors:
    """Apply OpenPanel's CORS rules to /track and /export: any origin, preflight cached a week.

    The handlers enforce the per-project origin allowlist and return 401 for other origins.
    """

    def __init__(self, app: ASGIApp):
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            max_age=CORS_MAX_AGE_S,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CORS_PATH_PREFIXES):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


@dataclass(frozen=True)
class Caller:
    """The authenticated sender of a request."""

    project: Project
    client_id: str
    used_secret: bool


class Collector:
    """Request handlers sharing the store, the projects and the duplicate guard."""

    def __init__(self, store: Store, projects: list[Project]):
        self.store = store
        self.projects = projects
        self.by_client_id = {project.client_id: project for project in projects}
        self.by_id = {project.id: project for project in projects}
        self.duplicates = DuplicateGuard()
        # SQLite runs one write at a time anyway. One thread runs all ingestion,
        # so concurrent requests wait in this queue instead of contending for
        # the store's lock from many threads.
        self.ingest_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")
        self.rejections = RejectionLog()

    # Authentication

    def authenticate(
        self, request: Request, body: Mapping[str, Any] | None, revenue: bool
    ) -> Caller:
        """Check client id, secret, revenue permission and origin, in OpenPanel's order.

        Unlike OpenPanel, a client secret that is present but wrong is rejected
        even when the origin is allowed, and revenue needs a correct secret
        rather than any secret.
        """
        body = body or {}
        client_id = request.headers.get("openpanel-client-id") or body.get("clientId")
        secret = request.headers.get("openpanel-client-secret") or body.get("clientSecret")
        if not client_id:
            raise Rejection(401, "missing client id: send the openpanel-client-id header")
        if not CLIENT_ID_PATTERN.match(client_id):
            raise Rejection(401, "client id must be a lowercase UUID")
        project = self.by_client_id.get(client_id)
        if project is None:
            raise Rejection(401, "unknown client id")
        if secret and not project.secret_matches(secret):
            raise Rejection(401, "invalid client secret")
        used_secret = bool(secret)
        if revenue and not (used_secret or project.allow_unsafe_revenue_tracking):
            raise Rejection(
                401,
                "revenue tracking requires the client secret unless the project allows "
                "unsafe revenue tracking",
            )
        if not used_secret and not project.origin_allowed(request.headers.get("origin")):
            raise Rejection(
                401,
                "origin not allowed for this project: add it to allowed_origins "
                "or send the client secret",
            )
        return Caller(project, client_id, used_secret)

    def authenticate_export(self, request: Request) -> Project:
        client_id = request.headers.get("openpanel-client-id") or ""
        secret = request.headers.get("openpanel-client-secret") or ""
        if not CLIENT_ID_PATTERN.match(client_id):
            raise Rejection(401, "client id must be a lowercase UUID")
        project = self.by_client_id.get(client_id)
        if project is None:
            raise Rejection(401, "unknown client id")
        if not secret:
            raise Rejection(401, "missing client secret: send the openpanel-client-secret header")
        if not project.secret_matches(secret):
            raise Rejection(401, "invalid client secret")
        return project

    def reject(
        self, request: Request, rejection: Rejection, body: Mapping[str, Any] | None = None
    ) -> JSONResponse:
        client_id = request.headers.get("openpanel-client-id") or (body or {}).get("clientId")
        self.rejections.record(request, client_id, rejection)
        return error_response(rejection.status, rejection.message)

    # Visitor identity

    def device_candidates(
        self, project: Project, request: Request, properties: Mapping[str, Any]
    ) -> tuple[str, ...]:
        """List the device ids an event may belong to, best first (see IncomingEvent)."""
        override = payloads.device_id_override(properties)
        if override:
            return (override,)
        user_agent = request.headers.get("user-agent")
        if is_backend_user_agent(user_agent):
            return ()
        ip = properties.get("__ip") if isinstance(properties.get("__ip"), str) else None
        ip = ip or (request.client.host if request.client else "")
        current, previous = self.store.salts(datetime.now(UTC).date())
        return (
            cookieless_device_id(user_agent or "", ip, project.id, current),
            cookieless_device_id(user_agent or "", ip, project.id, previous),
        )

    def visitor_ids(self, project: Project, request: Request) -> tuple[str, str]:
        """Return (device id, session id) of the calling browser; both "" for a backend."""
        candidates = self.device_candidates(project, request, {})
        live = self.store.live_session(project.id, candidates, datetime.now(UTC))
        if live is not None:
            return live
        return (candidates[0] if candidates else "", "")

    # POST /track

    async def track(self, request: Request) -> Response:
        body = None
        try:
            raw = await read_json_body(request)
            body = payloads.parse_body(raw)
            kind, payload = payloads.validate_body(body)
            properties = (payload.get("properties") or {}) if kind == "track" else {}
            caller = self.authenticate(request, body, revenue="__revenue" in properties)
            if kind == "alias":
                raise Rejection(400, "alias is not supported")
        except payloads.PayloadError as error:
            return self.reject(request, Rejection(400, str(error)), body)
        except Rejection as rejection:
            return self.reject(request, rejection, body)

        origin = request.headers.get("origin")
        if not origin or kind == "replay":
            status, content = await self.dispatch(request, caller, kind, payload)
            return JSONResponse(content, status)

        ip = request.client.host if request.client else ""
        parts = [caller.project.id.encode(), ip.encode(), origin.encode(), raw]
        key = hashlib.sha256(b"\0".join(parts)).digest()
        duplicate, outcome = self.duplicates.claim(key)
        if duplicate:
            logger.info(
                "dropped a duplicate %s payload within %.0f ms (client id %r)",
                kind,
                DUPLICATE_WINDOW_S * 1000,
                caller.client_id,
            )
            status, content = await asyncio.shield(outcome)
            return JSONResponse(content, status)

        # dispatch() turns every error into a status, so only cancellation
        # (the client went away) leaves this default for waiting duplicates.
        result = (500, error_content(500, "request was cancelled"))
        try:
            result = await self.dispatch(request, caller, kind, payload)
        finally:
            outcome.set_result(result)
        status, content = result
        return JSONResponse(content, status)

    async def dispatch(
        self, request: Request, caller: Caller, kind: str, payload: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Run the handler for one payload type and return (status, JSON content)."""
        handler = getattr(self, f"handle_{kind}")
        try:
            loop = asyncio.get_running_loop()
            content = await loop.run_in_executor(
                self.ingest_executor, handler, request, caller, payload
            )
        except Rejection as rejection:
            self.rejections.record(request, caller.client_id, rejection)
            return rejection.status, error_content(rejection.status, rejection.message)
        except Exception:
            logger.exception("storing a %s payload failed (client id %r)", kind, caller.client_id)
            return 500, error_content(500, "storing the event failed")
        return 200, content

    def handle_track(
        self, request: Request, caller: Caller, payload: dict[str, Any]
    ) -> dict[str, str]:
        project = caller.project
        properties = payload.get("properties") or {}
        name = payload["name"]
        is_revenue = name == payloads.REVENUE_EVENT_NAME
        event = IncomingEvent(
            project_id=project.id,
            name=name,
            properties=properties,
            profile_id=profile_id_text(payload.get("profileId")),
            device_candidates=self.device_candidates(project, request, properties),
            from_backend=is_backend_user_agent(request.headers.get("user-agent")),
            created_at=event_time(properties.get("__timestamp"), caller.client_id),
            page=parse_page_url(properties.get("__path")),
            source=traffic_source(properties.get("__path"), properties.get("__referrer")),
            revenue=payloads.revenue_amount(properties) if is_revenue else None,
            idempotency_key=payloads.idempotency_key(properties) if is_revenue else None,
            sdk_name=request.headers.get("openpanel-sdk-name", ""),
            sdk_version=request.headers.get("openpanel-sdk-version", ""),
            groups=tuple(payload.get("groups") or ()),
        )
        result = self.store.record_track(event)
        if result.stored:
            return {"deviceId": result.device_id, "sessionId": result.session_id}
        log_duplicate_revenue(event, result, project.currency, caller.client_id)
        # @openpanel/web 1.4.1 and op_browser read only deviceId and sessionId of this reply.
        return {"deviceId": result.device_id, "sessionId": result.session_id, "duplicate": True}

    def handle_identify(
        self, request: Request, caller: Caller, payload: dict[str, Any]
    ) -> dict[str, str]:
        normalized = {**payload, "profileId": profile_id_text(payload["profileId"])}
        self.store.upsert_profile(caller.project.id, normalized, datetime.now(UTC))
        return self._ids_response(caller, request)

    def handle_increment(
        self, request: Request, caller: Caller, payload: dict[str, Any]
    ) -> dict[str, str]:
        return self._adjust(request, caller, payload, 1)

    def handle_decrement(
        self, request: Request, caller: Caller, payload: dict[str, Any]
    ) -> dict[str, str]:
        return self._adjust(request, caller, payload, -1)

    def _adjust(
        self, request: Request, caller: Caller, payload: dict[str, Any], direction: int
    ) -> dict[str, str]:
        profile_id = profile_id_text(payload["profileId"])
        delta = direction * payload.get("value", 1)
        try:
            self.store.adjust_profile_property(
                caller.project.id, profile_id, payload["property"], delta, datetime.now(UTC)
            )
        except ProfileNotFoundError:
            raise Rejection(404, f"profile {profile_id!r} not found: send identify first") from None
        except PropertyNotNumberError:
            raise Rejection(
                400, f"profile property {payload['property']!r} is not a number"
            ) from None
        except PropertyOutOfRangeError:
            raise Rejection(
                400,
                f"changing profile property {payload['property']!r} by {delta!r} would leave "
                "the 64-bit float range: send a smaller value",
            ) from None
        return self._ids_response(caller, request)

    def handle_group(
        self, request: Request, caller: Caller, payload: dict[str, Any]
    ) -> dict[str, str]:
        self.store.upsert_group(caller.project.id, payload, datetime.now(UTC))
        return self._ids_response(caller, request)

    def handle_assign_group(
        self, request: Request, caller: Caller, payload: dict[str, Any]
    ) -> dict[str, str]:
        device_id, session_id = self.visitor_ids(caller.project, request)
        profile_id = profile_id_text(payload.get("profileId")) or device_id
        if profile_id:
            self.store.assign_groups(
                caller.project.id, profile_id, payload["groupIds"], datetime.now(UTC)
            )
        return {"deviceId": device_id, "sessionId": session_id}

    def handle_replay(
        self, request: Request, caller: Caller, payload: dict[str, Any]
    ) -> dict[str, str]:
        device_id, session_id = self.visitor_ids(caller.project, request)
        session_id = payload.get("sessionId") or session_id
        if not session_id:
            raise Rejection(400, "session id is required for replay: send an event first")
        self.store.store_replay_chunk(caller.project.id, session_id, payload)
        return {"deviceId": device_id, "sessionId": session_id}

    def _ids_response(self, caller: Caller, request: Request) -> dict[str, str]:
        device_id, session_id = self.visitor_ids(caller.project, request)
        return {"deviceId": device_id, "sessionId": session_id}

    # GET /track/device-id

    async def device_id(self, request: Request) -> Response:
        try:
            caller = self.authenticate(request, None, revenue=False)
            if not request.headers.get("user-agent"):
                raise Rejection(400, "missing header: user-agent")
        except Rejection as rejection:
            return self.reject(request, rejection)
        candidates = await run_in_threadpool(self.device_candidates, caller.project, request, {})
        live = await run_in_threadpool(
            self.store.live_session, caller.project.id, candidates, datetime.now(UTC)
        )
        if live is None:
            message = "No session exists for this device id"
            content = {
                "deviceId": candidates[0] if candidates else "",
                "sessionId": "",
                "message": message,
            }
        else:
            salt_day = "current" if live[0] == candidates[0] else "previous"
            content = {
                "deviceId": live[0],
                "sessionId": live[1],
                "message": f"{salt_day} session exists for this device id",
            }
        return JSONResponse(content)

    # GET /export/events

    async def export_events(self, request: Request) -> Response:
        try:
            project = self.authenticate_export(request)
            query = parse_export_query(request, project, self.by_id)
        except Rejection as rejection:
            return self.reject(request, rejection)
        data, total = await run_in_threadpool(self.store.export_events, query)
        meta = {
            "count": len(data),
            "totalCount": total,
            "pages": math.ceil(total / query.limit),
            "current": query.page,
        }
        return JSONResponse({"meta": meta, "data": data})

    # GET /healthcheck and GET /dashboard

    async def healthcheck(self, request: Request) -> Response:
        try:
            ready = await run_in_threadpool(self.store.ping)
        except Exception as error:
            logger.error(
                "healthcheck failed: database %s is not readable: %s", self.store.path, error
            )
            ready = False
        return JSONResponse({"ready": ready, "db": ready}, 200 if ready else 503)

    async def dashboard(self, request: Request) -> Response:
        requested = request.query_params.get("project")
        project = self.by_id.get(requested) if requested else self.projects[0]
        if project is None:
            return HTMLResponse(
                "<!doctype html><title>Not found</title><p>No such project.</p>", 404
            )
        rows = await run_in_threadpool(self.store.revenue_rows, project.id, project.currency)
        page = render_dashboard(project, self.projects, rows, datetime.now(UTC))
        return HTMLResponse(page)


async def read_json_body(request: Request) -> bytes:
    """Read a JSON request body; raise 400 for other media types and 413 above MAX_BODY_BYTES."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Rejection(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise Rejection(400, f"content type must be application/json, got {media_type or 'none'!r}")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Rejection(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def log_duplicate_revenue(
    event: IncomingEvent, result: TrackResult, default_currency: str, client_id: str
) -> None:
    """Log a revenue that was not stored again: INFO for a retry, WARNING if its amount differs.

    Retries must stay safe, so a differing copy still gets 200. This line is
    how the operator learns that two sales may share one idempotency key.
    """
    amount = (event.revenue, revenue_currency(event.properties, default_currency))
    first_properties = result.first_properties or {}
    first_amount = (result.first_revenue, revenue_currency(first_properties, default_currency))
    if amount == first_amount:
        logger.info(
            "revenue with idempotency key %r is already stored, so it was not stored again "
            "(client id %r)",
            event.idempotency_key,
            client_id,
        )
        return
    logger.warning(
        "revenue with idempotency key %r was not stored: the stored revenue with that key is "
        "%s %s but this one is %s %s, so check that the key is unique to one sale (client id %r)",
        event.idempotency_key,
        first_amount[0],
        first_amount[1],
        amount[0],
        amount[1],
        client_id,
    )


def profile_id_text(value: Any) -> str:
    """Spell a profile id as JavaScript's String() does, so 42 and 42.0 both become "42"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_time(text: str) -> datetime | None:
    """Parse an ISO 8601 time as UTC (UTC when it has no offset), or return None if invalid.

    Times that UTC cannot represent, such as 0001-01-01T00:00:00+01:00, are invalid.
    """
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def event_time(timestamp: Any, client_id: str) -> datetime:
    """Use `__timestamp` (queued events) when it lies from MIN_EVENT_TIME to now + MAX_CLOCK_SKEW.

    Like OpenPanel, this uses the arrival time for an invalid or future time, and
    unlike OpenPanel also for a time before MIN_EVENT_TIME.
    """
    now = datetime.now(UTC)
    if not isinstance(timestamp, str):
        return now
    moment = parse_time(timestamp)
    if moment is not None and MIN_EVENT_TIME <= moment <= now + MAX_CLOCK_SKEW:
        return moment
    logger.info(
        "used the arrival time instead of __timestamp %.80r, which is invalid, before %s "
        "or more than %.0f s in the future (client id %r)",
        timestamp,
        MIN_EVENT_TIME.date().isoformat(),
        MAX_CLOCK_SKEW.total_seconds(),
        client_id,
    )
    return now


def parse_export_query(
    request: Request, project: Project, projects_by_id: Mapping[str, Project]
) -> EventQuery:
    params = request.query_params
    requested = params.get("projectId") or params.get("project_id")
    if requested and requested != project.id:
        if requested in projects_by_id:
            raise Rejection(403, f"this client has no access to project {requested!r}")
        raise Rejection(404, f"project {requested!r} not found")
    names = tuple(name for key in ("event", "event[]") for name in params.getlist(key) if name)
    profile_id = params.get("profileId") or None
    start = _bound(params.get("start"), "start", end=False)
    end = _bound(params.get("end"), "end", end=True)
    # OpenPanel's export controller clamps both instead of rejecting them.
    page = max(_integer(params.get("page"), "page", 1), 1)
    limit = min(
        max(_integer(params.get("limit"), "limit", DEFAULT_EXPORT_LIMIT), 1), MAX_EXPORT_LIMIT
    )
    return EventQuery(project.id, names, profile_id, start, end, page, limit)


def _integer(text: str | None, name: str, default: int) -> int:
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise Rejection(400, f"query parameter {name} must be an integer, got {text!r}") from None


def _bound(text: str | None, name: str, *, end: bool) -> str | None:
    """Turn `start` or `end` into an inclusive bound, where a bare date covers the whole UTC day."""
    if not text:
        return None
    if DATE_ONLY_PATTERN.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
        if day is not None:
            clock = time_of_day(23, 59, 59, 999_000) if end else time_of_day(0)
            return format_timestamp(datetime.combine(day, clock, tzinfo=UTC))
    moment = parse_time(text)
    if moment is None:
        raise Rejection(
            400, f"query parameter {name} must be an ISO 8601 date or date-time, got {text!r}"
        )
    return format_timestamp(moment)


def create_app(
    db_path: str | Path,
    projects: str | Path | Iterable[Project | Mapping[str, Any]],
) -> Starlette:
    """Build the collector app on the SQLite file `db_path` (created if missing).

    `projects` is the path of a projects TOML file, or a list of Project
    objects or `[[projects]]`-style mappings. Raises ProjectConfigError for a
    bad project list.
    """
    if isinstance(projects, (str, Path)):
        project_list = load_projects(projects)
    else:
        project_list = build_projects(projects)
    store = Store(db_path)
    collector = Collector(store, project_list)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        logger.info(
            "collector started: database %s, schema version %d, projects %s",
            store.path,
            store.schema_version,
            ", ".join(f"{p.id} (client id {p.client_id})" for p in project_list),
        )
        try:
            yield
        finally:
            collector.ingest_executor.shutdown(wait=True)
            store.close()
            logger.info("collector stopped")

    routes = [
        Route("/track", collector.track, methods=["POST"]),
        Route("/track/device-id", collector.device_id, methods=["GET"]),
        Route("/export/events", collector.export_events, methods=["GET"]),
        Route("/healthcheck", collector.healthcheck, methods=["GET"]),
        Route("/dashboard", collector.dashboard, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.collector = collector
    app.state.store = store
    app.add_middleware(ScopedCors)
    return app
