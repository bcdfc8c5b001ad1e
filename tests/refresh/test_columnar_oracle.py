"""The columnar rules against the per-row reference (`refresh.rules.decide`), row for row:
status, flags, changes, ids, confidence, organisation fields, evidence, the values written
and the ledger's disclosed fields. The file a customer gets must not depend on which of
the two computed it; the per-row rules are the readable statement of the spec.

Rows are generated from small pools of values chosen to hit every rule: each status and
flag, names and titles the same by meaning or not, prohibitions of every kind, inactive
organisations with and without a successor, persons at a successor, missing cells, columns
the customer does not have."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.schema import EVIDENCE_COLUMNS, Flag, OrgMethod, PersonMethod, Status
from refresh import RefreshSettings, SuppressionList, complete_evidence
from refresh.apply import disclosed_fields as disclosed_from_frame
from refresh.columnar import appended_text, decide_columns, row_updates
from tests.refresh.oracle import decide_rows


def _business_id(seven: int) -> str | None:
    digits = f"{seven:07d}"
    remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    if remainder == 1:
        return None
    return f"{digits}-{0 if remainder == 0 else 11 - remainder}"


BIDS = [b for b in map(_business_id, range(1234560, 1234580)) if b][:9]
ORG_IDS = [f"O{n}" for n in range(1, 8)]
PERSON_IDS = [f"P{n}" for n in range(1, 13)]
CANONICAL = (
    "first_name",
    "last_name",
    "title",
    "email",
    "phone",
    "mobile",
    "business_id",
    "street",
    "postcode",
    "city",
    "org_name",
)
COLUMN_NAMES = {"first_name": "Etunimi", "title": "Titteli", "email": "Sähköposti"}


def _org(rng: random.Random, number: int) -> dict[str, object]:
    return {
        "org_id": ORG_IDS[number],
        "business_id": BIDS[number],
        "name": rng.choice(["Virtanen Rakennus Oy", "Aalto Oy", None]),
        "status": rng.choice(["active", "active", "active", "ceased", "merged", "liquidation"]),
        "successor_business_id": rng.choice(["", "", BIDS[-1], BIDS[number]]),
        "postal_street": rng.choice(["Kauppakatu 1", "PL 12", "", None]),
        "postal_postcode": rng.choice(["00100", "00200", ""]),
        "postal_city": rng.choice(["Helsinki", "Espoo", ""]),
        "visiting_street": rng.choice(["Kauppakatu 1", "Tehtaankatu 5 B", ""]),
        "visiting_postcode": rng.choice(["00100", "02100"]),
        "visiting_city": rng.choice(["Helsinki", "Espoo"]),
        "www": rng.choice(["www.virtanen.fi", "", None]),
        "industry_code": rng.choice(["41200", "62010", None]),
    }


def _position(rng: random.Random, person: str, org: str) -> dict[str, object]:
    return {
        "position_id": f"{person}-{org}-{rng.randrange(10**6)}",
        "person_id": person,
        "org_id": org,
        "first_name": rng.choice(["Matti", "Johannes", "Maija", "Kaarlo", " Matti "]),
        "last_name": rng.choice(["Mäkinen", "Korhonen", "Lindholm-Mäkinen", "Virtanen"]),
        "title": rng.choice(
            ["Myyntipäällikkö", "Myyntijohtaja", "CFO", "Talousjohtaja", "Johtaja", "", None]
        ),
        "responsibility_area": rng.choice(["", "MYYNTI", "TALOUS", None]),
        "email": rng.choice(["matti.makinen@virtanen.fi", "m.korhonen@aalto.fi", "", None]),
        "mobile": rng.choice(["+358401234567", "+358501112223", "", None]),
        "valid_to": rng.choice([None, None, date(2024, 5, 1)]),
        "verified_at": rng.choice([None, date(2020, 1, 1), date(2026, 6, 1)]),
    }


def _contact(
    rng: random.Random,
    number: int,
    proof: dict[str, object],
    positions: list[dict[str, object]],
    orgs: list[dict[str, object]],
) -> dict[str, str]:
    contact = _noisy_contact(rng, number)
    if rng.random() < 0.3:
        # The customer's row as the register has it: nothing to change.
        org_id = proof["position_org_id"] or proof["org_id"]
        for position in positions:
            if (position["person_id"], position["org_id"]) == (proof["person_id"], org_id):
                for column in ("first_name", "last_name", "title", "email", "mobile"):
                    contact[column] = str(position[column] or "")
        for org in orgs:
            if org["org_id"] == org_id:
                contact["business_id"] = str(org["business_id"])
                for column in ("street", "postcode", "city"):
                    contact[column] = str(org[f"postal_{column}"] or "")
    return contact


def _noisy_contact(rng: random.Random, number: int) -> dict[str, str]:
    return {
        "row_key": f"R{number}",
        "first_name": rng.choice(["Matti", "MATTI", "Jussi", "M.", "Maija", "", "Mäkinen Matti"]),
        "last_name": rng.choice(["Mäkinen", "Makinen", "Korhonen", "Virtanen", ""]),
        "title": rng.choice(
            ["Myyntipäällikkö", "Head of Sales", "Sales Manager", "CFO", "TJ", "", "myyntijoht."]
        ),
        "email": rng.choice(
            ["matti.makinen@virtanen.fi", "MATTI.MAKINEN@VIRTANEN.FI", "other@example.org", ""]
        ),
        "phone": rng.choice(["040 123 4567", "+358 50 111 2223", "09 123 456", ""]),
        "mobile": rng.choice(["040-1234567", "050 111 2223", ""]),
        "business_id": rng.choice([*BIDS[:4], "1234567-8", "", "FI" + BIDS[0].replace("-", "")]),
        "street": rng.choice(["Kauppakatu 1", "Kauppak. 1", "Tehtaankatu 5 b", "Muu 3", ""]),
        "postcode": rng.choice(["00100", "02100", "00 200", ""]),
        "city": rng.choice(["Helsinki", "HELSINKI", "Espoo", ""]),
        "org_name": rng.choice(["Virtanen Rakennus", ""]),
        "problem": rng.choice(["", "", "", "", "", "", "no person name and no organisation"]),
    }


def _evidence(
    rng: random.Random, positions: list[dict[str, object]], orgs: list[str]
) -> dict[str, object]:
    org_id = rng.choice(["", *orgs, *orgs])
    person_id, position_org, current = "", "", False
    if positions and rng.random() < 0.75:
        position = rng.choice(positions)
        person_id = str(position["person_id"])
        current = rng.random() < 0.7 and position["valid_to"] is None
        # The person found at the organisation itself, or at its successor.
        if rng.random() < 0.5:
            org_id = str(position["org_id"])
        else:
            position_org = str(position["org_id"])
    elif rng.random() < 0.3:
        person_id = rng.choice(PERSON_IDS)
    return {
        "org_id": org_id,
        "org_method": rng.choice([m.value for m in OrgMethod]),
        "org_confidence": rng.choice([0.0, 0.5, 0.955, 0.985, 1.0, 0.3333]),
        "business_id_state": rng.choice(["valid", "invalid", "missing"]),
        "person_id": person_id,
        "position_org_id": position_org,
        "position_current": current,
        "person_method": rng.choice([m.value for m in PersonMethod]),
        "person_confidence": rng.choice([0.0, 0.62, 0.97, 1.0, 0.125]),
        "found_elsewhere": rng.random() < 0.3,
        "elsewhere_person_id": rng.choice(["", "", *PERSON_IDS]),
        "duplicate": rng.random() < 0.15,
        "role_held": rng.random() < 0.2,
        "org_evidence": rng.choice(["", "business ID", "name 93, postcode"]),
        "person_evidence": rng.choice(["", "last name exact, e-mail exact"]),
    }


def _case(
    seed: int, rows: int, present: set[str] | None = None, *, suppress: bool | None = None
) -> dict[str, object]:
    rng = random.Random(seed)
    orgs = [_org(rng, number) for number in range(len(ORG_IDS))]
    positions = [
        _position(rng, person, rng.choice(ORG_IDS))
        for person in PERSON_IDS
        for _ in range(rng.choice([1, 2, 3]))
    ]
    kinds = ("disclosure", "direct_marketing", "phone_marketing", "email_marketing")
    # Each kind held by someone, and more at random.
    prohibitions = [
        {"person_id": person, "kind": kind}
        for kind, person in zip(kinds, rng.sample(PERSON_IDS, k=len(kinds)), strict=True)
    ] + [
        {"person_id": person, "kind": kind}
        for person in PERSON_IDS
        for kind in kinds[1:]
        if rng.random() < 0.12
    ]
    found = [_evidence(rng, positions, ORG_IDS) for _ in range(rows)]
    contacts = pd.DataFrame(
        [_contact(rng, n, proof, positions, orgs) for n, proof in enumerate(found)]
    )
    evidence = pd.DataFrame(found, index=contacts.index)
    # Some rows were never matched (quarantined): their evidence is completed as in the job.
    evidence = evidence.drop(index=[i for i in evidence.index if rng.random() < 0.1])
    if present is None:
        present = {c for c in CANONICAL if rng.random() < 0.8}
    suppression = SuppressionList.from_values(
        rng.sample(["matti.makinen@virtanen.fi", "040 123 4567", "R2", "R5"], k=2)
    )
    return {
        "contacts": contacts,
        "present": present,
        "evidence": complete_evidence(evidence, contacts.index),
        "organizations": pd.DataFrame(orgs),
        "positions": pd.DataFrame(positions),
        "prohibitions": pd.DataFrame(prohibitions, columns=["person_id", "kind"]),
        "settings": RefreshSettings(
            as_of=date(2026, 11, 25),
            stale_after_months=rng.choice([6, 18]),
            allowed_org_fields=tuple(rng.sample(["www", "industry_code", "name"], k=2)),
        ),
        "suppression": suppression
        if (rng.random() < 0.5 if suppress is None else suppress)
        else SuppressionList.from_values([]),
    }


def _compare(case: dict[str, object]) -> pd.DataFrame:
    """Both ways, asserting equality row by row; returns the columnar decisions."""
    reference = decide_rows(**case)  # type: ignore[arg-type]
    decisions = decide_columns(**case)  # type: ignore[arg-type]
    contacts = case["contacts"]
    assert isinstance(contacts, pd.DataFrame)
    settings_ = case["settings"]
    assert isinstance(settings_, RefreshSettings)
    text = appended_text(decisions, contacts, settings_.allowed_org_fields, COLUMN_NAMES)
    updates = row_updates(decisions)
    for row, (want, got, written) in enumerate(
        zip(reference, text.itertuples(index=False), updates, strict=True)
    ):
        where = f"row {row}: {want}"
        assert got.refresh_status == want.status, where
        assert got.refresh_flags == want.flags_text, where
        assert got.refresh_changes == want.changes_text(COLUMN_NAMES), where
        confidence = "" if want.confidence is None else f"{want.confidence:.2f}"
        assert got.refresh_confidence == confidence, where
        assert (got.register_org_id, got.register_person_id) == (want.org_id, want.person_id)
        for name in settings_.allowed_org_fields:
            assert getattr(got, f"register_{name}") == want.org_fields.get(name, ""), where
        assert written == want.updates, where
        assert decisions["evidence"].iloc[row] == want.evidence, where
        if want.confidence is not None:
            assert decisions["confidence"].iloc[row] == want.confidence, where
    assert disclosed_from_frame(decisions) == _disclosed(reference)
    return decisions


def _disclosed(reference: list) -> dict[str, list[str]]:  # type: ignore[type-arg]
    person_fields = {"first_name", "last_name", "title", "email", "mobile", "phone"}
    found: dict[str, set[str]] = {}
    for decision in reference:
        fields = person_fields & set(decision.updates)
        if decision.person_id and fields:
            found.setdefault(decision.person_id, set()).update(fields)
    return {person: sorted(fields) for person, fields in found.items()}


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), rows=st.integers(1, 30))
def test_columnar_rules_agree_with_the_per_row_rules(seed: int, rows: int) -> None:
    _compare(_case(seed, rows))


def test_the_generated_rows_reach_every_status_and_flag() -> None:
    # One large draw: the comparison above is only as good as the rules its rows reach.
    decisions = _compare(_case(seed=2026, rows=3000, present=set(CANONICAL), suppress=True))
    assert set(decisions["status"]) == {s.value for s in Status}
    for flag in Flag:
        assert decisions[flag.value].any(), flag
    written = {c for c in decisions.columns if c.startswith("new_") and (decisions[c] != "").any()}
    assert {"new_first_name", "new_last_name", "new_title", "new_email", "new_business_id"} <= (
        written
    )
    assert np.isnan(decisions.loc[decisions["status"] == "opted_out", "confidence"]).all()
    assert set(EVIDENCE_COLUMNS) >= {"org_id", "person_id", "role_held"}
