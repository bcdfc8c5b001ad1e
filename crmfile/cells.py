"""Single cells: making them safe to open in a spreadsheet, and xlsx values as text."""

from __future__ import annotations

import datetime as dt
import re

# OWASP's CSV-injection list: a spreadsheet treats a cell starting with any of these as
# the start of a formula (tab and carriage return because some apps strip them first).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The same as a set of first characters: a cell whose first character is not among them
# is never neutralised (a quick test for writers of many cells).
FORMULA_STARTS = frozenset(_FORMULA_TRIGGERS)

# Phone numbers and plain numbers start with + or - but hold no letters, so no function
# call or DDE link can be formed from them; prefixing them would alter customers' phones.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 ()./-]*")

# A lone hyphen is the usual "no value" placeholder in CRM exports; a spreadsheet shows it
# as text, so it stays as the customer wrote it.
_PLACEHOLDER = "-"

_ZEROS_FORMAT = re.compile(r"0+")


def looks_like_formula(value: str) -> bool:
    """True for a cell a spreadsheet would read as the start of a formula."""
    if not value.startswith(_FORMULA_TRIGGERS):
        return False
    return not (value == _PLACEHOLDER or _PLAIN_NUMBER.fullmatch(value))


def neutralise_cell(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would read as a formula; leave all others alone."""
    return "'" + value if looks_like_formula(value) else value


def written_cell(kind: str, value: str) -> str:
    """The text a cell gets in the refreshed file of that ``kind`` ("csv" or "xlsx").

    The spec's rule 5 (safe to open) and rule 3 (an opted_out row comes back as the
    customer sent it) meet here, and are reconciled per format:

    - xlsx: every cell is written as a text cell (type "s", never a formula), and a
      formula-like one also gets Excel's own quote-prefix style, so it stays text even when
      edited. The value itself is exactly as sent: no "'" is added, on any row.
    - CSV has no cell types: a formula-like cell is neutralised with a leading "'" on every
      row alike, opted_out and invalid rows included, and the header. "As sent" for a CSV
      means the customer's cells through this same rule, and the processor checks compare
      what is written (quality.processor uses this function), not the rows before writing.
    """
    return value if kind == "xlsx" else neutralise_cell(value)


def workbook_cell_text(value: object, number_format: str | None = None) -> str:
    """The text a person sees for an xlsx cell value, without float or timestamp noise."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return _zero_padded(str(value), number_format)
    if isinstance(value, float):
        # Excel stores every number as a float; 1e15 is where floats stop being exact ints.
        if value.is_integer() and abs(value) < 1e15:
            return _zero_padded(str(int(value)), number_format)
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _zero_padded(digits: str, number_format: str | None) -> str:
    # Finnish postcodes typed into Excel become numbers (00100 -> 100) shown through a
    # "00000" format; the format is the only record of the leading zeros.
    if number_format and digits.isdigit() and _ZEROS_FORMAT.fullmatch(number_format):
        return digits.zfill(len(number_format))
    return digits
