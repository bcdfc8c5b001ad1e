"""The contacts table: one row per data row, in canonical columns, ready for matching."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from crmfile.table import is_blank
from crmfile.types import CANONICAL_COLUMNS

CONTACT_COLUMNS: tuple[str, ...] = ("row_key", *CANONICAL_COLUMNS, "problem")

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


def row_problem(cells: Sequence[str], width: int) -> str:
    """Why a data row cannot be used, without quoting its content; "" for a usable row."""
    if is_blank(cells):
        return "row is empty"
    if len(cells) != width:
        return f"row has {len(cells)} fields, header has {width}"
    return ""


def build_contacts(
    header: Sequence[str], rows: Sequence[Sequence[str]], mapping: Mapping[str, str]
) -> pd.DataFrame:
    """The contacts DataFrame (all columns object dtype, RangeIndex) for the mapped rows."""
    problems = [row_problem(row, len(header)) for row in rows]
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
    columns["row_key"] = _row_keys(header, rows, mapping)
    columns["problem"] = problems
    return pd.DataFrame(
        {name: pd.Series(columns[name], dtype=object) for name in CONTACT_COLUMNS},
        columns=list(CONTACT_COLUMNS),
    )


def _row_keys(
    header: Sequence[str], rows: Sequence[Sequence[str]], mapping: Mapping[str, str]
) -> list[str]:
    if "customer_row_id" not in mapping:
        return [str(number) for number in range(1, len(rows) + 1)]
    index = header.index(mapping["customer_row_id"])
    # A ragged row still carries its key: the id column is usually first, before whatever
    # stray delimiter broke the row.
    return [row[index].strip() if index < len(row) else "" for row in rows]
