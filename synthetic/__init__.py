"""Synthetic master registers and customer CRM files with ground truth (only synthetic data).

Independent of the matcher by design: nothing under `synthetic/` imports `matching`,
`refresh` or `quality`. Names, titles, notations and the truth's rules are the generator's
own reading of real Finnish CRM data and of `shared/spec/` (see `synthetic.truth`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from faker import Faker

from synthetic.crm import CrmRates, CrmRow, build_crm
from synthetic.names import NamePool
from synthetic.register import Register, assign_prohibitions, build_register
from synthetic.writers import CRM_DIALECTS, write_crm, write_snapshot, write_truth

DEFAULT_PROHIBITION_RATES = {
    "disclosure": 0.02,
    "direct_marketing": 0.05,
    "phone_marketing": 0.015,
    "email_marketing": 0.015,
}


@dataclass(frozen=True)
class GeneratedData:
    snapshot_dir: Path
    crm_file: Path
    truth_file: Path
    organisations: int
    positions: int
    crm_rows: int


def generate(
    out_dir: str | Path,
    *,
    orgs: int = 200,
    crm_rows: int = 500,
    seed: int = 1,
    as_of: date | None = None,
    dialect: str = "fi",
    rates: CrmRates | None = None,
    prohibition_rates: dict[str, float] | None = None,
    stale_after_months: int = 18,
) -> GeneratedData:
    """Write `snapshot/`, `crm.csv` and `truth.csv` under `out_dir`; deterministic per
    (seed, as_of)."""
    if dialect not in CRM_DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; choose one of {', '.join(CRM_DIALECTS)}")
    as_of = as_of or date.today()
    rates = rates or CrmRates()
    rng = random.Random(seed)
    faker = Faker("fi_FI")
    faker.seed_instance(seed)
    names = NamePool()
    register, reg_builder = build_register(rng, names, orgs, as_of)
    assign_prohibitions(rng, register, prohibition_rates or DEFAULT_PROHIBITION_RATES)
    rows = build_crm(rng, faker, names, register, reg_builder, crm_rows, rates, stale_after_months)
    out = Path(out_dir)
    write_snapshot(register, out / "snapshot")
    write_crm(rows, out / "crm.csv", dialect)
    write_truth(rows, out / "truth.csv")
    return GeneratedData(
        snapshot_dir=out / "snapshot",
        crm_file=out / "crm.csv",
        truth_file=out / "truth.csv",
        organisations=len(register.organisations),
        positions=sum(not p.removed for p in register.positions),
        crm_rows=len(rows),
    )


__all__ = ["CrmRates", "CrmRow", "GeneratedData", "Register", "generate"]
