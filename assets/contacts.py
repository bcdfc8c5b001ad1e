"""The customer's file, read and validated: the first step of a delivery."""

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Config,
    MetadataValue,
    asset,
    asset_check,
)
from pydantic import Field

from crmfile import CrmFile, read_crm_file
from matching import organisation_keys
from pipelines.partitions import deliveries, split_key
from quality import validate_input
from quality.rows import quarantine_reasons
from refresh.report import sha256_file


class DeliveryConfig(Config):
    """One customer file to refresh (the partition key names the customer and delivery)."""

    crm_file: str = Field(description="Path of the customer's CRM export (CSV or .xlsx).")
    mapping_file: str = Field(
        default="",
        description="The customer's column mapping (TOML or YAML, [columns] canonical = "
        "header); overrides the automatic header mapping.",
    )
    output_path: str = Field(
        default="",
        description="Also write the refreshed file here (same format as the input).",
    )


@dataclass(frozen=True)
class Contacts:
    """The customer's file as read, with its delivery's identity."""

    crm: CrmFile
    customer: str
    delivery_id: str
    input_sha256: str
    output_path: str

    @property
    def frame(self) -> pd.DataFrame:
        return self.crm.contacts

    @cached_property
    def org_keys(self) -> pd.DataFrame:
        """`matching.organisation_keys` of every row, computed once for the input checks
        and the organisation matcher (parsing business IDs is a large part of a big file's
        matching)."""
        return organisation_keys(self.frame)


@asset(group_name="delivery", compute_kind="pandas", partitions_def=deliveries)
def contacts(context: AssetExecutionContext, config: DeliveryConfig) -> Contacts:
    """The customer's CRM rows mapped to canonical columns; unreadable rows quarantined
    (kept, with their reason) so that they come back unchanged as `invalid`."""
    started = time.perf_counter()
    customer, delivery_id = split_key(context.partition_key)
    path = Path(config.crm_file)
    crm = read_crm_file(path, mapping_file=config.mapping_file or None)
    reasons = quarantine_reasons(crm.contacts)
    crm.contacts["problem"] = reasons
    digest = sha256_file(path)
    result = Contacts(
        crm=crm,
        customer=customer,
        delivery_id=delivery_id,
        input_sha256=digest,
        output_path=config.output_path,
    )
    quarantined = int((reasons != "").sum())
    context.add_output_metadata(
        {
            "rows": len(crm.rows),
            "rows_quarantined": quarantined,
            "encoding": crm.format.encoding,
            "delimiter": repr(crm.format.delimiter),
            "format": crm.format.kind,
            "columns_identified": MetadataValue.json(dict(sorted(crm.mapping.items()))),
            # Header names and reading decisions only: never a cell value.
            "mapping_report": MetadataValue.md(
                "\n".join(f"- {line}" for line in crm.mapping_report)
            ),
            "rows_repaired": int((crm.contacts["repairs"] != "").sum()),
            "input_sha256": digest,
            "delivery_id": result.delivery_id,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    context.log.info(
        f"read {len(crm.rows)} rows ({quarantined} quarantined) from file sha256 {digest[:12]}"
    )
    return result


@asset_check(asset=contacts, description="Great Expectations input suite (counts only).")
def contacts_input_suite(contacts: Contacts) -> AssetCheckResult:
    outcome = validate_input(contacts.frame, contacts.org_keys["business_id_norm"])
    return AssetCheckResult(
        passed=outcome.passed,
        # Quarantined rows are expected in real files: a warning for the operator, not a stop.
        severity=AssetCheckSeverity.WARN,
        metadata=outcome.metadata(),
    )
