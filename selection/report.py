"""The selection's report, from its summary (counts only, never a person): how many each
criterion kept, the funnel, what each prohibition removed, counts per region and area
with charts. HTML is one self-contained page (inline CSS and SVG, no scripts or external
resources); Markdown says the same; the preview is the Markdown without a file behind it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:62rem;color:#222;line-height:1.4;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#555;font-size:.9rem}.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem;min-width:7rem}
.card b{display:block;font-size:1.4rem}.card span{font-size:.8rem;color:#555}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee}
td.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font-size:12px;fill:#222}.note{background:#fff8e1;padding:.5rem .8rem;
border-left:4px solid #f9a825}
"""

REMOVAL_MEANINGS = {
    "another_position_of_the_same_person": "a second position of a person already selected "
    "(one row per person)",
    "disclosure": "prohibition: nothing may be disclosed about them",
    "direct_marketing": "prohibition: no use or disclosure for direct marketing",
    "email_marketing": "prohibition of e-mail marketing closed their only wanted channel",
    "phone_marketing": "prohibition of phone marketing closed their only wanted channel",
    "no_contact_for_wanted_channels": "the register has no address, e-mail or phone for "
    "the wanted channels",
    "over_cap": "beyond the order's cap on persons",
}


def usage_note(summary: Mapping[str, Any]) -> str:
    if summary["purpose"] == "campaign":
        return (
            f"For campaign {summary['campaign_id']} only, until {summary['campaign_end']}. "
            "The data may not be stored in the customer's own systems unless the person "
            "responds; the files are removed from the outbox after the campaign ends."
        )
    return (
        "For continuous use: the customer becomes the controller of the data it receives "
        "and answers for its use, prohibitions included."
    )


def _title(summary: Mapping[str, Any], preview: bool) -> str:
    kind = "Selection preview" if preview else "Selection report"
    return f"{kind}: {summary['customer']} / {summary['order_id']}"


