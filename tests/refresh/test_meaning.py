"""Flags say that a fact changed, never that the text differs (`refreshed-file.md`, "What
counts as a change"). Customers act on flags: a flag for a spelling buries the real ones,
and overwriting the customer's own spelling of a name with ours is a change they did not
ask for."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from matching.names import same_person_name
from matching.title_meaning import same_title
from refresh import decide
from refresh.apply import decide_file
from tests.refresh.test_rules import ALL, MATCHED, ORG, POSITION, SETTINGS, contact, run


@pytest.mark.parametrize(
    ("first", "last", "why"),
    [
        ("Matti", "Makinen", "lost diacritics"),
        ("Matti", "Maekinen", "transliterated diacritics"),
        ("Matti", "Mäkinne", "a typo"),
        ("Matte", "Mäkinen", "a typo in the given name"),
        ("M.", "Mäkinen", "an initial"),
        ("Matti Juhani", "Mäkinen", "a second given name"),
        ("Mäkinen", "Matti", "first and last name swapped"),
        ("Matti Mäkinen", "", "the whole name in one column"),
        ("", "Mäkinen Matti", "the whole name in the other column"),
        ("MATTI", "MÄKINEN", "case"),
    ],
)
def test_a_name_written_another_way_is_the_same_fact(first: str, last: str, why: str) -> None:
    decision = run(contact(first_name=first, last_name=last))
    assert decision.status == "verified", why
    assert "name_changed" not in decision.flags, why
    # The customer's own spelling is kept.
    assert "first_name" not in decision.updates and "last_name" not in decision.updates, why


def test_a_nickname_and_one_part_of_a_double_surname_are_the_same_person() -> None:
    position = {**POSITION, "first_name": "Johannes", "last_name": "Lindholm-Mäkinen"}
    decision = run(contact(first_name="Jussi", last_name="Mäkinen"), position=position)
    assert (decision.status, decision.flags) == ("verified", [])


def test_a_surname_changed_at_marriage_is_flagged_and_written() -> None:
    # The greeting and the mailing change: the customer must hear of it.
    position = {**POSITION, "last_name": "Korhonen", "email": "matti.korhonen@virtanen.fi"}
    decision = run(contact(), position=position)
    assert decision.status == "updated"
    assert {"name_changed", "email_changed"} <= set(decision.flags)
    assert decision.updates["last_name"] == "Korhonen"
    # The given name did not change: it is not rewritten.
    assert "first_name" not in decision.updates


@pytest.mark.parametrize(
    ("customer", "register"),
    [
        ("TJ", "toimitusjohtaja"),
        ("CEO", "verkställande direktör"),
        ("Operatiivinen johtaja", "COO"),
        ("Talousjohtaja", "CFO"),
        ("Head of Marketing", "Markkinointijohtaja"),
        # `Head of` is written for a päällikkö and a johtaja alike: no new level is known.
        ("Head of Marketing", "Markkinointipäällikkö"),
        ("Sales Manager", "Head of Sales"),
        ("Head of IT", "Tietohallintopäällikkö"),
        ("Purchasing Manager", "Ostopäällikkö"),
        ("Talous päällikkö", "Talouspäällikkö"),
        ("Myynti- ja markkinointijohtaja", "Myyntijohtaja"),
        ("hall. pj.", "Hallituksen puheenjohtaja"),
        ("Omistaja", "Yrittäjä"),
        ("Toimitusjohtaja, osakas", "Toimitusjohtaja"),
    ],
)
def test_a_title_in_other_words_is_the_same_role(customer: str, register: str) -> None:
    decision = run(contact(title=customer), position={**POSITION, "title": register})
    assert (decision.status, decision.flags) == ("verified", []), (customer, register)


@pytest.mark.parametrize(
    ("customer", "register"),
    [
        ("Myyntipäällikkö", "Myyntijohtaja"),  # another level: a promotion, a sales trigger
        ("CFO", "CEO"),  # another area
        ("Toimitusjohtaja", "Hallituksen puheenjohtaja"),
        ("Hankintajohtaja", "Hankintapäällikkö"),
        ("Controller", "Talouspäällikkö"),
        ("Toimitusjohtaja", "Yrittäjä"),
        ("Head of Sales", "Talousjohtaja"),  # `Head of` leaves the level open, not the area
        ("Head of Sales", "Myyntiassistentti"),
        ("Head of Finance", "Toimitusjohtaja"),
    ],
)
def test_another_role_is_flagged_with_the_registers_title(customer: str, register: str) -> None:
    decision = run(contact(title=customer), position={**POSITION, "title": register})
    assert decision.status == "updated"
    assert decision.flags == ["title_changed"]
    assert decision.updates == {"title": register}


def test_the_registers_responsibility_area_reads_a_title_that_names_none() -> None:
    # "Johtaja" alone says the level only; the register's area says which director.
    position = {**POSITION, "title": "Johtaja", "responsibility_area": "TALOUS"}
    assert run(contact(title="Talousjohtaja"), position=position).status == "verified"
    assert run(contact(title="Myyntijohtaja"), position=position).status == "updated"


@pytest.mark.parametrize(
    "name",
    [
        "VIRTANEN RAKENNUS",
        "Virtanen Rakennus Osakeyhtiö",
        "Virtanen Rakenus Oy",  # a typo
        "Virtanen Rakennus Ltd",
    ],
)
def test_a_company_name_written_another_way_is_not_a_change(name: str) -> None:
    decision = run(contact(org_name=name))
    assert (decision.status, decision.flags) == ("verified", []), name


def test_a_renamed_organisation_keeps_the_customers_name_and_the_contract_can_add_ours() -> None:
    # The row is about the contact: the organisation is named by its register id, and
    # its current name reaches the customer as a contract field, not as a change of the
    # contact's row (both independent generators' truths call such a row `verified`).
    renamed = {**ORG, "name": "Rakennustoimisto Aalto Oy"}
    decision = run(contact(), org=renamed)
    assert (decision.status, decision.flags, decision.updates) == ("verified", [], {})
    with_name = decide_file(
        pd.DataFrame([contact()]),
        ALL,
        pd.DataFrame([MATCHED.__dict__]),
        pd.DataFrame([renamed]),
        pd.DataFrame([POSITION]),
        pd.DataFrame({"person_id": [], "kind": []}),
        replace(SETTINGS, allowed_org_fields=("name",)),
    )
    assert with_name["status"].tolist() == ["verified"]
    assert with_name["register_name"].tolist() == ["Rakennustoimisto Aalto Oy"]


def test_a_merged_organisation_is_inactive_even_where_the_person_carried_on() -> None:
    # The customer's account is now the successor's: `org_inactive` tells them so, which
    # `updated` with the successor's values would hide.
    merged = {**ORG, "status": "merged", "successor_business_id": "1234567-1"}
    successor = {**ORG, "org_id": "O2", "business_id": "1234567-1"}
    decision = decide(
        contact(),
        ALL,
        replace(MATCHED, position_org_id="O2"),
        {"O1": merged, "O2": successor},
        {("P1", "O2"): POSITION},
        {},
        SETTINGS,
    )
    assert decision.status == "org_inactive"
    assert decision.updates == {"business_id": "1234567-1"}


def test_name_and_title_equivalence_are_symmetric_where_it_matters() -> None:
    assert same_person_name("Mäkinen", "Matti", "Matti", "Mäkinen")
    assert not same_person_name("Matti", "Virtanen", "Matti", "Mäkinen")
    assert same_title("COO", "Operatiivinen johtaja") and same_title("Operatiivinen johtaja", "COO")
