"""The contacts table: one row per data row, in canonical columns, ready for matching."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmfile.repair import repair_business_id, repair_dates, repair_phone, repair_postcode
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
    joined = "".join(cells)
    if not joined.strip():
        # is_blank(cells), on the joined text.
        return "row is empty"
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

    The rows are read once, in order (``rows`` may be PackedRows, which makes a row's list
    anew on every read), into the frame's own block of object pointers, _CHUNK_ROWS at a
    time: no column is held a second time as a list; a column's repeated values are held
    once (_SHARE_TRIAL_ROWS).
    """
    count = len(rows)
    block = np.full((len(CONTACT_COLUMNS), count), "", dtype=object)
    # canonical column -> its row of the block (a view: what is written there is the frame's).
    column = {name: block[position] for position, name in enumerate(CONTACT_COLUMNS)}
    # index() finds the first column of that name, as the mapping does.
    mapped = [
        (canonical, header.index(mapping[canonical]))
        for canonical in CANONICAL_COLUMNS
        if canonical in mapping
    ]
    key_index = header.index(mapping["customer_row_id"]) if "customer_row_id" in mapping else None
    fills = [column[canonical] for canonical, _ in mapped]
    fills.append(column[PROBLEM_COLUMN])
    if key_index is not None:
        fills.append(column["row_key"])
    # (cell index, the column's values seen: see _SHARE_TRIAL_ROWS) per mapped column.
    targets: list[tuple[int, dict[str, str] | None]] = [(index, {}) for _, index in mapped]
    date_indexes = [header.index(name) for name in date_columns]
    dates_read: list[list[str]] = [[] for _ in date_columns]
    chunk: list[list[str]] = [[] for _ in fills]
    problems, keys = chunk[len(mapped)], chunk[-1]
    number = 0
    for row in rows:
        problem = row_problem(row, header, max_cell_chars)
        problems.append(problem)
        if problem:
            for values in chunk[: len(mapped)]:
                values.append("")
            for values in dates_read:
                values.append("")
        else:
            for (index, seen), values in zip(targets, chunk, strict=False):
                value = row[index].strip()
                values.append(value if seen is None else seen.setdefault(value, value))
            for index, values in zip(date_indexes, dates_read, strict=True):
                values.append(row[index] if index < len(row) else "")
        if key_index is not None:
            # A ragged row still carries its key: the id column is usually first, before
            # whatever stray delimiter broke the row.
            keys.append(_printable(row[key_index].strip()) if key_index < len(row) else "")
        number += 1
        if number == _SHARE_TRIAL_ROWS:
            targets = [
                (index, seen if seen is not None and _repeats(seen) else None)
                for index, seen in targets
            ]
        if len(problems) == _CHUNK_ROWS:
            _flush(fills, chunk, number)
    _flush(fills, chunk, number)
    del targets, chunk, problems, keys, fills
    if number != count:
        raise ValueError(f"rows gave {number} rows, len(rows) is {count}")
    if key_index is None:
        keys_column = column["row_key"]
        for start in range(0, count, _CHUNK_ROWS):
            end = min(start + _CHUNK_ROWS, count)
            keys_column[start:end] = [str(number) for number in range(start + 1, end + 1)]
    usable = column[PROBLEM_COLUMN] == ""
    if "full_name" in mapping and "first_name" not in mapping and "last_name" not in mapping:
        firsts: dict[str, str] = {}
        lasts: dict[str, str] = {}
        for start in range(0, count, _CHUNK_ROWS):
            split = [
                split_full_name(name) for name in column["full_name"][start : start + _CHUNK_ROWS]
            ]
            column["first_name"][start : start + len(split)] = [
                firsts.setdefault(first, first) for first, _ in split
            ]
            column["last_name"][start : start + len(split)] = [
                lasts.setdefault(last, last) for _, last in split
            ]
        del firsts, lasts
    notes: dict[int, list[str]] = {}
    _repair_columns(column, mapping, usable.tolist(), notes)
    dates = _date_frame(date_columns, dates_read, count, notes)
    del dates_read
    nameless = usable.copy()
    for name in _IDENTITY_COLUMNS:
        nameless &= column[name] == ""
    column[PROBLEM_COLUMN][nameless] = NO_IDENTITY
    repairs = column[REPAIRS_COLUMN]
    for number, row_notes in notes.items():
        repairs[number] = "; ".join(row_notes)
    del notes, column
    # The block is taken over by the frame as it is (a frame made from a dict of columns
    # would copy them all into a block of its own).
    return Contacts(pd.DataFrame(block.T, columns=list(CONTACT_COLUMNS), copy=False), dates)


# Rows read before their values are moved into the frame's block.
_CHUNK_ROWS = 1 << 16

# First names, surnames, companies and cities repeat across a file's rows, and a row's
# cells are new string objects on every read of PackedRows: a column's equal values are
# held as one object. A column whose first rows hardly repeat (e-mail addresses) stops
# being looked up after them, so that the lookup never costs more than it saves.
_SHARE_TRIAL_ROWS = 4096


def _repeats(seen: Mapping[str, str]) -> bool:
    return len(seen) * 4 <= _SHARE_TRIAL_ROWS * 3


def _flush(fills: Sequence[np.ndarray], chunk: Sequence[list[str]], end: int) -> None:
    # The chunk's values into the block's columns, ending at row `end`; emptied for more.
    for target, values in zip(fills, chunk, strict=True):
        if values:
            target[end - len(values) : end] = values
            values.clear()


def _repair_columns(
    column: Mapping[str, np.ndarray],
    mapping: Mapping[str, str],
    usable: Sequence[bool],
    notes: dict[int, list[str]],
) -> None:
    countries = column["country"]
    repairs: list[tuple[str, Callable[[int, str], tuple[str, str]]]] = [
        ("business_id", lambda _n, value: repair_business_id(value)),
        ("phone", lambda _n, value: repair_phone("phone", value)),
        ("mobile", lambda _n, value: repair_phone("mobile", value)),
        ("postcode", lambda n, value: repair_postcode(value, countries[n])),
    ]
    for canonical, repair in repairs:
        if canonical not in mapping:
            continue
        values = column[canonical]
        for number, value in enumerate(values.tolist()):
            if not usable[number] or not value:
                continue
            fixed, note = repair(number, value)
            if fixed != value:
                values[number] = fixed
            if note:
                notes.setdefault(number, []).append(note)


def _date_frame(
    date_columns: Sequence[str],
    values: Sequence[list[str]],
    count: int,
    notes: dict[int, list[str]],
) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for name, column in zip(date_columns, values, strict=True):
        iso, column_notes = repair_dates(name, column)
        for number, note in enumerate(column_notes):
            if note:
                notes.setdefault(number, []).append(note)
        data[name] = pd.Series(iso, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(count), columns=list(date_columns))


def _printable(value: str) -> str:
    if not _ESCAPED_BYTE.search(value):
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
