"""The generator's customer noise: each kind at about its rate, and a truth that stays exact
(name and e-mail flags as the refresh's rules define them, ids that exist, names that still
identify). Reads only the written files, as the benchmark does."""

from __future__ import annotations

import ast
import csv
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from synthetic import CrmRates, generate
from synthetic.noise import (
    INDUSTRY_WORDS,
    NICKNAMES,
    PLACE_NAMES,
    SPELLED_LEGAL_FORMS,
    has_scandinavian_letters,
    org_key,
    org_name_parts,
    org_tokens,
)

AS_OF = date(2026, 11, 25)
RATES = CrmRates()
MATCHED = {"verified", "updated"}
# Rows where the customer's organisation is the truth's (merged_carried points elsewhere).
OWN_ORG_SCENARIOS = {"stayed", "left", "moved", "org_inactive", "unknown_contact"}


@dataclass(frozen=True)
class Data:
    truth: list[dict[str, str]]
    crm: list[dict[str, str]]
    persons: dict[tuple[str, str], dict[str, str]]
    orgs: dict[str, dict[str, str]]
    folder: Path


def _read(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    folder = tmp_path_factory.mktemp("noise")
    generated = generate(folder, orgs=1200, crm_rows=4000, seed=11, as_of=AS_OF)
    return Data(
        truth=_read(generated.truth_file),
        crm=_read(generated.crm_file, "cp1252", ";"),
        persons={
            (p["person_id"], p["org_id"]): p for p in _read(generated.snapshot_dir / "persons.csv")
        },
        orgs={o["org_id"]: o for o in _read(generated.snapshot_dir / "organizations.csv")},
        folder=folder,
    )


def _noise(row: dict[str, str]) -> set[str]:
    return set(filter(None, row["noise"].split(";")))


def _flags(row: dict[str, str]) -> set[str]:
    return set(filter(None, row["expected_flags"].split(";")))


def _register_person(data: Data, row: dict[str, str]) -> dict[str, str]:
    return data.persons[(row["true_person_id"], row["true_org_id"])]


def _differs(written: str, register: str) -> bool:
    """The refresh's comparison of names."""
    return written.strip().casefold() != register.strip().casefold()


def test_truth_has_noise_as_its_last_column(data: Data) -> None:
    with (data.folder / "truth.csv").open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header == [
        "row_key",
        "true_org_id",
        "true_person_id",
        "expected_status",
        "expected_flags",
        "scenario",
        "noise",
    ]


def test_truth_ids_point_at_register_rows(data: Data) -> None:
    for row in data.truth:
        if row["true_org_id"]:
            assert row["true_org_id"] in data.orgs, row["row_key"]
        if row["true_person_id"] and row["scenario"] != "moved":
            # A mover's old position is gone from the register; everyone else's is there.
            assert (row["true_person_id"], row["true_org_id"]) in data.persons, row["row_key"]
        elif row["true_person_id"]:
            assert any(pid == row["true_person_id"] for pid, _ in data.persons), row["row_key"]


def test_name_changed_exactly_when_the_refresh_would_change_a_name(data: Data) -> None:
    checked = 0
    for row, sent in zip(data.truth, data.crm, strict=True):
        if row["expected_status"] not in MATCHED or not row["true_person_id"]:
            continue
        register = _register_person(data, row)
        person_differs = _differs(sent["Etunimi"], register["first_name"]) or _differs(
            sent["Sukunimi"], register["last_name"]
        )
        org_differs = row["scenario"] == "merged_carried" or bool(
            _noise(row) & {"org_shortened", "org_typo"}
        )
        assert ("name_changed" in _flags(row)) == (person_differs or org_differs), row
        checked += person_differs
    assert checked > 300


def test_email_changed_exactly_when_the_addresses_differ(data: Data) -> None:
    for row, sent in zip(data.truth, data.crm, strict=True):
        if row["expected_status"] not in MATCHED or not row["true_person_id"]:
            continue
        register = _register_person(data, row)["email"]
        differs = sent["Sähköposti"].strip().casefold() != register.strip().casefold()
        assert ("email_changed" in _flags(row)) == differs, row


def test_address_changed_only_where_a_column_the_customer_has_differs(data: Data) -> None:
    for row, sent in zip(data.truth, data.crm, strict=True):
        if row["expected_status"] not in MATCHED:
            continue
        org = data.orgs[row["true_org_id"]]
        differs = any(
            sent[column] and sent[column] != org[f"postal_{key}"]
            for column, key in (
                ("Katuosoite", "street"),
                ("Postinumero", "postcode"),
                ("Postitoimipaikka", "city"),
            )
        )
        assert ("address_changed" in _flags(row)) == differs, row


def test_noised_org_names_without_business_id_still_identify_one_organisation(
    data: Data,
) -> None:
    by_token: dict[str, set[str]] = {}
    for org in data.orgs.values():
        for name in (org["name"], *filter(None, org["aux_names"].split("|"))):
            for token in org_tokens(name):
                by_token.setdefault(token, set()).add(org["org_id"])
    org_noise = {"org_aux_name", "org_shortened", "org_typo", "org_ampersand"}
    checked = 0
    for row, sent in zip(data.truth, data.crm, strict=True):
        if not _noise(row) & org_noise or row["scenario"] not in OWN_ORG_SCENARIOS:
            continue
        if sent["Y-tunnus"] and "business_id_invalid" not in _noise(row):
            continue
        tokens = org_tokens(sent["Yritys"])
        candidates = set.intersection(*(by_token.get(t, set()) for t in tokens))
        assert candidates <= {row["true_org_id"]}, (sent["Yritys"], row)
        checked += 1
    assert checked > 50


def test_aux_names_are_unique_and_follow_the_snapshot_spec(data: Data) -> None:
    owners: dict[str, set[str]] = {}
    with_aux = 0
    for org in data.orgs.values():
        with_aux += bool(org["aux_names"])
        for aux in filter(None, org["aux_names"].split("|")):
            assert aux.strip() == aux and aux != org["name"]
            owners.setdefault(org_key(aux), set()).add(org["org_id"])
    for org in data.orgs.values():
        owners.setdefault(org_key(org["name"]), set()).add(org["org_id"])
    for org in data.orgs.values():
        for aux in filter(None, org["aux_names"].split("|")):
            assert owners[org_key(aux)] == {org["org_id"]}, aux
    assert 0.10 < with_aux / len(data.orgs) < 0.20


def _eligible(data: Data, kind: str) -> tuple[int, int, float]:
    """(rows with the noise, rows where it could apply, its rate there)."""
    person_rows = [
        (row, _register_person(data, row) if row["scenario"] != "moved" else None)
        for row in data.truth
        if row["true_person_id"] and row["scenario"] != "moved"
    ]
    org_rows = [
        (row, data.orgs[row["true_org_id"]])
        for row in data.truth
        if row["scenario"] in OWN_ORG_SCENARIOS
    ]
    person_tests = {
        "nickname": (lambda p: p["first_name"].split(" ")[0] in NICKNAMES, RATES.nickname),
        "first_name_initial": (lambda p: True, RATES.first_name_initial),
        "first_name_typo": (lambda p: True, RATES.first_name_typo),
        "double_surname_part": (lambda p: "-" in p["last_name"], RATES.double_surname_part),
        "diacritics_digraph": (
            lambda p: has_scandinavian_letters(p["first_name"] + p["last_name"]),
            RATES.diacritics_digraph,
        ),
        "names_swapped": (lambda p: True, RATES.names_swapped),
        "given_name_dropped": (lambda p: " " in p["first_name"], RATES.given_name_dropped),
        "given_name_added": (lambda p: " " not in p["first_name"], RATES.given_name_added),
        "email_old_format": (lambda p: True, RATES.email_old_format),
        "email_personal": (lambda p: True, RATES.email_personal),
    }
    org_tests = {
        "org_aux_name": (lambda o: bool(o["aux_names"]), RATES.org_aux_name),
        "org_shortened": (lambda o: bool(org_name_parts(o["name"])[1]), RATES.org_shortened),
        "org_typo": (lambda o: True, RATES.org_typo),
        "org_ampersand": (
            lambda o: " & " in o["name"] or " ja " in o["name"],
            RATES.org_ampersand,
        ),
        "org_legal_form_spelled": (
            lambda o: org_name_parts(o["name"])[2] in SPELLED_LEGAL_FORMS,
            RATES.org_legal_form_spelled,
        ),
    }
    if kind in person_tests:
        applies, rate = person_tests[kind]
        rows = [row for row, person in person_rows if person and applies(person)]
    else:
        applies, rate = org_tests[kind]
        rows = [row for row, org in org_rows if applies(org)]
    return sum(kind in _noise(row) for row in rows), len(rows), rate


@pytest.mark.parametrize(
    "kind",
    [
        "nickname",
        "first_name_initial",
        "first_name_typo",
        "double_surname_part",
        "diacritics_digraph",
        "names_swapped",
        "given_name_dropped",
        "given_name_added",
        "email_old_format",
        "email_personal",
        "org_aux_name",
        "org_shortened",
        "org_typo",
        "org_ampersand",
        "org_legal_form_spelled",
    ],
)
def test_each_noise_kind_appears_at_about_its_rate(data: Data, kind: str) -> None:
    found, eligible, rate = _eligible(data, kind)
    expected = rate * eligible
    # Some noise is undone where it would make a row ambiguous, so a little below the rate.
    assert expected >= 10, (kind, eligible)
    assert 0.5 * expected <= found <= 1.5 * expected, (kind, found, eligible, rate)


def test_address_parts_go_missing_at_about_their_rate(data: Data) -> None:
    rows = [r for r in data.truth if r["true_org_id"] and r["scenario"] != "ambiguous_org"]
    missing = sum(bool(_noise(r) & {"postcode_missing", "city_missing"}) for r in rows)
    assert 0.6 * RATES.address_part_missing <= missing / len(rows)
    assert missing / len(rows) <= 1.4 * RATES.address_part_missing


def test_noised_org_names_more_often_lack_the_business_id(data: Data) -> None:
    org_noise = {"org_aux_name", "org_shortened", "org_typo", "org_ampersand"}
    noised = [r for r in data.truth if _noise(r) & org_noise]
    plain = [r for r in data.truth if r["true_org_id"] and not _noise(r) & org_noise]
    share = sum("business_id_missing" in _noise(r) for r in noised) / len(noised)
    baseline = sum("business_id_missing" in _noise(r) for r in plain) / len(plain)
    assert share > 2 * baseline


def test_movers_keep_their_exact_names(data: Data) -> None:
    """The register-wide name look-up finds a mover only by the exact name."""
    name_noise = {
        "nickname",
        "first_name_initial",
        "first_name_typo",
        "double_surname_part",
        "diacritics_digraph",
        "names_swapped",
        "given_name_dropped",
        "given_name_added",
        "email_old_format",
        "email_personal",
    }
    for row in data.truth:
        if row["scenario"] == "moved" or not row["true_person_id"]:
            assert not _noise(row) & name_noise, row


def test_generation_is_deterministic_per_seed(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", orgs=150, crm_rows=300, seed=5, as_of=AS_OF)
    second = generate(tmp_path / "b", orgs=150, crm_rows=300, seed=5, as_of=AS_OF)
    for name in (
        "crm.csv",
        "truth.csv",
        "snapshot/organizations.csv",
        "snapshot/persons.csv",
        "snapshot/prohibitions.csv",
    ):
        a = (first.crm_file.parent / name).read_bytes()
        assert a == (second.crm_file.parent / name).read_bytes(), name


def test_name_tables_cover_the_register_and_noise_is_independent_of_the_matcher() -> None:
    from synthetic import register

    assert set(register._INDUSTRY_WORDS) <= set(INDUSTRY_WORDS)
    assert set(register._PLACE_PREFIXES) <= set(PLACE_NAMES)
    assert 40 <= len(NICKNAMES) <= 70
    source = Path(__file__).resolve().parents[2] / "synthetic" / "noise.py"
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not [m for m in imported if m and m.split(".")[0] == "matching"]


def test_noise_counts_are_reported_per_kind(data: Data) -> None:
    counts = Counter(kind for row in data.truth for kind in _noise(row))
    assert {"nickname", "org_aux_name", "email_personal", "postcode_missing"} <= set(counts)
