"""Check arguments before anything is stored or sent.

Every check raises TypeError for a value of the wrong type and ValueError for
a value of the right type that the OpenPanel API rejects, and each message
names the value and the fix. The code keeps to what MicroPython 1.28 runs:
there ``bool`` is not a subclass of ``int``, so booleans are tested first.
"""

import math

# OpenPanel stores revenue in JavaScript numbers, which hold integers exactly
# only up to Number.MAX_SAFE_INTEGER; the collector rejects larger amounts.
MAX_SAFE_INTEGER = 2**53 - 1

# The collector's limit for ``__idempotencyKey``; longer keys get a 400.
MAX_IDEMPOTENCY_KEY_CHARS = 256

# OpenPanel rejects event names longer than this or containing a line break.
MAX_EVENT_NAME_CHARS = 80

# The OpenPanel API keeps at most 64 characters of a caller-chosen device id.
MAX_DEVICE_ID_CHARS = 64

# Nesting deeper than this in properties is almost always a cycle or a mistake.
MAX_PROPERTY_DEPTH = 16

RESERVED_EVENT_NAMES = ("session_start", "session_end")

# Internal properties that only revenue() and pending_revenue() may set.
REVENUE_PROPERTY = "__revenue"
IDEMPOTENCY_PROPERTY = "__idempotencyKey"
DEVICE_ID_PROPERTY = "__deviceId"

DEVICE_ID_STORAGE_KINDS = ("session", "local", "memory")


def _is_bool(value):
    return value is True or value is False


def _is_int(value):
    return isinstance(value, int) and not _is_bool(value)


def _is_number(value):
    return (_is_int(value) or isinstance(value, float)) and not _is_bool(value)


def check_amount(amount):
    """Return ``amount`` if it is a revenue amount in minor units (cents)."""
    if not _is_int(amount):
        raise TypeError(
            "revenue amount must be a non-negative integer in minor units (cents), got "
            + repr(amount) + ": convert it, for example 19.99 USD is 1999"
        )
    if amount < 0:
        raise ValueError(
            "revenue amount must be a non-negative integer in minor units (cents), got "
            + repr(amount) + ": record refunds as their own event"
        )
    if amount > MAX_SAFE_INTEGER:
        raise ValueError(
            "revenue amount must be at most 2**53 - 1 minor units, got " + repr(amount)
            + ": OpenPanel stores it as a JavaScript number, which would round it"
        )
    return amount


def _has_lone_surrogate(text):
    # CPython and Pyodide refuse to encode a lone surrogate. MicroPython
    # encodes it as the invalid UTF-8 bytes ED A0..BF xx, which fetch would
    # turn into U+FFFD, so those bytes are looked for instead.
    try:
        data = text.encode("utf-8")
    except UnicodeError:
        return True
    start = data.find(b"\xed")
    while start != -1:
        if start + 1 < len(data) and data[start + 1] >= 0xA0:
            return True
        start = data.find(b"\xed", start + 1)
    return False


def check_text(text, where):
    """Raise ValueError if the str ``text`` contains a lone surrogate, which is not valid UTF-8."""
    if _has_lone_surrogate(text):
        raise ValueError(
            where + " contains a lone surrogate (a code point from U+D800 to U+DFFF), which "
            "cannot be sent as UTF-8, got " + repr(text)
            + ": remove it, or decode the source text with errors='replace'"
        )
    return text


def check_event_name(name):
    """Return ``name`` if it can name a tracked event."""
    if not isinstance(name, str):
        raise TypeError("event name must be a str, got " + repr(name))
    if not name.strip():
        raise ValueError("event name must be a non-empty str, got " + repr(name))
    if len(name) > MAX_EVENT_NAME_CHARS:
        raise ValueError(
            "event name must be at most " + str(MAX_EVENT_NAME_CHARS) + " characters, got "
            + str(len(name)) + " characters (" + repr(name[:MAX_EVENT_NAME_CHARS] + "...")
            + "): shorten it and move details into properties"
        )
    if "\n" in name or "\r" in name:
        raise ValueError("event name must not contain a line break, got " + repr(name)
                         + ": remove the line break")
    check_text(name, "event name")
    if name in RESERVED_EVENT_NAMES:
        raise ValueError(
            "event name " + repr(name) + " is reserved by OpenPanel, which creates it itself:"
            + " choose another name"
        )
    return name


