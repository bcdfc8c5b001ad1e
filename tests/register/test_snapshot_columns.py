"""The column-at-a-time snapshot reader applies the row-by-row validators' rules: the same
rows and keys from a good snapshot, the same refusal (file, line, problem) from a bad one,
and python-stdnum's verdict on every business ID."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snapshot_factory import business_id, org, person, write_snapshot
from stdnum.fi import ytunnus

from matching.contact_points import normalise_email
from register import SnapshotError, read_snapshot
from register.snapshot import (
    _CANONICAL_BUSINESS_ID,
    ORGANIZATION_COLUMNS,
    PERSON_COLUMNS,
    PROHIBITION_COLUMNS,
    _organization,
    _person,
    _prohibition,
    _rows,
    email_keys,
    position_keys,
    valid_business_ids,
)
from synthetic import GeneratedData


def _stdnum_verdict(value: str) -> bool:
    return bool(_CANONICAL_BUSINESS_ID.match(value)) and ytunnus.is_valid(value)


_SHAPED = st.from_regex(r"\A[0-9]{7}-[0-9]\Z")
_NEAR = st.builds(
    lambda stem, sep, digit: f"{stem}{sep}{digit}",
    st.text("0123456789٣７", min_size=5, max_size=9),
    st.sampled_from(["-", "", " ", "–", "--"]),
    st.text("0123456789x", min_size=0, max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_SHAPED, _NEAR, st.text(max_size=12)), min_size=1, max_size=40))
def test_business_ids_are_judged_as_stdnum_judges_them(values: list[str]) -> None:
    expected = [_stdnum_verdict(v) for v in values]
    assert valid_business_ids(pd.Series(values, dtype=object)).tolist() == expected


def test_every_valid_check_digit_is_accepted_and_every_other_refused() -> None:
    stems = [f"{n:07d}" for n in range(0, 10_000_000, 99_991)]
    values = [f"{stem}-{digit}" for stem in stems for digit in range(10)]
    expected = [ytunnus.is_valid(v) for v in values]
    assert any(expected) and not all(expected)
    assert valid_business_ids(pd.Series(values, dtype=object)).tolist() == expected


_EMAIL_PARTS = st.sampled_from(
    [
        "anna",
        "A.Aalto",
        "x--y",
        "ab--",
        "xn--",
        "-",
        ".",
        "@",
        "fi",
        "COM",
        "ä",
        " ",
        "\t",
        "\n",
        "o'neil",
        "+tag",
        "a" * 65,
        'quoted"',
        "b",
        "example",
        "io",
        "ab",
        "--",
    ]
)
_EMAILS = st.one_of(
    st.lists(_EMAIL_PARTS, max_size=8).map("".join),
    st.builds(
        lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
        st.lists(_EMAIL_PARTS, min_size=1, max_size=3).map("".join),
        st.lists(st.from_regex(r"\A[a-zA-Z0-9-]{1,6}\Z"), min_size=1, max_size=3),
        st.sampled_from(["fi", "FI", "com", "se", "xyz", "museum", "io"]),
    ),
    st.text(max_size=20),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_EMAILS, min_size=1, max_size=30))
def test_email_keys_are_normalise_email_of_each_address(values: list[str]) -> None:
    assert email_keys(values) == [normalise_email(v) for v in values]


def _row_by_row(folder: Path) -> tuple[list[dict[str, Any]], ...]:
    """The snapshot as the row-by-row validators read it (the reference)."""
    orgs = [
        _organization(line, row)
        for line, row in _rows(folder / "organizations.csv", ORGANIZATION_COLUMNS)
    ]
    ids = {o["org_id"] for o in orgs}
    persons = [
        _person(line, row, ids) | {"position_id": n}
        for n, (line, row) in enumerate(_rows(folder / "persons.csv", PERSON_COLUMNS), start=1)
    ]
    for record, key in zip(persons, position_keys(persons), strict=True):
        record["position_key"] = key
    bans = [
        _prohibition(line, row)
        for line, row in _rows(folder / "prohibitions.csv", PROHIBITION_COLUMNS)
    ]
    return orgs, persons, bans


def test_a_generated_snapshot_reads_as_the_row_by_row_validators_read_it(
    small_data: GeneratedData,
) -> None:
    snapshot = read_snapshot(small_data.snapshot_dir)
    orgs, persons, bans = _row_by_row(small_data.snapshot_dir)
    assert snapshot.organizations == orgs
    assert snapshot.persons == persons
    assert snapshot.prohibitions == bans


def test_repeated_positions_blank_rows_and_odd_names_read_alike(tmp_path: Path) -> None:
    orgs = [org("O1", 0, "Alfa Oy", aux_names="Alfa Ab|Alpha Ltd"), org("O2", 1, "Beta, Oy")]
    people = [
        person("P1", "O1", "Anna", "Aalto"),
        person("P1", "O1", "Anna", "Aalto"),  # two roles from the same day: P1|O1|...#2
        person("P2", "O2", "Åsa", "Öhman-Ääri", valid_from="", email=""),
        person("P3", "O2", "  Jörg ", 'Smith "JJ"', title="CEO,\nCFO"),
    ]
    folder = tmp_path / "s"
    write_snapshot(folder, orgs, people)
    path = folder / "persons.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n,,,,,,,,,,\n", encoding="utf-8")
    snapshot = read_snapshot(folder)
    expected_orgs, expected_persons, _ = _row_by_row(folder)
    assert snapshot.organizations == expected_orgs
    assert snapshot.persons == expected_persons
    assert snapshot.persons[1]["position_key"].endswith("#2")


def _replace_line(number: int, new: str) -> Callable[[str], str]:
    def mutate(text: str) -> str:
        lines = text.splitlines(keepends=True)
        lines[number - 1] = new + "\n"
        return "".join(lines)

    return mutate


def _org_line(**changes: str) -> str:
    row = org("O9", 5, "Gamma Oy") | changes
    return ",".join(row[c] for c in ORGANIZATION_COLUMNS)


@pytest.mark.parametrize(
    ("file", "mutate", "expected"),
    [
        (
            "organizations.csv",
            _replace_line(3, _org_line(org_id="O1")),
            "line 3: org_id appears twice",
        ),
        ("organizations.csv", _replace_line(2, _org_line(org_id=" ")), "line 2: org_id is empty"),
        (
            "organizations.csv",
            _replace_line(3, _org_line(successor_business_id="1234567-8")),
            "line 3: successor_business_id is not a valid business ID",
        ),
        (
            "organizations.csv",
            _replace_line(3, _org_line(updated_at="2025-02-30")),
            "line 3: updated_at is not a valid date",
        ),
        ("organizations.csv", _replace_line(3, "O9,1"), "line 3: row has 2 fields"),
        ("persons.csv", lambda t: t.replace("JOHTO", "BOSS", 1), "line 2: responsibility_area"),
        ("persons.csv", lambda t: t.replace(",Aalto,", ',"Aa"lto,', 1), "line 2: malformed CSV"),
        ("persons.csv", lambda t: t.replace("Anna", "", 1), "line 2: first_name is empty"),
        ("prohibitions.csv", lambda t: t.replace("disclosure", "all", 1), "line 2: kind must be"),
        ("persons.csv", lambda t: t.encode("utf-8") + b"\xff", "not valid UTF-8"),
    ],
)
def test_a_bad_snapshot_is_refused_with_the_first_problem_file_and_line(
    tmp_path: Path, file: str, mutate: Callable[[str], object], expected: str
) -> None:
    folder = tmp_path / "s"
    write_snapshot(
        folder,
        [org("O1", 0, "Alfa Oy"), org("O2", 1, "Beta Oy")],
        [person("P1", "O1", "Anna", "Aalto"), person("P2", "O2", "Bo", "Berg")],
        [{"person_id": "P1", "kind": "disclosure", "registered_at": "2025-05-05"}],
    )
    path = folder / file
    changed = mutate(path.read_text(encoding="utf-8"))
    if isinstance(changed, bytes):
        path.write_bytes(changed)
    else:
        path.write_text(str(changed), encoding="utf-8")
    with pytest.raises(SnapshotError) as refused:
        read_snapshot(folder)
    assert str(refused.value).startswith(file)
    assert expected in str(refused.value)


def test_a_business_id_refusal_names_its_line(tmp_path: Path, small_data: GeneratedData) -> None:
    folder = tmp_path / "s"
    shutil.copytree(small_data.snapshot_dir, folder)
    path = folder / "organizations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    wrong = business_id(3)[:-1] + str((int(business_id(3)[-1]) + 1) % 10)
    cells = lines[41].split(",")
    cells[1] = wrong
    lines[41] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SnapshotError, match=r"^organizations.csv, line 42: business_id"):
        read_snapshot(folder)
