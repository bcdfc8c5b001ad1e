"""The processor-only guarantees, computed on columns from what the customer sent, what goes
back, and the register — independently of the rules that produced the output.

The customer's cells and the file's are compared as two blocks of a chunk of rows, column
by column; only the cells that differ (a few of a large file) are looked up in the register,
as one long table (row, value) compared field by field with the values of the row's
organisation and of its person's positions there, the prohibitions as masks; a value found
only as the file carries it (crmfile.written_cell) is asked per cell, the rare case. The
per-row statement of the same facts is the oracle in tests/quality/processor_oracle.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from crmfile import written_cell
from matching import RegisterRows, register_column, register_column_names

# Row number -> the values that row may carry.
RowValues = Callable[[int], frozenset[str]]

# Register person fields and the prohibitions that withhold them (channels concerned).
_PERSON_FIELDS = {
    "first_name": frozenset(),
    "last_name": frozenset(),
    "title": frozenset(),
    "email": frozenset({"direct_marketing", "email_marketing"}),
    "mobile": frozenset({"direct_marketing", "phone_marketing"}),
}
_ORG_FIELDS = {
    "name": frozenset(),
    "business_id": frozenset(),
    "successor_business_id": frozenset(),
    **{
        f"{kind}_{part}": frozenset({"direct_marketing"})
        for kind in ("postal", "visiting")
        for part in ("street", "postcode", "city")
    },
}
_CHANNELS = ("direct_marketing", "email_marketing", "phone_marketing")
_OURS = 6  # the spec's appended columns: status, flags, changes, confidence, org id, person id
# Output rows whose cells are held as blocks at once (a large file is checked in chunks).
_CHUNK_ROWS = 1 << 16
_FACTS = ["input_key", "output_key", "values_from_customer_or_register", "opted_out_as_sent"]


def same_columns(
    input_header: Sequence[str], output_header: Sequence[str], appended: Sequence[str]
) -> tuple[bool, dict[str, Any]]:
    """The customer's columns first, unchanged in name and order, then exactly ours (the
    spec's six and the organisation fields the contract allows by name)."""
    expected = [*input_header, *appended]
    passed = list(output_header) == expected
    return passed, {
        "input_columns": len(input_header),
        "output_columns": len(output_header),
        "expected_columns": len(expected),
    }


def _texts(column: pd.Series) -> np.ndarray:
    """The column's cells as text, a missing one as "" (what ``str`` makes of a value as the
    frame holds it: a date, a number)."""
    missing = column.isna().to_numpy()
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        texts = values.copy()
    elif column.dtype != object:
        # Few distinct values (dates, statuses, flags): each made text once.
        codes, uniques = pd.factorize(column)
        made = np.array([str(v) for v in pd.Series(uniques).tolist()] + [""], dtype=object)
        texts = made[codes]
    else:
        texts = np.array([str(v) for v in values.tolist()] + [None], dtype=object)[:-1]
    texts[missing] = ""
    return texts


def _texts_at(rows: RegisterRows, name: str, at: np.ndarray) -> np.ndarray:
    """`_texts` of one register column at these rows, "" throughout where the rows lack the
    column. Of a table, only those cells become Python values: a large file's register rows
    are held as Arrow, and only the few cells that differ from what was sent are asked."""
    if name not in register_column_names(rows):
        return np.full(len(at), "", dtype=object)
    if isinstance(rows, pd.DataFrame):
        return _texts(rows[name].iloc[at])
    return _texts(register_column(rows.select([name]).take(pa.array(at, pa.int64())), name))


def _ids(rows: RegisterRows, name: str) -> np.ndarray:
    return register_column(rows, name).to_numpy(dtype=object)


def _codes(*ids: np.ndarray) -> tuple[list[np.ndarray], int]:
    """The same number for the same id in each of these arrays (-1 for a missing id), and how
    many numbers there are."""
    codes, uniques = pd.factorize(np.concatenate(ids))
    bounds = np.cumsum([len(part) for part in ids])[:-1]
    return np.split(codes, bounds), len(uniques)


