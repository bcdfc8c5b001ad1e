"""Fixtures of the register tests: tiny hand-written snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from snapshot_factory import SnapshotWriter, write_snapshot

from register import Snapshot


@pytest.fixture
def make_snapshot(tmp_path: Path) -> SnapshotWriter:
    """`make_snapshot(name, orgs, persons, prohibitions=())` -> a validated Snapshot."""

    def make(name: str, *args: Any) -> Snapshot:
        return write_snapshot(tmp_path / name, *args)

    return make
