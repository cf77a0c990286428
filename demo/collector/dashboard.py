"""Server-rendered revenue dashboard: plain HTML, inline CSS and SVG, no scripts or external assets.

    html = render_dashboard(project, projects, store.revenue_rows(project.id, "USD"), now)

Every stored string passes through html.escape before it reaches the page.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

from .projects import Project
from .store import RevenueRow

CHART_DAYS = 30
LATEST_ROWS = 25
CHART_WIDTH = 720
CHART_HEIGHT = 160
CHART_LABEL_GAP = 18
NO_REVENUE = '<p class="empty">No revenue events yet.</p>'

# Currencies without minor units, from Stripe's supported-currencies page
# (stripe.com/docs/currencies): their amounts are whole units, so 1500 JPY is 1500.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
# ISO 4217 currencies with three decimal places.
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "KRW": "₩",
    "INR": "₹",
    "CNY": "CN¥",
    "CAD": "CA$",
    "AUD": "A$",
    "BRL": "R$",
}

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
header { background: #1d2330; color: #fff; padding: 16px 32px; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; color: #c6cbd6; }
header nav a { color: #9cc4ff; margin-right: 12px; }
main { padding: 16px 32px 48px; max-width: 1100px; }
section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px;
          padding: 16px 20px; margin: 16px 0; }
h2 { font-size: 17px; margin: 0 0 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; }
.card { border: 1px solid #dde1e8; border-radius: 6px; padding: 12px 16px; min-width: 220px; }
.card .total { font-size: 26px; font-weight: 600; }
.card dl { display: grid; grid-template-columns: auto auto; gap: 2px 12px; margin: 8px 0 0; }
.card dt { color: #5b6475; }
.card dd { margin: 0; text-align: right; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eceef2;
         vertical-align: top; }
td.amount, th.amount { text-align: right; white-space: nowrap; }
td.properties { font-family: ui-monospace, monospace; font-size: 12px;
                word-break: break-all; max-width: 380px; }
.empty { color: #5b6475; }
svg text { font: 11px system-ui, sans-serif; fill: #5b6475; }
svg rect.bar { fill: #3b7ddd; }
"""


def minor_unit_digits(currency: str) -> int:
    if currency in ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def format_money(minor_units: int | Decimal, currency: str) -> str:
    """Format an amount in minor units: 1999 USD is "$19.99", 1500 JPY is "¥1,500"."""
    digits = minor_unit_digits(currency)
    value = (Decimal(minor_units) / (10**digits)).quantize(
        Decimal(1).scaleb(-digits), ROUND_HALF_UP
    )
    text = f"{value:,.{digits}f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    if value < 0:
        text = text[1:]
        return f"-{symbol}{text}" if symbol else f"-{text} {currency}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_dashboard(
    project: Project, projects: Sequence[Project], rows: Sequence[RevenueRow], now: datetime
) -> str:
    """Render the whole page for one project's revenue events (newest first)."""
    by_currency: dict[str, list[RevenueRow]] = defaultdict(list)
    for row in rows:
        by_currency[row.currency].append(row)
    currencies = sorted(by_currency)

    sections = [
        _totals_section(by_currency, currencies),
        _sources_section(by_currency, currencies),
        _daily_section(by_currency, currencies, now),
        _latest_section(rows),
    ]
    nav = ""
    if len(projects) > 1:
        links = " ".join(
            f'<a href="/dashboard?project={escape(quote(p.id))}">{escape(p.name)}</a>'
            for p in projects
        )
        nav = f"<nav>{links}</nav>"
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Revenue · {escape(project.name)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>Revenue</h1><p>Project {escape(project.name)} · id {escape(project.id)} · "
        f"client id {escape(project.client_id)}</p>{nav}</header>"
        f"<main>{''.join(sections)}</main></body></html>\n"
    )


def _totals_section(by_currency: dict[str, list[RevenueRow]], currencies: list[str]) -> str:
    if not currencies:
        return f'<section id="totals"><h2>Totals</h2>{NO_REVENUE}</section>'
    cards = []
    for currency in currencies:
        payments = by_currency[currency]
        total = sum(row.amount for row in payments)
        average = Decimal(total) / len(payments)
        cards.append(
            f'<div class="card" data-currency="{escape(currency)}">'
            f'<div class="total">{escape(format_money(total, currency))}</div>'
            f"<dl><dt>Currency</dt><dd>{escape(currency)}</dd>"
            f'<dt>Payments</dt><dd class="payments">{len(payments)}</dd>'
            "<dt>Average order value</dt>"
            f'<dd class="average">{escape(format_money(average, currency))}</dd>'
            "</dl></div>"
        )
    return (
        f'<section id="totals"><h2>Totals</h2><div class="cards">{"".join(cards)}</div></section>'
    )