@dataclass
class _Register:
    """The register's rows that the output names, as columns, and each output row's place in
    them: its organisation's row (-1 for none), its person's positions there (by a number
    for the pair (person, organisation)) and its person's prohibitions."""

    # The register's rows as given, and where in them the rows the output names are.
    organizations: RegisterRows
    positions: RegisterRows
    org_rows: np.ndarray
    position_rows: np.ndarray
    row_org: np.ndarray
    # Per row, whether its person's prohibitions are of that kind.
    disclosure: np.ndarray
    closed: dict[str, np.ndarray]
    # Each row's (person, organisation) number (-1 for none); the positions sorted by theirs.
    row_pair: np.ndarray
    pair_order: np.ndarray
    sorted_pairs: np.ndarray

    @classmethod
    def of(
        cls,
        output: pd.DataFrame,
        organizations: RegisterRows,
        positions: RegisterRows,
        prohibitions: pd.DataFrame,
    ) -> _Register:
        org_ids = output["register_org_id"].to_numpy(dtype=object)
        # One number per id, the same in the output and in each register frame (-1 for a
        # missing id): everything after is done on numbers.
        org_codes, org_count = _codes(
            org_ids,
            _ids(organizations, "org_id"),
            _ids(positions, "org_id"),
        )
        row_org, frame_org, position_org = org_codes
        prohibited_ids = np.asarray(prohibitions.get("person_id", []), dtype=object)
        prohibited_kinds = pd.Series(np.asarray(prohibitions.get("kind", []), dtype=object))
        person_codes, person_count = _codes(
            output["register_person_id"].to_numpy(dtype=object),
            _ids(positions, "person_id"),
            prohibited_ids,
        )
        row_person, position_person, prohibited_person = person_codes

        # The organisation each row names (an empty id names none), of one listed twice the
        # last; only those the output names are kept.
        last = np.full(org_count + 1, -1, dtype=np.intp)
        listed = np.nonzero(frame_org >= 0)[0]
        np.maximum.at(last, frame_org[listed], listed)
        found = np.where(org_ids.astype(bool) & (row_org >= 0), last[row_org], -1)
        used = np.unique(found[found >= 0])
        row_org_index = np.where(found >= 0, np.searchsorted(used, found), -1)

        def of_persons(kinds: set[str]) -> np.ndarray:
            """Per row, whether its person has a prohibition of one of these kinds."""
            marked = np.zeros(person_count + 1, dtype=bool)
            chosen = prohibited_kinds.isin(kinds).to_numpy(dtype=bool) & (prohibited_person >= 0)
            marked[prohibited_person[chosen]] = True
            return marked[row_person]  # -1 (no person): the last, never marked

        # The positions of the persons the output names; pairs as one number each.
        named_persons = np.zeros(person_count + 1, dtype=bool)
        named_persons[row_person[row_person >= 0]] = True
        (kept,) = np.nonzero(named_persons[position_person] & (position_person >= 0))
        span = np.int64(org_count + 1)
        row_pair = np.where(
            (row_person >= 0) & (row_org >= 0), row_person.astype(np.int64) * span + row_org, -1
        )
        pairs = np.where(
            position_org[kept] >= 0,
            position_person[kept].astype(np.int64) * span + position_org[kept],
            -2,
        )
        order = np.argsort(pairs, kind="stable")
        return cls(
            organizations=organizations,
            positions=positions,
            org_rows=used,
            position_rows=kept,
            row_org=row_org_index,
            disclosure=of_persons({"disclosure"}),
            closed={kind: of_persons({kind}) for kind in _CHANNELS},
            row_pair=row_pair,
            pair_order=order,
            sorted_pairs=pairs[order],
        )

    def kinds_of(self, number: int) -> frozenset[str]:
        closed = {kind for kind, rows in self.closed.items() if rows[number]}
        return frozenset(closed | ({"disclosure"} if self.disclosure[number] else set()))

    def org_texts(self, name: str, orgs: np.ndarray) -> np.ndarray:
        """The texts of an organisation field for these organisations (`row_org` numbers)."""
        return _texts_at(self.organizations, name, self.org_rows[orgs])

    def position_texts(self, name: str, positions: np.ndarray) -> np.ndarray:
        """The texts of a position field for these positions (`positions_of_cells`')."""
        return _texts_at(self.positions, name, self.position_rows[positions])

    def open_for(self, gate: frozenset[str], rows: np.ndarray) -> np.ndarray:
        """Per cell (its row), whether the prohibitions leave a field of this gate open."""
        shut = self.disclosure[rows].copy()
        for kind in gate:
            shut |= self.closed[kind][rows]
        return ~shut

    def positions_of_cells(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cell, position) pairs: the positions of each cell's person in its row's
        organisation (none elsewhere)."""
        pairs = self.row_pair[rows]
        first = np.searchsorted(self.sorted_pairs, pairs, side="left")
        counts = np.searchsorted(self.sorted_pairs, pairs, side="right") - first
        cells = np.repeat(np.arange(len(rows)), counts)
        starts = np.repeat(first - (np.cumsum(counts) - counts), counts)
        return cells, self.pair_order[starts + np.arange(len(cells))]

    def customer_values(self, number: int) -> frozenset[str]:
        closed = self.kinds_of(number)
        if "disclosure" in closed:
            return frozenset()
        values: set[str] = set()
        positions = self.positions_of_cells(np.array([number]))[1]
        for f, gate in _PERSON_FIELDS.items():
            if not gate & closed:
                values.update(self.position_texts(f, positions).tolist())
        org = self.row_org[number]
        if org >= 0:
            at = np.array([org])
            values |= {
                self.org_texts(f, at)[0] for f, gate in _ORG_FIELDS.items() if not gate & closed
            }
        values.discard("")
        return frozenset(values)

    def contract_values(self, number: int) -> frozenset[str]:
        org = self.row_org[number]
        if org < 0 or self.disclosure[number]:
            return frozenset()
        at = np.array([org])
        return frozenset(
            self.org_texts(c, at)[0] for c in register_column_names(self.organizations)
        )

    def customer_holds(
        self, rows: np.ndarray, values: np.ndarray, written: Callable[[str], str]
    ) -> np.ndarray:
        """Per cell (row, value): whether the value is one of those its row may carry in the
        customer's columns."""
        held = np.zeros(len(rows), dtype=bool)
        asked = values != ""  # the empty text is never a register value
        orgs = self.row_org[rows]
        for name, gate in _ORG_FIELDS.items():
            (cells,) = np.nonzero(asked & (orgs >= 0) & ~held & self.open_for(gate, rows))
            if cells.size:
                held[cells[self.org_texts(name, orgs[cells]) == values[cells]]] = True
        cell_of, position_of = self.positions_of_cells(rows)
        for name, gate in _PERSON_FIELDS.items():
            keep = asked[cell_of] & ~held[cell_of] & self.open_for(gate, rows[cell_of])
            cells, positions = cell_of[keep], position_of[keep]
            if cells.size:
                held[cells[self.position_texts(name, positions) == values[cells]]] = True
        return _through_written(held, asked, rows, values, self.customer_values, written)

    def contract_holds(
        self, rows: np.ndarray, values: np.ndarray, written: Callable[[str], str]
    ) -> np.ndarray:
        """Per cell (row, value): whether the value is one of its organisation's, the only
        values the contract's organisation columns may carry."""
        held = np.zeros(len(rows), dtype=bool)
        orgs = self.row_org[rows]
        asked = (orgs >= 0) & ~self.disclosure[rows] & (values != "")
        for name in register_column_names(self.organizations):
            (cells,) = np.nonzero(asked & ~held)
            if not cells.size:
                break
            held[cells[self.org_texts(name, orgs[cells]) == values[cells]]] = True
        return _through_written(held, asked, rows, values, self.contract_values, written)


