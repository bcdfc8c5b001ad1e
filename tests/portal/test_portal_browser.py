"""A customer's day in headless Chromium, for real: the portal served by
`tietohuolto portal --dev-cert` (uvicorn over TLS), the Dagster daemon running the inbox
sensor, the 5,000-row demo CRM file uploaded through the page, refreshed by the run the
sensor starts, downloaded, and compared byte for byte with `tietohuolto refresh` on the
same file. Screenshots go to a temporary folder whose paths the test prints."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.cli import main
from pipelines.paths import REPO_ROOT
from portal.store import PortalStore

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NEW_PASSWORD = "selain-testin-salasana-2026"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGTERM reaches every child
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The demo's data at 5,000 rows, the register loaded, the daemon and the portal up."""
    var = tmp_path / "var"
    env = {
        **os.environ,
        "TIETOHUOLTO_VAR": str(var),
        "DAGSTER_HOME": str(var / "dagster"),
        "TIETOHUOLTO_REGISTER_URL": f"sqlite:///{var / 'register.sqlite'}",
        "TIETOHUOLTO_SENSOR_INTERVAL": "2",
    }
    env.pop("TIETOHUOLTO_PORTAL_URL", None)
    for key in ("TIETOHUOLTO_VAR", "DAGSTER_HOME", "TIETOHUOLTO_REGISTER_URL"):
        monkeypatch.setenv(key, env[key])
    demo = tmp_path / "demo"
    args = ["generate", "--orgs", "1500", "--crm-rows", "5000", "--seed", "2026", str(demo)]
    assert main(args) == 0
    assert main(["register", "load", str(demo / "snapshot")]) == 0  # also makes DAGSTER_HOME
    bin_dir = Path(sys.executable).parent
    daemon = _start(
        [str(bin_dir / "dagster-daemon"), "run", "-m", "pipelines.definitions"],
        env,
        tmp_path / "daemon.log",
    )
    port = _free_port()
    portal = _start(
        [str(bin_dir / "tietohuolto"), "portal", "--dev-cert", "--port", str(port)],
        env,
        tmp_path / "portal.log",
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert portal.poll() is None, (tmp_path / "portal.log").read_text()
                assert time.monotonic() < deadline, "the portal did not start"
                time.sleep(0.3)
        yield {
            "base": f"https://127.0.0.1:{port}",
            "var": var,
            "crm": demo / "crm.csv",
            "shots": tmp_path / "screenshots",
            "tmp": tmp_path,
        }
    finally:
        _stop(portal)
        _stop(daemon)


def test_customer_uploads_the_demo_file_and_downloads_its_delivery(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import sync_playwright

    assert main(["users", "add", "asiakas", "--customer", "acme"]) == 0
    out = capsys.readouterr().out
    one_time = next(line for line in out.splitlines() if "one-time" in line).rsplit(" ", 1)[-1]
    shots: Path = world["shots"]
    shots.mkdir()
    taken: list[Path] = []
    seen: list[str] = []

    def shot(page: Any, name: str) -> None:
        path = shots / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)

    base = world["base"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(world["tmp"] / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            viewport={"width": 1280, "height": 900},
            ignore_https_errors=True,  # the development certificate is self-signed
            accept_downloads=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()
            page.goto(f"{base}/login")
            shot(page, "login")
            page.fill("#username", "asiakas")
            page.fill("#password", one_time)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/password")
            shot(page, "one-time-password")
            page.fill("#current_password", one_time)
            page.fill("#new_password", NEW_PASSWORD)
            page.fill("#repeat_password", NEW_PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{base}/login")
            page.fill("#username", "asiakas")
            page.fill("#password", NEW_PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{base}/deliveries")
            shot(page, "deliveries-empty")

            page.set_input_files("#file", str(world["crm"]))
            page.click("main form button[type=submit]")
            page.wait_for_url(re.compile(r".*/uploads/[0-9a-f]{32}$"))
            seen.append(page.get_attribute("#status", "data-status") or "")
            shot(page, "uploaded")
            deadline = time.monotonic() + 300
            while "/deliveries/" not in page.url:  # the upload's page turns into its delivery's
                assert time.monotonic() < deadline, f"no delivery in 300 s; saw {seen}"
                status = page.get_attribute("#status", "data-status") or ""
                assert status in {"waiting", "running"}, (status, page.inner_text("main"))
                if status != seen[-1]:
                    seen.append(status)
                    shot(page, status)
                page.wait_for_timeout(1500)
                page.reload()
            assert page.get_attribute("#status", "data-status") == "delivered"
            assert "5000" in page.inner_text("main")
            shot(page, "delivered")
            delivery_page = page.url

            page.click("#view-report")
            page.wait_for_load_state()
            assert "5000" in page.inner_text("body").replace("\u00a0", "").replace(",", "")
            shot(page, "report")
            page.goto(delivery_page)
            with page.expect_download() as download:
                page.click("a.download[data-kind=refreshed]")
            from_portal = world["tmp"] / "from-portal.csv"
            download.value.save_as(str(from_portal))
            page.goto(f"{base}/deliveries")
            assert page.get_attribute("[data-status]", "data-status") == "delivered"
            shot(page, "deliveries")
        finally:
            browser.close()

    # The same file through the operator's command line, into another customer's outbox.
    from_cli = world["tmp"] / "from-cli.csv"
    assert (
        main(["refresh", str(world["crm"]), "--customer", "clicheck", "--output", str(from_cli)])
        == 0
    )
    assert from_portal.read_bytes() == from_cli.read_bytes()
    assert from_portal.read_bytes().count(b"\n") == 5001

    store = PortalStore.from_url(f"sqlite:///{world['var'] / 'portal.sqlite'}")
    kinds = [row["file_kind"] for row in store.downloads("acme")]
    assert kinds == ["report.html", "refreshed"]
    # pytest prunes old temporary folders: a copy stays where the operator UI test's are.
    kept = REPO_ROOT / "var" / "test-artifacts" / "portal"
    kept.mkdir(parents=True, exist_ok=True)
    with capsys.disabled():
        print(f"\nstatuses seen before the delivery: {' -> '.join(seen)}")
        print(f"screenshots (copied to {kept}):")
        for path in taken:
            assert path.stat().st_size > 0
            shutil.copyfile(path, kept / path.name)
            print(f"  {path}")
