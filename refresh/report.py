"""The change report (summary.json, report.md) and manifest (manifest.json) of a delivery.
Counts and ids only: the customer's own data stays in their file."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from refresh.columnar import WRITABLE_COLUMNS
from refresh.rules import FLAGS, STATUSES

STATUS_MEANINGS = {
    "verified": "matched, nothing to change",
    "updated": "matched, values refreshed",
    "person_left": "organisation known, person no longer holds a position there",
    "org_inactive": "organisation ceased, bankrupt, in liquidation or merged",
    "opted_out": "a disclosure prohibition applies; row returned as sent",
    "not_found": "not in the register",
    "ambiguous": "more than one candidate, left for review",
    "invalid": "row unreadable or failed validation; returned as sent",
}


def summarise(
    decisions: pd.DataFrame, column_names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Counts per status, flag and changed column (under the customer's own column names);
    confidence histogram. Read from the decisions' columns, never from the rendered text."""
    statuses = Counter(decisions["status"])
    names = column_names or {}
    columns: Counter[str] = Counter()
    for column in WRITABLE_COLUMNS:
        written = int((decisions[f"new_{column}"] != "").sum())
        if written:
            columns[names.get(column, column)] += written
    bins = [0.0, 0.5, 0.8, 0.9, 0.95, 1.0001]
    labels = ["<0.50", "0.50-0.79", "0.80-0.89", "0.90-0.94", "0.95-1.00"]
    confidence = decisions["confidence"].dropna()
    histogram = pd.cut(confidence, bins=bins, labels=labels, right=False).value_counts()
    return {
        "rows": len(decisions),
        "statuses": {s: statuses.get(s, 0) for s in STATUSES},
        "flags": {f: int(decisions[f].sum()) for f in FLAGS},
        "changed_columns": dict(sorted(columns.items())),
        "confidence_histogram": {label: int(histogram.get(label, 0)) for label in labels},
    }


REVIEW_ROWS = 25


def review_list(
    decisions: pd.DataFrame, row_keys: Sequence[str], limit: int = REVIEW_ROWS
) -> list[dict[str, str]]:
    """The least confident matches, with how each was made, for the customer to look at
    first: the customer's own row key, status, confidence and evidence (which fields agreed;
    no values)."""
    frame = pd.DataFrame(
        {
            "row": [str(key) for key in row_keys],
            "status": decisions["status"].to_numpy(),
            "confidence": decisions["confidence"].to_numpy(),
            "evidence": decisions["evidence"].to_numpy(),
        }
    )
    matched = frame[frame["confidence"].notna() & (frame["evidence"] != "")]
    least = matched.sort_values(["confidence", "row"], kind="stable").head(limit)
    return [
        {
            "row": row.row,
            "status": str(row.status),
            "confidence": f"{row.confidence:.2f}",
            "evidence": row.evidence,
        }
        for row in least.itertuples(index=False)
    ]


def confidence_table(decisions: pd.DataFrame) -> str:
    """The confidence histogram as a Markdown table (for the operator's asset metadata)."""
    histogram = summarise(decisions)["confidence_histogram"]
    lines = ["| confidence | rows |", "| --- | ---: |"]
    lines += [f"| {label} | {count} |" for label, count in histogram.items()]
    return "\n".join(lines)


def report_markdown(summary: Mapping[str, Any], context: Mapping[str, str]) -> str:
    rows = summary["rows"] or 1
    lines = [
        f"# Refresh report: {context['customer']} / {context['delivery_id']}",
        "",
        f"- Source file: `{context['source_file']}` ({summary['rows']} rows)",
        f"- Register snapshot: `{context['snapshot_id']}`",
        f"- Produced: {context['created_at']}",
        "",
        "## Rows per status",
        "",
        "| status | rows | share | meaning |",
        "| --- | ---: | ---: | --- |",
    ]
    for status, count in summary["statuses"].items():
        lines.append(f"| {status} | {count} | {count / rows:.1%} | {STATUS_MEANINGS[status]} |")
    lines += ["", "## Flags", "", "| flag | rows |", "| --- | ---: |"]
    lines += [f"| {flag} | {count} |" for flag, count in summary["flags"].items() if count]
    lines += ["", "## Changed columns", "", "| column | rows |", "| --- | ---: |"]
    lines += [f"| {column} | {count} |" for column, count in summary["changed_columns"].items()]
    lines += ["", "## Match confidence", "", "| confidence | rows |", "| --- | ---: |"]
    lines += [f"| {b} | {c} |" for b, c in summary["confidence_histogram"].items()]
    review = summary.get("review", [])
    if review:
        lines += ["", "## Matches to review first", "", REVIEW_TEXT, ""]
        lines += ["| row | status | confidence | evidence |", "| --- | --- | ---: | --- |"]
        lines += [
            f"| {r['row']} | {r['status']} | {r['confidence']} | {r['evidence']} |" for r in review
        ]
    return "\n".join(lines) + "\n"


REVIEW_TEXT = (
    "The least confident matches of this delivery, by your row key, with what agreed "
    "between your row and the register."
)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(
    folder: Path, files: Sequence[str], rows: Mapping[str, int], context: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        **context,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": [
            {
                "name": name,
                "bytes": (folder / name).stat().st_size,
                "sha256": sha256_file(folder / name),
                **({"rows": rows[name]} if name in rows else {}),
            }
            for name in files
        ],
    }


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
