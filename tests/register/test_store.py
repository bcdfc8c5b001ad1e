"""The register store on SQLite and PostgreSQL: loading, replacing, refusing, querying."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from register import RegisterStore, SnapshotError, read_snapshot
from synthetic import GeneratedData


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_load_records_current_snapshot_and_counts(
    store: RegisterStore, small_data: GeneratedData
) -> None:
    info = store.load(read_snapshot(small_data.snapshot_dir))
    counts = store.counts()
    assert counts["organizations"] == _count_rows(small_data.snapshot_dir / "organizations.csv")
    assert counts["persons"] == _count_rows(small_data.snapshot_dir / "persons.csv")
    assert counts["prohibitions"] == _count_rows(small_data.snapshot_dir / "prohibitions.csv")
    current = store.current_snapshot()
    assert current is not None
    assert current.snapshot_id == info.snapshot_id
    assert current.organization_count == counts["organizations"]


def test_newer_snapshot_replaces_the_current_one(
    store: RegisterStore, small_data: GeneratedData, tmp_path: Path
) -> None:
    store.load(read_snapshot(small_data.snapshot_dir))
    newer = tmp_path / "snapshot-2"
    shutil.copytree(small_data.snapshot_dir, newer)
    lines = (newer / "organizations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (newer / "organizations.csv").write_text("".join(lines[:-5]), encoding="utf-8")
    persons = (newer / "persons.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = {line.split(",", 1)[0] for line in lines[-5:]}
    kept = [p for p in persons if p.split(",")[1] not in dropped]
    (newer / "persons.csv").write_text("".join(kept), encoding="utf-8")

    info = store.load(read_snapshot(newer))
    assert store.counts()["organizations"] == len(lines) - 1 - 5
    assert store.current_snapshot().snapshot_id == info.snapshot_id  # type: ignore[union-attr]
    assert store.organizations_by_business_id([line.split(",")[1] for line in lines[-5:]]).empty


def _first_status(text: str, status: str) -> str:
    """The organisations file with the first organisation's status replaced."""
    rows = list(csv.reader(text.splitlines()))
    rows[1][rows[0].index("status")] = status
    lines = text.splitlines(keepends=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(rows[1])
    return lines[0] + out.getvalue() + lines[1][len(lines[1].rstrip("\r\n")) :] + "".join(lines[2:])


@pytest.mark.parametrize(
    ("file", "mutate", "expected"),
    [
        ("organizations.csv", lambda t: _first_status(t, "alive"), "line 2: status"),
        (
            "persons.csv",
            lambda t: t.replace(t.splitlines()[1].split(",")[1], "O9999999", 1),
            "line 2: org_id refers to no organisation",
        ),
        ("persons.csv", lambda t: t.replace(",2", ",31.12.2", 1), "is not an ISO date"),
        ("prohibitions.csv", lambda t: t + 'P1,"unterminated\n', "malformed CSV"),
        ("organizations.csv", lambda t: t.replace("-", "", 1), "business ID"),
    ],
)
def test_malformed_snapshot_is_refused_and_register_untouched(
    store: RegisterStore,
    small_data: GeneratedData,
    tmp_path: Path,
    file: str,
    mutate: object,
    expected: str,
) -> None:
    before = store.load(read_snapshot(small_data.snapshot_dir))
    broken = tmp_path / "broken"
    shutil.copytree(small_data.snapshot_dir, broken)
    text = (broken / file).read_text(encoding="utf-8")
    (broken / file).write_text(mutate(text), encoding="utf-8")  # type: ignore[operator]

    with pytest.raises(SnapshotError) as refused:
        store.load(read_snapshot(broken))
    assert str(refused.value).startswith(file)
    assert expected in str(refused.value)
    assert store.current_snapshot().snapshot_id == before.snapshot_id  # type: ignore[union-attr]
    assert store.counts()["organizations"] == before.organization_count


def test_candidate_queries_use_keys(store: RegisterStore, small_data: GeneratedData) -> None:
    snapshot = read_snapshot(small_data.snapshot_dir)
    store.load(snapshot)
    org = snapshot.organizations[3]
    found = store.organizations_by_business_id([org["business_id"], "0000000-0"])
    assert list(found["org_id"]) == [org["org_id"]]
    by_name = store.organizations_by_name_key([org["name_key"]])
    assert org["org_id"] in set(by_name["org_id"])
    staff = store.persons_by_org([org["org_id"]])
    expected = [p for p in snapshot.persons if p["org_id"] == org["org_id"]]
    assert sorted(staff["position_id"]) == sorted(p["position_id"] for p in expected)
    person = snapshot.persons[0]
    assert person["person_id"] in set(store.persons_by_email([person["email_key"]])["person_id"])
    assert person["person_id"] in set(store.persons_by_name_key([person["name_key"]])["person_id"])
