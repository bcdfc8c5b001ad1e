"""Customers' contracts: how and when their files are refreshed (business settings, kept
out of dagster.yaml). Read from `$TIETOHUOLTO_CUSTOMERS` or `var/customers.toml`:

    [customers.acme]
    schedule = "nightly"            # or "on_arrival" (the default)
    stale_after_months = 12
    allowed_org_fields = ["industry_code", "www"]
    suppression_file = "/srv/tietohuolto/acme-suppression.csv"
    mapping_file = "/srv/tietohuolto/acme-columns.toml"
"""

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.paths import var_dir

SCHEDULES = ("on_arrival", "nightly")


@dataclass(frozen=True)
class Contract:
    customer: str
    schedule: str = "on_arrival"
    stale_after_months: int = 18
    allowed_org_fields: tuple[str, ...] = ()
    suppression_file: str = ""
    mapping_file: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def refresh_config(self) -> dict[str, Any]:
        """Run config of the `refreshed_table` step for this customer."""
        config: dict[str, Any] = {"stale_after_months": self.stale_after_months}
        if self.allowed_org_fields:
            config["allowed_org_fields"] = list(self.allowed_org_fields)
        if self.suppression_file:
            config["suppression_file"] = self.suppression_file
        return config


def contracts_path() -> Path:
    return Path(os.environ.get("TIETOHUOLTO_CUSTOMERS", var_dir() / "customers.toml"))


def load_contracts(path: Path | None = None) -> dict[str, Contract]:
    source = path or contracts_path()
    if not source.is_file():
        return {}
    with source.open("rb") as handle:
        data = tomllib.load(handle)
    contracts = {}
    for name, settings in data.get("customers", {}).items():
        schedule = settings.get("schedule", "on_arrival")
        if schedule not in SCHEDULES:
            raise ValueError(f"{source.name}: customer {name}: schedule must be one of {SCHEDULES}")
        contracts[name] = Contract(
            customer=name,
            schedule=schedule,
            stale_after_months=int(settings.get("stale_after_months", 18)),
            allowed_org_fields=tuple(settings.get("allowed_org_fields", ())),
            suppression_file=str(settings.get("suppression_file", "")),
            mapping_file=str(settings.get("mapping_file", "")),
        )
    return contracts


def contract_for(customer: str, contracts: dict[str, Contract]) -> Contract:
    return contracts.get(customer, Contract(customer=customer))
