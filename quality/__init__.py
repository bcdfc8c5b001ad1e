"""Data quality: Great Expectations suites and the processor-only rule functions."""

from quality.processor import (
    org_field_columns,
    processor_frame,
    register_values,
    same_columns,
)
from quality.rows import NO_IDENTITY, quarantine_reasons
from quality.suites import (
    SuiteResult,
    validate_input,
    validate_output,
    validate_row_flag,
    validate_same_rows,
)

__all__ = [
    "NO_IDENTITY",
    "SuiteResult",
    "org_field_columns",
    "processor_frame",
    "quarantine_reasons",
    "register_values",
    "same_columns",
    "validate_input",
    "validate_output",
    "validate_row_flag",
    "validate_same_rows",
]
