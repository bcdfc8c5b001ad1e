"""The access report as files for the data subject: JSON, and one self-contained HTML page
(inline CSS, no scripts, nothing fetched from elsewhere)."""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any


def write_access_report(report: Mapping[str, Any], folder: str | Path) -> list[Path]:
    """`access-<person_id>.json` and a self-contained `access-<person_id>.html` (inline CSS,
    no scripts, nothing fetched) in `folder`; both readable by the owner only."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stem = "access-" + re.sub(r"[^A-Za-z0-9_.-]", "_", str(report["person"]["person_id"]))
    written = []
    for suffix, content in (
        (".json", json.dumps(report, ensure_ascii=False, indent=2) + "\n"),
        (".html", render_access_html(report)),
    ):
        path = out / f"{stem}{suffix}"
        # Personal data: created owner-only, never readable by others even for a moment.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content)
        path.chmod(0o600)  # a file that was there before keeps its mode otherwise
        written.append(path)
    return written


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1d2329;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:2px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}tr.ended td{color:#57606a}
.muted{color:#57606a}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:600}dd{margin:0}
@media print{body{margin:0}}
"""


def _cell(value: Any) -> str:
    if value is None or value == "":
        return '<span class="muted">–</span>'
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    return html.escape(str(value))


def _table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    empty: str,
    row_class: Callable[[Mapping[str, Any]], str] | None = None,
) -> str:
    if not rows:
        return f"<p>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in columns)
    body = []
    for row in rows:
        css = f' class="{row_class(row)}"' if row_class and row_class(row) else ""
        cells = "".join(f"<td>{_cell(row.get(key))}</td>" for key, _ in columns)
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_access_html(report: Mapping[str, Any]) -> str:
    """The access report as one HTML page for the person: no scripts, no external assets."""
    person = report["person"]
    register = report["register"]
    full_name = f"{person['first_name']} {person['last_name']}"
    other_names = [n for n in person["names_on_record"] if n != full_name]
    person_items = [
        ("Name", full_name),
        ("Register id", person["person_id"]),
    ]
    if other_names:
        person_items.append(("Also recorded as", ", ".join(other_names)))
    about_items = [
        ("Report", report["request_id"]),
        ("Generated", report["generated_at"]),
        ("Handled by", report["handled_by"]),
        ("Register snapshot", register["snapshot_id"]),
        ("Snapshot loaded", register["loaded_at"]),
    ]
    positions = _table(
        report["positions"],
        [
            ("organization", "Organisation"),
            ("business_id", "Business ID"),
            ("title", "Title"),
            ("responsibility_area", "Area"),
            ("email", "E-mail"),
            ("mobile", "Mobile"),
            ("valid_from", "From"),
            ("valid_to", "To"),
            ("current", "Current"),
            ("verified_at", "Verified"),
            ("first_seen_at", "First seen"),
            ("last_seen_at", "Last seen"),
            ("ended_at", "Dropped by the register"),
        ],
        "The register holds no positions for you.",
        row_class=lambda row: "" if row["current"] else "ended",
    )
    prohibitions_html = _table(
        report["prohibitions"],
        [
            ("kind", "Prohibition"),
            ("meaning", "Meaning"),
            ("registered_at", "Registered"),
            ("source", "Source"),
        ],
        "You have no prohibitions in force.",
    )
    corrections = _table(
        report["rectifications"],
        [("field", "Field"), ("value", "Value in force"), ("requested_at", "Requested")],
        "No corrections you asked for are in force.",
    )
    recipients = _table(
        report["disclosures"],
        [
            ("customer", "Recipient (customer)"),
            ("delivery_id", "Delivery"),
            ("disclosed_at", "Date"),
            ("purpose", "Purpose"),
            ("campaign_id", "Campaign"),
            ("fields", "Fields disclosed"),
        ],
        "Your data has not been disclosed to any customer within the ledger's retention.",
    )

    def items(pairs: Sequence[tuple[str, Any]]) -> str:
        return "".join(f"<dt>{html.escape(k)}</dt><dd>{_cell(v)}</dd>" for k, v in pairs)

    months = register["ledger_retention_months"]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>What the register holds on {html.escape(full_name)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>What the register holds on you</h1>
<p class="muted">Access report {html.escape(report["request_id"])},
{_cell(report["generated_at"])}</p>
<section id="person"><h2>Person</h2><dl>{items(person_items)}</dl></section>
<section id="positions"><h2>Positions</h2>
<p>Every position the register holds or has held for you, ended ones included (shown in
grey). "First seen" and "last seen" are when our register snapshots first and last listed
the position; "dropped by the register" is when a snapshot stopped listing it.</p>
{positions}</section>
<section id="prohibitions"><h2>Prohibitions</h2>{prohibitions_html}</section>
<section id="corrections"><h2>Corrections</h2>
<p>Values you asked us to correct; they stay in force until the register's source carries
the same value.</p>{corrections}</section>
<section id="disclosures"><h2>Disclosures (recipients)</h2>
<p>Customers whose own customer registers we refreshed with your data, and which fields
(names only) we gave them.</p>{recipients}</section>
<section id="about"><h2>About this report</h2><dl>{items(about_items)}</dl>
<p>The data comes from the master register of Finnish organisations and decision-makers,
loaded as snapshots. Records of disclosures are kept for {months} months. You may ask us to
correct your data, to erase it from the register, or to object to its use for direct
marketing or its disclosure; refer to the report id above.</p></section>
</body>
</html>
"""
