"""The selection file as text: `;`-separated (what a Finnish Excel opens), a header row,
every cell safe to open in a spreadsheet (`crmfile.neutralise_cell`: a formula-like value
gets a leading `'`; phone numbers such as `+358 40 …` are left alone)."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd

from crmfile import neutralise_cell

# Only cells starting with one of these can look like a formula; the rest are not looked at.
_TRIGGERS = frozenset("=+-@\t\r")


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    return neutralise_cell(text) if text[:1] in _TRIGGERS else text


def _safe(column: pd.Series) -> list[str]:
    return [_cell(value) for value in column.tolist()]


def selection_csv(rows: pd.DataFrame) -> str:
    """The rows as the file's text (the caller writes it as UTF-8 with a BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(list(rows.columns))
    writer.writerows(zip(*(_safe(rows[name]) for name in rows.columns), strict=True))
    return buffer.getvalue()


__all__ = ["selection_csv"]
