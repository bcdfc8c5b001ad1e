"""Issue 15, rows 1 and 2: SIGKILL of `tietohuolto refresh` and `register load` at random
moments (reduced counts here; `tietohuolto bench faults` runs the full ones)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from benchmarks.faults import kill_load, kill_refresh
from pipelines.inbox import INPUT_FOLDER_PREFIX, open_customer_file, sweep_input_folders
from synthetic import GeneratedData

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_killed_refresh_leaves_nothing_and_the_next_one_succeeds(tmp_path: Path) -> None:
    figure = kill_refresh(tmp_path, kills=6, say=lambda _line: None)
    assert figure.ok, figure.notes
    assert figure.numbers["orphans after"] == 0


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_killed_register_load_keeps_the_previous_snapshot_whole(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    figure = kill_load(tmp_path, kills=5, url=url, say=lambda _line: None)
    assert figure.ok, figure.notes
    assert figure.numbers["next load ok"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _input_folder(tmp: Path, name: str) -> Path:
    """What a run killed while reading leaves in $TMPDIR: a private folder holding a link
    to its open input, `/proc/self/fd/N`."""
    folder = tmp / name
    folder.mkdir(mode=0o700)
    (folder / "crm.csv").symlink_to("/proc/self/fd/11")
    return folder


def test_input_folders_of_killed_runs_are_swept_by_the_next_run(
    faults_env: Path, small_data: GeneratedData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by `bench faults` (row 1, 100 kills): a refresh killed while reading its input
    left `tietohuolto-input-*` in $TMPDIR, and nothing removed it."""
    tmp = faults_env / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read $TMPDIR
    dead = _input_folder(tmp, f"{INPUT_FOLDER_PREFIX}{_dead_pid()}-k1lled00")
    alive = _input_folder(tmp, f"{INPUT_FOLDER_PREFIX}{os.getpid()}-runn1ng0")
    old = _input_folder(tmp, f"{INPUT_FOLDER_PREFIX}0ldstyle")
    young = _input_folder(tmp, f"{INPUT_FOLDER_PREFIX}y0ungst1")
    os.utime(old, (time.time() - 7 * 3600,) * 2)
    other = tmp / "someone-elses"
    other.mkdir()

    inbox = faults_env / "inbox" / "acme"
    inbox.mkdir(parents=True)
    crm = inbox / "export.csv"
    shutil.copyfile(small_data.crm_file, crm)
    with open_customer_file(str(crm), "acme") as opened:
        assert opened.readable.read_bytes() == crm.read_bytes()
        assert opened.readable.parent.name.startswith(f"{INPUT_FOLDER_PREFIX}{os.getpid()}-")
    left = sorted(p.name for p in tmp.iterdir())
    assert not dead.exists() and not old.exists()
    assert alive.exists() and young.exists() and other.exists()
    assert left == sorted([alive.name, young.name, other.name])
    # retention sweeps them too (a run killed when no other run follows)
    shutil.rmtree(alive)
    _input_folder(tmp, f"{INPUT_FOLDER_PREFIX}{_dead_pid()}-k1lled01")
    assert sweep_input_folders() == 1
    assert sorted(p.name for p in tmp.iterdir()) == sorted([young.name, other.name])