def check_json_value(value, where, depth=0):
    """Raise unless ``value`` turns into the same JSON on every interpreter.

    NaN and infinity are rejected because Python writes them as bare ``NaN``
    or ``nan``, which is not JSON and which the server rejects.
    """
    if depth > MAX_PROPERTY_DEPTH:
        raise ValueError(
            where + " is nested more than " + str(MAX_PROPERTY_DEPTH)
            + " levels deep: flatten it or check it for a cycle"
        )
    if value is None or _is_bool(value) or _is_int(value):
        return
    if isinstance(value, str):
        check_text(value, where)
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(where + " must be a finite number, got " + repr(value))
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_json_value(item, where + "[" + str(index) + "]", depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(
                    where + " keys must be str, got " + repr(key) + ": convert the key with str()"
                )
            check_text(key, where + " key")
            check_json_value(item, where + "[" + repr(key) + "]", depth + 1)
        return
    raise TypeError(
        where + " must be JSON-serialisable (None, bool, int, float, str, list or dict), got "
        + type(value).__name__ + " " + repr(value) + ": convert it first, for example with str()"
    )


def check_properties(properties, where="properties"):
    """Return a shallow copy of ``properties`` (a new empty dict for None)."""
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise TypeError(where + " must be a dict, got " + type(properties).__name__ + " "
                        + repr(properties))
    check_json_value(properties, where)
    return dict(properties)


def check_profile_id(profile_id, where="profile_id"):
    """Return ``profile_id`` if it is a non-empty str or an int."""
    if _is_int(profile_id):
        return profile_id
    if not isinstance(profile_id, str):
        raise TypeError(where + " must be a str or int, got " + repr(profile_id))
    if not profile_id.strip():
        raise ValueError(where + " must be a non-empty str, got " + repr(profile_id))
    return check_text(profile_id, where)


def check_device_id(device_id, where="device_id"):
    """Return ``device_id`` trimmed, if it is a str of 1 to 64 characters."""
    if not isinstance(device_id, str):
        raise TypeError(where + " must be a str, got " + repr(device_id))
    trimmed = device_id.strip()
    if not trimmed:
        raise ValueError(where + " must be a non-empty str, got " + repr(device_id))
    if len(trimmed) > MAX_DEVICE_ID_CHARS:
        raise ValueError(
            where + " must be at most " + str(MAX_DEVICE_ID_CHARS)
            + " characters after trimming, got " + str(len(trimmed))
            + ": pass the id that fetch_device_id() returned"
        )
    return check_text(trimmed, where)


def check_idempotency_key(key, where="idempotency_key"):
    """Return ``key`` if it is a non-empty str of at most 256 characters."""
    if not isinstance(key, str):
        raise TypeError(where + " must be a str, got " + repr(key))
    if not key.strip():
        raise ValueError(where + " must be a non-empty str, got " + repr(key))
    if len(key) > MAX_IDEMPOTENCY_KEY_CHARS:
        raise ValueError(
            where + " must be at most " + str(MAX_IDEMPOTENCY_KEY_CHARS) + " characters, got "
            + str(len(key)) + ": use a shorter unique id, such as the order id or a UUID"
        )
    return check_text(key, where)


def check_no_revenue_properties(properties, where, allow_key=False):
    """Raise ValueError if ``properties`` sets ``__revenue`` (or ``__idempotencyKey``).

    Only revenue() and pending_revenue() set them, from their arguments, so a
    revenue always carries an idempotency key and an amount that was checked.
    """
    if REVENUE_PROPERTY in properties:
        raise ValueError(
            where + " must not contain " + repr(REVENUE_PROPERTY) + ", got "
            + repr(properties[REVENUE_PROPERTY])
            + ": call revenue(amount) or pending_revenue(amount) to record revenue"
        )
    if not allow_key and IDEMPOTENCY_PROPERTY in properties:
        raise ValueError(
            where + " must not contain " + repr(IDEMPOTENCY_PROPERTY) + ", got "
            + repr(properties[IDEMPOTENCY_PROPERTY])
            + ": pass idempotency_key to revenue() or pending_revenue() instead"
        )


def check_optional_str(value, where):
    """Return ``value`` if it is None or a non-empty str."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(where + " must be a str, got " + repr(value))
    if not value.strip():
        raise ValueError(where + " must be a non-empty str or None, got " + repr(value))
    return check_text(value, where)


def check_email(email):
    """Return ``email`` if it looks like an e-mail address; the server checks it fully."""
    check_optional_str(email, "email")
    if email is None:
        return None
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or " " in email or "@" in domain:
        raise ValueError("email must be an e-mail address like ada@example.com, got " + repr(email))
    return email


def check_avatar(avatar):
    """Return ``avatar`` if it is None or an http(s) URL."""
    check_optional_str(avatar, "avatar")
    if avatar is None:
        return None
    if not (avatar.startswith("http://") or avatar.startswith("https://")):
        raise ValueError("avatar must be an http:// or https:// URL, got " + repr(avatar))
    return avatar


def check_increment_value(value):
    """Return ``value`` if it is a positive finite number."""
    if not _is_number(value):
        raise TypeError("increment value must be a positive number, got " + repr(value))
    if not math.isfinite(value) or value <= 0:
        raise ValueError(
            "increment value must be a positive number, got " + repr(value)
            + ": use decrement() to lower a property"
        )
    return value


def check_property_name(name):
    """Return ``name`` if it can name a profile property."""
    if not isinstance(name, str):
        raise TypeError("property must be a str, got " + repr(name))
    if not name.strip():
        raise ValueError("property must be a non-empty str, got " + repr(name))
    return check_text(name, "property")


def _is_hex(text):
    for char in text:
        if char not in "0123456789abcdefABCDEF":
            return False
    return True


def check_client_id(client_id):
    """Return ``client_id`` if it has the lowercase UUID form that OpenPanel issues.

    OpenPanel's API returns 401 for a client id that does not match
    ``^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$``, so an
    upper-case id is rejected here rather than on every send.
    """
    if not isinstance(client_id, str):
        raise TypeError("client_id must be a str, got " + repr(client_id))
    groups = client_id.split("-")
    lengths = [len(group) for group in groups]
    if lengths != [8, 4, 4, 4, 12] or not _is_hex(client_id.replace("-", "")):
        raise ValueError(
            "client_id must be the project's client id, a UUID such as "
            "'a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b', got " + repr(client_id)
        )
    if client_id != client_id.lower():
        raise ValueError(
            "client_id must be lowercase, as OpenPanel issues it and its API requires, got "
            + repr(client_id) + ": use " + repr(client_id.lower())
        )
    return client_id


def check_api_url(api_url):
    """Return ``api_url`` without a trailing slash, if it is an http(s) URL."""
    if not isinstance(api_url, str):
        raise TypeError("api_url must be a str, got " + repr(api_url))
    if not (api_url.startswith("http://") or api_url.startswith("https://")):
        raise ValueError(
            "api_url must start with http:// or https://, got " + repr(api_url)
            + ": for OpenPanel cloud use 'https://api.openpanel.dev'"
        )
    root = api_url.rstrip("/")
    host = api_url.split("://", 1)[1].split("/", 1)[0]
    if not host:
        raise ValueError("api_url has no host, got " + repr(api_url)
                         + ": for OpenPanel cloud use 'https://api.openpanel.dev'")
    if "?" in root or "#" in root:
        raise ValueError("api_url must not contain a query or fragment, got " + repr(api_url)
                         + ": pass only the API's base URL")
    if root.endswith("/track"):
        raise ValueError(
            "api_url must be the API's base URL without '/track', got " + repr(api_url)
            + ": use " + repr(root[:-len("/track")]) + ", because the client adds /track itself"
        )
    return root


def check_choice(value, where, choices):
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(where + " must be one of " + repr(choices) + ", got " + repr(value))
    return value


def check_flag(value, where):
    """Return ``value`` if it is True or False."""
    if not _is_bool(value):
        raise TypeError(where + " must be True or False, got " + repr(value))
    return value
