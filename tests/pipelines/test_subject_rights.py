"""The register's side of the law, end to end through the refresh job: the disclosure
ledger, an access report naming two recipients, a prohibition honoured at once."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from pipelines.cli import main
from synthetic import GeneratedData

pytestmark = pytest.mark.slow
AS_OF = date(2026, 11, 25).isoformat()


def _refresh(small_data: GeneratedData, out: Path, customer: str) -> list[dict[str, str]]:
    assert (
        main(
            [
                "refresh",
                str(small_data.crm_file),
                "--customer",
                customer,
                "--output",
                str(out),
                "--as-of",
                AS_OF,
            ]
        )
        == 0
    )
    with out.open(encoding="cp1252", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_ledger_access_report_and_prohibition_intake(
    small_data: GeneratedData,
    tmp_path: Path,
    register_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", register_url)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    first = _refresh(small_data, tmp_path / "acme.csv", "acme")
    _refresh(small_data, tmp_path / "beta.csv", "beta")

    personal = ("Etunimi", "Sukunimi", "Titteli", "Sähköposti", "Matkapuhelin")
    disclosed = next(
        r
        for r in first
        if r["refresh_status"] == "updated"
        and any(part.split(":")[0] in personal for part in r["refresh_changes"].split(";"))
    )
    verified = next(r for r in first if r["refresh_status"] == "verified")
    person = disclosed["register_person_id"]

    reports = tmp_path / "reports"
    assert (
        main(
            [
                "subject",
                "access",
                "--person-id",
                person,
                "--out",
                str(reports),
                "--by",
                "operator-1",
            ]
        )
        == 0
    )
    report = json.loads((reports / f"access-{person}.json").read_text(encoding="utf-8"))
    recipients = {entry["customer"] for entry in report["disclosures"]}
    assert recipients == {"acme", "beta"}
    html = (reports / f"access-{person}.html").read_text(encoding="utf-8")
    assert "<script" not in html and "Disclosures" in html

    quiet = verified["register_person_id"]
    assert (
        main(
            ["subject", "access", "--person-id", quiet, "--out", str(reports), "--by", "operator-1"]
        )
        == 0
    )
    quiet_report = json.loads((reports / f"access-{quiet}.json").read_text(encoding="utf-8"))
    assert quiet_report["disclosures"] == []  # matched, nothing disclosed: nothing recorded

    assert (
        main(
            [
                "subject",
                "prohibit",
                "--person-id",
                person,
                "--kind",
                "disclosure",
                "--by",
                "operator-1",
            ]
        )
        == 0
    )
    again = _refresh(small_data, tmp_path / "acme-2.csv", "acme")
    row = next(r for r in again if r["Asiakasnumero"] == disclosed["Asiakasnumero"])
    original = next(
        r
        for r in csv.DictReader(
            small_data.crm_file.open(encoding="cp1252", newline=""), delimiter=";"
        )
        if r["Asiakasnumero"] == disclosed["Asiakasnumero"]
    )
    assert row["refresh_status"] == "opted_out"
    assert {k: row[k] for k in original} == original
    assert row["register_person_id"] == ""
