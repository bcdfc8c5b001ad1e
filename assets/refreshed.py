"""The refresh rules applied to the delivery, the processor-only checks that guard it,
and the delivery into the outbox."""

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    Config,
    MetadataValue,
    RetryRequested,
    asset,
    asset_check,
)
from pydantic import Field

from assets.contacts import Contacts
from assets.matches import PersonMatches
from assets.outbox_files import json_text, write_private
from crmfile import CrmFile, read_suppression_list, write_crm_file
from matching.caches import clear_caches
from pipelines.memory import release_freed_memory
from pipelines.partitions import deliveries, split_key
from pipelines.paths import tool_version
from pipelines.resources import (
    DeliveryFolderError,
    DeliveryFoldersResource,
    RegisterResource,
    ensure_child,
)
from quality import (
    SuiteResult,
    org_field_columns,
    processor_frame,
    register_values,
    same_columns,
    validate_output,
    validate_row_flag,
    validate_same_rows,
)
from refresh import (
    APPENDED_COLUMNS,
    EMPTY_SUPPRESSION,
    ORGANISATION_FIELDS,
    RefreshSettings,
    SuppressionList,
    appended_text,
    complete_evidence,
    decide_file,
    disclosed_fields,
    refreshed_rows,
)
from refresh.report import (
    confidence_table,
    manifest,
    report_markdown,
    review_list,
    summarise,
)
from refresh.report_html import report_html
from register import NamedRows, record_disclosures


class RefreshRulesConfig(Config):
    """The customer's contract for this delivery."""

    stale_after_months: int = Field(
        default=18, description="Flag `stale` when the register last confirmed a row earlier."
    )
    as_of: str = Field(
        default="", description="Reference date (YYYY-MM-DD) for `stale`; empty = today."
    )
    allowed_org_fields: list[str] = Field(
        default=[],
        description="Organisation fields the contract allows us to add, by name, as "
        f"`register_<field>` columns; any of: {', '.join(ORGANISATION_FIELDS)}.",
    )
    suppression_file: str = Field(
        default="",
        description="The customer's suppression list (e-mails, phones or their row ids); "
        "rows it names are flagged `customer_suppressed`.",
    )


@dataclass(frozen=True)
class RefreshedTable:
    """The refreshed file in memory: the customer's header and rows, then ours, and what
    the checks and the delivery need of how it was made. The decisions and the register
    rows behind them are not kept: a large file's are gigabytes, and they are let go when
    the rules' step ends."""

    header: list[str]
    rows: Sequence[list[str]]  # `crmfile.PackedRows`: read as lists of cells
    appended: pd.DataFrame
    snapshot_id: str
    source_header: list[str]
    # The customer's rows as read: lists, or a CSV's compact `crmfile.PackedRows`.
    source_rows: Sequence[Sequence[str]]
    appended_columns: list[str]
    # What each output row may hold, recomputed from what the customer sent and what the
    # register holds (`quality.processor_frame`), independently of the rules that made the
    # output; the processor-only checks verify it.
    facts: pd.DataFrame
    # Counts per status, flag and changed column, from the decisions' columns (`summarise`).
    summary: dict[str, Any]
    # person_id -> the person fields whose register values went into the file (ledger).
    disclosed: dict[str, list[str]]
    # The least confident matches and how they were made, for the change report.
    review: list[dict[str, str]]


def processor_facts(
    appended: pd.DataFrame,
    rows: Sequence[Sequence[str]],
    crm: CrmFile,
    named: NamedRows,
    prohibitions: pd.DataFrame,
) -> pd.DataFrame:
    """The processor-only facts of the output rows (`quality.processor_frame`)."""
    allowed, contract = register_values(
        appended, named.organizations, named.positions, prohibitions
    )
    key_column = crm.mapping.get("customer_row_id")
    return processor_frame(
        crm.rows,
        rows,
        len(crm.header),
        crm.header.index(key_column) if key_column else None,
        allowed,
        contract,
        file_kind=crm.format.kind,
    )