def _through_written(
    held: np.ndarray,
    asked: np.ndarray,
    rows: np.ndarray,
    values: np.ndarray,
    row_values: RowValues,
    written: Callable[[str], str],
) -> np.ndarray:
    """The cells not found as they are, compared once more as the file carries them (a
    register value the writer would neutralise, found in the file as written): per cell,
    the rare case."""
    for cell in np.nonzero(asked & ~held)[0].tolist():
        held[cell] = _allowed(values[cell], row_values(int(rows[cell])), written)
    return held


@dataclass(frozen=True)
class RegisterValues:
    """Per output row, the register values it may carry (``contract``: in the contract's
    organisation columns; else in the customer's). Callable per row like any RowValues,
    and asked by processor_frame a whole column of cells at once."""

    register: _Register
    contract: bool = False

    def __call__(self, number: int) -> frozenset[str]:
        if self.contract:
            return self.register.contract_values(number)
        return self.register.customer_values(number)

    def holds(
        self, rows: np.ndarray, values: np.ndarray, written: Callable[[str], str]
    ) -> np.ndarray:
        """Per cell (row, value): whether the value, compared as the file carries it, is one
        of its row's."""
        if self.contract:
            return self.register.contract_holds(rows, values, written)
        return self.register.customer_holds(rows, values, written)


