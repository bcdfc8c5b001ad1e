"""Data-subject request jobs keep no direct identifier in Dagster: their run config holds
register ids, field names and paths; the person is looked up by e-mail or name outside
Dagster (`tietohuolto subject find`), and a corrected value travels in an owner-only request
file the run reads and deletes. The test runs the jobs on a real instance and scans its run
storage and event log for the person's e-mail and name: 0 hits."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance

from pipelines.cli import main
from synthetic import GeneratedData

pytestmark = pytest.mark.slow

# Config fields a subject job may have: ids, field names, paths, the operator.
ALLOWED_FIELDS = {"requested_by", "person_id", "out_dir", "kind", "id", "field", "value_file"}


def _a_person(small_data: GeneratedData) -> dict[str, str]:
    with (small_data.snapshot_dir / "persons.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    emails = [row["email"] for row in rows]
    return next(
        row
        for row in rows
        if row["email"] and emails.count(row["email"]) == 1 and not row["valid_to"]
    )


def _instance_text(instance: DagsterInstance) -> str:
    """Everything the instance keeps about its runs: configs, tags and every event."""
    parts: list[str] = []
    for run in instance.get_runs():
        parts.append(json.dumps(run.run_config, default=str, ensure_ascii=False))
        parts.append(json.dumps(dict(run.tags), ensure_ascii=False))
        for entry in instance.all_logs(run.run_id):
            parts.append(repr(entry))
            parts.append(entry.user_message or "")
            if entry.dagster_event is not None:
                parts.append(repr(entry.dagster_event.event_specific_data))
    return "\n".join(parts)


def test_subject_job_config_has_no_field_for_a_name_an_email_or_a_value() -> None:
    from assets.subjects import SUBJECT_JOBS

    for job in SUBJECT_JOBS:
        (node,) = job.nodes
        config_type: Any = node.definition.config_schema.as_field().config_type
        fields = set(config_type.fields)
        assert fields <= ALLOWED_FIELDS, (job.name, sorted(fields - ALLOWED_FIELDS))


def test_subject_jobs_leave_no_name_or_email_in_the_instance(
    small_data: GeneratedData,
    tmp_path: Path,
    register_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    var = tmp_path / "var"
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(var))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", register_url)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    person = _a_person(small_data)
    new_email = "uusi.osoite.kanarialintu@esimerkki.example"
    secrets = [person["email"], person["first_name"], person["last_name"], new_email]
    capsys.readouterr()

    # The operator finds the id outside Dagster, by e-mail.
    assert main(["subject", "find", "--email", person["email"]]) == 0
    assert person["person_id"] in capsys.readouterr().out
    # The corrected value goes into an owner-only request file.
    assert main(["subject", "stage-value", "--value", new_email]) == 0
    value_file = Path(capsys.readouterr().out.strip())
    assert value_file.parent == var / "subject-requests"
    assert stat.S_IMODE(value_file.stat().st_mode) == 0o600

    from pipelines.definitions import defs

    (tmp_path / "instance").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "instance")) as instance:
        access = defs.resolve_job_def("subject_access_job").execute_in_process(
            run_config={
                "ops": {
                    "subject_access": {
                        "config": {
                            "requested_by": "operator-1",
                            "person_id": person["person_id"],
                            "out_dir": str(tmp_path / "reports"),
                        }
                    }
                }
            },
            instance=instance,
        )
        assert access.success
        rectify = defs.resolve_job_def("subject_rectify_job").execute_in_process(
            run_config={
                "ops": {
                    "subject_rectify": {
                        "config": {
                            "requested_by": "operator-1",
                            "kind": "person",
                            "id": person["person_id"],
                            "field": "email",
                            "value_file": str(value_file),
                        }
                    }
                }
            },
            instance=instance,
        )
        assert rectify.success
        assert not value_file.exists()  # read, then deleted

        stored = _instance_text(instance)
        assert person["person_id"] in stored  # the scan does see what the runs carry
        hits = {secret: stored.count(secret) for secret in secrets}
        assert sum(hits.values()) == 0, hits

    # The report itself (the person's own copy) and the register did get the data.
    report = json.loads(
        (tmp_path / "reports" / f"access-{person['person_id']}.json").read_text(encoding="utf-8")
    )
    assert report["person"]["person_id"] == person["person_id"]
    capsys.readouterr()
    assert main(["subject", "find", "--email", new_email]) == 0
    assert person["person_id"] in capsys.readouterr().out


@pytest.mark.parametrize("problem", ["outside", "link", "readable"])
def test_a_value_file_is_read_only_from_the_request_folder_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    from assets.subjects import take_value_file

    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path / "var"))
    folder = tmp_path / "var" / "subject-requests"
    folder.mkdir(parents=True)
    elsewhere = tmp_path / "secret.txt"
    elsewhere.write_text("do not read", encoding="utf-8")
    target = folder / "value.txt"
    if problem == "outside":
        target = elsewhere
    elif problem == "link":
        target.symlink_to(elsewhere)
    else:
        target.write_text("a value", encoding="utf-8")
        target.chmod(0o644)
    with pytest.raises(ValueError) as caught:
        take_value_file(str(target))
    assert "do not read" not in str(caught.value) and "a value" not in str(caught.value)
    assert elsewhere.read_text(encoding="utf-8") == "do not read"
