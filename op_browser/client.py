"""The OpenPanel client: the public API, on top of the interpreter-neutral core.

Every method that sends starts its request before it returns and returns a
handle: ``await handle`` returns the server's response body, or raises SendError once
the retries are used up (the give-up is logged either way). Nothing has to
await a handle for its request to go out.
"""

import asyncio
import time

from .errors import SendError
from .event_queue import EventQueue, QueuedSend
from .payloads import (
    DEVICE_ID_KEY,
    PROFILE_ID_KEY,
    counter_message,
    encode,
    identify_message,
    merged,
    revenue_properties,
    track_message,
    uuid4_from_bytes,
    with_profile_id,
    with_timestamp,
)
from .pending import REJECTED_REVENUES_KEY, FlushResult, PendingRevenues, entry_key
from .retry import REQUEST_TIMEOUT_S
from .storage import GuardedStorage, MemoryStorage
from .transport import send_with_retries
from .validation import (
    DEVICE_ID_PROPERTY,
    DEVICE_ID_STORAGE_KINDS,
    IDEMPOTENCY_PROPERTY,
    MAX_DEVICE_ID_CHARS,
    check_amount,
    check_api_url,
    check_avatar,
    check_choice,
    check_client_id,
    check_device_id,
    check_email,
    check_event_name,
    check_flag,
    check_idempotency_key,
    check_increment_value,
    check_no_revenue_properties,
    check_optional_str,
    check_profile_id,
    check_properties,
    check_property_name,
)
from .version import VERSION

DEFAULT_API_URL = "https://api.openpanel.dev"
DEFAULT_SDK_NAME = "op_browser"
DEVICE_ID_STORAGE_KEY = "op_browser-device-id"
# Added to a pending revenue's lease on top of the time its next attempt may
# take, to cover clock steps and slow storage.
LEASE_MARGIN_S = 5.0
# Statuses with which the server rejects a request for its content, so the
# same pending revenue would be rejected on every flush. 401 is not here: a
# configuration change (secret, allowed origins, unsafe revenue) can fix it.
REJECTED_CONTENT_STATUSES = (400, 413, 422)


def _default_platform(debug):
    # A browser interpreter (Pyodide or MicroPython) has the ``js`` module
    # with fetch; CPython has neither.
    try:
        import js
    except ImportError:
        js = None
    if js is not None and hasattr(js, "fetch"):
        from .browser import BrowserPlatform

        return BrowserPlatform(debug)
    from .cpython import CPythonPlatform

    return CPythonPlatform(debug)


