"""Applying the rules to a whole file and writing the verdicts into the customer's rows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmfile import PackedRows
from matching import RegisterRows, register_column, register_column_names, register_frame
from refresh.columnar import WRITABLE_COLUMNS, decide_columns, row_updates
from refresh.rules import RefreshSettings
from refresh.suppression import EMPTY_SUPPRESSION, SuppressionList

APPENDED_COLUMNS = (
    "refresh_status",
    "refresh_flags",
    "refresh_changes",
    "refresh_confidence",
    "register_org_id",
    "register_person_id",
)


def frame_records(
    frame: pd.DataFrame, columns: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """The frame's rows as dicts, one at a time, missing values as None; built from column
    lists, which is several times faster than `to_dict("records")` on a large file, and
    never holds a million dicts at once."""
    columns = list(frame.columns) if columns is None else columns
    lists = [
        frame[c].astype(object).where(frame[c].notna(), None).tolist()
        if frame[c].hasnans
        else frame[c].tolist()
        for c in columns
    ]
    for values in zip(*lists, strict=True):
        yield dict(zip(columns, values, strict=True))


# Rows decided at a time: the rules' arrays for a chunk, not for a million rows at once
# (three quarters of a gigabyte at 1M rows); a whole file of M size is one chunk.
DECIDE_CHUNK_ROWS = 100_000


def decide_file(
    contacts: pd.DataFrame,
    present: set[str],
    evidence: pd.DataFrame,
    organizations: RegisterRows,
    positions: RegisterRows,
    prohibitions: pd.DataFrame,
    settings: RefreshSettings,
    suppression: SuppressionList = EMPTY_SUPPRESSION,
    *,
    rows: int = DECIDE_CHUNK_ROWS,
    business_ids: pd.Series | None = None,
) -> pd.DataFrame:
    """The decisions for a whole file (`refresh.columnar`), with the customer's
    suppression list and the organisation fields its contract allows; `rows` at a time
    (a row's decision is its own: chunks give the decisions of one pass). `business_ids`
    are the contacts' canonical business IDs where the caller has them already
    (`matching.organisation_keys`' `business_id_norm`, same index)."""
    aligned = evidence.index.equals(contacts.index)
    # Each register frame indexed by its id once; a chunk then takes its own rows.
    org_rows = _RowsBy(organizations, "org_id")
    position_rows = _RowsBy(positions, "person_id")
    prohibition_rows = _RowsBy(prohibitions, "person_id")
    parts = []
    for start in range(0, max(len(contacts), 1), rows):
        chunk = contacts.iloc[start : start + rows]
        named = evidence.iloc[start : start + rows] if aligned else evidence.loc[chunk.index]
        # Only the register rows this chunk's evidence names: the rules' look-ups index
        # what they are given, so a chunk handed a large file's every candidate would pay
        # for all of them again (ten chunks of 1M rows: ten times the register's rows).
        wanted_orgs = pd.unique(pd.concat([named["org_id"], named["position_org_id"]]))
        wanted_persons = pd.unique(pd.concat([named["person_id"], named["elsewhere_person_id"]]))
        parts.append(
            decide_columns(
                chunk,
                present,
                named,
                org_rows.of(wanted_orgs),
                position_rows.of(wanted_persons),
                prohibition_rows.of(wanted_persons),
                settings,
                suppression,
                business_ids=None
                if business_ids is None
                else business_ids.loc[chunk.index].to_numpy(dtype=object),
            )
        )
    return parts[0] if len(parts) == 1 else pd.concat(parts)


class _RowsBy:
    """A frame's (or an Arrow table's) rows by an id column, the ids factorised once: the
    rows of a few ids are then a mask built in numpy, not a hash look-up of every row for
    each chunk. A table's rows become a frame as a chunk takes them."""

    def __init__(self, rows: RegisterRows, column: str) -> None:
        self.rows = rows
        self.codes: np.ndarray | None = None
        if column in register_column_names(rows):
            self.codes, ids = pd.factorize(register_column(rows, column))
            self.ids = pd.Index(ids)

    def of(self, wanted: np.ndarray) -> pd.DataFrame:
        """The rows whose id is one of `wanted`, in the frame's order."""
        if self.codes is None:
            return register_frame(self.rows)
        marked = np.zeros(len(self.ids) + 1, dtype=bool)
        marked[self.ids.get_indexer(wanted)] = True
        # -1 (an id not there, and a missing id's code) is the last slot: never kept.
        marked[-1] = False
        keep = marked[self.codes]
        # Person matching hands over only what its evidence names: for a file of one
        # chunk there is then nothing to leave out (a frame is not copied).
        if keep.all():
            return register_frame(self.rows)
        if isinstance(self.rows, pd.DataFrame):
            return self.rows[keep]
        return register_frame(self.rows.filter(keep))


# The person's own fields: disclosing one of these is what the register's ledger records.
PERSON_FIELDS = frozenset(
    {"first_name", "last_name", "full_name", "title", "email", "mobile", "phone"}
)


def disclosed_fields(decisions: pd.DataFrame) -> dict[str, list[str]]:
    """person_id -> the person fields whose register values a delivery writes; persons
    only matched (verified) or opted out disclose nothing and are left out."""
    person = decisions["person_id"].to_numpy(dtype=object)
    disclosed: dict[str, set[str]] = {}
    for column in WRITABLE_COLUMNS:
        if column not in PERSON_FIELDS:
            continue
        written = (decisions[f"new_{column}"].to_numpy(dtype=object) != "") & (person != "")
        for person_id in pd.unique(person[written]):
            disclosed.setdefault(person_id, set()).add(column)
    return {person: sorted(fields) for person, fields in disclosed.items()}


def refreshed_rows(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    mapping: Mapping[str, str],
    decisions: pd.DataFrame,
    appended: pd.DataFrame,
) -> tuple[list[str], PackedRows]:
    """The customer's rows with register values in the columns they have, then ours.

    A row that gains no update keeps its cells exactly as sent. A ragged row keeps every
    cell too: a short one is padded and a long one has its surplus cells moved after ours,
    so that our columns stay under their headings in either case.
    """
    width = len(header)
    position = {canonical: header.index(name) for canonical, name in mapping.items()}
    # Held compactly (a run of text per row) until written: as lists of strings the
    # refreshed rows were the whole file again in Python objects, to the end of the run.
    out_rows = PackedRows()
    for cells, updates, extra in zip(
        rows, row_updates(decisions), appended.itertuples(index=False), strict=True
    ):
        new_cells = list(cells[:width]) + [""] * (width - len(cells))
        for canonical, value in updates.items():
            new_cells[position[canonical]] = value
        out_rows.append(new_cells + list(extra) + list(cells[width:]))
    return [*header, *appended.columns], out_rows.finish()
