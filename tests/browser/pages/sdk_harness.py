# Test harness page script: builds an OpenPanel client from the URL query and
# lets the test call its methods from JavaScript.
#
#   ?api=<api url>&options=<JSON of OpenPanel options>&constants=<JSON>
#   window.opHarnessCall(id, '{"method": "track", "args": [...], "kwargs": {...}}')
#   window.opHarnessResults[id]  -> JSON text {"ok": ..., "value"|"error"|"message"}
#
# The method "new_client" builds a second client with the given keyword
# arguments (and this page's client id and api url) and returns None.
#
# "constants" overrides module constants, for example shorter timeouts:
# {"client.REQUEST_TIMEOUT_S": 2}.
import asyncio
import json
import sys

import js
from pyscript import ffi

import op_browser
from op_browser import OpenPanel

CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"

query = js.URLSearchParams.new(js.location.search)


def query_json(name):
    text = query.get(name)
    return json.loads(text) if isinstance(text, str) and text else {}


for dotted, value in query_json("constants").items():
    module_name, attribute = dotted.split(".")
    setattr(getattr(op_browser, module_name), attribute, value)

spawn = getattr(asyncio, "ensure_future", None) or asyncio.create_task
op = OpenPanel(client_id=CLIENT_ID, api_url=query.get("api"), **query_json("options"))


def jsonable(value):
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return value


def new_client(**options):
    OpenPanel(client_id=CLIENT_ID, api_url=query.get("api"), **options)


def report(call_id, outcome):
    js.window.opHarnessDone(call_id, json.dumps(outcome))


def failure(error):
    return {"ok": False, "error": type(error).__name__, "message": str(error)}


async def finish_call(call_id, handle):
    try:
        report(call_id, {"ok": True, "value": jsonable(await handle)})
    except Exception as error:
        report(call_id, failure(error))


def call(call_id, request_json):
    # The method runs now, inside the JavaScript call, as it would in a click
    # handler; only waiting for a returned handle happens later.
    request = json.loads(request_json)
    try:
        method = new_client if request["method"] == "new_client" else getattr(op, request["method"])
        value = method(*request.get("args", []), **request.get("kwargs", {}))
    except Exception as error:
        report(call_id, failure(error))
        return
    if hasattr(value, "done") and hasattr(value, "result"):
        spawn(finish_call(call_id, value))
    else:
        report(call_id, {"ok": True, "value": jsonable(value)})


js.window.opHarnessCall = ffi.create_proxy(call)
js.window.opHarnessDone("ready", json.dumps({"ok": True, "value": sys.implementation.name}))
