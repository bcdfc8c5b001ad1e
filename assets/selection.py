"""Selections (issue 17): the register's decision-makers for a customer's campaign or
continuous use. One `selections` partition per order (`customer/order-id`).

`selection_preview` runs the order and records the counts as metadata (never a person);
`selection_file` writes the file, the report and the manifest to
`<outbox>/<customer>/selection-<order-id>/` and the disclosure ledger. The selected rows
pass between the two in memory only (the definitions' in-memory IO manager).
"""

import os
import shutil
import stat
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Config, MetadataValue, asset
from pydantic import Field

from assets.outbox_files import json_text, write_private
from pipelines.partitions import selections, split_key
from pipelines.paths import tool_version
from pipelines.resources import (
    DeliveryFolderError,
    DeliveryFoldersResource,
    RegisterResource,
    ensure_child,
)
from refresh.report import manifest
from register import record_disclosures
from selection import (
    OrderError,
    Selection,
    preview_text,
    read_order,
    report_html,
    report_markdown,
    select_persons,
)
from selection.files import selection_csv

FILE_NAME = "selection.csv"


class SelectionConfig(Config):
    """The order to run (a TOML or YAML file; see README "Selections")."""

    order_file: str = Field(
        description="Path of the selection order (TOML, or YAML if named .yaml/.yml). Its "
        "customer and order_id must be the partition's `customer/order-id`."
    )
    as_of: str = Field(
        default="", description="The day positions must be held on (YYYY-MM-DD); empty = today."
    )


def _order_path(config: SelectionConfig) -> Path:
    path = Path(config.order_file)
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        raise OrderError(f"order file {path.name}: no such file") from None
    if not stat.S_ISREG(mode):
        raise OrderError(f"order file {path.name}: not a regular file (links are not followed)")
    return path


def _as_of(config: SelectionConfig) -> date | None:
    if not config.as_of:
        return None
    try:
        return date.fromisoformat(config.as_of)
    except ValueError:
        raise OrderError("as_of must be a date, YYYY-MM-DD") from None


def _counts_metadata(summary: dict[str, Any]) -> dict[str, Any]:
    """The preview's counts as metadata: numbers per criterion, prohibition, region and
    area — nothing that names a person."""
    return {
        "persons_selected": summary["persons_selected"],
        "organisations_selected": summary["organisations_selected"],
        "persons_meeting_criteria": summary["persons_meeting_criteria"],
        "purpose": summary["purpose"],
        "campaign_id": summary["campaign_id"] or "",
        "campaign_end": summary["campaign_end"] or "",
        "snapshot_id": summary["snapshot_id"],
        "criteria": MetadataValue.json(summary["criteria"]),
        "removed": MetadataValue.json(summary["removed"]),
        "fields_removed": MetadataValue.json(summary["fields_removed"]),
        "by_region": MetadataValue.json(summary["by_region"]),
        "by_area": MetadataValue.json(summary["by_area"]),
        "fields": MetadataValue.json(summary["fields"]),
        "preview": MetadataValue.md(preview_text(summary)),
        "seconds": summary["seconds"],
    }


@asset(group_name="selection", compute_kind="python", partitions_def=selections)
def selection_preview(
    context: AssetExecutionContext, config: SelectionConfig, register: RegisterResource
) -> Selection:
    """The order run against the current register: who would be selected, and the counts
    (shown as metadata; the rows stay in memory for `selection_file`)."""
    customer, order_id = split_key(context.partition_key)
    order = read_order(_order_path(config))
    if (order.customer, order.order_id) != (customer, order_id):
        raise OrderError(
            "the order's customer and order_id differ from the partition key "
            f"({order.customer}/{order.order_id} vs {customer}/{order_id})"
        )
    selection = select_persons(register.store, order, _as_of(config))
    context.add_output_metadata(_counts_metadata(selection.summary))
    return selection


@asset(group_name="selection", compute_kind="python", partitions_def=selections)
def selection_file(
    context: AssetExecutionContext,
    selection_preview: Selection,
    folders: DeliveryFoldersResource,
    register: RegisterResource,
) -> str:
    """The selection folder in the outbox: the file, report (HTML, Markdown), summary and
    manifest (purpose, campaign id and end date). Written beside its final name and
    renamed, so it appears complete or not at all; the folder 0700, its files 0600. The
    disclosure ledger gets one row per person, with the fields, purpose and campaign."""
    started = time.perf_counter()
    selection = selection_preview
    order = selection.order
    if split_key(context.partition_key) != (order.customer, order.order_id):
        raise DeliveryFolderError("selection key differs from the order's")
    summary = selection.summary
    final = folders.delivery_dir(order.customer, order.folder_name)
    parent = final.parent
    staging = parent / f".{final.name}.partial"
    ensure_child(staging, parent)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(mode=0o700)
        staging.chmod(0o700)
        # UTF-8 with a BOM: Excel then reads å, ä and ö right.
        write_private(staging / FILE_NAME, selection_csv(selection.rows), "utf-8-sig")
        write_private(staging / "summary.json", json_text(summary))
        write_private(staging / "report.md", report_markdown(summary))
        write_private(staging / "report.html", report_html(summary))
        about = {
            "customer": order.customer,
            "order_id": order.order_id,
            "purpose": order.purpose,
            "campaign_id": order.campaign_id,
            "campaign_end": summary["campaign_end"],
            "snapshot_id": summary["snapshot_id"],
            "persons": summary["persons_selected"],
            "fields": summary["fields"],
            "tool_version": tool_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        files = [FILE_NAME, "report.html", "report.md", "summary.json"]
        write_private(
            staging / "manifest.json",
            json_text(manifest(staging, files, {FILE_NAME: len(selection.rows)}, about)),
        )
        # The ledger before the folder appears: a ledger row too many is safer for the
        # people in the register than a disclosure the ledger does not know.
        ledger_rows = record_disclosures(
            register.store,
            order.customer,
            order.folder_name,
            summary["snapshot_id"],
            selection.disclosed,
            purpose=order.purpose,
            campaign_id=order.campaign_id,
            # A re-run may select others; whoever an earlier run disclosed stays recorded.
            replace_delivery=False,
        )
        ensure_child(final, parent)
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    context.add_output_metadata(
        {
            "selection_folder": str(final),
            "persons": summary["persons_selected"],
            "ledger_rows": ledger_rows,
            "purpose": order.purpose,
            "campaign_end": summary["campaign_end"] or "",
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return str(final)
