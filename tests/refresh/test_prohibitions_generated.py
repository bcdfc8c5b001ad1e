"""Prohibitions as properties over generated registers and CRM files: whatever the data,
a person with a prohibition never has the register's values of it in their row."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crmfile import read_crm_file
from matching import link_persons, match_organisations
from refresh import (
    RefreshSettings,
    appended_text,
    complete_evidence,
    decide_file,
    refreshed_rows,
)
from register import (
    RegisterStore,
    elsewhere_candidates,
    organisation_candidates,
    person_candidates,
    read_snapshot,
)
from synthetic import generate

AS_OF = date(2026, 11, 25)
HEAVY = {
    "disclosure": 0.15,
    "direct_marketing": 0.15,
    "phone_marketing": 0.15,
    "email_marketing": 0.15,
}
CHANNEL_FIELDS = {
    "direct_marketing": ("email", "mobile"),
    "phone_marketing": ("mobile",),
    "email_marketing": ("email",),
}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _refresh(folder: Path) -> tuple[list[list[str]], list[list[str]], int]:
    store = RegisterStore.from_url(f"sqlite:///{folder / 'register.sqlite'}")
    store.load(read_snapshot(folder / "snapshot"))
    crm = read_crm_file(folder / "crm.csv")
    usable = crm.contacts[crm.contacts["problem"] == ""]
    # As the refresh job does: organisations, then persons for the matched ones, then the
    # prohibitions of the persons the rows turned out to be.
    stage_one = organisation_candidates(store, usable)
    org_matches = match_organisations(usable, stage_one.organizations, stage_one.org_key_hits)
    found = person_candidates(store, org_matches["org_id"])
    elsewhere = elsewhere_candidates(store, usable)
    evidence = link_persons(usable, org_matches, found.organizations, found.persons, elsewhere)
    named = set(evidence["person_id"]) | set(evidence["elsewhere_person_id"])
    prohibitions = store.prohibitions_for(named - {""})
    store.engine.dispose()
    positions = pd.concat([found.persons, elsewhere]).drop_duplicates("position_id")
    decisions = decide_file(
        crm.contacts,
        set(crm.mapping),
        complete_evidence(evidence, crm.contacts.index),
        found.organizations,
        positions,
        prohibitions,
        RefreshSettings(as_of=AS_OF),
    )
    appended = appended_text(decisions, crm.contacts)
    _, rows = refreshed_rows(crm.header, crm.rows, crm.mapping, decisions, appended)
    return crm.rows, rows, len(crm.header)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=10_000))
# Seeds that once found a hole: a ragged first row, an unidentified prohibited person.
@example(seed=95)
@example(seed=162)
@example(seed=222)
def test_prohibitions_hold_for_every_generated_delivery(tmp_path: Path, seed: int) -> None:
    folder = tmp_path / f"seed-{seed}"
    generate(folder, orgs=40, crm_rows=120, seed=seed, as_of=AS_OF, prohibition_rates=HEAVY)
    sent, back, width = _refresh(folder)
    truth = _csv(folder / "truth.csv")
    persons = _csv(folder / "snapshot" / "persons.csv")
    kinds: dict[str, set[str]] = {}
    for row in _csv(folder / "snapshot" / "prohibitions.csv"):
        kinds.setdefault(row["person_id"], set()).add(row["kind"])
    by_person: dict[str, list[dict[str, str]]] = {}
    for position in persons:
        by_person.setdefault(position["person_id"], []).append(position)

    checked = {"disclosure": 0, "channel": 0}
    for number, expected in enumerate(truth):
        person = expected["true_person_id"]
        closed = kinds.get(person, set())
        if not closed:
            continue
        row_text = "\x1f".join(back[number])
        sent_values = set(sent[number])
        if "disclosure" in closed:
            # Nothing of the person: the organisation's id is no data of theirs (a row
            # that does not identify them may still name the organisation the customer
            # gave), but an `opted_out` row carries no id at all (below).
            register_only = {
                value
                for position in by_person.get(person, [])
                for key, value in position.items()
                if value and value not in sent_values and key != "org_id"
            }
            assert not [v for v in register_only if v in back[number]], expected["row_key"]
            assert back[number][:width] == sent[number][:width]
            if back[number][width] == "opted_out":  # no flags, changes, confidence or ids
                assert not any(back[number][width + 1 :]), expected["row_key"]
            checked["disclosure"] += 1
            continue
        for kind in closed & set(CHANNEL_FIELDS):
            checked["channel"] += 1
            for field in CHANNEL_FIELDS[kind]:
                for position in by_person.get(person, []):
                    value = position[field]
                    if value and value not in sent_values:
                        assert value not in row_text, (expected["row_key"], kind, field)
    # The generated file really had prohibited persons in it (the property is not vacuous).
    assert checked["disclosure"] > 0 and checked["channel"] > 0