class OpenPanel:
    """Send analytics events and revenue to OpenPanel.

    In a browser::

        op = OpenPanel(client_id="...", api_url="https://api.openpanel.dev")
        op.track("add_to_cart", {"sku": "tee-01"})

    On a CPython backend, with the ``server`` extra (httpx) installed::

        op = OpenPanel(client_id="...", client_secret="...")
        op.revenue(1999, {"currency": "USD"}, device_id=device_id).result()

    Options:
        api_url: the OpenPanel API, without ``/track``.
        client_secret: the project's secret, CPython only; a browser raises
            ValueError because anyone can read a page's source.
        disabled: hold every send until ready() is called.
        wait_for_profile: hold every send until identify() or ready().
        filter: ``filter(message) -> bool``; a message for which it returns
            False is not sent, and its handle returns None.
        debug: in a browser, also log debug and info messages to the console.
        device_id_storage: where the browser keeps the device id: "session"
            (sessionStorage, the default), "local" or "memory".
        device_id_from_server: ask ``GET /track/device-id`` for the device id
            in fetch_device_id() instead of generating one.
        sdk_name: the ``openpanel-sdk-name`` header.
        track_screen_views: browser page only; send ``screen_view()`` on
            start-up and after each history.pushState, history.replaceState
            and popstate.
        track_hash_changes: with track_screen_views, send a screen view after
            each hash change instead of each history change.
        track_outgoing_links: browser page only; send ``link_out`` with
            ``href`` and ``text`` when a link to another host is clicked.
        track_attributes: browser page only; a click on a button or link with
            ``data-track="name"`` sends the event ``name`` with its other
            ``data-*`` attributes as camelCase properties.

    The ``track_*`` options raise ValueError outside a page with a document
    (CPython, a web worker), and close() stops them.
    """

    def __init__(self, client_id=None, api_url=DEFAULT_API_URL, client_secret=None,
                 disabled=False, wait_for_profile=False, filter=None, debug=False,
                 device_id_storage="session", device_id_from_server=False,
                 sdk_name=DEFAULT_SDK_NAME, track_screen_views=False,
                 track_hash_changes=False, track_outgoing_links=False, track_attributes=False,
                 _platform=None):
        check_client_id(client_id)
        self._api_url = check_api_url(api_url)
        check_choice(device_id_storage, "device_id_storage", DEVICE_ID_STORAGE_KINDS)
        check_optional_str(sdk_name, "sdk_name")
        if filter is not None and not callable(filter):
            raise TypeError("filter must be a callable taking the message dict, got "
                            + repr(filter))
        autotrack_options = {
            "track_screen_views": check_flag(track_screen_views, "track_screen_views"),
            "track_hash_changes": check_flag(track_hash_changes, "track_hash_changes"),
            "track_outgoing_links": check_flag(track_outgoing_links, "track_outgoing_links"),
            "track_attributes": check_flag(track_attributes, "track_attributes"),
        }
        if track_hash_changes and not track_screen_views:
            raise ValueError("track_hash_changes=True needs track_screen_views=True, because it "
                             "only chooses what counts as a new screen view")

        self._platform = _platform if _platform is not None else _default_platform(debug)
        self._log = self._platform.log
        if client_secret is not None:
            if self._platform.is_browser:
                raise ValueError(
                    "client_secret must not be used in a browser, where anyone can read it in "
                    "the page source: send revenue from your backend with the secret, or "
                    "enable 'allow unsafe revenue tracking' for the project and leave it out"
                )
            check_optional_str(client_secret, "client_secret")

        self._headers = {
            "Content-Type": "application/json",
            "openpanel-client-id": client_id,
            "openpanel-sdk-name": sdk_name,
            "openpanel-sdk-version": VERSION,
        }
        if client_secret is not None:
            self._headers["openpanel-client-secret"] = client_secret

        self._disabled = bool(disabled)
        self._wait_for_profile = bool(wait_for_profile)
        self._filter = filter
        self._device_id_from_server = bool(device_id_from_server)
        self._profile_id = None
        self._global_properties = {}
        self._server_device_id = ""
        self._device_id = None
        self._queue = EventQueue(self._log)

        page = self._platform.page()
        # @openpanel/web sends the referrer with every event and the last
        # screen_view path with every track event ("" before the first).
        self._last_path = "" if page is not None else None
        if page is not None:
            self._global_properties["__referrer"] = page["referrer"]

        session_storage = GuardedStorage(
            self._platform.open_storage("session"), "sessionStorage", self._log)
        self._device_storage = self._open_device_storage(device_id_storage, session_storage)
        self._pending = PendingRevenues(
            session_storage, self._new_id(), self._new_id, time.time, self._log,
            self._platform.lock)
        # Read the stored pending revenues once now, so unreadable storage is
        # reported at start-up and revenues from other SDKs get their keys.
        self._pending.stored()

        self._autotrack = None
        self._start_autotrack(page, autotrack_options)

    def _start_autotrack(self, page, options):
        enabled = [name for name, value in options.items() if value]
        if not enabled:
            return
        if page is None:
            raise ValueError(
                ", ".join(enabled) + " needs a browser page with a document and history, and "
                "this interpreter has none: call screen_view(path) and track() yourself instead"
            )
        self._autotrack = self._platform.start_autotrack(self, options)

    def _open_device_storage(self, kind, session_storage):
        if kind == "session":
            return session_storage
        if kind == "memory":
            return MemoryStorage()
        return GuardedStorage(self._platform.open_storage("local"), "localStorage", self._log)

    def _new_id(self):
        return uuid4_from_bytes(self._platform.random_bytes(16))

    # ------------------------------------------------------------ device id

    def _event_device_id(self):
        """Return the ``__deviceId`` to send with events, or None to let the server choose."""
        if not self._platform.is_browser:
            return None
        if self._device_id is None:
            stored = self._device_storage.get_item(DEVICE_ID_STORAGE_KEY)
            if isinstance(stored, str) and 0 < len(stored.strip()) <= MAX_DEVICE_ID_CHARS:
                self._device_id = stored.strip()
            elif not self._device_id_from_server:
                self._device_id = self._new_id()
                self._device_storage.set_item(DEVICE_ID_STORAGE_KEY, self._device_id)
        return self._device_id

    def get_device_id(self):
        """Return the device id events carry, or "" if there is none yet.

        In a browser that is the id kept in ``device_id_storage``; on CPython,
        which has no visitor, it is the ``deviceId`` of the last server response.
        """
        return self._event_device_id() or self._server_device_id

    def fetch_device_id(self):
        """Return a handle whose result is the device id to put in checkout metadata.

        Without ``device_id_from_server`` no request is made. With it, the
        first call requests ``GET {api_url}/track/device-id`` and stores its ``deviceId``.
        """
        known = self._event_device_id()
        if known is not None or not self._device_id_from_server:
            return self._platform.completed(self.get_device_id())
        url = self._api_url + "/track/device-id"
        headers = dict(self._headers)
        headers.pop("Content-Type")

        def start_attempt():
            return self._platform.start_get(url, headers, REQUEST_TIMEOUT_S)

        first = start_attempt()
        return self._platform.spawn(self._receive_device_id(start_attempt, first))

    async def _receive_device_id(self, start_attempt, first):
        response = await send_with_retries(start_attempt, "GET /track/device-id", self._log,
                                           first)
        device_id = response.get("deviceId")
        if not isinstance(device_id, str) or not device_id.strip():
            raise SendError("GET /track/device-id returned no deviceId: " + repr(response))
        device_id = check_device_id(device_id, "the server's deviceId")
        if self._platform.is_browser:
            self._device_id = device_id
            self._device_storage.set_item(DEVICE_ID_STORAGE_KEY, device_id)
        else:
            self._server_device_id = device_id
        return device_id

    # ------------------------------------------------------------ sending

    def _should_queue(self):
        return self._disabled or (self._wait_for_profile and self._profile_id is None)

    def _start_post(self, message, label, before_retry=None):
        """Put the first attempt on the wire now; return the coroutine that finishes the send."""
        url = self._api_url + "/track"
        body = encode(message)
        headers = self._headers

        def start_attempt():
            return self._platform.start_post(url, headers, body, REQUEST_TIMEOUT_S)

        first = start_attempt()
        return self._finish_post(start_attempt, first, label, before_retry)

    async def _finish_post(self, start_attempt, first, label, before_retry):
        response = await send_with_retries(start_attempt, label, self._log, first, before_retry)
        device_id = response.get("deviceId")
        if isinstance(device_id, str):
            self._server_device_id = device_id
        return response

    def _submit(self, message, label):
        """Filter, hold or send one message; return its handle."""
        if self._filter is not None and not self._filter(message):
            self._log.debug("filter skipped " + label)
            return self._platform.completed(None)
        if not self._should_queue():
            self._log.debug("sending " + label)
            return self._platform.spawn(self._start_post(message, label))

        held = with_timestamp(message, self._platform.now_iso())
        handle = self._platform.deferred()

        def start():
            final = with_profile_id(held, self._profile_id)
            handle._start(self._start_post(final, label))

        def drop(reason):
            handle._fail(SendError(reason, event=label))

        is_revenue = message["type"] == "track" and message["payload"]["name"] == "revenue"
        with self._platform.lock:
            self._queue.add(QueuedSend(label, start, drop, is_revenue))
        self._platform.hold_until_exit(id(self), self._give_up_held)
        self._log.debug("holding " + label + " until ready() or identify()")
        return handle

    def _release_queue(self):
        if self._should_queue():
            return
        with self._platform.lock:
            held = self._queue.drain()
        self._platform.release_at_exit(id(self))
        for item in held:
            item.start()

    def _hold_reason(self):
        if self._disabled:
            return "it was held by disabled=True and ready() was never called"
        return "it was held by wait_for_profile=True and neither identify() nor ready() was called"

    def _give_up_held(self, when):
        """Fail and log every held send; the platform calls this ``when`` it must stop."""
        with self._platform.lock:
            held = self._queue.drain()
        self._platform.release_at_exit(id(self))
        for item in held:
            reason = "gave up " + item.label + " " + when + ": " + self._hold_reason()
            if item.is_revenue:
                reason += ", so this revenue was not sent"
            self._log.error(reason)
            item.drop(reason)

    # ------------------------------------------------------------ events

    def _page_properties(self):
        return {"__path": self._last_path} if self._last_path is not None else None

    def _track_message(self, name, properties, profile_id):
        """Build a track message the way @openpanel/web does: globals, properties, path."""
        if profile_id is None:
            profile_id = self._profile_id
        all_properties = merged(self._global_properties, properties, self._page_properties())
        return track_message(name, all_properties, profile_id, self._event_device_id())

    def _lift_profile_id(self, properties, profile_id):
        # @openpanel/web takes profileId out of the properties into the payload.
        lifted = properties.pop(PROFILE_ID_KEY, None)
        if profile_id is not None:
            return check_profile_id(profile_id)
        if lifted is not None:
            return check_profile_id(lifted, "properties['profileId']")
        return None

    def _lift_device_id(self, properties, device_id):
        # @openpanel/web turns properties.deviceId of a revenue into __deviceId.
        lifted = properties.pop(DEVICE_ID_KEY, None)
        internal = properties.pop(DEVICE_ID_PROPERTY, None)
        if device_id is not None:
            return check_device_id(device_id)
        if lifted is not None:
            return check_device_id(lifted, "properties['deviceId']")
        if internal is not None:
            return check_device_id(internal, "properties['__deviceId']")
        return None

    def track(self, name, properties=None, profile_id=None):
        """Send an event; return its handle.

        The name "revenue" and the properties ``__revenue`` and
        ``__idempotencyKey`` raise ValueError: use revenue() or pending_revenue().
        """
        check_event_name(name)
        if name == "revenue":
            raise ValueError(
                "track('revenue') would send a revenue without a checked amount or an "
                "idempotency key: call revenue(amount, properties) or pending_revenue() instead"
            )
        properties = check_properties(properties)
        check_no_revenue_properties(properties, "properties")
        if DEVICE_ID_PROPERTY in properties:
            properties[DEVICE_ID_PROPERTY] = check_device_id(
                properties[DEVICE_ID_PROPERTY], "properties['__deviceId']")
        profile_id = self._lift_profile_id(properties, profile_id)
        message = self._track_message(name, properties, profile_id)
        return self._submit(message, "event " + repr(name))

    def screen_view(self, path=None, properties=None):
        """Send a ``screen_view`` event for ``path`` (default: the page's URL).

        Like @openpanel/web, a repeat of the last path sends nothing and
        returns a handle whose result is None.
        """
        page = self._platform.page()
        if path is None:
            if page is None:
                raise ValueError("screen_view() needs a path outside a browser, got None")
            path = page["href"]
        check_optional_str(path, "path")
        properties = check_properties(properties)
        if path == self._last_path:
            return self._platform.completed(None)
        self._last_path = path
        properties["__path"] = path
        if page is not None:
            properties["__title"] = page["title"]
        return self.track("screen_view", properties)

    def identify(self, profile_id, email=None, first_name=None, last_name=None, avatar=None,
                 properties=None):
        """Link this visitor to ``profile_id``; send the profile if any detail is given.

        Later events carry the profile id, and sends held by
        ``wait_for_profile`` go out now.
        """
        check_profile_id(profile_id)
        traits = {
            "email": check_email(email),
            "firstName": check_optional_str(first_name, "first_name"),
            "lastName": check_optional_str(last_name, "last_name"),
            "avatar": check_avatar(avatar),
        }
        if properties is not None:
            properties = check_properties(properties)
            check_no_revenue_properties(properties, "properties")

        self._profile_id = profile_id
        self._release_queue()

        has_details = properties is not None
        for value in traits.values():
            if value is not None:
                has_details = True
        if not has_details:
            return self._platform.completed(None)
        all_properties = merged(self._global_properties, properties)
        message = identify_message(profile_id, traits, all_properties)
        return self._submit(message, "identify " + repr(profile_id))

    def set_global_properties(self, properties):
        """Add ``properties`` to every later event (later calls win on equal keys)."""
        if properties is None:
            raise TypeError("set_global_properties() needs a dict, got None")
        properties = check_properties(properties)
        check_no_revenue_properties(properties, "global properties")
        if DEVICE_ID_PROPERTY in properties:
            raise ValueError(
                "global properties must not contain '__deviceId', got "
                + repr(properties[DEVICE_ID_PROPERTY]) + ", because it would give every event "
                "that device: choose device_id_storage, or pass device_id to revenue()"
            )
        self._global_properties = merged(self._global_properties, properties)

    def increment(self, profile_id, property, value=1):
        """Add ``value`` to a numeric property of a profile; return the handle."""
        return self._counter("increment", profile_id, property, value)

    def decrement(self, profile_id, property, value=1):
        """Subtract ``value`` from a numeric property of a profile; return the handle."""
        return self._counter("decrement", profile_id, property, value)

    def _counter(self, kind, profile_id, property_name, value):
        check_profile_id(profile_id)
        check_property_name(property_name)
        check_increment_value(value)
        message = counter_message(kind, profile_id, property_name, value)
        return self._submit(message, kind + " " + repr(property_name) + " of " + repr(profile_id))

    # ------------------------------------------------------------ revenue

    def _revenue_message(self, amount, properties, device_id, profile_id, key):
        revenue = revenue_properties(amount, properties, device_id, key)
        return self._track_message("revenue", revenue, profile_id)

    def _revenue_key(self, properties, idempotency_key):
        stored = properties.pop(IDEMPOTENCY_PROPERTY, None)
        if idempotency_key is not None:
            return check_idempotency_key(idempotency_key)
        if stored is not None:
            return check_idempotency_key(stored, "properties['__idempotencyKey']")
        return self._new_id()

    def revenue(self, amount, properties=None, device_id=None, profile_id=None,
                idempotency_key=None):
        """Send a revenue of ``amount`` minor units (cents); return its handle.

        ``idempotency_key`` (default: a new UUID) goes out as the property
        ``__idempotencyKey``, so a collector can tell a repeat from a new sale.
        Without ``device_id``, a browser sends its own device id.
        """
        check_amount(amount)
        properties = check_properties(properties)
        check_no_revenue_properties(properties, "properties", allow_key=True)
        device_id = self._lift_device_id(properties, device_id)
        profile_id = self._lift_profile_id(properties, profile_id)
        key = self._revenue_key(properties, idempotency_key)
        message = self._revenue_message(amount, properties, device_id, profile_id, key)
        return self._submit(message, "revenue " + str(amount) + " (idempotency key " + key + ")")

    def pending_revenue(self, amount, properties=None, device_id=None, profile_id=None,
                        idempotency_key=None):
        """Store a revenue in sessionStorage until flush_revenue(); return its idempotency key.

        A second call with a key that is already stored adds nothing, so an
        order id as key makes a double click harmless.
        """
        check_amount(amount)
        properties = check_properties(properties)
        check_no_revenue_properties(properties, "properties", allow_key=True)
        device_id = self._lift_device_id(properties, device_id)
        profile_id = self._lift_profile_id(properties, profile_id)
        key = self._revenue_key(properties, idempotency_key)
        # Stored in @openpanel/web's spelling, so either SDK can flush it.
        if device_id is not None:
            properties[DEVICE_ID_KEY] = device_id
        if profile_id is not None:
            properties[PROFILE_ID_KEY] = profile_id
        properties[IDEMPOTENCY_PROPERTY] = key
        if self._pending.add(amount, properties):
            self._log.debug("stored pending revenue " + str(amount) + " (idempotency key " + key
                            + ")")
        else:
            self._log.info("pending revenue with idempotency key " + key
                           + " is already stored; not added again")
        return key

    def flush_revenue(self):
        """Send every stored pending revenue; return a handle whose result is a FlushResult.

        Only revenues the server acknowledged leave storage, except those it
        rejected for their content (400, 413, 422) or that fail the client's
        checks: they move to ``op_browser-rejected-revenues`` and are reported
        as ``rejected``. Revenues that another flush is sending are skipped
        and reported as ``in_flight``.
        """
        if not self._should_queue():
            return self._platform.spawn(self._start_flush())

        handle = self._platform.deferred()

        def start():
            handle._start(self._start_flush())

        def drop(reason):
            handle._fail(SendError(reason, event="flush_revenue()"))

        with self._platform.lock:
            self._queue.add(QueuedSend("flush_revenue()", start, drop, True))
        self._platform.hold_until_exit(id(self), self._give_up_held)
        self._log.info("flush_revenue() waits for ready() or identify(); pending revenues stay "
                       "stored until then")
        return handle

    def _start_flush(self):
        """Lease the pending revenues and start sending them; return the finishing coroutine."""
        claimed, busy = self._pending.claim(REQUEST_TIMEOUT_S + LEASE_MARGIN_S)
        deliveries = [self._start_delivery(entry) for entry in claimed]
        return self._finish_flush(deliveries, busy)

    def _start_delivery(self, entry):
        key = entry_key(entry)
        try:
            check_idempotency_key(key, "stored properties['__idempotencyKey']")
            properties = dict(entry["properties"])
            device_id = self._lift_device_id(properties, None)
            profile_id = self._lift_profile_id(properties, None)
            properties.pop(IDEMPOTENCY_PROPERTY)
            message = self._revenue_message(entry["amount"], properties, device_id, profile_id, key)
        except (TypeError, ValueError) as error:
            return self._reject_stored(entry, key, error)

        def before_retry(delay_s):
            self._pending.renew(key, delay_s + REQUEST_TIMEOUT_S + LEASE_MARGIN_S)

        label = "pending revenue " + str(entry["amount"]) + " (idempotency key " + key + ")"
        sending = self._start_post(message, label, before_retry)
        return self._deliver(entry, key, sending)

    def _move_to_rejected(self, entry, key, reason, status):
        """Move a pending revenue that can never be accepted aside; return the flush outcome."""
        record = self._pending.reject(key, reason, status)
        if record is None:
            return entry, reason, False
        self._log.error(
            "moved pending revenue " + str(entry["amount"]) + " (idempotency key " + key
            + ") to " + repr(REJECTED_REVENUES_KEY) + " because it can never be accepted: "
            + reason + "; fix the code that stored it, and read rejected_revenues() to "
            "recover it"
        )
        return record, reason, True

    async def _reject_stored(self, entry, key, error):
        return self._move_to_rejected(entry, key, "stored entry is invalid: " + str(error), None)

    async def _deliver(self, entry, key, sending):
        try:
            await sending
        except SendError as error:
            if error.status in REJECTED_CONTENT_STATUSES:
                return self._move_to_rejected(entry, key, error.reason, error.status)
            self._pending.settle(key, False)
            return entry, error.reason, False
        except Exception as error:
            reason = "unexpected error: " + repr(error)
            self._log.error("kept pending revenue " + key + " after an " + reason)
            self._pending.settle(key, False)
            return entry, reason, False
        self._pending.settle(key, True)
        return entry, None, False

    async def _finish_flush(self, deliveries, busy):
        outcomes = await asyncio.gather(*deliveries) if deliveries else []
        sent = []
        failed = []
        rejected = []
        for entry, reason, was_rejected in outcomes:
            if was_rejected:
                rejected.append(entry)
            elif reason is None:
                sent.append(entry)
            else:
                failure = dict(entry)
                failure["reason"] = reason
                failed.append(failure)
        result = FlushResult(sent, failed, busy, self._pending.stored(), rejected)
        self._log.info("flush_revenue(): " + repr(result))
        return result

    def clear_revenue(self):
        """Remove every pending revenue without sending it (for a cancelled checkout)."""
        self._pending.clear()
        self._log.debug("cleared pending revenues")

    def pending_revenues(self):
        """Return copies of the stored pending revenues."""
        return self._pending.stored()

    def rejected_revenues(self):
        """Return the revenues that flush_revenue() moved aside because they can never be sent.

        Each is ``{"amount", "properties", "reason", "status"}``, kept under
        ``op_browser-rejected-revenues`` until the page removes that key.
        """
        return self._pending.rejected()

    # ------------------------------------------------------------ state

    def ready(self):
        """Stop holding sends (``disabled``, ``wait_for_profile``) and send the held ones."""
        self._disabled = False
        self._wait_for_profile = False
        self._release_queue()

    def close(self):
        """Stop automatic tracking: remove the listeners of the ``track_*`` options.

        Restores history.pushState and replaceState and frees the JavaScript
        proxies. A page hide that leaves the page for good does the same.
        Sending calls keep working afterwards.
        """
        if self._autotrack is not None:
            self._autotrack.stop()
            self._autotrack = None

    def clear(self):
        """Forget the profile id and the device id, as on log-out.

        Automatic tracking goes on, as in @openpanel/web; close() stops it.
        """
        self._profile_id = None
        self._device_id = None
        self._server_device_id = ""
        if self._last_path is not None:
            self._last_path = ""
        self._device_storage.remove_item(DEVICE_ID_STORAGE_KEY)

