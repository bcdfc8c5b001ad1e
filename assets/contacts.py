"""The customer's file, read and validated: the first step of a delivery."""

import dataclasses
import time
from dataclasses import dataclass
from functools import cached_property

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

from crmfile import CrmFile, CrmFileError, read_crm_file
from matching import organisation_keys
from pipelines.inbox import CustomerInput, move_aside, open_customer_file
from pipelines.partitions import deliveries, split_key
from quality import validate_input
from quality.rows import quarantine_reasons


class DeliveryConfig(Config):
    """One customer file to refresh (the partition key names the customer and delivery)."""

    crm_file: str = Field(
        description="Path of the customer's CRM export (CSV or .xlsx): a regular file (not a "
        "link) inside inbox/<customer>/ of the partition's customer, e.g. "
        "inbox/<customer>/manual/export.csv."
    )
    mapping_file: str = Field(
        default="",
        description="The customer's column mapping (TOML or YAML, [columns] canonical = "
        "header); overrides the automatic header mapping.",
    )


@dataclass(frozen=True)
class Contacts:
    """The customer's file as read, with its delivery's identity."""

    crm: CrmFile
    customer: str
    delivery_id: str
    input_sha256: str
    input_bytes: int

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
    # Never a link, never a file outside the partition customer's inbox folder: a key
    # and a path typed into the launchpad cannot hand one customer another's file.
    with open_customer_file(config.crm_file, customer) as received:
        crm = _read(received, config.mapping_file)
    reasons = quarantine_reasons(crm.contacts)
    crm.contacts["problem"] = reasons
    digest = received.sha256
    result = Contacts(
        crm=crm,
        customer=customer,
        delivery_id=delivery_id,
        input_sha256=digest,
        input_bytes=received.size,
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


class InputRefusedError(Exception):
    """The customer's file could not be used; the message names the file and the problem
    (or the kind of error), never a cell value."""


def _read(received: CustomerInput, mapping_file: str) -> CrmFile:
    """Read the opened file; a file refused (by the reader or by any error reading it) is
    moved to `inbox/<customer>/rejected/` beside its `.reason.txt`, then the run fails."""
    name = received.path.name
    try:
        crm = read_crm_file(received.readable, mapping_file=mapping_file or None)
    except CrmFileError as refused:
        if refused.path.name != name:
            raise  # the mapping file's fault, not the customer's file's
        reason = str(refused)
    except Exception as error:  # any failure reading refuses the file
        # The class only: the message of an arbitrary error may quote the file.
        reason = f"{name}: could not be read ({type(error).__name__})"
    else:
        # The path as it lies in the inbox (the reader saw a private name bound to it).
        return dataclasses.replace(crm, path=received.path)
    move_aside(received.path, reason, received.folder)
    raise InputRefusedError(f"{reason} (moved to rejected/)") from None


@asset_check(asset=contacts, description="Great Expectations input suite (counts only).")
def contacts_input_suite(contacts: Contacts) -> AssetCheckResult:
    outcome = validate_input(contacts.frame, contacts.org_keys["business_id_norm"])
    return AssetCheckResult(
        passed=outcome.passed,
        # Quarantined rows are expected in real files: a warning for the operator, not a stop.
        severity=AssetCheckSeverity.WARN,
        metadata=outcome.metadata(),
    )