@asset(group_name="delivery", compute_kind="python", partitions_def=deliveries)
def refreshed_table(
    context: AssetExecutionContext,
    config: RefreshRulesConfig,
    contacts: Contacts,
    person_matches: PersonMatches,
    register: RegisterResource,
) -> RefreshedTable:
    """Status, flags and changes for every row, register values written into the columns
    the customer has, prohibitions and the customer's suppression list applied."""
    started = time.perf_counter()
    # Matching's memo caches: the rules fill what they ask for themselves.
    clear_caches()
    frame = contacts.frame
    settings = RefreshSettings(
        as_of=date.fromisoformat(config.as_of) if config.as_of else date.today(),
        stale_after_months=config.stale_after_months,
        allowed_org_fields=tuple(config.allowed_org_fields),
    )
    suppression = (
        SuppressionList.from_values(read_suppression_list(config.suppression_file))
        if config.suppression_file
        else EMPTY_SUPPRESSION
    )
    evidence = person_matches.evidence
    # The prohibitions of the persons the rows were matched to, read now: a prohibition
    # notified while the file was being matched still holds for this delivery.
    named = set(evidence["person_id"]) | set(evidence["elsewhere_person_id"])
    prohibitions = register.store.prohibitions_for(named - {""})
    register_rows = person_matches.register_rows
    decisions = decide_file(
        frame,
        set(contacts.crm.mapping),
        complete_evidence(person_matches.evidence, frame.index),
        register_rows.organizations,
        register_rows.positions,
        prohibitions,
        settings,
        suppression,
        # Parsed once for the file already (input checks, organisation matching).
        business_ids=contacts.org_keys["business_id_norm"],
    )
    release_freed_memory()  # what the chunks of rules freed, before the text is made
    appended = appended_text(decisions, frame, settings.allowed_org_fields, contacts.crm.mapping)
    header, rows = refreshed_rows(
        contacts.crm.header, contacts.crm.rows, contacts.crm.mapping, decisions, appended
    )
    statuses = appended["refresh_status"].value_counts().to_dict()
    histogram = confidence_table(decisions)
    summary = summarise(decisions, contacts.crm.mapping)
    disclosed = disclosed_fields(decisions)
    review = review_list(decisions, list(frame["row_key"]))
    # Let go before the facts are computed: they take the room the decisions had.
    del decisions
    release_freed_memory()
    facts = processor_facts(appended, rows, contacts.crm, register_rows, prohibitions)
    context.add_output_metadata(
        {
            "rows": len(rows),
            "statuses": MetadataValue.json({k: int(v) for k, v in statuses.items()}),
            "rows_updated": int(statuses.get("updated", 0)),
            "suppression_list_entries": len(suppression),
            "organisation_fields_added": MetadataValue.json(list(settings.allowed_org_fields)),
            "register_snapshot": person_matches.snapshot_id,
            "confidence_histogram": MetadataValue.md(histogram),
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return RefreshedTable(
        header=header,
        rows=rows,
        appended=appended,
        snapshot_id=person_matches.snapshot_id,
        source_header=contacts.crm.header,
        source_rows=contacts.crm.rows,
        appended_columns=[*APPENDED_COLUMNS, *org_field_columns(settings.allowed_org_fields)],
        facts=facts,
        summary=summary,
        disclosed=disclosed,
        review=review,
    )


def _check(outcome: SuiteResult) -> AssetCheckResult:
    return AssetCheckResult(passed=outcome.passed, metadata=outcome.metadata())


@asset_check(
    asset=refreshed_table,
    blocking=True,
    description="One output row per input row, the customer's row keys in the same order.",
)
def same_rows_as_input(refreshed_table: RefreshedTable) -> AssetCheckResult:
    facts = refreshed_table.facts
    return _check(validate_same_rows(facts, len(refreshed_table.source_rows)))


@asset_check(
    asset=refreshed_table,
    blocking=True,
    description="The customer's columns unchanged in name and order, then only ours and "
    "the organisation fields the contract allows.",
)
def same_columns_as_input(refreshed_table: RefreshedTable) -> AssetCheckResult:
    passed, metadata = same_columns(
        refreshed_table.source_header, refreshed_table.header, refreshed_table.appended_columns
    )
    return AssetCheckResult(passed=passed, metadata=metadata)


@asset_check(
    asset=refreshed_table,
    blocking=True,
    description="Every value is the customer's own or a register value of the matched, "
    "non-prohibited person or organisation.",
)
def values_from_customer_or_register(refreshed_table: RefreshedTable) -> AssetCheckResult:
    facts = refreshed_table.facts
    return _check(validate_row_flag("values_origin", facts, "values_from_customer_or_register"))


@asset_check(
    asset=refreshed_table,
    blocking=True,
    description="A disclosure prohibition: the row goes back exactly as sent.",
)
def opted_out_rows_as_sent(refreshed_table: RefreshedTable) -> AssetCheckResult:
    facts = refreshed_table.facts
    return _check(validate_row_flag("opted_out", facts, "opted_out_as_sent"))


@asset_check(
    asset=refreshed_table,
    blocking=True,
    description="The appended columns hold only the spec's statuses, flags and confidences.",
)
def refreshed_output_suite(refreshed_table: RefreshedTable) -> AssetCheckResult:
    return _check(validate_output(refreshed_table.appended, len(refreshed_table.source_rows)))


@dataclass(frozen=True)
class Delivery:
    folder: Path
    refreshed_file: Path
    summary: dict[str, object]


# A file name holds 255 bytes; the writer's temporary name beside the output
# (`.<name>.<random>.tmp`) needs room too, so a long input name's stem is shortened.
_MAX_OUTPUT_NAME_BYTES = 200


def _output_name(contacts: Contacts) -> str:
    source = contacts.crm.path
    stem, suffix = source.stem, f"-refreshed{source.suffix or '.csv'}"
    while stem and len((stem + suffix).encode("utf-8")) > _MAX_OUTPUT_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def _database_lost(exc: BaseException) -> bool:
    """A connection to the register's database that failed or broke (not a refusal)."""
    from sqlalchemy.exc import DBAPIError, OperationalError  # noqa: PLC0415

    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
    )


@asset(group_name="delivery", compute_kind="python", partitions_def=deliveries)
def delivery(
    context: AssetExecutionContext,
    contacts: Contacts,
    refreshed_table: RefreshedTable,
    folders: DeliveryFoldersResource,
    register: RegisterResource,
) -> Delivery:
    """The delivery folder in the outbox: refreshed file, change report, summary and
    manifest. Written beside its final name and renamed, so it appears complete or not
    at all; the folder owner-only (0700), its files 0600."""
    started = time.perf_counter()
    customer, delivery_id = split_key(context.partition_key)
    if (customer, delivery_id) != (contacts.customer, contacts.delivery_id):
        raise DeliveryFolderError("delivery key differs from the one the input was read for")
    final = folders.delivery_dir(customer, delivery_id)
    parent = final.parent
    staging = parent / f".{final.name}.partial"
    ensure_child(staging, parent)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(mode=0o700)
        staging.chmod(0o700)
        name = _output_name(contacts)
        write_crm_file(
            staging / name, contacts.crm.format, refreshed_table.header, refreshed_table.rows
        )
        (staging / name).chmod(0o600)
        summary = {**refreshed_table.summary, "review": refreshed_table.review}
        about = {
            "customer": contacts.customer,
            "delivery_id": contacts.delivery_id,
            "source_file": contacts.crm.path.name,
            "source_sha256": contacts.input_sha256,
            "snapshot_id": refreshed_table.snapshot_id,
            "tool_version": tool_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        write_private(staging / "summary.json", json_text({**about, **summary}))
        write_private(staging / "report.md", report_markdown(summary, about))
        write_private(staging / "report.html", report_html(summary, about))
        files = [name, "report.html", "report.md", "summary.json"]
        # No server path goes to the customer: retention finds the input it came from by its
        # SHA-256 (and size) under the customer's inbox folder.
        write_private(
            staging / "manifest.json",
            json_text(
                manifest(
                    staging,
                    files,
                    {name: summary["rows"]},
                    {**about, "source_bytes": contacts.input_bytes},
                )
            ),
        )
        # The disclosure ledger (which person's fields went to which customer, ids only) is
        # written before the folder appears: a ledger row too many is safer for the people in
        # the register than a delivery the ledger does not know.
        ledger_rows = record_disclosures(
            register.store,
            contacts.customer,
            contacts.delivery_id,
            refreshed_table.snapshot_id,
            refreshed_table.disclosed,
        )
        # Checked again right before removing or renaming anything: still a direct child of
        # this customer's outbox folder, and not a link.
        ensure_child(final, parent)
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException as exc:
        # A full disk, a lost database, a failed rename: no half delivery stays behind
        # (a killed process leaves the staging folder to the next run or retention).
        shutil.rmtree(staging, ignore_errors=True)
        if _database_lost(exc):
            # The register's database went away (restart, failover, a dropped connection):
            # the step is retried; everything above is written again from the start.
            raise RetryRequested(max_retries=2, seconds_to_wait=2) from exc
        raise
    refreshed = final / name
    context.add_output_metadata(
        {
            "delivery_folder": str(final),
            "rows": summary["rows"],
            "statuses": MetadataValue.json(summary["statuses"]),
            "persons_disclosed": ledger_rows,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return Delivery(final, refreshed, summary)
