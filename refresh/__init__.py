"""The maintenance rules: statuses, flags, changes, prohibitions, processor-only output."""

from refresh.apply import (
    APPENDED_COLUMNS,
    complete_evidence,
    decide_file,
    decisions_frame,
    disclosed_fields,
    refreshed_rows,
)
from refresh.dates import is_stale, months_before
from refresh.rules import (
    CHANGE_FLAGS,
    FLAGS,
    ORGANISATION_FIELDS,
    STATUSES,
    Decision,
    Evidence,
    RefreshSettings,
    decide,
)
from refresh.suppression import EMPTY_SUPPRESSION, SuppressionList

__all__ = [
    "APPENDED_COLUMNS",
    "CHANGE_FLAGS",
    "EMPTY_SUPPRESSION",
    "FLAGS",
    "ORGANISATION_FIELDS",
    "STATUSES",
    "Decision",
    "Evidence",
    "RefreshSettings",
    "SuppressionList",
    "complete_evidence",
    "decide",
    "decide_file",
    "decisions_frame",
    "disclosed_fields",
    "is_stale",
    "months_before",
    "refreshed_rows",
]
