"""The generator's ground truth follows the spec, checked from the written files alone (as
a scorer sees them): each status by the spec's precedence given what the register holds,
each flag a real change of fact and each absent flag a same-fact variant, namesakes and
foreign companies never linked, the mix of kinds as intended."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from synthetic import generate
from synthetic.crm import canonical_business_id, name_fits
from synthetic.register import Position, is_valid_business_id, org_key
from synthetic.text import edit_distance_at_most_one, fold, phone_key, tokens
from synthetic.titles import ROLES, Role, role_of
from synthetic.vocab import CHANGE_FLAGS, INACTIVE_ORG_STATUSES, STATUSES, months_before

AS_OF = date(2026, 11, 25)
MATCHED = {"verified", "updated"}


@dataclass(frozen=True)
class Data:
    truth: list[dict[str, str]]
    crm: list[dict[str, str]]
    persons: list[dict[str, str]]
    orgs: dict[str, dict[str, str]]
    prohibitions: dict[str, set[str]]
    by_person_org: dict[tuple[str, str], list[dict[str, str]]]
    staff: dict[str, list[dict[str, str]]]


def _read(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    folder = tmp_path_factory.mktemp("truth")
    generated = generate(folder, orgs=3000, crm_rows=4000, seed=11, as_of=AS_OF, dialect="en")
    prohibitions: dict[str, set[str]] = {}
    for row in _read(generated.snapshot_dir / "prohibitions.csv"):
        prohibitions.setdefault(row["person_id"], set()).add(row["kind"])
    persons = _read(generated.snapshot_dir / "persons.csv")
    by_person_org: dict[tuple[str, str], list[dict[str, str]]] = {}
    staff: dict[str, list[dict[str, str]]] = {}
    for p in persons:
        by_person_org.setdefault((p["person_id"], p["org_id"]), []).append(p)
        staff.setdefault(p["org_id"], []).append(p)
    return Data(
        truth=_read(generated.truth_file),
        crm=_read(generated.crm_file),
        persons=persons,
        by_person_org=by_person_org,
        staff=staff,
        orgs={o["org_id"]: o for o in _read(generated.snapshot_dir / "organizations.csv")},
        prohibitions=prohibitions,
    )


def _set(value: str) -> set[str]:
    return set(filter(None, value.split(";")))


def _pairs(data: Data) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(truth, crm) per row; junk lines that are ragged are skipped (csv shifts them)."""
    return list(zip(data.truth, data.crm, strict=True))


def _current(data: Data, person_id: str, org_id: str) -> dict[str, str] | None:
    for p in data.by_person_org.get((person_id, org_id), []):
        if not p["valid_to"]:
            return p
    return None


def _as_position(p: dict[str, str]) -> Position:
    return Position(
        0,
        p["person_id"],
        p["org_id"],
        True,
        p["first_name"],
        p["last_name"],
        ROLES[0],
        p["title"],
        p["email"],
        p["mobile"],
        AS_OF,
        AS_OF,
    )


def _role(title: str) -> Role | None:
    expanded = title.replace("pääll.", "päällikkö").replace("joht.", "johtaja")
    return role_of(title) or role_of(expanded)


def test_columns_keep_the_old_order_and_add_the_dev_sets(data: Data) -> None:
    assert list(data.truth[0]) == [
        "row_key",
        "true_org_id",
        "true_person_id",
        "expected_status",
        "expected_flags",
        "scenario",
        "noise",
        "alt_org_id",
        "acceptable_statuses",
        "optional_flags",
        "dup_of",
        "cases",
    ]


def test_every_status_follows_the_spec_precedence(data: Data) -> None:
    """Given what the register holds for the row's true organisation and person, the
    expected status is the first rule of the spec's list that applies."""
    for t, row in _pairs(data):
        status, cases = t["expected_status"], _set(t["cases"])
        assert status in STATUSES
        assert status in _set(t["acceptable_statuses"]), t
        assert not _set(t["expected_flags"]) & _set(t["optional_flags"]), t
        org = data.orgs.get(t["true_org_id"])
        person = t["true_person_id"]
        if "junk" in cases:
            assert status == "invalid"
            assert not (row["First Name"] or row["Last Name"] or row["Email"] or row["Company"])
            continue
        assert status != "invalid"
        if cases & {"ambiguous_org", "ambiguous_person"}:
            assert status == "ambiguous" and org is not None and person
            continue
        assert status != "ambiguous", t
        if org is None:
            assert status == "not_found" and not person, t
            continue
        if person and "disclosure" in data.prohibitions.get(person, set()):
            assert status == "opted_out", t
            assert not t["expected_flags"]
            continue
        assert status != "opted_out"
        if org["status"] in INACTIVE_ORG_STATUSES:
            assert status == "org_inactive", t
            continue
        assert status != "org_inactive"
        if not person:
            assert status == "not_found" and "person_left" in _set(t["acceptable_statuses"]), t
            continue
        current = _current(data, person, org["org_id"])
        if current is None:
            assert status == "person_left", t
            continue
        assert status in MATCHED, t
        changed = bool(_set(t["expected_flags"]) & CHANGE_FLAGS)
        assert (status == "updated") == changed, t


