"""The processor-only checks catch what they guard against (each tampering fails one)."""

from __future__ import annotations

import pandas as pd
import pytest

from quality import (
    processor_frame,
    register_values,
    same_columns,
    validate_output,
    validate_row_flag,
    validate_same_rows,
)
from refresh import APPENDED_COLUMNS

HEADER = ["id", "first", "last", "email"]
SENT = [
    ["c1", "Matti", "Mäkinen", "matti@old.fi"],
    ["c2", "Anna", "Korhonen", "anna@old.fi"],
    ["c3", "Liisa", "Lahtinen", "liisa@old.fi"],
]
ORGS = pd.DataFrame(
    [
        {
            "org_id": "O1",
            "name": "Virtanen Oy",
            "business_id": "2077474-0",
            "successor_business_id": None,
        }
    ]
)
POSITIONS = pd.DataFrame(
    [
        # Matti's new position at another organisation: none of the customer's business.
        {
            "person_id": "P1",
            "org_id": "O9",
            "first_name": "Matti",
            "last_name": "Mäkinen",
            "title": "CFO",
            "email": "matti@elsewhere.fi",
            "mobile": "+358409999999",
        },
        {
            "person_id": "P1",
            "org_id": "O1",
            "first_name": "Matti",
            "last_name": "Mäkinen",
            "title": "CEO",
            "email": "matti@new.fi",
            "mobile": "+358401234567",
        },
        {
            "person_id": "P2",
            "org_id": "O1",
            "first_name": "Anna",
            "last_name": "Korhonen",
            "title": "CFO",
            "email": "anna@new.fi",
            "mobile": "+358501234567",
        },
        {
            "person_id": "P3",
            "org_id": "O1",
            "first_name": "Liisa",
            "last_name": "Lahtinen",
            "title": "CTO",
            "email": "liisa@new.fi",
            "mobile": None,
        },
    ]
)
PROHIBITIONS = pd.DataFrame(
    [{"person_id": "P2", "kind": "email_marketing"}, {"person_id": "P3", "kind": "disclosure"}]
)


def ours(status: str, org: str = "", person: str = "") -> list[str]:
    return [status, "", "", "0.99" if person else "", org, person]


def good_output() -> list[list[str]]:
    return [
        ["c1", "Matti", "Mäkinen", "matti@new.fi", *ours("updated", "O1", "P1")],
        ["c2", "Anna", "Korhonen", "anna@old.fi", *ours("verified", "O1", "P2")],
        ["c3", "Liisa", "Lahtinen", "liisa@old.fi", *ours("opted_out")],
    ]


def facts(rows: list[list[str]]) -> pd.DataFrame:
    appended = pd.DataFrame([r[4:10] for r in rows], columns=list(APPENDED_COLUMNS))
    allowed, contract = register_values(appended, ORGS, POSITIONS, PROHIBITIONS)
    return processor_frame(SENT, rows, len(HEADER), 0, allowed, contract)


def test_a_correct_refresh_passes_every_check() -> None:
    table = facts(good_output())
    assert validate_same_rows(table, len(SENT)).passed
    assert validate_row_flag("origin", table, "values_from_customer_or_register").passed
    assert validate_row_flag("opted", table, "opted_out_as_sent").passed


def test_a_value_of_a_prohibited_channel_fails_the_origin_check() -> None:
    rows = good_output()
    rows[1][3] = "anna@new.fi"  # email_marketing prohibition: must not be disclosed
    outcome = validate_row_flag("origin", facts(rows), "values_from_customer_or_register")
    assert not outcome.passed
    assert list(outcome.failures.values()) == [1]


def test_a_value_from_nowhere_fails_the_origin_check() -> None:
    rows = good_output()
    rows[0][1] = "Pekka"
    assert not validate_row_flag("o", facts(rows), "values_from_customer_or_register").passed


def test_touching_an_opted_out_row_fails() -> None:
    rows = good_output()
    rows[2][9] = "P3"  # a register id on an opted-out row discloses that they are known
    assert not validate_row_flag("opted", facts(rows), "opted_out_as_sent").passed


@pytest.mark.parametrize("tamper", ["drop", "swap"])
def test_dropped_or_reordered_rows_fail(tamper: str) -> None:
    rows = good_output()
    if tamper == "drop":
        rows = rows[:2]
    else:
        rows[0], rows[1] = rows[1], rows[0]
    assert not validate_same_rows(facts(rows), len(SENT)).passed


def test_columns_must_be_the_customers_then_exactly_ours() -> None:
    appended = list(APPENDED_COLUMNS)
    assert same_columns(HEADER, [*HEADER, *appended], appended)[0]
    assert not same_columns(HEADER, [*HEADER, *appended, "register_mobile"], appended)[0]
    assert not same_columns(HEADER, [HEADER[1], HEADER[0], *HEADER[2:], *appended], appended)[0]


def test_output_vocabulary_suite_counts_failing_rows() -> None:
    appended = pd.DataFrame(
        {
            "refresh_status": ["verified", "maybe"],
            "refresh_flags": ["stale", "stale;oops"],
            "refresh_confidence": ["0.91", "1.5"],
        }
    )
    outcome = validate_output(appended, 2)
    assert not outcome.passed
    assert sorted(outcome.failures.values()) == [1, 1, 1]
    # Counts only: the failing values themselves never leave the suite.
    assert "maybe" not in str(outcome.metadata())


def test_a_value_from_the_persons_position_elsewhere_fails_the_origin_check() -> None:
    rows = good_output()
    rows[0][3] = "matti@elsewhere.fi"  # would tell the customer where Matti went
    assert not validate_row_flag("o", facts(rows), "values_from_customer_or_register").passed
