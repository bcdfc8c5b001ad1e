"""The columnar processor-only facts against the per-row oracle (processor_oracle.py), row
for row: input and output keys, values_from_customer_or_register and opted_out_as_sent, and
each row's register values asked one by one.

Rows are generated from small pools chosen to hit every case: rows as sent, cells changed to
the row's register values or to foreign ones (another person's, the person's position
elsewhere, a value from nowhere, an emptied cell), prohibitions of every kind, ragged rows
(short and long), formula-like cells ('=..', '+358..', '-') as sent and as written, opted_out
rows with and without changes, the contract's organisation columns, a key column or none,
CSV and xlsx, more or fewer output rows than sent."""

from __future__ import annotations

import random
from datetime import date
from functools import partial
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from crmfile import written_cell
from crmfile.packed import PackedRows
from quality import processor
from quality.processor import RegisterValues, _chunk_facts, processor_frame, register_values
from refresh import APPENDED_COLUMNS
from tests.quality.processor_oracle import oracle_processor_frame, oracle_register_values

ORG_IDS = ["O1", "O2", "O3", "O4"]
PERSON_IDS = ["P1", "P2", "P3", "P4", "P5", "P6"]
FORMULAS = ['=HYPERLINK("http://x.example")', "+358401234567", "-", "@SUM(A1)", "-1+2", "+x"]
HEADER = ["id", "first", "last", "email", "phone"]
STATUSES = ["verified", "updated", "opted_out", "opted_out", "not_found", "person_left", ""]
PROHIBITION_KINDS = ["disclosure", "direct_marketing", "email_marketing", "phone_marketing"]


def _organizations(rng: random.Random) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for number, org_id in enumerate(ORG_IDS):
        rows.append(
            {
                "org_id": org_id,
                "business_id": f"123456{number}-{number}",
                "name": rng.choice([f"Yhtiö {number} Oy", "=Yhtiö", None]),
                "successor_business_id": rng.choice([None, "7654321-0"]),
                "postal_street": rng.choice([f"Katu {number}", "-", None]),
                "postal_postcode": "00100",
                "postal_city": rng.choice(["Helsinki", "Espoo"]),
                "visiting_street": f"Tie {number}",
                "visiting_postcode": rng.choice(["00200", None]),
                "visiting_city": "Helsinki",
                "status": rng.choice(["active", "ceased"]),
                "phone": rng.choice(["+358 9 123 456", "=1+1", None]),
                "personnel": rng.choice([5.0, float("nan"), 12.5]),
                "updated_at": rng.choice([date(2026, 1, number + 1), None]),
            }
        )
    if rng.random() < 0.5:  # an organisation listed twice: the last one holds
        rows.append({**rows[0], "name": "Toinen nimi Oy"})
    frame = pd.DataFrame(rows)
    frame["founded"] = pd.to_datetime([f"20{10 + n}-05-01" for n in range(len(frame))])
    frame["employees"] = np.arange(len(frame), dtype=np.int64) * 7
    return frame


def _positions(rng: random.Random) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for number, person_id in enumerate(PERSON_IDS):
        for org_id in rng.sample(ORG_IDS, rng.randint(1, 3)):
            rows.append(
                {
                    "position_id": len(rows),
                    "person_id": person_id,
                    "org_id": org_id,
                    "first_name": rng.choice([f"Etu{number}", "=Etu", "-"]),
                    "last_name": f"Suku{number}",
                    "title": rng.choice(["CEO", "CFO", f"{org_id} johtaja", None]),
                    "email": rng.choice([f"p{number}@{org_id}.fi", "@mail", None]),
                    "mobile": rng.choice([f"+35840{number}{org_id[1]}", "+358 x", None]),
                }
            )
    if rng.random() < 0.5:  # two positions of one person in one organisation
        rows.append({**rows[0], "position_id": len(rows), "title": "Hallituksen jäsen"})
    return pd.DataFrame(rows)


def _prohibitions(rng: random.Random) -> pd.DataFrame:
    rows = [
        {"person_id": person_id, "kind": kind}
        for person_id in PERSON_IDS
        for kind in PROHIBITION_KINDS
        if rng.random() < 0.2
    ]
    return pd.DataFrame(rows, columns=["person_id", "kind"])


def _register_pool(
    organizations: pd.DataFrame, positions: pd.DataFrame
) -> dict[tuple[str, str], list[str]]:
    """(person, organisation) -> every value of that position and organisation, whether or
    not a prohibition lets it go to the customer (the oracle decides)."""
    pool: dict[tuple[str, str], list[str]] = {}
    for record in positions.to_dict("records"):
        key = (record["person_id"], record["org_id"])
        pool.setdefault(key, []).extend(str(v) for k, v in record.items() if k != "position_id")
    for record in organizations.to_dict("records"):
        for person_id in [*PERSON_IDS, ""]:
            pool.setdefault((person_id, record["org_id"]), []).extend(
                str(v) for v in record.values() if v is not None
            )
    return pool


