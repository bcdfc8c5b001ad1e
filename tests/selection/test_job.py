"""The Dagster selection_job in process, the CLI, and retention after the campaign."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import pytest
from dagster import DagsterInstance
from sqlalchemy import text

from pipelines.cli import main
from pipelines.definitions import defs
from register import RegisterStore, make_engine, read_snapshot
from selection.retention import ended_campaigns
from synthetic import GeneratedData

pytestmark = pytest.mark.slow

ORDER = """\
order_id = "{order_id}"
customer = "acme"
purpose = "{purpose}"
{campaign}
channels = ["post", "email"]
max_persons = 25

[organisation]
regions = ["Uusimaa", "Pirkanmaa", "Pohjois-Pohjanmaa"]

[person]
areas = ["JOHTO", "MYYNTI"]
"""


def _order(folder: Path, order_id: str, purpose: str = "campaign", end: str = "2027-04-30") -> Path:
    campaign = (
        f'campaign_id = "c-{order_id}"\ncampaign_end = {end}' if purpose == "campaign" else ""
    )
    path = folder / f"{order_id}.toml"
    path.write_text(
        ORDER.format(order_id=order_id, purpose=purpose, campaign=campaign), encoding="utf-8"
    )
    return path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, selection_data: GeneratedData) -> Path:
    url = f"sqlite:///{tmp_path / 'register.sqlite'}"
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", url)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    engine = make_engine(url)
    RegisterStore(engine).load(read_snapshot(selection_data.snapshot_dir))
    engine.dispose()
    return tmp_path


def _run(order: Path, key: str, instance: DagsterInstance, as_of: str = "2026-11-25"):
    instance.add_dynamic_partitions("selections", [key])
    return defs.resolve_job_def("selection_job").execute_in_process(
        run_config={
            "ops": {"selection_preview": {"config": {"order_file": str(order), "as_of": as_of}}}
        },
        instance=instance,
        partition_key=key,
        raise_on_error=False,
    )


def test_selection_job_writes_file_report_manifest_and_ledger(env: Path) -> None:
    order = _order(env, "spring")
    with DagsterInstance.ephemeral() as instance:
        result = _run(order, "acme/spring", instance)
        assert result.success
        selection = result.output_for_node("selection_preview")
        events = instance.get_latest_materialization_events(
            [a.key for a in defs.resolve_all_asset_specs() if a.group_name == "selection"]
        )
    folder = env / "outbox" / "acme" / "selection-spring"
    assert Path(result.output_for_node("selection_file")) == folder
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "report.html",
        "report.md",
        "selection.csv",
        "summary.json",
    ]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    assert not list((env / "outbox" / "acme").glob(".*partial"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["purpose"] == "campaign"
    assert manifest["campaign_id"] == "c-spring" and manifest["campaign_end"] == "2027-04-30"
    assert manifest["files"][0] == {**manifest["files"][0], "name": "selection.csv", "rows": 25}
    lines = (folder / "selection.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].split(";") == selection.columns and len(lines) == 26
    assert "email" in lines[0] and "phone" not in lines[0]  # post and e-mail only
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and "http" not in html
    assert "Persons per region" in (folder / "report.md").read_text(encoding="utf-8")

    # The preview's metadata holds counts; nothing of any selected person.
    metadata = " ".join(
        json.dumps({k: str(v.value) for k, v in event.asset_materialization.metadata.items()})
        for event in events.values()
        if event is not None and event.asset_materialization is not None
    )
    assert "persons_selected" in metadata and "by_region" in metadata
    for row in selection.rows.to_dict("records"):
        for field in ("first_name", "last_name", "email", "street"):
            value = str(row[field] or "")
            if len(value) > 3:
                assert value not in metadata, field

    with make_engine(f"sqlite:///{env / 'register.sqlite'}").connect() as conn:
        ledger = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT person_id), min(purpose), min(campaign_id) "
                "FROM disclosures WHERE delivery_id = 'selection-spring'"
            )
        ).one()
    assert tuple(ledger) == (25, 25, "campaign", "c-spring")


def test_a_bad_order_fails_the_run_and_writes_nothing(env: Path) -> None:
    order = env / "bad.toml"
    order.write_text(
        'order_id = "bad"\ncustomer = "acme"\npurpose = "continuous"\nchannels = ["post"]\n'
        "max_persons = 0\n[person]\nareas = ['IT']\n",
        encoding="utf-8",
    )
    with DagsterInstance.ephemeral() as instance:
        assert not _run(order, "acme/bad", instance).success
        # An order for another customer than the partition's is refused too.
        assert not _run(_order(env, "other"), "globex/other", instance).success
    assert not (env / "outbox" / "acme" / "selection-bad").exists()
    assert not (env / "outbox" / "globex").exists()


def test_retention_removes_a_campaign_after_its_end(env: Path) -> None:
    ended = _order(env, "autumn", end="2026-11-30")  # before today, after the as-of day
    kept = _order(env, "ongoing", purpose="continuous")
    with DagsterInstance.ephemeral() as instance:
        assert _run(ended, "acme/autumn", instance).success
        assert _run(kept, "acme/ongoing", instance).success
        outbox = env / "outbox"
        assert ended_campaigns(outbox, date(2026, 11, 30)) == []
        retention = defs.resolve_job_def("retention_job").execute_in_process(
            run_config={"ops": {"purge_expired_deliveries": {"config": {"retention_days": 30}}}},
            instance=instance,
        )
    assert retention.success
    assert not (outbox / "acme" / "selection-autumn").exists()
    assert (outbox / "acme" / "selection-ongoing" / "selection.csv").is_file()


def test_cli_preview_prints_counts_only_and_select_delivers(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    order = _order(env, "cli")
    assert main(["select", str(order), "--preview", "--as-of", "2026-11-25"]) == 0
    preview = capsys.readouterr().out
    assert "Selection preview: acme / cli" in preview and "Persons per region" in preview
    assert "@" not in preview  # no e-mail address, no personal data
    assert not (env / "outbox" / "acme" / "selection-cli").exists()
    assert main(["select", str(order), "--as-of", "2026-11-25"]) == 0
    out = capsys.readouterr().out
    assert "selected 25 persons" in out
    assert (env / "outbox" / "acme" / "selection-cli" / "selection.csv").is_file()


def test_cli_refuses_a_bad_order_in_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    order = env / "bad.toml"
    order.write_text(
        'order_id = "b"\ncustomer = "acme"\npurpose = "continuous"\nchannels = ["post"]\n'
        "[organisation]\nsize = 3\n",
        encoding="utf-8",
    )
    assert main(["select", str(order), "--preview"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown criterion 'organisation.size'" in err


def test_preview_job_records_counts_and_writes_no_file(env: Path) -> None:
    order = _order(env, "peek")
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("selections", ["acme/peek"])
        result = defs.resolve_job_def("selection_preview_job").execute_in_process(
            run_config={
                "ops": {
                    "selection_preview": {
                        "config": {"order_file": str(order), "as_of": "2026-11-25"}
                    }
                }
            },
            instance=instance,
            partition_key="acme/peek",
        )
        assert result.success
        materialised = result.asset_materializations_for_node("selection_preview")
    metadata = materialised[0].metadata
    assert metadata["persons_selected"].value == 25
    assert "Persons per region" in str(metadata["preview"].value)
    assert not (env / "outbox" / "acme" / "selection-peek").exists()
