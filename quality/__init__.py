"""Data quality: Great Expectations suites and the processor-only rule functions."""

from quality.processor import opted_out_rows_untouched, same_columns, same_rows
from quality.rows import NO_IDENTITY, quarantine_reasons
from quality.suites import SuiteResult, validate_input, validate_output

__all__ = [
    "NO_IDENTITY",
    "SuiteResult",
    "opted_out_rows_untouched",
    "quarantine_reasons",
    "same_columns",
    "same_rows",
    "validate_input",
    "validate_output",
]
