"""The cancel page's Python (MicroPython): drop the pending revenue the storefront stored."""

import json

from pyscript import document

from op_browser import OpenPanel

CONFIG = json.loads(document.getElementById("shop-config").textContent)

op = OpenPanel(client_id=CONFIG["client_id"], api_url=CONFIG["api_url"])
op.clear_revenue()
op.screen_view()
document.querySelector("#revenue-status").textContent = "cleared; nothing was sent"
document.body.dataset.done = "true"
