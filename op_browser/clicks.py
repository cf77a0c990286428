"""Turn what a click hit into the event @openpanel/web 1.4.1 sends for it.

The browser adapter reads the clicked element's link and attributes; these
rules decide the event and run on every interpreter, so CPython tests them too.
"""

ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
DATA_PREFIX = "data-"
TRACK_ATTRIBUTE = "data-track"


def camel_case(name):
    """Return ``name`` with each "-x" or "_x" (x an ASCII letter) turned into "X".

    The same rule as @openpanel/web 1.4.1, so ``product-id`` becomes
    ``productId`` and ``a--b`` becomes ``a-B``.
    """
    result = []
    index = 0
    while index < len(name):
        char = name[index]
        following = name[index + 1] if index + 1 < len(name) else ""
        if char in "-_" and following and following in ASCII_LETTERS:
            result.append(following.upper())
            index += 2
        else:
            result.append(char)
            index += 1
    return "".join(result)


def link_out_properties(link, page_hostname):
    """Return ``{"href", "text"}`` for a click on a link to another host, else None.

    ``link`` has the anchor's raw ``href`` attribute, the ``hostname`` that
    ``new URL(href)`` gives (None if it threw), the anchor's ``text``
    (innerText) and ``title``, and the clicked element's ``targetAlt`` and
    ``targetTitle``. Like @openpanel/web, only an href that starts with
    "http" counts, and the port is ignored. The text is the first non-empty
    one of innerText, the anchor's title, the clicked element's alt and its
    title. If all are empty, it is the last of them (None when missing).
    """
    href = link.get("href")
    if not isinstance(href, str) or not href.startswith("http"):
        return None
    hostname = link.get("hostname")
    if hostname is None or hostname == page_hostname:
        return None
    text = (link.get("text") or link.get("title") or link.get("targetAlt")
            or link.get("targetTitle"))
    return {"href": href, "text": text}


def _attribute(attributes, wanted):
    for name, value in attributes:
        if name == wanted:
            return value
    return None


def tracked_click(button_attributes, anchor_attributes):
    """Return ``(event name, properties)`` for a click on a ``data-track`` element, else None.

    Each argument is the ``[name, value]`` attribute list of the closest
    button or link around the clicked element, or None. As in @openpanel/web,
    the button wins when both have a non-empty ``data-track``, and every other
    ``data-*`` attribute becomes a property named in camelCase.
    """
    for attributes in (button_attributes, anchor_attributes):
        if attributes is None:
            continue
        event_name = _attribute(attributes, TRACK_ATTRIBUTE)
        if not event_name:
            continue
        properties = {}
        for name, value in attributes:
            if name.startswith(DATA_PREFIX) and name != TRACK_ATTRIBUTE:
                properties[camel_case(name[len(DATA_PREFIX):])] = value
        return event_name, properties
    return None
