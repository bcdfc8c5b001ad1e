"""The portal against real deliveries: a register loaded from generated data and two
customers' files refreshed by `tietohuolto refresh` once per session; each test works on
its own copy of that `var/` folder, with the portal's own database inside it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipelines.cli import main
from portal import PortalSettings, PortalStore, create_app
from synthetic import GeneratedData
from tests.portal.portal_tools import CAP, CUSTOMERS, Site, portal_env


@pytest.fixture(scope="session")
def delivered_var(tmp_path_factory: pytest.TempPathFactory, small_data: GeneratedData) -> Path:
    """A `var/` with the register loaded and one real delivery for each customer, made by
    the CLI from a file lying in the customer's inbox (as an upload leaves it)."""
    var = tmp_path_factory.mktemp("portal-var")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in portal_env(var).items():
            patch.setenv(key, value)
        assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
        for customer in CUSTOMERS:
            inbox = var / "inbox" / customer
            inbox.mkdir(parents=True)
            crm = inbox / f"{customer}-export.csv"
            shutil.copyfile(small_data.crm_file, crm)
            assert main(["refresh", str(crm), "--customer", customer]) == 0
    return var


@pytest.fixture
def var(delivered_var: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "var"
    shutil.copytree(delivered_var, copy, symlinks=True)
    for key, value in portal_env(copy).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TIETOHUOLTO_PORTAL_URL", raising=False)
    monkeypatch.delenv("TIETOHUOLTO_INBOX", raising=False)
    monkeypatch.delenv("TIETOHUOLTO_OUTBOX", raising=False)
    return copy


@pytest.fixture
def site(var: Path) -> Iterator[Site]:
    settings = PortalSettings.from_environment(max_upload_bytes=CAP, dagster_runs=False)
    store = PortalStore.from_url(settings.database_url)
    # https: the session cookie is Secure, so a client (like a browser) sends it over TLS only.
    with TestClient(create_app(settings, store), base_url="https://testserver") as client:
        yield Site(client, store, settings, var)
    store.engine.dispose()
