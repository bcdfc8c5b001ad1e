"""Header mapping: Finnish, Swedish and English names and CRM export layouts."""

from __future__ import annotations

import pytest

from crmfile import CANONICAL_COLUMNS, map_headers
from crmfile.headers import normalise_header


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Sähköposti", "sahkoposti"),
        ("SÄHKÖ-POSTI", "sahkoposti"),
        ("  Y-tunnus ", "ytunnus"),
        ("Förnamn", "fornamn"),
        ("E_mail", "email"),
        ("Yritys/Organisaatio", "yritysorganisaatio"),
        ("Address 1: ZIP/Postal Code", "address1zippostalcode"),
    ],
)
def test_normalise_header(raw: str, normalised: str) -> None:
    assert normalise_header(raw) == normalised


LAYOUTS = {
    "finnish": (
        [
            "Asiakasnumero",
            "Etunimi",
            "Sukunimi",
            "Tehtävänimike",
            "Yrityksen nimi",
            "Y-tunnus",
            "Sähköpostiosoite",
            "Puhelin",
            "Matkapuhelin",
            "Lähiosoite",
            "Postinumero",
            "Postitoimipaikka",
            "Maa",
        ],
        {
            "customer_row_id": "Asiakasnumero",
            "first_name": "Etunimi",
            "last_name": "Sukunimi",
            "title": "Tehtävänimike",
            "org_name": "Yrityksen nimi",
            "business_id": "Y-tunnus",
            "email": "Sähköpostiosoite",
            "phone": "Puhelin",
            "mobile": "Matkapuhelin",
            "street": "Lähiosoite",
            "postcode": "Postinumero",
            "city": "Postitoimipaikka",
            "country": "Maa",
        },
    ),
    "swedish": (
        [
            "Kundnummer",
            "Förnamn",
            "Efternamn",
            "Befattning",
            "Företag",
            "FO-nummer",
            "E-post",
            "Telefon",
            "Mobil",
            "Gatuadress",
            "Postnummer",
            "Postort",
            "Land",
        ],
        {
            "customer_row_id": "Kundnummer",
            "first_name": "Förnamn",
            "last_name": "Efternamn",
            "title": "Befattning",
            "org_name": "Företag",
            "business_id": "FO-nummer",
            "email": "E-post",
            "phone": "Telefon",
            "mobile": "Mobil",
            "street": "Gatuadress",
            "postcode": "Postnummer",
            "city": "Postort",
            "country": "Land",
        },
    ),
    "english": (
        [
            "Customer ID",
            "Given Name",
            "Surname",
            "Position",
            "Organisation",
            "VAT number",
            "E-mail Address",
            "Telephone",
            "Cell Phone",
            "Street Address",
            "ZIP Code",
            "Town",
            "Country",
        ],
        {
            "customer_row_id": "Customer ID",
            "first_name": "Given Name",
            "last_name": "Surname",
            "title": "Position",
            "org_name": "Organisation",
            "business_id": "VAT number",
            "email": "E-mail Address",
            "phone": "Telephone",
            "mobile": "Cell Phone",
            "street": "Street Address",
            "postcode": "ZIP Code",
            "city": "Town",
            "country": "Country",
        },
    ),
    "hubspot": (
        [
            "Record ID",
            "First Name",
            "Last Name",
            "Email",
            "Company Name",
            "Job Title",
            "Phone Number",
            "Mobile Phone Number",
            "Street Address",
            "Postal Code",
            "City",
            "Country/Region",
            "Lifecycle Stage",
        ],
        {
            "customer_row_id": "Record ID",
            "first_name": "First Name",
            "last_name": "Last Name",
            "email": "Email",
            "org_name": "Company Name",
            "title": "Job Title",
            "phone": "Phone Number",
            "mobile": "Mobile Phone Number",
            "street": "Street Address",
            "postcode": "Postal Code",
            "city": "City",
            "country": "Country/Region",
        },
    ),
    "salesforce": (
        [
            "Contact ID",
            "Salutation",
            "First Name",
            "Last Name",
            "Title",
            "Account Name",
            "Email",
            "Phone",
            "Mobile",
            "Mailing Street",
            "Mailing City",
            "Mailing Zip/Postal Code",
            "Mailing Country",
            "Contact Owner",
        ],
        {
            "customer_row_id": "Contact ID",
            "first_name": "First Name",
            "last_name": "Last Name",
            "title": "Title",
            "org_name": "Account Name",
            "email": "Email",
            "phone": "Phone",
            "mobile": "Mobile",
            "street": "Mailing Street",
            "city": "Mailing City",
            "postcode": "Mailing Zip/Postal Code",
            "country": "Mailing Country",
        },
    ),
    "salesforce_api_names": (
        ["Id", "FirstName", "LastName", "Title", "Email", "MobilePhone", "MailingPostalCode"],
        {
            "customer_row_id": "Id",
            "first_name": "FirstName",
            "last_name": "LastName",
            "title": "Title",
            "email": "Email",
            "mobile": "MobilePhone",
            "postcode": "MailingPostalCode",
        },
    ),
    "dynamics": (
        [
            "Full Name",
            "Company Name",
            "Job Title",
            "Business Phone",
            "Mobile Phone",
            "E-mail",
            "Address 1: Street 1",
            "Address 1: City",
            "Address 1: ZIP/Postal Code",
        ],
        {
            "full_name": "Full Name",
            "org_name": "Company Name",
            "title": "Job Title",
            "phone": "Business Phone",
            "mobile": "Mobile Phone",
            "email": "E-mail",
            "street": "Address 1: Street 1",
            "city": "Address 1: City",
            "postcode": "Address 1: ZIP/Postal Code",
        },
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_export_layouts_map_completely(layout: str) -> None:
    header, expected = LAYOUTS[layout]
    mapping = map_headers(header)
    assert mapping == expected
    # Canonical order, so callers can rely on it when listing the mapping.
    assert list(mapping) == [column for column in CANONICAL_COLUMNS if column in mapping]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # Alone, "Nimi"/"Name"/"Namn" is the person's full name ...
        (["Nimi", "Sähköposti"], {"full_name": "Nimi", "email": "Sähköposti"}),
        (["Namn", "Företag"], {"full_name": "Namn", "org_name": "Företag"}),
        # ... but beside first/last name columns it is left alone (often the company).
        (
            ["Name", "First Name", "Last Name"],
            {"first_name": "First Name", "last_name": "Last Name"},
        ),
        (["Etunimi", "Nimi"], {"first_name": "Etunimi"}),
        # A specific full-name column wins over the generic one.
        (["Name", "Contact Name"], {"full_name": "Contact Name"}),
        # First occurrence wins; the second column stays the customer's own.
        (["Phone", "Puhelin", "Email"], {"phone": "Phone", "email": "Email"}),
        # Empty and unknown headers are ignored.
        (["Email", "", "Lifecycle Stage", ""], {"email": "Email"}),
        (["Kommentti", "Tila"], {}),
    ],
)
def test_mapping_rules(header: list[str], expected: dict[str, str]) -> None:
    assert map_headers(header) == expected


@pytest.mark.parametrize(
    ("header", "column"),
    [
        (["kontaktiid"], "customer_row_id"),
        (["rowid"], "customer_row_id"),
        (["givenname"], "first_name"),
        (["familyname"], "last_name"),
        (["yhteyshenkilö"], "full_name"),
        (["kontaktperson"], "full_name"),
        (["Titteli"], "title"),
        (["jobtitle"], "title"),
        (["yritys/organisaatio"], "org_name"),
        (["organisationname"], "org_name"),
        (["ytunnus"], "business_id"),
        (["alv-tunnus"], "business_id"),
        (["orgnr"], "business_id"),
        (["epost"], "email"),
        (["mail"], "email"),
        (["businessphone"], "phone"),
        (["workphone"], "phone"),
        (["GSM"], "mobile"),
        (["kännykkä"], "mobile"),
        (["mobiltelefon"], "mobile"),
        (["katuosoite"], "street"),
        (["adress"], "street"),
        (["zip"], "postcode"),
        (["kunta"], "city"),
        (["stad"], "city"),
        (["maa"], "country"),
    ],
)
def test_single_synonyms(header: list[str], column: str) -> None:
    assert map_headers(header) == {column: header[0]}
