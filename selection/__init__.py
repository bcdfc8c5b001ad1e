"""Selections: the register's decision-makers disclosed to a customer for one campaign or
for continuous use, limited by the order's criteria (no Dagster here)."""

from selection.order import (
    AREAS,
    CHANNELS,
    PURPOSES,
    OrderError,
    SelectionOrder,
    parse_order,
    read_order,
)
from selection.report import preview_text, report_html, report_markdown
from selection.select import Selection, SelectionError, file_columns, select_persons

__all__ = [
    "AREAS",
    "CHANNELS",
    "PURPOSES",
    "OrderError",
    "Selection",
    "SelectionError",
    "SelectionOrder",
    "file_columns",
    "parse_order",
    "preview_text",
    "read_order",
    "report_html",
    "report_markdown",
    "select_persons",
]