def _facts(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    facts = [("Purpose", summary["purpose"])]
    if summary["purpose"] == "campaign":
        facts += [("Campaign", summary["campaign_id"]), ("Campaign ends", summary["campaign_end"])]
    facts += [
        ("Channels", ", ".join(summary["channels"])),
        ("Fields", ", ".join(summary["fields"])),
        ("Cap on persons", str(summary["max_persons"] or "none")),
        ("Register snapshot", summary["snapshot_id"]),
        ("As of", summary["as_of"]),
    ]
    return facts


def _removed(summary: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    return [
        (reason, REMOVAL_MEANINGS.get(reason, reason), count)
        for reason, count in summary["removed"].items()
    ]


def report_markdown(summary: Mapping[str, Any], preview: bool = False) -> str:
    lines = [f"# {_title(summary, preview)}", ""]
    lines += [f"- {k}: {v}" for k, v in _facts(summary)]
    lines += [
        "",
        f"**{summary['persons_selected']} persons** in {summary['organisations_selected']} "
        f"organisations ({summary['persons_meeting_criteria']} met the criteria; the register "
        f"has {summary['register']['organisations']} organisations, "
        f"{summary['register']['current_positions']} current positions).",
        "",
        f"> {usage_note(summary)}",
        "",
        "## Criteria (each on its own, register-wide)",
        "",
        "| criterion | kept | of |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {c['criterion']} | {c['kept_alone']} | {c['of']} {c['unit']} |"
        for c in summary["criteria"]
    ]
    lines += [
        "",
        "## Funnel",
        "",
        "| step | organisations | positions, then persons |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {f['step']} | {f['organisations']} | {_blank(f['positions'])} |"
        for f in summary["funnel"]
    ]
    lines += [
        "",
        f"Customer's existing customers excluded: {summary['excluded_customer_organisations']} "
        "organisations.",
        "",
        "## Removed",
        "",
        "| reason | persons |",
        "| --- | ---: |",
    ]
    lines += [
        f"| {meaning} (`{reason}`) | {count} |" for reason, meaning, count in _removed(summary)
    ]
    lines += [
        "",
        "Fields left empty by a channel prohibition (the person kept for other channels):",
        "",
    ]
    lines += [f"- `{kind}`: {count}" for kind, count in summary["fields_removed"].items()]
    lines += ["", "## Persons per region", "", "| region | persons |", "| --- | ---: |"]
    lines += [f"| {r} | {n} |" for r, n in summary["by_region"].items()]
    lines += ["", "## Persons per responsibility area", "", "| area | persons |", "| --- | ---: |"]
    lines += [f"| {a} | {n} |" for a, n in summary["by_area"].items()]
    lines += ["", *_matrix_markdown(summary), ""]
    return "\n".join(lines)


def _blank(value: object) -> object:
    return "" if value is None else value


def preview_text(summary: Mapping[str, Any]) -> str:
    """What `tietohuolto select --preview` prints: the report's counts, no file made."""
    return report_markdown(summary, preview=True)


def _matrix_markdown(summary: Mapping[str, Any]) -> list[str]:
    areas = list(summary["by_area"])
    lines = ["## Persons per region and area", "", "| region | " + " | ".join(areas) + " |"]
    lines.append("| --- |" + " ---: |" * len(areas))
    for region, counts in summary["by_region_area"].items():
        lines.append(f"| {region} | " + " | ".join(str(counts.get(a, 0)) for a in areas) + " |")
    return lines


def _bars(items: Sequence[tuple[str, int]], colour: str) -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return "<p>None.</p>"
    top = max(count for _, count in items) or 1
    row, label_width, bar_width = 22, 170, 380
    width_all = label_width + bar_width + 70
    height = row * len(items) + 4
    parts = [
        f'<svg role="img" width="{width_all}" height="{height}" viewBox="0 0 {width_all} {height}">'
    ]
    for index, (label, count) in enumerate(items):
        y = index * row + 2
        width = round(bar_width * count / top)
        parts.append(
            f'<text x="0" y="{y + 15}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{width}" height="15" fill="{colour}">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text x="{label_width + width + 6}" y="{y + 15}">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{v}</td>' if isinstance(v, int) else f"<td>{escape(str(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(summary: Mapping[str, Any], preview: bool = False) -> str:
    cards = [
        (summary["persons_selected"], "persons selected"),
        (summary["organisations_selected"], "organisations"),
        (summary["persons_meeting_criteria"], "met the criteria"),
        (
            sum(summary["removed"].get(k, 0) for k in ("disclosure", "direct_marketing")),
            "prohibited",
        ),
    ]
    areas = list(summary["by_area"])
    matrix = _table(
        ["region", *areas],
        [
            [region, *(counts.get(a, 0) for a in areas)]
            for region, counts in summary["by_region_area"].items()
        ],
    )
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in _facts(summary))
    card_html = "".join(
        f"<div class='card'><b>{n}</b><span>{escape(t)}</span></div>" for n, t in cards
    )
    criteria = _table(
        ["criterion", "kept", "of", "unit"],
        [[c["criterion"], c["kept_alone"], c["of"], c["unit"]] for c in summary["criteria"]],
    )
    funnel = _table(
        ["step", "organisations", "positions, then persons"],
        [[f["step"], f["organisations"], _blank(f["positions"])] for f in summary["funnel"]],
    )
    excluded = summary["excluded_customer_organisations"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(_title(summary, preview))}</title><style>{_CSS}</style></head><body>
<h1>{escape(_title(summary, preview))}</h1>
<dl class="meta">{facts}</dl>
<div class="cards">{card_html}</div>
<p class="note">{escape(usage_note(summary))}</p>
<h2>Criteria (each on its own, register-wide)</h2>
{criteria}
<h2>Funnel</h2>
{funnel}
<p>Customer's existing customers excluded: {excluded} organisations.</p>
<h2>Removed</h2>
{_table(["reason", "meaning", "persons"], _removed(summary))}
<p>Fields left empty by a channel prohibition (the person kept for other channels):
{", ".join(f"{escape(k)} {v}" for k, v in summary["fields_removed"].items())}.</p>
<h2>Persons per region</h2>
{_bars(list(summary["by_region"].items()), "#1565c0")}
<h2>Persons per responsibility area</h2>
{_bars(list(summary["by_area"].items()), "#2e7d32")}
<h2>Persons per region and area</h2>
{matrix}
</body></html>
"""


__all__ = ["REMOVAL_MEANINGS", "preview_text", "report_html", "report_markdown", "usage_note"]
