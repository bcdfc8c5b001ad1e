"""The maintenance rules: statuses, flags, changes, prohibitions, processor-only output."""

from matching.schema import CHANGE_FLAGS, Evidence, complete_evidence
from refresh.apply import (
    APPENDED_COLUMNS,
    PERSON_FIELDS,
    decide_file,
    disclosed_fields,
    refreshed_rows,
)
from refresh.columnar import WRITABLE_COLUMNS, appended_text, decide_columns
from refresh.dates import is_stale, months_before
from refresh.rules import (
    FLAGS,
    ORGANISATION_FIELDS,
    STATUSES,
    Decision,
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
    "PERSON_FIELDS",
    "STATUSES",
    "WRITABLE_COLUMNS",
    "Decision",
    "Evidence",
    "RefreshSettings",
    "SuppressionList",
    "appended_text",
    "complete_evidence",
    "decide",
    "decide_columns",
    "decide_file",
    "disclosed_fields",
    "is_stale",
    "months_before",
    "refreshed_rows",
]