def register_values(
    output: pd.DataFrame,
    organizations: RegisterRows,
    positions: RegisterRows,
    prohibitions: pd.DataFrame,
) -> tuple[RegisterValues, RegisterValues]:
    """Per output row, the register values it may carry: in the customer's columns, those
    of the person's positions in the organisation it names (never their positions
    elsewhere: where a person went is not the customer's business) and of that
    organisation, less the channels the person's prohibitions close; in the contract's
    organisation columns, that organisation's values. Nothing at all under a disclosure
    prohibition."""
    register = _Register.of(output, organizations, positions, prohibitions)
    return RegisterValues(register), RegisterValues(register, contract=True)


def processor_frame(
    source_rows: Sequence[Sequence[str]],
    output_rows: Sequence[Sequence[str]],
    width: int,
    key_position: int | None,
    allowed: RowValues,
    contract: RowValues,
    *,
    file_kind: str = "csv",
) -> pd.DataFrame:
    """One row per output row, with the facts the processor-only suite checks.

    Cells are compared as the refreshed file of ``file_kind`` carries them
    (crmfile.written_cell, the writer's own rule): in a CSV a formula-like cell gets a
    leading "'" on every row, opted_out rows included, so "as sent" there means the
    customer's cells through that same rule. ``output_rows`` may be the rows before
    writing or the file as written: both give the same facts.

    Computed on columns: ``allowed`` and ``contract`` as register_values makes them are
    asked for all differing cells at once; any other RowValues is asked per row that has
    such a cell. A customer's cell missing from an output row (a row cut short) differs
    from what was sent and is no register value.
    """
    count = len(output_rows)
    written = partial(written_cell, file_kind)
    parts = [
        _chunk_facts(
            source_rows,
            output_rows,
            range(start, min(start + _CHUNK_ROWS, count)),
            width,
            key_position,
            (allowed, contract),
            written,
        )
        for start in range(0, count, _CHUNK_ROWS)
    ]
    return pd.DataFrame(
        {
            name: np.concatenate([part[number] for part in parts])
            if parts
            else np.empty(0, dtype=object)
            for number, name in enumerate(_FACTS)
        },
        columns=_FACTS,
    )