def _cell(rng: random.Random, own: list[str], everything: list[str]) -> str:
    """A changed cell: one of the row's register values (perhaps as a CSV writes it), any
    register value at all, a formula, a value from nowhere, or nothing."""
    choice = rng.random()
    if choice < 0.45 and own:
        formula_like = [v for v in own if written_cell("csv", v) != v]
        if formula_like and rng.random() < 0.3:  # as a CSV writes it: found only that way
            return written_cell("csv", rng.choice(formula_like))
        return rng.choice(own)
    if choice < 0.7:
        return rng.choice(everything)
    if choice < 0.85:
        return rng.choice(FORMULAS)
    return rng.choice(["Pekka", ""])


def _case(
    seed: int, keyed: bool, contract_columns: int
) -> tuple[list[list[str]], list[list[str]], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = random.Random(seed)
    organizations, positions = _organizations(rng), _positions(rng)
    pool = _register_pool(organizations, positions)
    everything = sorted({v for values in pool.values() for v in values})
    width = len(HEADER)
    sent: list[list[str]] = []
    back: list[list[str]] = []
    for number in range(rng.randint(0, 14)):
        cells = [f"c{number}" if keyed else rng.choice(["", "a"])] + [
            rng.choice(["Matti", "", "m@x.fi", *FORMULAS, *everything[:5]])
            for _ in range(width - 1)
        ]
        shape = rng.random()
        if shape < 0.15:  # a short row
            cells = cells[: rng.randint(0, width - 1)]
        elif shape < 0.3:  # a long one: its surplus cells come back after ours
            cells += [rng.choice(["extra", "=x", ""]) for _ in range(rng.randint(1, 2))]
        sent.append(cells)
        org_id = rng.choice([*ORG_IDS, "", "O99"])
        person_id = rng.choice([*PERSON_IDS, "", "P99"])
        own = pool.get((person_id, org_id), [])
        out = cells[:width] + [""] * (width - len(cells))
        if rng.random() < 0.5:
            for column in rng.sample(range(width), rng.randint(1, 3)):
                out[column] = _cell(rng, own, everything)
        if rng.random() < 0.3:  # the file as a CSV writes it
            out = [written_cell("csv", c) for c in out]
        status = rng.choice(STATUSES)
        ours = [
            status,
            rng.choice(["", "", "stale"]),
            rng.choice(["", "", "email: a -> b"]),
            rng.choice(["", "0.93"]),
            org_id if rng.random() < 0.8 else "",
            person_id if rng.random() < 0.8 else "",
        ]
        if status == "opted_out" and rng.random() < 0.6:
            ours[1:] = ["", "", "", "", ""]
        organisation_cells = [
            _cell(rng, pool.get(("", org_id), []), everything) for _ in range(contract_columns)
        ]
        back.append(out + ours + organisation_cells + cells[width:])
    # More or fewer rows back than were sent (the same-rows check catches it; the facts
    # still have to agree).
    drift = rng.random()
    if drift < 0.1 and back:
        back.pop()
    elif drift < 0.2 and back:
        back.append(list(back[0]))
    return sent, back, organizations, positions, _prohibitions(rng)


def _both(
    seed: int,
    keyed: bool,
    contract_columns: int,
    kind: str,
    packed: bool = False,
    arrow: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, list[int], RegisterValues, Any]:
    rows, back, organizations, positions, prohibitions = _case(seed, keyed, contract_columns)
    # The register rows as a run hands them over (`register.NamedRows`: Arrow tables); the
    # oracle reads the frames.
    held = (
        (pa.Table.from_pandas(organizations), pa.Table.from_pandas(positions))
        if arrow
        else (organizations, positions)
    )
    # The reader's compact rows (a CSV's) read as the lists they were.
    sent: list[list[str]] | PackedRows = PackedRows(rows).finish() if packed else rows
    width = len(HEADER)
    output = pd.DataFrame(
        [row[width : width + 6] for row in back], columns=list(APPENDED_COLUMNS), dtype=object
    )
    key = 0 if keyed else None
    allowed, contract = register_values(output, *held, prohibitions)
    columnar = processor_frame(sent, back, width, key, allowed, contract, file_kind=kind)
    old_allowed, old_contract = oracle_register_values(
        output, organizations, positions, prohibitions
    )
    oracle = oracle_processor_frame(
        sent, back, width, key, old_allowed, old_contract, file_kind=kind
    )
    numbers = list(range(len(back)))
    assert [allowed(n) for n in numbers] == [old_allowed(n) for n in numbers]
    assert [contract(n) for n in numbers] == [old_contract(n) for n in numbers]
    return columnar, oracle, numbers, allowed, contract


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    keyed=st.booleans(),
    contract_columns=st.integers(0, 2),
    kind=st.sampled_from(["csv", "xlsx"]),
    packed=st.booleans(),
    chunk_rows=st.sampled_from([1 << 16, 1, 4]),
    arrow=st.booleans(),
)
def test_columnar_facts_equal_the_per_row_oracle(
    seed: int,
    keyed: bool,
    contract_columns: int,
    kind: str,
    packed: bool,
    chunk_rows: int,
    arrow: bool,
) -> None:
    with mock.patch.object(processor, "_CHUNK_ROWS", chunk_rows):  # a file in chunks
        columnar, oracle, _, _, _ = _both(seed, keyed, contract_columns, kind, packed, arrow)
    assert list(columnar.columns) == list(oracle.columns)
    assert columnar.to_dict("list") == oracle.to_dict("list")


