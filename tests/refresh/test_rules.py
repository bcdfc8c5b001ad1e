"""The refresh rules, one hard case per behaviour, and the prohibitions as properties."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refresh import Evidence, RefreshSettings, decide

AS_OF = date(2026, 11, 25)
SETTINGS = RefreshSettings(as_of=AS_OF)
ALL = {
    "first_name",
    "last_name",
    "title",
    "org_name",
    "business_id",
    "email",
    "mobile",
    "street",
    "postcode",
    "city",
}

ORG = {
    "org_id": "O1",
    "business_id": "2077474-0",
    "name": "Virtanen Rakennus Oy",
    "aux_names": "",
    "status": "active",
    "postal_street": "Mannerheimintie 1",
    "postal_postcode": "00100",
    "postal_city": "Helsinki",
    "visiting_street": "Mannerheimintie 1",
    "visiting_postcode": "00100",
    "visiting_city": "Helsinki",
}
POSITION = {
    "person_id": "P1",
    "org_id": "O1",
    "first_name": "Matti",
    "last_name": "Mäkinen",
    "title": "toimitusjohtaja",
    "email": "matti.makinen@virtanen.fi",
    "mobile": "+358 40 1234567",
    "verified_at": date(2026, 6, 1),
    "valid_to": None,
}


def contact(**changes: str) -> dict[str, str]:
    row = {
        "first_name": "Matti",
        "last_name": "Mäkinen",
        "full_name": "",
        "title": "CEO",
        "org_name": "Oy Virtanen Rakennus",
        "business_id": "FI20774740",
        "email": "Matti.Makinen@virtanen.fi",
        "mobile": "040 123 4567",
        "phone": "",
        "street": "Mannerheimintie 1",
        "postcode": "00100",
        "city": "HELSINKI",
        "problem": "",
    }
    row.update(changes)
    return row


MATCHED = Evidence(
    org_id="O1",
    org_method="business_id",
    org_confidence=0.99,
    business_id_state="valid",
    person_id="P1",
    position_org_id="O1",
    position_current=True,
    person_method="name",
    person_confidence=0.95,
)


def run(
    row: dict[str, str],
    evidence: Evidence = MATCHED,
    kinds: set[str] | None = None,
    org: dict[str, Any] | None = None,
    position: dict[str, Any] | None = None,
    present: set[str] = ALL,
    as_of: date = AS_OF,
) -> Any:
    return decide(
        row,
        present,
        evidence,
        {"O1": org or ORG},
        {("P1", "O1"): position or POSITION},
        {"P1": kinds or set()},
        RefreshSettings(as_of=as_of),
    )


def test_same_values_in_other_notations_are_verified_not_changed() -> None:
    decision = run(contact())
    assert (decision.status, decision.flags, decision.changes) == ("verified", [], [])
    # Organisation and person must both be right: 0.99 x 0.95.
    assert decision.confidence == 0.94


@pytest.mark.parametrize(
    ("column", "value", "flag"),
    [
        ("title", "myyntijohtaja", "title_changed"),
        ("email", "m.makinen@virtanen.fi", "email_changed"),
        ("mobile", "050 765 4321", "phone_changed"),
        ("last_name", "Korhonen", "name_changed"),
        ("postcode", "00200", "address_changed"),
    ],
)
def test_a_real_change_is_reported_and_written(column: str, value: str, flag: str) -> None:
    decision = run(contact(**{column: value}))
    assert decision.status == "updated"
    assert flag in decision.flags
    assert decision.changes[0][:2] == (column, value)
    assert column in decision.updates


def test_empty_customer_cells_are_not_filled_with_register_data() -> None:
    decision = run(contact(email="", mobile=""))
    assert decision.status == "verified"
    assert "email" not in decision.updates and "mobile" not in decision.updates


def test_columns_the_customer_lacks_are_never_added() -> None:
    decision = run(contact(title="myyntijohtaja"), present=ALL - {"title"})
    assert decision.status == "verified" and decision.updates == {}


def test_disclosure_returns_the_row_as_sent_with_nothing_from_the_register() -> None:
    decision = run(contact(title="myyntijohtaja"), kinds={"disclosure", "direct_marketing"})
    assert decision.status == "opted_out"
    assert (decision.flags, decision.changes, decision.updates) == ([], [], {})
    assert (decision.org_id, decision.person_id, decision.confidence) == ("", "", None)


def test_direct_marketing_withholds_contact_channels_but_flags_them() -> None:
    decision = run(
        contact(email="old@virtanen.fi", mobile="050 765 4321", title="CFO"),
        kinds={"direct_marketing"},
    )
    assert decision.status == "updated"
    assert {"no_direct_marketing", "email_changed", "phone_changed", "title_changed"} <= set(
        decision.flags
    )
    assert set(decision.updates) == {"title"}


def test_stale_when_not_verified_within_the_configured_age() -> None:
    old = {**POSITION, "verified_at": date(2025, 5, 24)}
    assert "stale" in run(contact(), position=old).flags
    assert (
        "stale" not in run(contact(), position={**POSITION, "verified_at": date(2025, 5, 25)}).flags
    )


def test_inactive_organisation_wins_over_person_news() -> None:
    decision = run(contact(title="CFO"), org={**ORG, "status": "bankrupt"})
    assert decision.status == "org_inactive" and decision.updates == {}


def test_ended_position_is_person_left_and_unknown_contact_is_not_found() -> None:
    ended = Evidence(**{**MATCHED.__dict__, "position_current": False})
    assert run(contact(), evidence=ended).status == "person_left"
    unknown = Evidence(
        org_id="O1", org_method="business_id", org_confidence=0.99, business_id_state="valid"
    )
    decision = run(contact(), evidence=unknown)
    assert (decision.status, decision.org_id) == ("not_found", "O1")
    elsewhere = Evidence(**{**unknown.__dict__, "found_elsewhere": True})
    assert run(contact(), evidence=elsewhere).status == "person_left"


def test_unreadable_row_is_invalid_and_ambiguous_org_is_ambiguous() -> None:
    quarantined = run(contact(problem="row has 3 fields, header has 11"))
    assert quarantined.status == "invalid" and quarantined.updates == {}
    assert quarantined.changes_text() == "reason: row has 3 fields, header has 11"
    assert run(contact(), evidence=Evidence(org_method="ambiguous")).status == "ambiguous"


def test_invalid_business_id_is_flagged() -> None:
    evidence = Evidence(**{**MATCHED.__dict__, "business_id_state": "invalid"})
    assert "business_id_invalid" in run(contact(business_id="2077474-1"), evidence=evidence).flags


# -- prohibitions, for every input ---------------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_customer = st.fixed_dictionaries(dict.fromkeys(ALL, _text)).map(
    lambda row: {**row, "full_name": "", "phone": "", "problem": ""}
)
_register = st.fixed_dictionaries(
    dict.fromkeys(("first_name", "last_name", "title", "email", "mobile"), _text)
)
_org_values = st.fixed_dictionaries(
    dict.fromkeys(("name", "postal_street", "postal_postcode", "postal_city"), _text)
)
_kinds = st.sets(st.sampled_from(["direct_marketing", "phone_marketing", "email_marketing"]))
_CHANNEL = {
    "direct_marketing": {"email", "mobile", "phone", "street", "postcode", "city"},
    "phone_marketing": {"mobile", "phone"},
    "email_marketing": {"email"},
}


@settings(max_examples=300, deadline=None)
@given(_customer, _register, _org_values, st.booleans())
def test_disclosure_never_discloses_anything(
    row: dict[str, str], register: dict[str, str], org_values: dict[str, str], current: bool
) -> None:
    evidence = Evidence(**{**MATCHED.__dict__, "position_current": current})
    decision = run(
        row,
        evidence=evidence,
        kinds={"disclosure"},
        org={**ORG, **org_values},
        position={**POSITION, **register},
    )
    assert decision.status == "opted_out"
    assert decision.updates == {} and decision.changes == [] and decision.flags == []
    assert decision.org_id == decision.person_id == ""


@settings(max_examples=300, deadline=None)
@given(_customer, _register, _org_values, _kinds)
def test_prohibited_channels_never_receive_register_values(
    row: dict[str, str], register: dict[str, str], org_values: dict[str, str], kinds: set[str]
) -> None:
    decision = run(row, kinds=kinds, org={**ORG, **org_values}, position={**POSITION, **register})
    blocked = set().union(*(_CHANNEL[k] for k in kinds)) if kinds else set()
    assert not blocked & set(decision.updates)
    assert not blocked & {column for column, _, _ in decision.changes}
    for kind in kinds:
        assert f"no_{kind}" in decision.flags
