# Page script for bad-input tests: evaluates a Python expression against an
# OpenPanel client, so a test can pass values that JSON cannot carry (NaN,
# infinity, sets, non-str keys, objects).
#
#   ?api=<api url>
#   window.opEvaluate(id, "op.track('x', {1: 'a'})")
#   window.opHarnessResults[id]  -> JSON text {"ok": ..., "value"|"error"|"message"}
#
# A returned handle is awaited before the result is reported.
import asyncio
import json
import sys

import js
from pyscript import ffi

from op_browser import OpenPanel

CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"

spawn = getattr(asyncio, "ensure_future", None) or asyncio.create_task
query = js.URLSearchParams.new(js.location.search)
op = OpenPanel(client_id=CLIENT_ID, api_url=query.get("api"))


def report(call_id, outcome):
    js.window.opHarnessDone(call_id, json.dumps(outcome))


def failure(error):
    return {"ok": False, "error": type(error).__name__, "message": str(error)}


async def finish(call_id, handle):
    try:
        report(call_id, {"ok": True, "value": await handle})
    except Exception as error:
        report(call_id, failure(error))


def evaluate(call_id, expression):
    try:
        value = eval(expression, {"op": op})
    except Exception as error:
        report(call_id, failure(error))
        return
    if hasattr(value, "done") and hasattr(value, "result"):
        spawn(finish(call_id, value))
    else:
        report(call_id, {"ok": True, "value": value})


js.window.opEvaluate = ffi.create_proxy(evaluate)
js.window.opHarnessDone("ready", json.dumps({"ok": True, "value": sys.implementation.name}))
