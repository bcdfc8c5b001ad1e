"""The human-readable change report: one self-contained HTML page (inline CSS and SVG, no
scripts, fonts or CDNs), so that it opens offline in any browser. Counts only: nothing of
the customer's rows is on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from refresh.report import REVIEW_TEXT, STATUS_MEANINGS

_COLOURS = {
    "verified": "#2e7d32",
    "updated": "#1565c0",
    "person_left": "#ef6c00",
    "org_inactive": "#6d4c41",
    "opted_out": "#6a1b9a",
    "not_found": "#757575",
    "ambiguous": "#f9a825",
    "invalid": "#c62828",
}
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:60rem;color:#222;line-height:1.4;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#555;font-size:.9rem}.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem;min-width:7rem}
.card b{display:block;font-size:1.4rem}.card span{font-size:.8rem;color:#555}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee}
td.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font-size:12px;fill:#222}
"""


def _bars(items: Sequence[tuple[str, int]], colour: Mapping[str, str] | str) -> str:
    """A horizontal bar chart as inline SVG."""
    items = list(items)
    if not items:
        return "<p>None.</p>"
    top = max(count for _, count in items) or 1
    row, label_width, bar_width = 22, 170, 380
    height = row * len(items) + 4
    parts = [
        f'<svg role="img" width="{label_width + bar_width + 70}" height="{height}" '
        f'viewBox="0 0 {label_width + bar_width + 70} {height}">'
    ]
    for index, (label, count) in enumerate(items):
        y = index * row + 2
        width = round(bar_width * count / top)
        fill = colour.get(label, "#607d8b") if isinstance(colour, Mapping) else colour
        parts.append(
            f'<text x="0" y="{y + 15}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{width}" height="15" fill="{fill}">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text x="{label_width + width + 6}" y="{y + 15}">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def report_html(summary: Mapping[str, Any], about: Mapping[str, str]) -> str:
    rows = summary["rows"] or 1
    statuses: dict[str, int] = summary["statuses"]
    cards = "".join(
        f'<div class="card" style="border-left:4px solid {_COLOURS[s]}"><b>{count}</b>'
        f"<span>{escape(s)} · {count / rows:.1%}</span></div>"
        for s, count in statuses.items()
    )
    status_rows = "".join(
        f"<tr><td>{escape(s)}</td><td class=n>{c}</td><td class=n>{c / rows:.1%}</td>"
        f"<td>{escape(STATUS_MEANINGS[s])}</td></tr>"
        for s, c in statuses.items()
    )
    flags = [(f, c) for f, c in summary["flags"].items() if c]
    columns = list(summary["changed_columns"].items())
    histogram = list(summary["confidence_histogram"].items())
    review = summary.get("review", [])
    review_html = (
        f"<h2>Matches to review first</h2><p>{escape(REVIEW_TEXT)}</p>"
        "<table><thead><tr><th>row</th><th>status</th><th>confidence</th><th>evidence</th>"
        "</tr></thead><tbody>"
        + "".join(
            f"<tr><td>{escape(r['row'])}</td><td>{escape(r['status'])}</td>"
            f"<td class=n>{escape(r['confidence'])}</td><td>{escape(r['evidence'])}</td></tr>"
            for r in review
        )
        + "</tbody></table>"
        if review
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Refresh report {escape(about["delivery_id"])}</title><style>{_CSS}</style></head>
<body>
<h1>Refresh report</h1>
<p class="meta">Customer <b>{escape(about["customer"])}</b> · delivery
<code>{escape(about["delivery_id"])}</code> · file <code>{escape(about["source_file"])}</code>
({summary["rows"]} rows) · register snapshot <code>{escape(about["snapshot_id"])}</code> ·
{escape(about["created_at"])}</p>
<div class="cards">{cards}</div>
<h2>Rows per status</h2>
{_bars(list(statuses.items()), _COLOURS)}
<table><thead><tr><th>status</th><th>rows</th><th>share</th><th>meaning</th></tr></thead>
<tbody>{status_rows}</tbody></table>
<h2>Flags</h2>
{_bars(flags, "#455a64")}
<h2>Changed columns</h2>
<p>How many rows received a register value in each of your columns.</p>
{_bars(columns, "#1565c0")}
<h2>Match confidence</h2>
<p>Rows matched to the register, by the matcher's confidence.</p>
{_bars(histogram, "#00838f")}
{review_html}
<h2>How to read this</h2>
<p>Your file comes back with the same rows and columns, followed by
<code>refresh_status</code>, <code>refresh_flags</code>, <code>refresh_changes</code>
(<code>column: old -&gt; new</code>), <code>refresh_confidence</code>,
<code>register_org_id</code> and <code>register_person_id</code>. Rows marked
<code>opted_out</code> or <code>invalid</code> are returned exactly as you sent them.</p>
</body></html>
"""
