"""Issue 15, row 6: the outbox on a full filesystem, the register on a read-only one: one
line, no partial delivery, the input kept for a retry."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.faults import CUSTOMER, data, environment, one_line, run_child, using

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs, unmounted afterwards; skipped where mounting is not permitted."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()[:120]}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_outbox_fails_in_one_line_and_keeps_the_input(tmp_path: Path, small_fs: Path) -> None:
    generated = data(tmp_path)
    env = {**environment(tmp_path / "w"), "TIETOHUOLTO_OUTBOX": str(small_fs / "outbox")}
    inbox = Path(env["TIETOHUOLTO_VAR"]) / "inbox" / CUSTOMER
    inbox.mkdir(parents=True)
    received = inbox / "export.csv"
    shutil.copyfile(generated.crm_file, received)
    # Fill the filesystem but for a few KB: the refreshed file cannot be written whole.
    filler = small_fs / "filler"
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        handle.write(b"\0" * (2 * 1024 * 1024))
    free = os.statvfs(small_fs).f_bavail * os.statvfs(small_fs).f_frsize
    filler.write_bytes(b"\0" * max(0, filler.stat().st_size - 16 * 1024 + free))
    with using(env):
        assert run_child(["register", "load", str(generated.snapshot_dir)], env, tmp_path).code == 0
        outcome = run_child(
            ["refresh", str(received), "--customer", CUSTOMER, "--as-of", "2026-11-25"],
            env,
            tmp_path,
        )
    assert outcome.code == 1, outcome.stderr[-600:]
    assert one_line(outcome.stderr), outcome.stderr[-600:]
    assert (
        "No space left" in outcome.stderr or "ENOSPC" in outcome.stderr or "space" in outcome.stderr
    )
    customer_out = small_fs / "outbox" / CUSTOMER
    assert not customer_out.exists() or list(customer_out.iterdir()) == []  # no partial delivery
    assert received.read_bytes() == generated.crm_file.read_bytes()  # kept for a retry
    # A retry once there is space delivers.
    filler.unlink()
    with using(env):
        again = run_child(
            ["refresh", str(received), "--customer", CUSTOMER, "--as-of", "2026-11-25"],
            env,
            tmp_path,
        )
    assert again.code == 0, again.stderr[-600:]


def test_register_on_a_read_only_filesystem_fails_in_one_line(
    tmp_path: Path, small_fs: Path
) -> None:
    generated = data(tmp_path)
    env = environment(tmp_path / "w", f"sqlite:///{small_fs / 'register.sqlite'}")
    with using(env):
        assert run_child(["register", "load", str(generated.snapshot_dir)], env, tmp_path).code == 0
        subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
        load = run_child(["register", "load", str(generated.snapshot_dir)], env, tmp_path)
        refresh = run_child(
            ["refresh", str(generated.crm_file), "--customer", CUSTOMER, "--as-of", "2026-11-25"],
            env,
            tmp_path,
        )
    assert load.code == 1 and one_line(load.stderr), load.stderr[-600:]
    assert "database" in load.stderr.lower()
    # The refresh reads the register but must write the disclosure ledger: refused, one line.
    assert refresh.code == 1 and one_line(refresh.stderr), refresh.stderr[-600:]
    assert not any((Path(env["TIETOHUOLTO_VAR"]) / "outbox").glob(f"{CUSTOMER}/*"))
