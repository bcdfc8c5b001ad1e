"""Organisation and person matching on small hand-made registers: the hard cases."""

from __future__ import annotations

import pandas as pd
import pytest

from matching import link, match_organisations, match_persons, person_name_key, successor_chain
from matching.text import org_name_key

CONTACT_COLUMNS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "business_id",
    "org_name",
    "postcode",
    "city",
)


def contacts(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{c: row.get(c, "") for c in CONTACT_COLUMNS} for row in rows])


def org(org_id: str, business_id: str, name: str, **extra: str) -> dict[str, object]:
    base: dict[str, object] = {
        "org_id": org_id,
        "business_id": business_id,
        "name": name,
        "aux_names": "",
        "status": "active",
        "successor_business_id": None,
        "postal_postcode": "00100",
        "visiting_postcode": "00100",
        "postal_city": "Helsinki",
        "visiting_city": "Helsinki",
        "name_key": org_name_key(name),
    }
    base.update(extra)
    return base


def person(
    position_id: int,
    person_id: str,
    org_id: str,
    first: str,
    last: str,
    email: str = "",
    valid_to: object = None,
) -> dict[str, object]:
    return {
        "position_id": position_id,
        "person_id": person_id,
        "org_id": org_id,
        "first_name": first,
        "last_name": last,
        "email": email,
        "email_key": email.lower() or None,
        "valid_to": valid_to,
        "name_key": person_name_key(first, last),
    }


ORGS = pd.DataFrame(
    [
        org("O1", "2077474-0", "Virtanen Rakennus Oy"),
        org(
            "O2",
            "0112038-9",
            "Lahden Kuljetus Oy",
            status="merged",
            successor_business_id="1572860-0",
        ),
        org("O3", "1572860-0", "Pohjolan Logistiikka Oy"),
        org(
            "O4",
            "2206423-1",
            "Saha Oy",
            postal_postcode="90100",
            postal_city="Oulu",
            visiting_postcode="90100",
            visiting_city="Oulu",
        ),
        org(
            "O5",
            "2463491-8",
            "Saha Oy",
            postal_postcode="20100",
            postal_city="Turku",
            visiting_postcode="20100",
            visiting_city="Turku",
        ),
    ]
)


def test_business_id_in_any_notation_finds_the_organisation() -> None:
    result = match_organisations(contacts({"business_id": "FI20774740"}), ORGS)
    assert result.loc[0, "org_id"] == "O1"
    assert result.loc[0, "org_method"] == "business_id"


def test_invalid_business_id_falls_back_to_the_name() -> None:
    result = match_organisations(
        contacts({"business_id": "2077474-1", "org_name": "Oy Virtanen Rakennus"}), ORGS
    )
    assert (result.loc[0, "org_id"], result.loc[0, "business_id_state"]) == ("O1", "invalid")


def test_shared_name_is_told_apart_by_town_or_left_ambiguous() -> None:
    result = match_organisations(
        contacts({"org_name": "Saha Oy", "city": "Turku"}, {"org_name": "Saha Oy"}), ORGS
    )
    assert result.loc[0, "org_id"] == "O5"
    assert (result.loc[1, "org_id"], result.loc[1, "org_method"]) == ("", "ambiguous")


def test_successor_chain_follows_mergers_and_survives_a_loop() -> None:
    assert successor_chain("O2", ORGS) == ["O2", "O3"]
    looped = ORGS.copy()
    looped.loc[looped["org_id"] == "O3", "successor_business_id"] = "0112038-9"
    assert successor_chain("O2", looped) == ["O2", "O3"]


PERSONS = pd.DataFrame(
    [
        person(1, "P1", "O1", "Matti", "Mäkinen", "matti.makinen@virtanen.fi"),
        person(2, "P2", "O1", "Anna", "Korhonen", "anna.korhonen@virtanen.fi"),
        person(
            3, "P3", "O2", "Liisa", "Lahtinen", "liisa.lahtinen@lahden.fi", valid_to="2026-01-31"
        ),
        person(4, "P3", "O3", "Liisa", "Lahtinen", "liisa.lahtinen@pohjola.fi"),
        person(5, "P4", "O1", "Pekka", "Nieminen", "", valid_to="2025-05-01"),
        person(6, "P5", "O4", "Jari", "Heikkinen"),
        person(7, "P6", "O4", "Jari", "Heikkinen"),
    ]
)


