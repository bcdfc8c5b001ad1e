"""The refresh rules applied to the delivery, the processor-only checks that guard it,
and the delivery into the outbox."""

import shutil
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    Config,
    MetadataValue,
    asset,
    asset_check,
)
from pydantic import Field

from assets.contacts import Contacts
from assets.matches import PersonMatches
from crmfile import write_crm_file
from pipelines.resources import DeliveryFoldersResource
from quality import opted_out_rows_untouched, same_columns, same_rows, validate_output
from refresh import (
    APPENDED_COLUMNS,
    RefreshSettings,
    complete_evidence,
    decide_file,
    decisions_frame,
    refreshed_rows,
)
from refresh.report import manifest, report_markdown, summarise, write_json


class RefreshRulesConfig(Config):
    """The customer's contract for this delivery."""

    stale_after_months: int = Field(
        default=18, description="Flag `stale` when the register last confirmed a row earlier."
    )
    as_of: str = Field(
        default="", description="Reference date (YYYY-MM-DD) for `stale`; empty = today."
    )


@dataclass(frozen=True)
class RefreshedTable:
    """The refreshed file in memory: the customer's header and rows, then ours."""

    header: list[str]
    rows: list[list[str]]
    appended: pd.DataFrame
    snapshot_id: str
    # What the customer sent, for the processor-only checks to compare against.
    source_header: list[str]
    source_rows: list[list[str]]
    key_column: str | None


@asset(group_name="delivery", compute_kind="python")
def refreshed_table(
    context: AssetExecutionContext,
    config: RefreshRulesConfig,
    contacts: Contacts,
    person_matches: PersonMatches,
) -> RefreshedTable:
    """Status, flags and changes for every row, register values written into the columns
    the customer has, prohibitions applied."""
    frame = contacts.frame
    settings = RefreshSettings(
        as_of=date.fromisoformat(config.as_of) if config.as_of else date.today(),
        stale_after_months=config.stale_after_months,
    )
    candidates = person_matches.candidates
    positions = pd.concat(
        [candidates.persons, candidates.persons_elsewhere], ignore_index=True
    ).drop_duplicates("position_id")
    decisions = decide_file(
        frame,
        set(contacts.crm.mapping),
        complete_evidence(person_matches.evidence, frame.index),
        candidates.organizations,
        positions,
        candidates.prohibitions,
        settings,
    )
    appended = decisions_frame(decisions, frame.index)
    header, rows = refreshed_rows(
        contacts.crm.header, contacts.crm.rows, contacts.crm.mapping, decisions, appended
    )
    statuses = appended["refresh_status"].value_counts().to_dict()
    context.add_output_metadata(
        {
            "rows": len(rows),
            "statuses": MetadataValue.json({k: int(v) for k, v in statuses.items()}),
            "rows_updated": int(statuses.get("updated", 0)),
            "register_snapshot": person_matches.snapshot_id,
        }
    )
    return RefreshedTable(
        header,
        rows,
        appended,
        person_matches.snapshot_id,
        contacts.crm.header,
        contacts.crm.rows,
        contacts.crm.mapping.get("customer_row_id"),
    )


def _row_keys(rows: list[list[str]], header: list[str], key_column: str | None) -> list[str]:
    """The customer's own row key (their id column), else the 1-based row number."""
    if key_column is None:
        return [str(number) for number in range(1, len(rows) + 1)]
    position = header.index(key_column)
    return [row[position] if position < len(row) else "" for row in rows]


@asset_check(asset=refreshed_table, blocking=True, description="Same rows, same order.")
def same_rows_as_input(refreshed_table: RefreshedTable) -> AssetCheckResult:
    table = refreshed_table
    passed, metadata = same_rows(
        _row_keys(table.source_rows, table.source_header, table.key_column),
        _row_keys(table.rows, table.header, table.key_column),
    )
    return AssetCheckResult(passed=passed, metadata=metadata)


@asset_check(asset=refreshed_table, blocking=True, description="Customer columns, then ours.")
def same_columns_as_input(refreshed_table: RefreshedTable) -> AssetCheckResult:
    passed, metadata = same_columns(
        refreshed_table.source_header, refreshed_table.header, APPENDED_COLUMNS
    )
    return AssetCheckResult(passed=passed, metadata=metadata)


@asset_check(
    asset=refreshed_table, blocking=True, description="Disclosure prohibitions: row as sent."
)
def opted_out_rows_as_sent(refreshed_table: RefreshedTable) -> AssetCheckResult:
    passed, metadata = opted_out_rows_untouched(
        refreshed_table.source_rows, refreshed_table.rows, len(refreshed_table.source_header)
    )
    return AssetCheckResult(passed=passed, metadata=metadata)


@asset_check(asset=refreshed_table, blocking=True, description="Great Expectations output suite.")
def refreshed_output_suite(refreshed_table: RefreshedTable) -> AssetCheckResult:
    outcome = validate_output(refreshed_table.appended, len(refreshed_table.source_rows))
    return AssetCheckResult(passed=outcome.passed, metadata=outcome.metadata())


@dataclass(frozen=True)
class Delivery:
    folder: Path
    refreshed_file: Path
    summary: dict[str, object]


def _output_name(contacts: Contacts) -> str:
    source = contacts.crm.path
    return f"{source.stem}-refreshed{source.suffix or '.csv'}"


@asset(group_name="delivery", compute_kind="python")
def delivery(
    context: AssetExecutionContext,
    contacts: Contacts,
    refreshed_table: RefreshedTable,
    folders: DeliveryFoldersResource,
) -> Delivery:
    """The delivery folder in the outbox: refreshed file, change report, summary and
    manifest. Written beside its final name and renamed, so it appears complete or not
    at all."""
    started = time.perf_counter()
    final = folders.delivery_dir(contacts.customer, contacts.delivery_id)
    staging = final.with_name(f".{final.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    name = _output_name(contacts)
    write_crm_file(
        staging / name, contacts.crm.format, refreshed_table.header, refreshed_table.rows
    )
    summary = summarise(refreshed_table.appended)
    about = {
        "customer": contacts.customer,
        "delivery_id": contacts.delivery_id,
        "source_file": contacts.crm.path.name,
        "source_sha256": contacts.input_sha256,
        "snapshot_id": refreshed_table.snapshot_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_json(staging / "summary.json", {**about, **summary})
    (staging / "report.md").write_text(report_markdown(summary, about), encoding="utf-8")
    files = [name, "summary.json", "report.md"]
    write_json(staging / "manifest.json", manifest(staging, files, {name: summary["rows"]}, about))
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    refreshed = final / name
    if contacts.output_path:
        target = Path(contacts.output_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(refreshed, target)
    context.add_output_metadata(
        {
            "delivery_folder": str(final),
            "rows": summary["rows"],
            "statuses": MetadataValue.json(summary["statuses"]),
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return Delivery(final, refreshed, summary)