def _chunk_facts(
    source_rows: Sequence[Sequence[str]],
    output_rows: Sequence[Sequence[str]],
    numbers: range,
    width: int,
    key_position: int | None,
    register: tuple[RowValues, RowValues],
    written: Callable[[str], str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The facts of the output rows ``numbers``: their cells held as blocks for a while,
    a chunk at a time (a large file's rows may be read from compact storage)."""
    allowed, contract = register
    count, first = len(numbers), numbers.start
    given_rows = list(source_rows[first : min(numbers.stop, len(source_rows))])
    sent_lengths = np.zeros(count, dtype=np.intp)
    sent_lengths[: len(given_rows)] = [len(row) for row in given_rows]
    sent = _block(given_rows, count, width, sent_lengths[: len(given_rows)])
    back_rows = list(output_rows[numbers.start : numbers.stop])
    back_lengths = np.array([len(row) for row in back_rows], dtype=np.intp)
    full = max(int(back_lengths.max()), width + _OURS)
    back = _block(back_rows, count, full, back_lengths)
    del given_rows, back_rows
    # A customer's cell the output row lacks: never equal to a text, never allowed.
    for row in np.nonzero(back_lengths < width)[0].tolist():
        back[row, back_lengths[row] : width] = None

    # The customer's columns: the cells that differ as raw text, then as the file carries
    # them (written_cell is idempotent, so an already written row compares the same as
    # one before writing).
    raw_rows, raw_columns = np.nonzero(back[:, :width] != sent)
    back_cells, sent_cells = back[raw_rows, raw_columns], sent[raw_rows, raw_columns]
    really = np.fromiter(
        (
            b is None or written(b) != written(s)
            for b, s in zip(back_cells.tolist(), sent_cells.tolist(), strict=True)
        ),
        bool,
        len(back_cells),
    )
    rows, values = raw_rows[really], back_cells[really]
    differs = np.zeros(count, dtype=bool)
    differs[rows] = True
    present = np.fromiter((v is not None for v in values.tolist()), bool, len(values))
    foreign = np.zeros(count, dtype=bool)
    foreign[rows[~present]] = True
    rows, values = rows[present], values[present]
    foreign[rows[~_holds(allowed, rows + first, values, written)]] = True

    # The contract's organisation columns: between ours and a long row's surplus cells.
    end = back_lengths - np.maximum(0, sent_lengths - width)
    contract_rows: list[np.ndarray] = [np.empty(0, dtype=np.intp)]
    contract_values: list[np.ndarray] = [np.empty(0, dtype=object)]
    for column in range(width + _OURS, full):
        column_values = back[:, column]
        (filled,) = np.nonzero((end > column) & column_values.astype(bool))
        contract_rows.append(filled)
        contract_values.append(column_values[filled])
    rows, values = np.concatenate(contract_rows), np.concatenate(contract_values)
    foreign[rows[~_holds(contract, rows + first, values, written)]] = True

    opted_out = back[:, width] == "opted_out"
    touched = back[:, width + 1 : width + _OURS].astype(bool).any(axis=1)
    if key_position is None:
        keys = np.array([str(n + 1) for n in numbers], dtype=object)
        input_keys, output_keys = keys, keys.copy()
    else:
        # Copies: a column of a block is a view of it, and kept to the end it would keep
        # every cell of the chunk alive with it (a large file's every cell, twice over).
        input_keys, output_keys = sent[:, key_position].copy(), back[:, key_position].copy()
    return input_keys, output_keys, ~foreign, ~opted_out | ~(differs | touched)


def _block(
    rows: Sequence[Sequence[str]], count: int, width: int, lengths: np.ndarray
) -> np.ndarray:
    """The first ``width`` cells of ``count`` rows as a (count, width) block of objects; a
    cell a row lacks, and every cell of a row beyond those given, is ""."""
    block = np.full((count, width), "", dtype=object)
    given = len(lengths)
    if not given or not width:
        return block
    # The rows of the usual length go in as one block; the others (ragged) one by one.
    common = int(np.bincount(np.minimum(lengths, width)).argmax())
    usual = lengths == common
    if usual.all():
        taken, (numbers,) = list(rows), np.nonzero(usual)
    else:
        (numbers,) = np.nonzero(usual)
        taken = [rows[n] for n in numbers.tolist()]
    if common:
        block[numbers, :common] = np.array(taken, dtype=object).reshape(len(taken), common)
    for number in np.nonzero(~usual)[0].tolist():
        cells = list(rows[number][:width])
        block[number, : len(cells)] = cells
    return block


def _holds(
    values_of: RowValues, rows: np.ndarray, values: np.ndarray, written: Callable[[str], str]
) -> np.ndarray:
    """Per cell (row, value): whether the value is one of those its row may carry."""
    if isinstance(values_of, RegisterValues):
        return values_of.holds(rows, values, written)
    asked: dict[int, frozenset[str]] = {}
    held = np.zeros(len(rows), dtype=bool)
    for cell, (row, value) in enumerate(zip(rows.tolist(), values.tolist(), strict=True)):
        if row not in asked:
            asked[row] = values_of(row)
        held[cell] = _allowed(value, asked[row], written)
    return held


def _allowed(value: str, values: frozenset[str], written: Callable[[str], str]) -> bool:
    return value in values or any(written(v) == written(value) for v in values if v)


def org_field_columns(allowed_fields: Sequence[str]) -> list[str]:
    return [f"register_{name}" for name in allowed_fields]


__all__ = [
    "RegisterValues",
    "org_field_columns",
    "processor_frame",
    "register_values",
    "same_columns",
]