def test_the_generated_rows_reach_every_outcome() -> None:
    """The generator is not idle: over a fixed batch, rows pass and fail each check, and
    opted_out rows come back both untouched and touched."""
    seen: dict[str, set[bool]] = {"values": set(), "opted": set()}
    for seed in range(60):
        for kind in ("csv", "xlsx"):
            facts, _, _, _, _ = _both(seed, seed % 2 == 0, seed % 3, kind, arrow=seed % 5 == 0)
            seen["values"] |= set(facts["values_from_customer_or_register"].tolist())
            seen["opted"] |= set(facts["opted_out_as_sent"].tolist())
    assert seen == {"values": {True, False}, "opted": {True, False}}


def test_a_register_value_found_only_as_the_csv_writes_it_is_allowed() -> None:
    """The file as written carries a formula-like register value with its leading "'": the
    same value, through the writer's rule (the per-cell case)."""
    organizations = pd.DataFrame([{"org_id": "O1", "name": "=Yhtiö Oy"}])
    positions = pd.DataFrame(
        [{"person_id": "P1", "org_id": "O1", "first_name": "Matti", "title": "=CEO"}]
    )
    prohibitions = pd.DataFrame(columns=["person_id", "kind"])
    sent = [["c1", "Matti", "CFO", "Vanha Oy"]]
    back = [["c1", "Matti", "'=CEO", "'=Yhtiö Oy", "updated", "", "", "0.9", "O1", "P1"]]
    output = pd.DataFrame([back[0][4:10]], columns=list(APPENDED_COLUMNS))
    for kind, passes in (("csv", True), ("xlsx", False)):
        allowed, contract = register_values(output, organizations, positions, prohibitions)
        facts = processor_frame(sent, back, 4, 0, allowed, contract, file_kind=kind)
        assert facts["values_from_customer_or_register"].tolist() == [passes]


def test_an_output_row_cut_short_fails_the_origin_check() -> None:
    """A row that lost customer cells is not as sent (the per-row loop stopped on it)."""
    organizations = pd.DataFrame([{"org_id": "O1", "name": "Yhtiö Oy"}])
    positions = pd.DataFrame([{"person_id": "P1", "org_id": "O1", "first_name": "Matti"}])
    prohibitions = pd.DataFrame(columns=["person_id", "kind"])
    sent = [["c1", "Matti", "Oy"], ["c2", "Liisa", ""]]
    back = [["c1", "Matti", "Oy", "verified", "", "", "", "", ""], ["c2"]]
    output = pd.DataFrame(
        [["verified", "", "", "", "", ""], ["", "", "", "", "", ""]],
        columns=list(APPENDED_COLUMNS),
    )
    allowed, contract = register_values(output, organizations, positions, prohibitions)
    facts = processor_frame(sent, back, 3, 0, allowed, contract)
    assert facts["values_from_customer_or_register"].tolist() == [True, False]
    assert facts["output_key"].tolist() == ["c1", "c2"]


def test_a_chunks_facts_hold_its_row_keys_not_its_rows() -> None:
    """A chunk's facts are kept until the whole file's are put together: its row keys must
    be their own arrays, not columns (views) of the chunk's block of cells, which would keep
    every cell of a large file alive until then."""
    organizations = pd.DataFrame([{"org_id": "O1", "name": "Yhtiö Oy"}])
    positions = pd.DataFrame([{"person_id": "P1", "org_id": "O1", "first_name": "Matti"}])
    prohibitions = pd.DataFrame(columns=["person_id", "kind"])
    sent = [["c1", "Matti", "Oy"], ["c2", "Liisa", ""]]
    back = [[*row, "verified", "", "", "", "", ""] for row in sent]
    output = pd.DataFrame([back[0][3:]] * 2, columns=list(APPENDED_COLUMNS))
    register = register_values(output, organizations, positions, prohibitions)
    input_keys, output_keys, *_ = _chunk_facts(
        sent, back, range(2), 3, 0, register, partial(written_cell, "csv")
    )
    for keys in (input_keys, output_keys):
        assert keys.tolist() == ["c1", "c2"]
        assert keys.base is None