def test_name_changed_is_another_surname_and_no_flag_is_a_variant(data: Data) -> None:
    checked = Counter()
    for t, row in _pairs(data):
        if t["expected_status"] not in MATCHED:
            continue
        register = _current(data, t["true_person_id"], t["true_org_id"])
        assert register is not None
        written_last = row["Last Name"] or row["First Name"]
        if "name_changed" in _set(t["expected_flags"]):
            assert "surname_changed" in _set(t["cases"])
            old = tokens(row["Last Name"])
            new = tokens(register["last_name"])
            assert not any(edit_distance_at_most_one(a, b) for a in old for b in new), t
            checked["changed"] += 1
        else:
            assert name_fits(row["First Name"], row["Last Name"], _as_position(register)), (
                t["row_key"],
                row["First Name"],
                row["Last Name"],
                register["first_name"],
                register["last_name"],
            )
            assert written_last
            checked["same"] += 1
    assert checked["changed"] >= 20 and checked["same"] > 1000, checked


def test_title_changed_is_another_area_or_level(data: Data) -> None:
    checked = Counter()
    for t, row in _pairs(data):
        if t["expected_status"] not in MATCHED or not row["Job Title"]:
            continue
        register = _current(data, t["true_person_id"], t["true_org_id"])
        assert register is not None
        theirs, ours = _role(row["Job Title"]), _role(register["title"])
        assert theirs is not None and ours is not None, (row["Job Title"], register["title"])
        assert ours.area == register["responsibility_area"]
        same = (theirs.area, theirs.level) == (ours.area, ours.level)
        if "title_changed" in _set(t["expected_flags"]):
            assert not same, (row["Job Title"], register["title"])
            checked["changed"] += 1
        else:
            assert same, (row["Job Title"], register["title"])
            checked["same"] += 1
            checked["worded_otherwise"] += row["Job Title"] != register["title"]
    assert checked["changed"] >= 100 and checked["worded_otherwise"] >= 300, checked


def test_contact_flags_are_facts_not_notation(data: Data) -> None:
    checked = Counter()
    for t, row in _pairs(data):
        if t["expected_status"] not in MATCHED:
            continue
        flags = _set(t["expected_flags"])
        register = _current(data, t["true_person_id"], t["true_org_id"])
        org = data.orgs[t["true_org_id"]]
        assert register is not None
        if row["Email"] and register["email"]:
            same = row["Email"].casefold() == register["email"].casefold()
            assert same != ("email_changed" in flags), (row["Email"], register["email"])
            checked["email"] += 1
        if row["Mobile"] and register["mobile"]:
            same = phone_key(row["Mobile"]) == phone_key(register["mobile"])
            assert same != ("phone_changed" in flags), (row["Mobile"], register["mobile"])
            checked["phone"] += 1
        if row["Postal Code"] and row["Street"]:
            known = {org["visiting_postcode"], org["postal_postcode"]}
            moved = row["Postal Code"] not in known
            assert moved == ("address_changed" in flags), t
            checked["address"] += 1
        bid = canonical_business_id(row["Business ID"])
        if "business_id_invalid" in flags:
            assert not is_valid_business_id(bid)
        if "business_id_changed" in flags:
            assert is_valid_business_id(bid) and bid != org["business_id"]
        elif row["Business ID"] and "business_id_invalid" not in flags:
            assert bid == org["business_id"], (row["Business ID"], org["business_id"])
            checked["business_id"] += 1
    assert min(checked.values()) > 300, checked


def test_namesakes_are_not_linked_to_the_person_elsewhere(data: Data) -> None:
    by_name: dict[str, set[str]] = {}
    for p in data.persons:
        by_name.setdefault(fold(f"{p['first_name'].split()[0]} {p['last_name']}"), set()).add(
            p["org_id"]
        )
    namesakes = 0
    for t, row in _pairs(data):
        if t["scenario"] != "namesake":
            continue
        namesakes += 1
        inactive = data.orgs[t["true_org_id"]]["status"] in INACTIVE_ORG_STATUSES
        expected = "org_inactive" if inactive else "not_found"
        assert t["true_person_id"] == "" and t["expected_status"] == expected
        assert "person_left" in _set(t["acceptable_statuses"])
        orgs = by_name[fold(f"{row['First Name']} {row['Last Name']}")]
        assert orgs - {t["true_org_id"]}, "the name is a register person's elsewhere"
        here = data.staff.get(t["true_org_id"], [])
        assert not any(
            name_fits(row["First Name"], row["Last Name"], _as_position(p)) for p in here
        )
    assert namesakes >= 50


