"""OpenPanel analytics for PyScript pages (Pyodide, MicroPython) and CPython backends.

    from op_browser import OpenPanel

    op = OpenPanel(client_id="a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b",
                   api_url="https://api.openpanel.dev")
    op.track("add_to_cart", {"sku": "tee-01"})
    op.pending_revenue(1999, {"currency": "USD"})   # on the checkout click
    result = await op.flush_revenue()                # on the success page
"""

from .client import OpenPanel
from .errors import SendError
from .pending import FlushResult
from .version import VERSION

__version__ = VERSION

__all__ = ["FlushResult", "OpenPanel", "SendError", "__version__"]
