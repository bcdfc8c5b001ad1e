"""One test per kind of failure the independent dev set found (issue 13), each with why it
matters to the customer who receives the file. The rules' side (spelling is not a change,
a merged organisation is inactive) is in tests/refresh/test_meaning.py."""

from __future__ import annotations

from typing import Any

import pandas as pd

from matching import link, match_organisations, match_persons
from tests.matching.test_linking import org, person

CONTACT_COLUMNS = (
    "first_name",
    "last_name",
    "full_name",
    "title",
    "email",
    "mobile",
    "phone",
    "business_id",
    "org_name",
    "street",
    "postcode",
    "city",
)


def contacts(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{c: row.get(c, "") for c in CONTACT_COLUMNS} for row in rows])


def position(number: int, person_id: str, org_id: str, first: str, last: str, **extra: Any) -> Any:
    row = person(number, person_id, org_id, first, last, extra.pop("email", ""))
    row.update({"title": "", "mobile": "", **extra})
    return row


def organisations(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_a_surname_changed_at_marriage_is_found_within_the_organisation() -> None:
    # The customer's "Anna Virtanen, talousjohtaja" married and is now Anna Korhonen, with
    # a new mailbox. Answering `not_found` would make the customer drop a live contact;
    # finding her lets the file say `name_changed` and carry the new name.
    register = pd.DataFrame(
        [
            position(
                1,
                "P1",
                "O1",
                "Anna",
                "Korhonen",
                title="Talousjohtaja",
                email="anna.korhonen@firma.fi",
            ),
            position(2, "P2", "O1", "Anna", "Lahtinen", title="Myyntipäällikkö"),
            position(3, "P3", "O1", "Pekka", "Virtanen", title="Toimitusjohtaja"),
        ]
    )
    rows = contacts(
        {
            "first_name": "Anna",
            "last_name": "Virtanen",
            "title": "CFO",
            "email": "anna.virtanen@firma.fi",
        },
    )
    scope = pd.DataFrame({"contact": [0], "org_id": ["O1"]})
    found = match_persons(rows, scope, register)
    assert (found.loc[0, "person_id"], found.loc[0, "person_method"]) == ("P1", "renamed")


def test_a_same_mobile_finds_the_person_whatever_the_surname() -> None:
    register = pd.DataFrame(
        [position(1, "P1", "O1", "Anna", "Korhonen", mobile="+358 40 123 4567")]
    )
    rows = contacts({"first_name": "Anna", "last_name": "Virtanen", "mobile": "040-1234567"})
    found = match_persons(rows, pd.DataFrame({"contact": [0], "org_id": ["O1"]}), register)
    assert found.loc[0, "person_id"] == "P1"


def test_another_person_with_the_same_given_name_and_another_role_is_not_taken() -> None:
    # A mailbox such as anna@ passes from one Anna to the next: the same address with
    # another surname and another role is another person, and the customer's contact
    # must not be rewritten into her.
    register = pd.DataFrame(
        [position(1, "P1", "O1", "Anna", "Korhonen", title="HR Manager", email="anna@firma.fi")]
    )
    rows = contacts(
        {"first_name": "Anna", "last_name": "Virtanen", "title": "CTO", "email": "anna@firma.fi"}
    )
    found = match_persons(rows, pd.DataFrame({"contact": [0], "org_id": ["O1"]}), register)
    assert found.loc[0, "person_id"] == ""


def test_a_foreign_company_with_a_finnish_looking_name_is_not_found_not_ambiguous() -> None:
    # "Dataia Technologies GmbH" in Berlin is none of the register's Dataia companies.
    # `ambiguous` sends the row to a person for review; `not_found` says what is true.
    register = organisations(
        org("O1", "2077474-0", "Dataia Oy"),
        org("O2", "0112038-9", "Dataia Consulting Oy"),
        org("O3", "1572860-0", "Dataia Systems Oy"),
    )
    rows = contacts(
        {"org_name": "Dataia Technologies GmbH", "email": "a.b@dataia.de", "city": "Berlin"},
        {"org_name": "Dataia Nordic AB", "email": "a.b@dataia.se", "city": "Stockholm"},
    )
    result = match_organisations(rows, register)
    assert list(result["org_id"]) == ["", ""]
    assert "ambiguous" not in set(result["org_method"])


def test_another_legal_form_is_another_organisation() -> None:
    # A "Ky" and an "Oy" of the same name are two companies; the customer wrote the Oy.
    register = organisations(
        org("O1", "2077474-0", "Kaskiis Ky"), org("O2", "0112038-9", "Kaskiis Oy")
    )
    result = match_organisations(contacts({"org_name": "KASKIIS OY"}), register)
    assert result.loc[0, "org_id"] == "O2"


def test_without_a_business_id_the_exact_registered_name_and_the_street_decide() -> None:
    # Namesakes with the same web domain: the customer copied "Oy Kaskiis" as registered,
    # and the street tells "Oy Jokisto" from "Jokisto Oy". Organisation recall without a
    # business ID was 0.93: each miss is a contact the customer gets back unrefreshed.
    register = organisations(
        org("O1", "2077474-0", "Kaskiis Oy", www="www.kaskiis.fi"),
        org("O2", "0112038-9", "Oy Kaskiis", www="www.kaskiis.fi"),
        org("O3", "1572860-0", "Jokisto Oy", www="www.jokisto.fi"),
        org("O4", "2206423-1", "Oy Jokisto", visiting_street="Satamakatu 3"),
    )
    rows = contacts(
        {"org_name": "Oy Kaskiis", "email": "x@kaskiis.fi"},
        {"org_name": "Jokisto Ltd", "email": "x@jokisto.fi", "street": "Satamakatu 3"},
    )
    result = match_organisations(rows, register)
    assert list(result["org_id"]) == ["O2", "O4"]


def test_a_wrong_but_valid_business_id_gives_way_to_the_organisation_named() -> None:
    # The customer copied another account's business ID. Following it would rewrite the
    # row into a company the customer never meant; the name and place say which it is.
    register = organisations(
        org("O1", "2077474-0", "Virtanen Rakennus Oy", postal_postcode="00100"),
        org(
            "O2",
            "0112038-9",
            "Lahden Kuljetus Oy",
            postal_postcode="15100",
            visiting_postcode="15100",
            visiting_city="Lahti",
            postal_city="Lahti",
        ),
    )
    rows = contacts(
        {
            "org_name": "Lahden Kuljetus Oy",
            "business_id": "2077474-0",
            "city": "Lahti",
            "postcode": "15100",
        },
        # A renamed organisation: its old name finds nothing else, and the ID stands.
        {"org_name": "Rakennus Virtanen Ja Pojat", "business_id": "2077474-0"},
    )
    result = match_organisations(rows, register)
    assert list(result["org_id"]) == ["O2", "O1"]
    assert "business ID names another" in result.loc[0, "org_evidence"]


def test_a_contact_replaced_in_their_role_is_person_left_without_an_id() -> None:
    # The register does not know the customer's CFO, and lists another person in finance
    # there now: the contact was most likely replaced. No id is given: nothing names them.
    orgs = organisations(org("O1", "2077474-0", "Virtanen Rakennus Oy"))
    register = pd.DataFrame([position(1, "P1", "O1", "Liisa", "Korhonen", title="Talousjohtaja")])
    rows = contacts(
        {
            "first_name": "Matti",
            "last_name": "Nieminen",
            "title": "CFO",
            "business_id": "2077474-0",
        },
        {
            "first_name": "Matti",
            "last_name": "Nieminen",
            "title": "Myyntijohtaja",
            "business_id": "2077474-0",
        },
    )
    evidence = link(rows, orgs, register, register.iloc[0:0])
    assert list(evidence["role_held"]) == [True, False]
    assert list(evidence["person_id"]) == ["", ""]


def test_a_namesake_in_another_town_is_not_taken_for_the_customers_organisation() -> None:
    # "Kivi Metall AB" in Malmö, with a Swedish e-mail, is not the register's "Kivi
    # Metalli Oy" in Hirvensalmi: a town and postcode that are both another's, and an
    # address under another country's domain, speak against a name that is nearly equal.
    register = organisations(
        org(
            "O1",
            "2077474-0",
            "Kivi Metalli Oy",
            postal_postcode="52550",
            visiting_postcode="52550",
            postal_city="Hirvensalmi",
            visiting_city="Hirvensalmi",
        )
    )
    rows = contacts(
        {
            "org_name": "Kivi Metall AB",
            "city": "Malmö",
            "postcode": "21120",
            "email": "a.b@kivi-metall.se",
        },
        # The same name written in the organisation's own town is still found.
        {"org_name": "Kivi Metalli", "city": "Hirvensalmi", "postcode": "52550"},
    )
    assert list(match_organisations(rows, register)["org_id"]) == ["", "O1"]


def test_a_renamed_organisation_is_found_by_its_domain_and_town_over_a_namesake() -> None:
    # The customer still writes the old name; the register renamed the organisation but
    # its web domain and town are the same. A namesake of the old name elsewhere must not
    # take the row: that would move the contact to a company they never worked for.
    register = organisations(
        org(
            "O1",
            "2077474-0",
            "Ollikaisen Metalli Oy",
            www="www.heikkisen-siivous.fi",
            postal_city="Vöyri",
            visiting_city="Vöyri",
        ),
        org("O2", "0112038-9", "Heikkinen Siivous Oy", postal_city="Oulu", visiting_city="Oulu"),
    )
    rows = contacts(
        {"org_name": "Heikkisen Siivous Oy", "email": "a.b@heikkisen-siivous.fi", "city": "Vöyri"}
    )
    assert match_organisations(rows, register).loc[0, "org_id"] == "O1"