@pytest.mark.parametrize(
    ("row", "expected_person"),
    [
        ({"first_name": "Matti", "last_name": "Makinen"}, "P1"),  # lost diacritics
        ({"first_name": "Matti", "last_name": "Maekinen"}, "P1"),  # ä written ae
        ({"first_name": "Mäkinen", "last_name": "Matti"}, "P1"),  # first and last swapped
        ({"first_name": "Anna", "last_name": "Korhoen"}, "P2"),  # typo
        (
            {"first_name": "A.", "last_name": "Korhonen", "email": "ANNA.KORHONEN@virtanen.fi"},
            "P2",
        ),  # initial, but the e-mail agrees
    ],
)
def test_person_found_despite_spelling(row: dict[str, str], expected_person: str) -> None:
    scope = pd.DataFrame({"contact": [0], "org_id": ["O1"]})
    result = match_persons(contacts(row), scope, PERSONS)
    assert result.loc[0, "person_id"] == expected_person
    assert result.loc[0, "position_current"]


def test_a_stranger_is_not_matched_to_a_colleague() -> None:
    scope = pd.DataFrame({"contact": [0], "org_id": ["O1"]})
    result = match_persons(contacts({"first_name": "Mikko", "last_name": "Salo"}), scope, PERSONS)
    assert result.loc[0, "person_id"] == ""


def test_two_namesakes_are_ambiguous_not_a_guess() -> None:
    scope = pd.DataFrame({"contact": [0], "org_id": ["O4"]})
    result = match_persons(
        contacts({"first_name": "Jari", "last_name": "Heikkinen"}), scope, PERSONS
    )
    assert result.loc[0, "person_method"] == "ambiguous"
    assert result.loc[0, "person_id"] == ""


def test_merged_organisation_person_is_found_current_in_the_successor() -> None:
    evidence = link(
        contacts(
            {
                "first_name": "Liisa",
                "last_name": "Lahtinen",
                "business_id": "0112038-9",
                "email": "liisa.lahtinen@lahden.fi",
            }
        ),
        ORGS,
        PERSONS,
        PERSONS.iloc[0:0],
    )
    assert evidence.loc[0, "org_id"] == "O2"
    assert (evidence.loc[0, "person_id"], evidence.loc[0, "position_org_id"]) == ("P3", "O3")
    assert evidence.loc[0, "position_current"]


def test_ended_position_is_matched_as_ended() -> None:
    evidence = link(
        contacts({"first_name": "Pekka", "last_name": "Nieminen", "business_id": "2077474-0"}),
        ORGS,
        PERSONS,
        PERSONS.iloc[0:0],
    )
    assert evidence.loc[0, "person_id"] == "P4"
    assert not evidence.loc[0, "position_current"]


def test_a_namesake_elsewhere_is_not_taken_for_the_person_who_left() -> None:
    # Finnish names repeat: the same name at another organisation, and nothing else, says
    # nothing about who the customer's contact is. Calling them "left" with another real
    # person's id would tell the customer something false about that person.
    evidence = link(
        contacts({"first_name": "Liisa", "last_name": "Lahtinen", "business_id": "2077474-0"}),
        ORGS,
        PERSONS,
        PERSONS[PERSONS["person_id"] == "P3"],
    )
    assert not bool(evidence.loc[0, "found_elsewhere"])
    assert evidence.loc[0, "elsewhere_person_id"] == ""


def test_person_absent_from_the_org_but_known_elsewhere_by_e_mail_is_found_elsewhere() -> None:
    evidence = link(
        contacts(
            {
                "first_name": "Liisa",
                "last_name": "Lahtinen",
                "email": "Liisa.Lahtinen@pohjola.fi",
                "business_id": "2077474-0",
            },
            {"first_name": "Outi", "last_name": "Tuntematon", "business_id": "2077474-0"},
        ),
        ORGS,
        PERSONS,
        PERSONS[PERSONS["person_id"] == "P3"],
    )
    assert bool(evidence.loc[0, "found_elsewhere"]) and evidence.loc[0, "person_id"] == ""
    assert evidence.loc[0, "elsewhere_person_id"] == "P3"
    assert not bool(evidence.loc[1, "found_elsewhere"])
