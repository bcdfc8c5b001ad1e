"""The operator's day, for real: the Dagster webserver and daemon on 127.0.0.1, two files
dropped into the inbox and refreshed by the sensor, and a third launched from the UI's
launchpad in headless Chromium. Screenshots go to var/test-artifacts/ui/."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from pipelines.cli import main
from pipelines.paths import REPO_ROOT
from synthetic import GeneratedData

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = REPO_ROOT / "var" / "test-artifacts" / "ui"
RUNS = """{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Dagster:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.base}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.loads(response.read())
        assert "errors" not in payload, payload
        return payload["data"]

    def runs(self) -> list[dict[str, Any]]:
        return self.graphql(RUNS)["runsOrError"]["results"]

    def wait_for(self, predicate: Any, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = predicate()
            except OSError:
                value = None
            if value:
                return value
            time.sleep(2)
        pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _tags(run: dict[str, Any]) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in run["tags"]}


@pytest.fixture
def dagster(
    tmp_path: Path, small_data: GeneratedData, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Dagster, Path]]:
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "TIETOHUOLTO_VAR": str(tmp_path),
        "TIETOHUOLTO_REGISTER_URL": f"sqlite:///{tmp_path / 'register.sqlite'}",
        "TIETOHUOLTO_SENSOR_INTERVAL": "2",
    }
    for key in ("DAGSTER_HOME", "TIETOHUOLTO_VAR", "TIETOHUOLTO_REGISTER_URL"):
        monkeypatch.setenv(key, env[key])
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    port = _free_port()
    log = (tmp_path / "dagster-dev.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster")),
            "dev",
            "-m",
            "pipelines.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGTERM reaches every child
    )
    server = Dagster(port)
    try:
        server.wait_for(lambda: server.graphql("{ version }"), 120, "the webserver")
        yield server, tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def _dismiss_dialogs(page: Any) -> None:
    """A fresh profile shows Dagster's community dialog over the page."""
    dialog = page.get_by_role("dialog")
    for name in ("Skip", "Dismiss", "No thanks"):
        button = dialog.get_by_role("button", name=name, exact=True)
        if button.count() and button.first.is_visible():
            button.first.click()
            dialog.first.wait_for(state="hidden", timeout=10_000)
            return


def test_sensor_runs_inbox_files_and_operator_launches_from_the_ui(
    dagster: tuple[Dagster, Path], small_data: GeneratedData
) -> None:
    from playwright.sync_api import sync_playwright

    server, root = dagster
    for customer in ("acme", "beta"):
        inbox = root / "inbox" / customer
        inbox.mkdir(parents=True)
        shutil.copyfile(small_data.crm_file, inbox / f"{customer}-export.csv")

    def both_succeeded() -> bool:
        runs = [r for r in server.runs() if _tags(r).get("source") == "inbox_sensor"]
        failed = [r for r in runs if r["status"] in {"FAILURE", "CANCELED"}]
        assert not failed, failed
        done = {_tags(r)["customer"] for r in runs if r["status"] == "SUCCESS"}
        return done == {"acme", "beta"}

    server.wait_for(both_succeeded, 240, "the sensor's two runs to succeed")

    location = server.graphql(
        "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }"
    )["workspaceOrError"]["locationEntries"][0]["name"]
    # A run reads only its own customer's inbox folder; `manual/` is not watched.
    third = root / "inbox" / "gamma" / "manual" / "third-export.csv"
    third.parent.mkdir(parents=True)
    shutil.copyfile(small_data.crm_file, third)
    key = "gamma/manual-third-export"
    added = server.graphql(
        """mutation($repo: RepositorySelector!, $key: String!) {
             addDynamicPartition(repositorySelector: $repo, partitionsDefName: "deliveries",
                                 partitionKey: $key) { __typename } }""",
        {
            "repo": {"repositoryName": "__repository__", "repositoryLocationName": location},
            "key": key,
        },
    )
    assert added["addDynamicPartition"]["__typename"] == "AddDynamicPartitionSuccess"

    config = f"ops:\n  contacts:\n    config:\n      crm_file: {third}\n"
    setup = (
        f"{server.base}/locations/{quote(location)}/jobs/refresh_job/playground/setup"
        f"?config={quote(config)}&tags[0][key]=dagster/partition&tags[0][value]={quote(key)}"
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    profile = root / "chromium-profile"
    with sync_playwright() as playwright:
        # A fresh profile per run; the system browser, never a downloaded one.
        browser = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            viewport={"width": 1400, "height": 900},
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
            page.goto(setup)
            page.wait_for_url(re.compile(r".*/playground$"), timeout=60_000)
            page.wait_for_timeout(1500)
            _dismiss_dialogs(page)
            launch = page.get_by_role("button", name=re.compile(r"launch run", re.IGNORECASE))
            launch.first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTEFACTS / "launchpad.png"))
            launch.first.click()
            page.wait_for_url(re.compile(r".*/runs/[0-9a-f-]+"), timeout=60_000)
            run_id = page.url.rstrip("/").rsplit("/", 1)[-1]

            def launched_succeeded() -> bool:
                run = next((r for r in server.runs() if r["runId"] == run_id), None)
                assert run is None or run["status"] not in {"FAILURE", "CANCELED"}, run
                return run is not None and run["status"] == "SUCCESS"

            server.wait_for(launched_succeeded, 240, "the launched run to succeed")
            page.reload()
            page.get_by_text(re.compile("success", re.IGNORECASE)).first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTEFACTS / "run.png"), full_page=True)
            page.goto(f"{server.base}/locations/{quote(location)}/asset-groups/delivery")
            page.wait_for_timeout(3000)
            _dismiss_dialogs(page)
            page.screenshot(path=str(ARTEFACTS / "asset-graph.png"), full_page=True)
        finally:
            browser.close()

    run = next(r for r in server.runs() if r["runId"] == run_id)
    assert _tags(run)["dagster/partition"] == key
    delivered = list((root / "outbox" / "gamma").glob("manual-third-export/*.csv"))
    assert len(delivered) == 1
    assert (ARTEFACTS / "run.png").stat().st_size > 0
