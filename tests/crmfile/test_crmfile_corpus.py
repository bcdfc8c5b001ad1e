"""The corpus of customer files as they really arrive: every file's outcome, as data.

Each file of crm_corpus.CASES is read; a read must give exactly the expected data rows and
quarantined rows (nothing silently dropped), decode every name correctly, map its
dialect's columns and write back to the same rows; a refusal must be one line naming the
file (and the line where there is one) and the problem, without any cell value.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from crm_corpus import (
    CASES,
    DIALECT_DATES,
    DIALECT_MAPPING,
    EMAILS,
    LAST_NAMES,
    PEOPLE,
    Case,
    build_corpus,
    outcome_table,
    run_case,
)

from crmfile import CrmFile, read_crm_file, write_crm_file


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def test_corpus_covers_the_issue() -> None:
    assert len(CASES) >= 40
    dialects = {case.dialect for case in CASES}
    for dialect in [
        "Finnish",
        "Swedish",
        "English",
        "HubSpot",
        "Salesforce",
        "Dynamics 365",
        "Pipedrive",
        "Lime CRM (sv)",
        "Excel hand-made",
    ]:
        assert dialect in dialects
    encodings = {case.encoding for case in CASES}
    for encoding in [
        "utf-8",
        "utf-8 BOM",
        "UTF-16 LE BOM",
        "cp1252",
        "ISO-8859-1",
        "ISO-8859-15",
        "Mac Roman",
        "xlsx",
    ]:
        assert encoding in encodings
    assert {",", ";", "\t", "|"} <= {case.delimiter for case in CASES}
    outcomes = [case.expected for case in CASES]
    assert sum(e.outcome == "refused" for e in outcomes) >= 15
    assert sum(e.outcome == "read" and e.quarantined > 0 for e in outcomes) >= 6


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_file(case: Case, corpus: dict[str, Path], tmp_path: Path) -> None:
    result = run_case(case, corpus[case.name])
    expected = case.expected

    if expected.outcome == "refused":
        assert result.outcome == "refused", f"read {result.rows} rows, expected a refusal"
        message = result.message
        assert expected.message in message
        assert message.startswith(case.name)
        assert "\n" not in message and "Traceback" not in message
        if expected.line is not None:
            assert result.line == expected.line
            assert message.startswith(f"{case.name}, line {expected.line}: ")
        assert not any(email in message for email in EMAILS)
        assert not any(name in message for name in LAST_NAMES)
        return

    assert result.outcome == "read", result.message
    crm: CrmFile = result.crm
    _assert_nothing_dropped(crm, case)
    _assert_decoded_and_mapped(crm, case)
    _assert_report_without_values(crm)
    _assert_written_back(crm, case, corpus[case.name], tmp_path)
    if case.check is not None:
        case.check(crm)


def _assert_nothing_dropped(crm: CrmFile, case: Case) -> None:
    problems = crm.contacts["problem"]
    usable = int((problems == "").sum())
    quarantined = int((problems != "").sum())
    # Rows read + rows quarantined == the data rows the file holds.
    assert usable + quarantined == case.expected.rows
    assert quarantined == case.expected.quarantined
    assert len(crm.rows) == len(crm.line_numbers) == len(crm.contacts) == case.expected.rows
    assert crm.line_numbers == sorted(set(crm.line_numbers))
    # Usable rows have distinct keys (a blank row has no id to carry).
    assert crm.contacts.loc[problems == "", "row_key"].is_unique
    # A repair or a doubt never quarantines a row by itself.
    assert set(crm.contacts.columns) >= {"row_key", "problem", "repairs"}


def _assert_decoded_and_mapped(crm: CrmFile, case: Case) -> None:
    usable = crm.contacts[crm.contacts["problem"] == ""]
    # Every name decodes to the letters written (no mojibake from a wrong code page).
    assert set(usable["last_name"]) - {""} <= LAST_NAMES
    assert set(usable["email"]) - {""} <= set(EMAILS)
    assert usable["last_name"].ne("").any()
    expected_mapping = DIALECT_MAPPING.get(case.dialect, {})
    assert crm.mapping.items() >= expected_mapping.items()
    if case.dialect in DIALECT_DATES:
        assert list(crm.dates.columns) == DIALECT_DATES[case.dialect]
        assert crm.dates.index.equals(crm.contacts.index)
        assert crm.dates.iloc[0, 0].startswith("2024-")


def _assert_report_without_values(crm: CrmFile) -> None:
    report = crm.mapping_report
    column_lines = [line for line in report if " -> " in line]
    assert len(column_lines) == len(crm.header)
    assert any(line.startswith(("encoding: ", "sheet: ")) for line in report)
    text = "\n".join(report)
    assert not any(email in text for email in EMAILS)
    assert not any(person.street in text for person in PEOPLE)
    assert not any(name in text for name in LAST_NAMES)


def _assert_written_back(crm: CrmFile, case: Case, original: Path, tmp_path: Path) -> None:
    out = tmp_path / f"out{original.suffix}"
    write_crm_file(out, crm.format, crm.header, crm.rows)
    if case.byte_identical:
        assert out.read_bytes() == original.read_bytes()
    again = read_crm_file(out, **case.read_kwargs)
    assert again.header == crm.header
    assert again.rows == crm.rows
    assert again.format == crm.format
    assert again.contacts["problem"].tolist() == crm.contacts["problem"].tolist()


def test_outcome_table(corpus: dict[str, Path]) -> None:
    # Shown with `pytest -s`; `python tests/crmfile/crm_corpus.py` prints it too.
    results = [run_case(case, corpus[case.name]) for case in CASES]
    table = outcome_table(results)
    lines = table.splitlines()
    assert lines[0] == "| file | dialect | encoding | delimiter | outcome |"
    assert len(lines) == len(CASES) + 2
    assert all(line.count(" | ") == 4 for line in lines[2:])
    print("\n" + table)
