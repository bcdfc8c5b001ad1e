"""The generator itself: independent of the matcher, deterministic per seed, a realistic
register (skewed names, namesakes across organisations, parallel names, mergers, ended
positions), its own title vocabulary, readable header dialects, only synthetic data."""

from __future__ import annotations

import ast
import csv
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from crmfile.headers import map_headers
from synthetic import generate
from synthetic.crm import COLUMNS
from synthetic.names import NamePool
from synthetic.register import is_valid_business_id
from synthetic.text import fold
from synthetic.titles import ROLES, customer_title, role_of
from synthetic.vocab import AREAS, months_before, staleness
from synthetic.writers import CRM_DIALECTS, DIALECT_FORMATS

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 25)
FORBIDDEN = ("matching", "refresh", "quality")


def _read(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generator")
    generate(out, orgs=4000, crm_rows=1500, seed=5, as_of=AS_OF)
    return out


def test_nothing_of_the_matcher_is_imported() -> None:
    """The generator must not agree with the matcher by construction."""
    for path in (ROOT / "synthetic").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, (path.name, name)
    code = "import sys, synthetic; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not set(FORBIDDEN) & set(loaded)


def test_deterministic_per_seed(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", orgs=300, crm_rows=300, seed=3, as_of=AS_OF)
    generate(tmp_path / "b", orgs=300, crm_rows=300, seed=3, as_of=AS_OF)
    other = generate(tmp_path / "c", orgs=300, crm_rows=300, seed=4, as_of=AS_OF)
    for name in (
        "crm.csv",
        "truth.csv",
        "snapshot/persons.csv",
        "snapshot/organizations.csv",
        "snapshot/prohibitions.csv",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first.crm_file.read_bytes() != other.crm_file.read_bytes()


def test_deterministic_across_processes(tmp_path: Path) -> None:
    """String hashing differs per process: nothing may depend on set order."""
    code = (
        "import sys; from datetime import date; from synthetic import generate; "
        "generate(sys.argv[1], orgs=200, crm_rows=200, seed=9, as_of=date(2026, 11, 25))"
    )
    for name, seed in (("a", "1"), ("b", "2")):
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / name)],
            cwd=ROOT,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
    for name in ("crm.csv", "truth.csv", "snapshot/persons.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_register_has_finlands_namesakes(folder: Path) -> None:
    persons = _read(folder / "snapshot" / "persons.csv")
    surnames = Counter(p["last_name"] for p in persons)
    top = [name for name, _ in surnames.most_common(8)]
    assert {"Korhonen", "Virtanen", "Mäkinen", "Nieminen"} & set(top)
    orgs_by_name: dict[str, set[str]] = {}
    for p in persons:
        orgs_by_name.setdefault(fold(f"{p['first_name']} {p['last_name']}"), set()).add(p["org_id"])
    shared = sum(len(orgs) >= 2 for orgs in orgs_by_name.values())
    assert shared >= 300, "many a Matti Virtanen across organisations"
    assert max(len(orgs) for orgs in orgs_by_name.values()) >= 5


def test_register_shape(folder: Path) -> None:
    orgs = _read(folder / "snapshot" / "organizations.csv")
    persons = _read(folder / "snapshot" / "persons.csv")
    by_bid = {o["business_id"]: o for o in orgs}
    assert all(is_valid_business_id(o["business_id"]) for o in orgs)
    statuses = Counter(o["status"] for o in orgs)
    assert set(statuses) == {"active", "liquidation", "bankrupt", "ceased", "merged"}
    for org in orgs:
        if org["status"] == "merged":
            assert by_bid[org["successor_business_id"]]["status"] == "active"
    aux = [o for o in orgs if o["aux_names"]]
    assert len(aux) / len(orgs) > 0.05
    assert any(
        name.endswith((" Ab", " Abp", " Kb")) for o in aux for name in o["aux_names"].split("|")
    )
    names = Counter(o["name"] for o in orgs)
    assert any(n > 1 for n in names.values()), "twins: one name, two towns"
    assert {p["responsibility_area"] for p in persons} == set(AREAS)
    assert sum(bool(p["valid_to"]) for p in persons) / len(persons) > 0.01
    assert sum(not p["email"] for p in persons) / len(persons) > 0.03
    assert sum(not p["mobile"] for p in persons) / len(persons) > 0.08
    for p in persons:
        role = role_of(p["title"])
        assert role is not None and role.area == p["responsibility_area"], p["title"]


def test_only_synthetic_people(folder: Path) -> None:
    """Every person name token is from Faker's pools or the generator's short forms; every
    e-mail is at a generated domain or a free-mail one; mobiles are Finnish mobile
    numbers."""
    allowed = {fold(n) for n in NamePool().all_names()}
    for p in _read(folder / "snapshot" / "persons.csv"):
        for token in fold(f"{p['first_name']} {p['last_name']}").split():
            assert token in allowed, p
        if p["mobile"]:
            digits = "".join(c for c in p["mobile"] if c.isdigit())
            assert digits.startswith(("3584", "3585", "04", "05")), p["mobile"]
    orgs = _read(folder / "snapshot" / "organizations.csv")
    domains = {o["www"].removeprefix("www.") for o in orgs}
    persons = _read(folder / "snapshot" / "persons.csv")
    assert all(
        p["email"].rpartition("@")[2].removeprefix("group.") in domains
        for p in persons
        if p["email"]
    )


def test_dialects_are_understood_by_the_reader(tmp_path: Path) -> None:
    for dialect, headers in CRM_DIALECTS.items():
        mapping = map_headers([headers[c] for c in COLUMNS])
        assert sorted(mapping) == sorted(COLUMNS), (dialect, mapping)
        data = generate(
            tmp_path / dialect, orgs=60, crm_rows=40, seed=2, as_of=AS_OF, dialect=dialect
        )
        encoding, delimiter = DIALECT_FORMATS[dialect]
        rows = _read(data.crm_file, encoding, delimiter)
        assert list(rows[0]) == [headers[c] for c in COLUMNS]


def test_title_vocabulary() -> None:
    keys = Counter((r.area, r.level) for r in ROLES)
    assert max(keys.values()) == 1, "one role per area and level"
    assert {r.area for r in ROLES} == set(AREAS)
    same = [
        ("TJ", "Toimitusjohtaja"),
        ("CEO", "verkställande direktör"),
        ("VD", "Managing Director"),
        ("Operatiivinen johtaja", "COO"),
        ("Talousjohtaja", "CFO"),
        ("ekonomidirektör", "CFO"),
        ("Head of Sales", "Sales Manager"),
        ("Talous- ja hallintojohtaja", "Johtaja, talous"),
    ]
    for a, b in same:
        assert role_of(a) is role_of(b) is not None, (a, b)
    for a, b in (
        ("Myyntipäällikkö", "Myyntijohtaja"),
        ("CFO", "CEO"),
        ("Asiakkuuspäällikkö", "Myyntipäällikkö"),
    ):
        first, second = role_of(a), role_of(b)
        assert first is not None and second is not None
        assert (first.area, first.level) != (second.area, second.level), (a, b)
    import random

    rng = random.Random(1)
    for role in ROLES:
        for _ in range(5):
            written, how = customer_title(rng, role, role.finnish[0])
            expanded = written.replace("pääll.", "päällikkö").replace("joht.", "johtaja")
            assert role_of(written) is role or role_of(expanded) is role, (written, role.key)
            assert how.startswith("title_")


def test_months_and_staleness() -> None:
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2026, 11, 25), 18) == date(2025, 5, 25)
    assert staleness(date(2025, 5, 1), date(2026, 11, 25), 18) == "stale"
    assert staleness(date(2025, 5, 24), date(2026, 11, 25), 18) == "edge"
    assert staleness(date(2025, 7, 1), date(2026, 11, 25), 18) == "fresh"
