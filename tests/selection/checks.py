"""What every selection must be, checked against the generated snapshot's own rows
(not the register queries that made it)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select

from matching.text import fold, legal_form_family
from matching.title_meaning import title_meaning
from register import RegisterStore
from register.tables import disclosures
from selection import Selection, SelectionOrder
from selection.order import SENIORITY
from tests.selection.conftest import Snapshot

CHANNEL_COLUMNS = {"post": ("street", "postcode", "city"), "email": ("email",), "phone": ("phone",)}
_RANK = {level: rank for rank, level in enumerate(SENIORITY)}


def _held(position: dict[str, str], today: date) -> bool:
    start, end = position["valid_from"], position["valid_to"]
    return (not start or date.fromisoformat(start) <= today) and (
        not end or date.fromisoformat(end) >= today
    )


def _rank(title: str) -> int:
    return _RANK.get(title_meaning(title).level, len(SENIORITY))


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value != ""


def check_selection(snap: Snapshot, order: SelectionOrder, sel: Selection, today: date) -> None:
    rows = sel.rows
    expected = ["person_id", "first_name", "last_name", "title", "responsibility_area"]
    expected += ["organisation", "business_id"]
    for channel in order.channels:
        expected += CHANNEL_COLUMNS[channel]
    # Only the fields the purpose needs: an unwanted channel's column is not there at all.
    assert list(rows.columns) == expected
    assert rows["person_id"].is_unique  # one row per person
    if order.max_persons is not None:
        assert len(rows) <= order.max_persons
    by_business_id = {o["business_id"]: o for o in snap.organisations.values()}
    crit, person = order.organisation, order.person
    places = {fold(m) for m in crit.places}
    for row in rows.to_dict("records"):
        pid = row["person_id"]
        bans = snap.prohibitions.get(pid, set())
        assert not bans & {"disclosure", "direct_marketing"}, pid
        if "email_marketing" in bans:
            assert not _present(row.get("email")), pid
        if "phone_marketing" in bans:
            assert not _present(row.get("phone")), pid
        assert any(all(_present(row[c]) for c in CHANNEL_COLUMNS[ch]) for ch in order.channels), pid
        org = by_business_id[row["business_id"]]
        assert row["business_id"] not in order.exclude_business_ids
        held = [
            p
            for p in snap.positions
            if p["person_id"] == pid and p["org_id"] == org["org_id"] and _held(p, today)
        ]
        position = next(p for p in held if p["title"] == row["title"])
        assert row["first_name"] == position["first_name"]
        assert row["last_name"] == position["last_name"]
        if "email" in row and _present(row["email"]):
            assert row["email"] == position["email"]
        if "phone" in row and _present(row["phone"]):
            assert row["phone"] == position["mobile"]
        # Organisation criteria.
        if crit.active_only:
            assert org["status"] == "active"
        if crit.industry_codes:
            assert org["industry_code"].startswith(crit.industry_codes)
        city = org["visiting_city"] or org["postal_city"]
        if places:
            assert fold(city) in places
        if crit.postcodes:
            code = org["visiting_postcode"] or org["postal_postcode"]
            assert any(low <= code <= high for low, high in crit.postcodes)
        if crit.personnel_classes:
            assert org["personnel_class"] in crit.personnel_classes
        if crit.revenue_classes:
            assert org["revenue_class"] in crit.revenue_classes
        if crit.legal_forms:
            assert legal_form_family(org["name"]) in crit.legal_forms
        # Person criteria.
        if person.areas:
            assert position["responsibility_area"] in person.areas
        if person.levels:
            assert title_meaning(position["title"]).level in person.levels
        if person.top_of_area:
            colleagues = [
                p
                for p in snap.positions
                if p["org_id"] == org["org_id"]
                and p["responsibility_area"] == position["responsibility_area"]
                and _held(p, today)
            ]
            assert all(_rank(p["title"]) >= _rank(position["title"]) for p in colleagues)


def check_ledger(store: RegisterStore, sel: Selection, delivery_id: str) -> None:
    """Exactly one ledger entry per disclosed person, naming the fields they have in the
    file, with the order's purpose and campaign."""
    with store.engine.connect() as conn:
        entries = conn.execute(
            select(
                disclosures.c.person_id,
                disclosures.c.fields,
                disclosures.c.purpose,
                disclosures.c.campaign_id,
            ).where(
                (disclosures.c.customer == sel.order.customer)
                & (disclosures.c.delivery_id == delivery_id)
            )
        ).all()
    persons = [e.person_id for e in entries]
    assert sorted(persons) == sorted(sel.rows["person_id"])
    assert len(set(persons)) == len(persons)
    by_person = {e.person_id: e for e in entries}
    for row in sel.rows.to_dict("records"):
        entry = by_person[row["person_id"]]
        assert entry.fields.split(",") == sorted(c for c, v in row.items() if _present(v))
        assert entry.purpose == sel.order.purpose
        assert entry.campaign_id == sel.order.campaign_id
