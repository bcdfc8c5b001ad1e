"""The master register as an asset: loaded from a snapshot folder into the register store."""

import time
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    Config,
    DagsterInstance,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from pipelines.paths import snapshots_dir
from pipelines.resources import RegisterResource
from register import read_snapshot, redact_url


class RegisterLoadConfig(Config):
    """Which snapshot folder to load."""

    snapshot_dir: str = Field(
        default="",
        description="Snapshot folder (organizations.csv, persons.csv, prohibitions.csv); "
        "empty = the newest folder under the snapshots folder (var/snapshots/).",
    )


def newest_snapshot(root: Path) -> Path | None:
    """The most recently delivered snapshot folder (by name: snapshots are dated)."""
    if not root.is_dir():
        return None
    folders = [p for p in root.iterdir() if p.is_dir() and (p / "organizations.csv").is_file()]
    return max(folders, key=lambda p: (p.name, p.stat().st_mtime), default=None)


def load_metadata(info: Any, url: str, seconds: float) -> dict[str, Any]:
    """What a register load records: the snapshot, its counts, the store without secrets."""
    return {
        "snapshot_id": info.snapshot_id,
        "checksum": info.checksum,
        "organizations": info.organization_count,
        "positions": info.person_count,
        "prohibitions": info.prohibition_count,
        "store": MetadataValue.text(redact_url(url)),
        "seconds": round(seconds, 3),
    }


def record_load(instance: DagsterInstance, info: Any, url: str, seconds: float) -> None:
    """A load done outside a run (`tietohuolto register load`) recorded as a
    materialisation of `master_register`, so the catalog shows it like a run's load."""
    instance.report_runless_asset_event(
        AssetMaterialization(
            asset_key="master_register",
            description="loaded by `tietohuolto register load`",
            metadata={**load_metadata(info, url, seconds), "source": "cli"},
        )
    )


@asset(group_name="register", compute_kind="sqlalchemy")
def master_register(
    context: AssetExecutionContext, config: RegisterLoadConfig, register: RegisterResource
) -> MaterializeResult:
    """The decision-makers register, replaced by a validated snapshot in one transaction.
    Every delivery records the snapshot id it was matched against."""
    started = time.perf_counter()
    folder = Path(config.snapshot_dir) if config.snapshot_dir else newest_snapshot(snapshots_dir())
    if folder is None:
        raise FileNotFoundError(f"no snapshot folder under {snapshots_dir()}")
    info = register.store.load(read_snapshot(folder))
    return MaterializeResult(
        metadata=load_metadata(info, register.resolved_url(), time.perf_counter() - started)
    )
