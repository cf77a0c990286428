"""The hosted checkout page at ``session.url``: plain HTML with Pay and Cancel, no assets."""

from __future__ import annotations

from html import escape

from demo.stripe_mock.sessions import CheckoutSession, format_amount

STYLE = """
body { font-family: system-ui, sans-serif; background: #f6f9fc; color: #1a1f36; margin: 0; }
main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem;
       border-radius: 8px; box-shadow: 0 2px 8px rgba(0, 0, 0, 0.08); }
h1 { font-size: 1.1rem; margin: 0 0 1.5rem; color: #635bff; }
table { width: 100%; border-collapse: collapse; margin-bottom: 1rem; }
td { padding: 0.4rem 0; } td.amount { text-align: right; }
tr.total td { border-top: 1px solid #e3e8ee; font-weight: 600; }
button { width: 100%; padding: 0.8rem; font-size: 1rem; border: 0; border-radius: 6px;
         background: #635bff; color: #fff; cursor: pointer; }
a.cancel { display: block; text-align: center; margin-top: 1rem; color: #697386; }
p.note { font-size: 0.8rem; color: #697386; }
"""


def render_checkout_page(session: CheckoutSession) -> str:
    rows = "\n".join(
        f"<tr><td>{escape(item.name)} &times; {item.quantity}</td>"
        f'<td class="amount">{format_amount(item.amount_total, item.currency)}</td></tr>'
        for item in session.line_items
    )
    email = (f"<p>Receipt to <strong>{escape(session.customer_email)}</strong></p>"
             if session.customer_email else "")
    cancel = ""
    if session.cancel_url:
        cancel_href = escape(session.redirect_url(session.cancel_url))
        cancel = (f'<a class="cancel" id="cancel" href="{cancel_href}">'
                  "Cancel and return to the shop</a>")

    total = format_amount(session.amount_total, session.currency)
    return page("Checkout", f"""
<h1>Mock Stripe Checkout</h1>
<table>
{rows}
<tr class="total"><td>Total</td><td class="amount" id="total">{total}</td></tr>
</table>
{email}
<form method="post" action="/c/pay/{escape(session.id)}">
  <button type="submit" id="pay">Pay {total}</button>
</form>
{cancel}
<p class="note">Test mode: no card is charged. Paying sends a signed
<code>checkout.session.completed</code> event to the shop's webhook.</p>
""")


def render_message_page(title: str, message: str, link: str | None = None) -> str:
    back = f'<a class="cancel" href="{escape(link)}">Continue</a>' if link else ""
    return page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>{back}")


def page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)}</title><style>{STYLE}</style></head>
<body><main>{body}</main></body>
</html>
"""
