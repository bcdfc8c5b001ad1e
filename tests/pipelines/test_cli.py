"""The CLI as an operator uses it: contracts, xlsx in and out, clear refusals, retention."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from pipelines.cli import main
from synthetic import GeneratedData

pytestmark = pytest.mark.slow
AS_OF = date(2026, 11, 25).isoformat()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_data: GeneratedData) -> Path:
    """A private var/ with the small register loaded into SQLite."""
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{tmp_path / 'register.sqlite'}")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    return tmp_path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="cp1252", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_suppression_list_and_contract_org_fields(env: Path, small_data: GeneratedData) -> None:
    sent = _rows(small_data.crm_file)
    listing = env / "suppression.txt"
    listing.write_text(f"{sent[0]['Asiakasnumero']}\n{sent[1]['Sähköposti']}\n", encoding="utf-8")
    output = env / "out.csv"
    assert (
        main(
            [
                "refresh",
                str(small_data.crm_file),
                "--output",
                str(output),
                "--as-of",
                AS_OF,
                "--suppression",
                str(listing),
                "--org-fields",
                "industry_code,www",
            ]
        )
        == 0
    )
    back = _rows(output)
    assert list(back[0])[-2:] == ["register_industry_code", "register_www"]
    for row in back[:2]:
        if row["refresh_status"] not in {"opted_out", "invalid"}:
            assert "customer_suppressed" in row["refresh_flags"].split(";")
    assert all("customer_suppressed" not in r["refresh_flags"] for r in back[2:])
    filled = [r for r in back if r["refresh_status"] in {"verified", "updated"}]
    assert filled and all(r["register_www"].startswith("www.") for r in filled)
    assert all(r["register_www"] == "" for r in back if r["refresh_status"] == "opted_out")


def test_unknown_contract_field_is_refused(
    env: Path, small_data: GeneratedData, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["refresh", str(small_data.crm_file), "--org-fields", "mobile"]) == 1
    assert "unknown field(s) mobile" in capsys.readouterr().err


def test_xlsx_in_gives_xlsx_out_with_same_rows(env: Path, small_data: GeneratedData) -> None:
    with small_data.crm_file.open(encoding="cp1252", newline="") as handle:
        raw = list(csv.reader(handle, delimiter=";"))
    sent = _rows(small_data.crm_file)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Yhteystiedot"
    for cells in raw:
        sheet.append(cells)
    source = env / "asiakkaat.xlsx"
    book.save(source)
    output = env / "refreshed.xlsx"
    assert main(["refresh", str(source), "--output", str(output), "--as-of", AS_OF]) == 0
    result = openpyxl.load_workbook(output, read_only=True)
    values = list(result.worksheets[0].iter_rows(values_only=True))
    assert len(values) == len(sent) + 1
    header = list(values[0])
    # The customer's columns first (the sheet's ragged rows gave it one unnamed column).
    assert header[: len(sent[0])] == list(sent[0])
    assert header[header.index("refresh_status") :][:2] == ["refresh_status", "refresh_flags"]
    assert [v[0] for v in values[1:]] == [r["Asiakasnumero"] for r in sent]


def test_broken_file_is_refused_with_file_line_and_problem(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = env / "rikki.csv"
    broken.write_text('Etunimi;Sukunimi;Sähköposti\nMatti;"Virtanen;m@x.fi\n', encoding="utf-8")
    assert main(["refresh", str(broken)]) == 1
    error = capsys.readouterr().err
    assert "rikki.csv, line 2" in error and "Traceback" not in error


def test_malformed_snapshot_is_refused_by_the_cli(
    env: Path, small_data: GeneratedData, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = env / "snapshot"
    shutil.copytree(small_data.snapshot_dir, broken)
    text = (broken / "persons.csv").read_text(encoding="utf-8").splitlines()
    text[3] = text[3] + ",extra"
    (broken / "persons.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    assert main(["register", "load", str(broken)]) == 1
    assert "persons.csv, line 4: row has 12 fields, header has 11" in capsys.readouterr().err
    assert main(["register", "status"]) == 0


def test_retention_command_purges_deliveries(env: Path, small_data: GeneratedData) -> None:
    inbox = env / "inbox" / "acme"
    inbox.mkdir(parents=True)
    received = inbox / "crm.csv"
    shutil.copyfile(small_data.crm_file, received)
    assert main(["refresh", str(received), "--customer", "acme", "--as-of", AS_OF]) == 0
    assert len(list((env / "outbox" / "acme").iterdir())) == 1
    assert main(["retention", "--days", "7"]) == 0
    assert received.exists()
    assert main(["retention", "--days", "0"]) == 0
    assert not received.exists()
    assert list((env / "outbox" / "acme").iterdir()) == []


def test_customer_mapping_file_overrides_the_automatic_mapping(
    env: Path, small_data: GeneratedData
) -> None:
    mapping = env / "columns.toml"
    mapping.write_text('[columns]\ntitle = ""\n', encoding="utf-8")  # leave titles alone
    output = env / "mapped.csv"
    assert (
        main(
            [
                "refresh",
                str(small_data.crm_file),
                "--output",
                str(output),
                "--as-of",
                AS_OF,
                "--mapping",
                str(mapping),
            ]
        )
        == 0
    )
    back = _rows(output)
    assert back and all("title_changed" not in r["refresh_flags"] for r in back)
    assert all("Titteli:" not in r["refresh_changes"] for r in back)