def _sources_section(by_currency: dict[str, list[RevenueRow]], currencies: list[str]) -> str:
    lines = []
    for currency in currencies:
        totals: dict[str, list[int]] = defaultdict(list)
        for row in by_currency[currency]:
            totals[row.source].append(row.amount)
        for source, amounts in sorted(totals.items(), key=lambda item: (-sum(item[1]), item[0])):
            lines.append(
                f'<tr data-source="{escape(source)}" data-currency="{escape(currency)}">'
                f"<td>{escape(source)}</td><td>{escape(currency)}</td>"
                f'<td class="amount">{len(amounts)}</td>'
                f'<td class="amount">{escape(format_money(sum(amounts), currency))}</td></tr>'
            )
    if not lines:
        body = NO_REVENUE
    else:
        body = (
            '<table><thead><tr><th>Source</th><th>Currency</th><th class="amount">Payments</th>'
            f'<th class="amount">Revenue</th></tr></thead><tbody>{"".join(lines)}</tbody></table>'
        )
    note = (
        "<p>Source of the first session of the paying device or profile: its utm_source, else its "
        "referrer. “direct” means no referrer; “unattributed” means the revenue carried no device "
        "or profile id.</p>"
    )
    return f'<section id="sources"><h2>Revenue by source</h2>{note}{body}</section>'


def _daily_section(
    by_currency: dict[str, list[RevenueRow]], currencies: list[str], now: datetime
) -> str:
    days = [
        (now - timedelta(days=offset)).date().isoformat()
        for offset in range(CHART_DAYS - 1, -1, -1)
    ]
    charts = [_daily_chart(currency, by_currency[currency], days) for currency in currencies]
    body = "".join(charts) or NO_REVENUE
    return (
        f'<section id="daily"><h2>Revenue by day (last {CHART_DAYS} days, UTC)</h2>{body}</section>'
    )


def _daily_chart(currency: str, rows: list[RevenueRow], days: list[str]) -> str:
    per_day: dict[str, int] = defaultdict(int)
    for row in rows:
        per_day[row.created_at[:10]] += row.amount
    highest = max((per_day[day] for day in days), default=0) or 1
    plot_height = CHART_HEIGHT - 2 * CHART_LABEL_GAP
    slot = CHART_WIDTH / len(days)
    bars = []
    for index, day in enumerate(days):
        amount = per_day[day]
        height = round(plot_height * amount / highest, 1)
        x = round(index * slot + 1, 1)
        y = round(CHART_LABEL_GAP + plot_height - height, 1)
        label = escape(f"{day}: {format_money(amount, currency)}")
        bars.append(
            f'<rect class="bar" data-day="{day}" data-amount="{amount}" x="{x}" y="{y}" '
            f'width="{round(slot - 2, 1)}" height="{height}"><title>{label}</title></rect>'
        )
    baseline = CHART_LABEL_GAP + plot_height
    highest_text = format_money(max(per_day[day] for day in days), currency)
    labels = (
        f'<text x="0" y="12">{escape(currency)} · highest day {escape(highest_text)}</text>'
        f'<text x="0" y="{CHART_HEIGHT - 4}">{days[0]}</text>'
        f'<text x="{CHART_WIDTH}" y="{CHART_HEIGHT - 4}" text-anchor="end">{days[-1]}</text>'
        f'<line x1="0" y1="{baseline}" x2="{CHART_WIDTH}" y2="{baseline}" stroke="#c6cbd6"/>'
    )
    return (
        f'<svg role="img" aria-label="{escape(currency)} revenue by day" '
        f'data-currency="{escape(currency)}" '
        f'width="{CHART_WIDTH}" height="{CHART_HEIGHT}" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg">{labels}{"".join(bars)}</svg>'
    )


def _latest_section(rows: Sequence[RevenueRow]) -> str:
    if not rows:
        return f'<section id="latest"><h2>Latest revenue events</h2>{NO_REVENUE}</section>'
    lines = []
    for row in rows[:LATEST_ROWS]:
        visible_properties = {
            key: value for key, value in row.properties.items() if key != "__revenue"
        }
        properties_text = json.dumps(visible_properties, ensure_ascii=False)
        lines.append(
            f'<tr data-event-id="{escape(row.event_id)}"><td>{escape(row.created_at)}</td>'
            f'<td class="amount">{escape(format_money(row.amount, row.currency))}</td>'
            f"<td>{escape(row.source)}</td><td>{escape(row.device_id)}</td><td>{escape(row.profile_id)}</td>"
            f'<td class="properties">{escape(properties_text)}</td></tr>'
        )
    return (
        f'<section id="latest"><h2>Latest revenue events</h2><table><thead><tr><th>Time (UTC)</th>'
        '<th class="amount">Amount</th><th>Source</th><th>Device id</th><th>Profile id</th>'
        f"<th>Properties</th></tr></thead><tbody>{''.join(lines)}</tbody></table></section>"
    )
