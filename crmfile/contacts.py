"""The contacts table: one row per data row, in canonical columns, ready for matching."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from crmfile.repair import repair_business_id, repair_dates, repair_phone, repair_postcode
from crmfile.table import is_blank
from crmfile.types import CANONICAL_COLUMNS, PROBLEM_COLUMN, REPAIRS_COLUMN

CONTACT_COLUMNS: tuple[str, ...] = ("row_key", *CANONICAL_COLUMNS, PROBLEM_COLUMN, REPAIRS_COLUMN)

# The same reason the pipeline's row validation gives (quality.rows.NO_IDENTITY).
NO_IDENTITY = "no name or e-mail to identify the contact"
_IDENTITY_COLUMNS = ("first_name", "last_name", "full_name", "email")

# A CRM field holds a name, an address or a note; a cell this long is a paste accident or
# an attack on whatever reads the file, and its row is quarantined.
MAX_CELL_CHARS = 10_000

_NAMED_COLUMN_CHARS = 60

# Bytes that did not decode, as Python's surrogateescape error handler represents them.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")

# Lower-case words that belong to the surname that follows them ("von Wright",
# "af Forselles", "de la Cruz").
_SURNAME_PARTICLES = frozenset(
    {"af", "av", "von", "van", "der", "den", "de", "la", "le", "du", "di", "da"}
)


def split_full_name(full_name: str) -> tuple[str, str]:
    """(first name, last name) from a one-column name.

    "Virtanen, Matti" is surname first; without a comma the Finnish everyday order
    "Matti Virtanen" is assumed: the last word is the surname, with any particles before
    it. A single word is taken as the surname, the part matching relies on most.
    """
    words = full_name.split()
    if not words:
        return "", ""
    joined = " ".join(words)
    if "," in joined:
        last, _, first = joined.partition(",")
        return first.strip(), last.strip()
    if len(words) == 1:
        return "", words[0]
    cut = len(words) - 1
    while cut > 1 and words[cut - 1] in _SURNAME_PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def row_problem(
    cells: Sequence[str], header: Sequence[str], max_cell_chars: int = MAX_CELL_CHARS
) -> str:
    """Why a data row cannot be used, without quoting its content; "" for a usable row.

    ``header`` may also be given as its width (an int), as older callers did.
    """
    names: Sequence[str] = [""] * header if isinstance(header, int) else header
    width = len(names)
    if is_blank(cells):
        return "row is empty"
    joined = "".join(cells)
    if (
        len(cells) == width
        and len(joined) <= max_cell_chars
        and "\x00" not in joined
        and not _ESCAPED_BYTE.search(joined)
    ):
        # The common case, in one pass: a clean row whose cells cannot be over the limit.
        return ""
    for position, cell in enumerate(cells):
        if _ESCAPED_BYTE.search(cell):
            return (
                f"{_column(names, position)} holds bytes that are not valid in the file's encoding"
            )
    for position, cell in enumerate(cells):
        if "\x00" in cell:
            return f"{_column(names, position)} holds a NUL byte"
    if len(cells) != width:
        return f"row has {len(cells)} fields, header has {width}"
    for position, cell in enumerate(cells):
        if len(cell) > max_cell_chars:
            return (
                f"{_column(names, position)} has {len(cell)} characters, over the "
                f"{max_cell_chars}-character limit"
            )
    return ""


def _column(header: Sequence[str], position: int) -> str:
    name = header[position] if position < len(header) else ""
    # A header name longer than a column name is a pasted cell: only its position is given.
    if name.strip() and len(name) <= _NAMED_COLUMN_CHARS and not _ESCAPED_BYTE.search(name):
        return f'cell in column {position + 1} ("{name}")'
    return f"cell in column {position + 1}"


@dataclass
class Contacts:
    """The contacts frame and the date columns read as ISO dates."""

    frame: pd.DataFrame
    dates: pd.DataFrame


def build_contacts(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    mapping: Mapping[str, str],
    date_columns: Sequence[str] = (),
    max_cell_chars: int = MAX_CELL_CHARS,
) -> Contacts:
    """The contacts (all columns object dtype, RangeIndex) for the mapped rows.

    Rows with a structural problem (empty, ragged, undecodable bytes, NUL byte, oversized
    cell) get the reason in "problem" and empty contact columns; rows that name no person
    get NO_IDENTITY. Usable rows get Excel damage repaired in the contacts (never in
    ``rows``) with notes in "repairs".
    """
    problems = [row_problem(row, header, max_cell_chars) for row in rows]
    usable = [not problem for problem in problems]
    empty = [""] * len(rows)
    columns: dict[str, list[str]] = {}
    for canonical in CANONICAL_COLUMNS:
        if canonical not in mapping:
            columns[canonical] = empty
            continue
        # index() finds the first column of that name, as the mapping does.
        index = header.index(mapping[canonical])
        columns[canonical] = [
            row[index].strip() if ok else "" for row, ok in zip(rows, usable, strict=True)
        ]
    if "full_name" in mapping and "first_name" not in mapping and "last_name" not in mapping:
        split = [split_full_name(name) for name in columns["full_name"]]
        columns["first_name"] = [first for first, _ in split]
        columns["last_name"] = [last for _, last in split]
    notes: list[list[str]] = [[] for _ in rows]
    _repair_columns(columns, mapping, usable, notes)
    dates = _date_frame(header, rows, date_columns, usable, notes)
    for number, ok in enumerate(usable):
        if ok and not any(columns[name][number] for name in _IDENTITY_COLUMNS):
            problems[number] = NO_IDENTITY
    columns["row_key"] = _row_keys(header, rows, mapping)
    columns[PROBLEM_COLUMN] = problems
    columns[REPAIRS_COLUMN] = ["; ".join(row_notes) for row_notes in notes]
    frame = pd.DataFrame(
        {name: pd.Series(columns[name], dtype=object) for name in CONTACT_COLUMNS},
        columns=list(CONTACT_COLUMNS),
    )
    return Contacts(frame, dates)


def _repair_columns(
    columns: dict[str, list[str]],
    mapping: Mapping[str, str],
    usable: Sequence[bool],
    notes: list[list[str]],
) -> None:
    repairs: list[tuple[str, Callable[[int, str], tuple[str, str]]]] = [
        ("business_id", lambda _n, value: repair_business_id(value)),
        ("phone", lambda _n, value: repair_phone("phone", value)),
        ("mobile", lambda _n, value: repair_phone("mobile", value)),
        ("postcode", lambda n, value: repair_postcode(value, columns["country"][n])),
    ]
    for canonical, repair in repairs:
        if canonical not in mapping:
            continue
        values = columns[canonical] = list(columns[canonical])
        for number, value in enumerate(values):
            if not usable[number] or not value:
                continue
            fixed, note = repair(number, value)
            values[number] = fixed
            if note:
                notes[number].append(note)


def _date_frame(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    date_columns: Sequence[str],
    usable: Sequence[bool],
    notes: list[list[str]],
) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for name in date_columns:
        index = header.index(name)
        values = [
            row[index] if ok and index < len(row) else ""
            for row, ok in zip(rows, usable, strict=True)
        ]
        iso, column_notes = repair_dates(name, values)
        for number, note in enumerate(column_notes):
            if note:
                notes[number].append(note)
        data[name] = pd.Series(iso, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)), columns=list(date_columns))


def _row_keys(
    header: Sequence[str], rows: Sequence[Sequence[str]], mapping: Mapping[str, str]
) -> list[str]:
    if "customer_row_id" not in mapping:
        return [str(number) for number in range(1, len(rows) + 1)]
    index = header.index(mapping["customer_row_id"])
    # A ragged row still carries its key: the id column is usually first, before whatever
    # stray delimiter broke the row. Bytes that did not decode become U+FFFD in the key,
    # which goes to reports and metadata that must stay valid text.
    return [_printable(row[index].strip()) if index < len(row) else "" for row in rows]


def _printable(value: str) -> str:
    if not _ESCAPED_BYTE.search(value):
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