def test_foreign_companies_are_not_found_and_never_ambiguous(data: Data) -> None:
    keys = {org_key(o["name"]) for o in data.orgs.values()}
    domains = {o["www"].removeprefix("www.") for o in data.orgs.values()}
    foreign = 0
    for t, row in _pairs(data):
        if t["scenario"] != "foreign_org":
            continue
        foreign += 1
        assert t["true_org_id"] == "" and t["true_person_id"] == ""
        assert t["expected_status"] == "not_found"
        assert "ambiguous" not in _set(t["acceptable_statuses"])
        assert org_key(row["Company"]) not in keys
        assert row["Email"].rpartition("@")[2] not in domains
        assert row["Company"].split()[-1] in {"AB", "OÜ", "AS", "GmbH", "Ltd"}
    assert foreign >= 30


def test_merged_organisations_accept_the_successor(data: Data) -> None:
    by_bid = {o["business_id"]: o["org_id"] for o in data.orgs.values()}
    merged = 0
    for t in data.truth:
        org = data.orgs.get(t["true_org_id"])
        if org is None or org["status"] != "merged":
            continue
        if t["expected_status"] == "org_inactive":
            merged += 1
            assert t["alt_org_id"] == by_bid[org["successor_business_id"]]
            assert "business_id_changed" in _set(t["optional_flags"])
    assert merged >= 10


def test_stale_follows_the_register_date(data: Data) -> None:
    cutoff = months_before(AS_OF, 18)
    for t in data.truth:
        if t["expected_status"] not in MATCHED:
            continue
        register = _current(data, t["true_person_id"], t["true_org_id"])
        assert register is not None
        gap = (cutoff - date.fromisoformat(register["verified_at"])).days
        if "stale" in _set(t["expected_flags"]):
            assert gap > 0
        elif "stale" not in _set(t["optional_flags"]):
            assert gap < 0


def test_marketing_prohibitions_are_flagged_for_identified_people(data: Data) -> None:
    flagged = 0
    for t in data.truth:
        kinds = data.prohibitions.get(t["true_person_id"], set())
        if not t["true_person_id"] or t["expected_status"] in {"opted_out", "ambiguous"}:
            continue
        if "direct_marketing" in kinds:
            assert "no_direct_marketing" in _set(t["expected_flags"])
            flagged += 1
    assert flagged >= 50


def test_duplicates_point_back_and_may_be_flagged_on_both(data: Data) -> None:
    by_key = {t["row_key"]: t for t in data.truth}
    duplicates = [t for t in data.truth if t["dup_of"]]
    assert len(duplicates) >= 20
    for t in duplicates:
        first = by_key[t["dup_of"]]
        assert first["true_person_id"] == t["true_person_id"]
        assert first["row_key"] < t["row_key"]
        assert "duplicate" in _set(t["optional_flags"]) & _set(first["optional_flags"])


def test_the_mix_is_realistic(data: Data) -> None:
    rows = len(data.truth)
    statuses = Counter(t["expected_status"] for t in data.truth)
    assert 0.55 < (statuses["verified"] + statuses["updated"]) / rows < 0.85
    assert 0.05 < statuses["not_found"] / rows < 0.15
    assert 0.04 < statuses["person_left"] / rows < 0.12
    assert 0.04 < statuses["org_inactive"] / rows < 0.12
    assert 0.01 < statuses["opted_out"] / rows < 0.04
    assert 0 < statuses["ambiguous"] / rows < 0.015
    assert 0.003 < statuses["invalid"] / rows < 0.02
    kinds = Counter(
        min(4, len(_set(t["cases"]) - {"clean"})) for t in data.truth
    )  # rows carrying 0, 1, 2, 3, 4+ kinds
    assert (kinds[1] + kinds[2] + kinds[3]) / rows > 0.6, kinds
    noise = Counter(n for t in data.truth for n in _set(t["noise"]))
    for kind in (
        "nickname",
        "diacritics_lost",
        "name_typo",
        "initial",
        "names_swapped",
        "name_one_column",
        "title_language",
        "title_abbreviation",
        "phone_notation",
        "bid_missing",
        "bid_vat",
        "company_parallel_name",
        "company_no_legal_form",
        "double_surname_part",
        "second_name_missing",
        "email_case",
        "street_variant",
    ):
        assert noise[kind] >= 3, (kind, noise)
