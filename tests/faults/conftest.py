"""The fault harness (issue 15): every test under tests/faults/ carries the `faults` marker.

Shared here: a private var/ (inbox, outbox, register, Dagster home) per test; the
helpers are in fault_tools.py."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def faults_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """var/ under tmp_path; nothing of the repository's own var/ is touched."""
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{tmp_path / 'register.sqlite'}")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    for name in ("TIETOHUOLTO_CUSTOMERS", "TIETOHUOLTO_INBOX", "TIETOHUOLTO_OUTBOX"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
