"""`tietohuolto bench faults`: what happens when things go wrong while it runs.

Each probe is a function taking its count, so that the test suite (`tests/faults/`) runs
the same code with a few iterations and the bench with the full counts. Killed commands
are children of this process: forked after the imports (so that a kill lands in the
command's own work, not in Python's start-up) and running `tietohuolto`'s own `main`.
Only synthetic data (`synthetic.generate`); figures are counts, never cell values.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2026, 11, 25)
CUSTOMER = "acme"


@dataclass
class Figure:
    """One row of the table: what was probed, how often, what held."""

    row: int
    probe: str
    done: int = 0
    held: int = 0
    notes: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.done > 0 and self.done == self.held

    def line(self) -> str:
        extra = ", ".join(f"{k} {v}" for k, v in self.numbers.items())
        return f"| {self.row} | {self.probe} | {self.held}/{self.done} | {extra} |"


# -- environment ---------------------------------------------------------------------------


def environment(work: Path, register_url: str | None = None) -> dict[str, str]:
    """The variables that put everything of one probe under `work`."""
    work.mkdir(parents=True, exist_ok=True)
    return {
        "TIETOHUOLTO_VAR": str(work / "var"),
        "TIETOHUOLTO_REGISTER_URL": register_url or f"sqlite:///{work / 'var' / 'register.sqlite'}",
        "DAGSTER_HOME": str(work / "dagster"),
        "TIETOHUOLTO_ENV": "test",
        "TMPDIR": str(_tmp(work)),
    }


def _tmp(work: Path) -> Path:
    folder = work / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def using(env: Mapping[str, str]) -> Iterator[None]:
    """`env` set in this process for the block (children inherit it)."""
    before = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def data(work: Path, orgs: int = 150, rows: int = 400, seed: int = 7) -> Any:
    """A synthetic register snapshot and CRM file (made once per folder)."""
    from synthetic import GeneratedData, generate  # noqa: PLC0415

    folder = work / f"data-{orgs}-{rows}-{seed}"
    done = folder / ".generated.json"
    if done.is_file():  # large ones take minutes to make
        known = json.loads(done.read_text(encoding="utf-8"))
        return GeneratedData(folder / "snapshot", folder / "crm.csv", folder / "truth.csv", **known)
    generated = generate(folder, orgs=orgs, crm_rows=rows, seed=seed, as_of=AS_OF)
    counts = ("organisations", "positions", "crm_rows")
    done.write_text(json.dumps({k: getattr(generated, k) for k in counts}), encoding="utf-8")
    return generated


@dataclass
class Outcome:
    code: int | None  # None: killed
    seconds: float
    stderr: str


def run_child(
    argv: list[str], env: Mapping[str, str], work: Path, kill_after: float | None = None
) -> Outcome:
    """`tietohuolto ARGV` in a forked child (this process's imports already done); SIGKILL
    after `kill_after` seconds when given. The child's stderr comes back."""
    _warm()
    err = work / f"stderr-{os.getpid()}-{time.monotonic_ns()}.txt"
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 70
        try:
            os.environ.update(env)
            descriptor = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(descriptor, 2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            # The streams of the parent (pytest's capture, say) become the child's fds.
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            from pipelines.cli import main  # noqa: PLC0415

            code = main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
        except BaseException:
            import traceback  # noqa: PLC0415

            traceback.print_exc()
            code = 71
        finally:
            sys.stderr.flush()
            os._exit(code)
    killed = False
    status: int | None = None
    if kill_after is not None:
        deadline = started + kill_after
        while time.perf_counter() < deadline:
            done, waited = os.waitpid(pid, os.WNOHANG)
            if done:
                status = waited
                break
            time.sleep(0.005)
        else:
            os.kill(pid, signal.SIGKILL)
            killed = True
    if status is None:
        status = os.waitpid(pid, 0)[1]
    seconds = time.perf_counter() - started
    text = err.read_text(encoding="utf-8", errors="replace") if err.exists() else ""
    err.unlink(missing_ok=True)
    if killed or (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
        return Outcome(None, seconds, text)
    return Outcome(os.waitstatus_to_exitcode(status), seconds, text)


def _warm() -> None:
    """Import what a command imports, once, before forking: a kill then lands in the
    command's work, and each child starts in milliseconds."""
    import great_expectations  # noqa: F401, PLC0415

    import pipelines.cli  # noqa: PLC0415
    import pipelines.definitions  # noqa: F401, PLC0415


def one_line(text: str) -> bool:
    """A refusal the operator can read: exactly one non-empty line, no traceback."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) == 1 and "Traceback" not in text


# -- row 1: kills of the refresh -----------------------------------------------------------


def leftovers(env: Mapping[str, str]) -> dict[str, int]:
    """What an interrupted refresh can leave: staging folders, delivery folders without a
    whole manifest, operator copies in the inbox, temporary files, STARTED runs."""
    var = Path(env["TIETOHUOLTO_VAR"])
    outbox, inbox = var / "outbox", var / "inbox"
    partial = incomplete = 0
    for customer in sorted(outbox.glob("*")) if outbox.is_dir() else []:
        for folder in customer.iterdir():
            if folder.name.startswith("."):
                partial += 1
            elif not _whole(folder):
                incomplete += 1
    copies = (
        sum(1 for p in (inbox / CUSTOMER / "operator").rglob("*") if p.is_file())
        if (inbox / CUSTOMER / "operator").is_dir()
        else 0
    )
    # Anything at all: a file, a folder, a link (a link is not followed: a killed run's
    # link to /proc/self/fd/N would point at this process's own descriptor).
    temps = sum(1 for _ in Path(env["TMPDIR"]).rglob("*"))
    return {
        "partial": partial,
        "incomplete": incomplete,
        "operator_copies": copies,
        "temp_files": temps,
        "started_runs": started_runs(env),
    }


def _whole(folder: Path) -> bool:
    """Every file the manifest lists, with its size and SHA-256."""
    import hashlib  # noqa: PLC0415

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for entry in manifest.get("files", []):
        path = folder / entry["name"]
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != entry.get(
            "sha256"
        ):
            return False
    return True


def started_runs(env: Mapping[str, str]) -> int:
    """Runs in the instance's run storage still STARTED (read-only SQLite look-up)."""
    db = Path(env["DAGSTER_HOME"]) / "history" / "runs.db"
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM runs WHERE status IN ('STARTED','STARTING')"
            ).fetchone()[0]
        )


def kill_refresh(
    work: Path, kills: int, seed: int = 15, say: Callable[[str], None] = print
) -> Figure:
    """SIGKILL `tietohuolto refresh` at `kills` random moments of one refresh; after each,
    the next refresh of the same file must succeed and leave nothing behind."""
    figure = Figure(1, "SIGKILL of `tietohuolto refresh` at random moments")
    generated = data(work)
    env = environment(work / "kills")
    rng = random.Random(seed)
    with using(env):
        load = run_child(["register", "load", str(generated.snapshot_dir)], env, work)
        assert load.code == 0, load.stderr
        argv = [
            "refresh",
            str(generated.crm_file),
            "--customer",
            CUSTOMER,
            "--as-of",
            AS_OF.isoformat(),
        ]
        clean = run_child(argv, env, work)
        assert clean.code == 0, clean.stderr
        span = clean.seconds
        orphans_seen = dead_runs = next_ok = 0
        for _ in range(kills):
            moment = rng.uniform(0.02, 1.0) * span
            killed = run_child(argv, env, work, kill_after=moment)
            left = leftovers(env)
            orphans_seen += left["partial"] + left["operator_copies"]
            dead_runs += left["started_runs"]
            again = run_child(argv, env, work)
            after = leftovers(env)
            ok = again.code == 0 and not any(after.values())
            next_ok += again.code == 0
            figure.done += 1
            figure.held += ok
            if not ok:
                figure.notes.append(f"kill at {moment:.2f}s ({killed.code}): after {after}")
        figure.numbers = {
            "kills": kills,
            "refresh s": round(span, 2),
            "left by a kill (swept by the next run)": orphans_seen,
            "runs left STARTED (marked failed by the next run)": dead_runs,
            "next refresh ok": f"{next_ok}/{kills}",
            "orphans after": figure.done - figure.held,
        }
    say(figure.line())
    return figure


# -- row 2: kills of the register load -----------------------------------------------------


def register_counts(url: str) -> tuple[str | None, dict[str, int], dict[str, int]]:
    """The current snapshot id, the counts it recorded, and the tables' own counts."""
    from register import RegisterStore  # noqa: PLC0415

    store = RegisterStore.from_url(url)
    try:
        info = store.current_snapshot()
        if info is None:
            return None, {}, {}
        recorded = {
            "organizations": info.organization_count,
            "positions": info.person_count,
            "prohibitions": info.prohibition_count,
        }
        return info.snapshot_id, recorded, store_counts(store)
    finally:
        store.engine.dispose()


def store_counts(store: Any) -> dict[str, int]:
    from sqlalchemy import func, select  # noqa: PLC0415

    from register.tables import organizations, persons, prohibitions  # noqa: PLC0415

    with store.engine.connect() as conn:
        return {
            "organizations": int(
                conn.execute(select(func.count()).select_from(organizations)).scalar_one()
            ),
            "positions": int(conn.execute(select(func.count()).select_from(persons)).scalar_one()),
            "prohibitions": int(
                conn.execute(select(func.count()).select_from(prohibitions)).scalar_one()
            ),
        }


def kill_load(
    work: Path,
    kills: int,
    url: str | None = None,
    seed: int = 30,
    say: Callable[[str], None] = print,
) -> Figure:
    """SIGKILL `tietohuolto register load` of a second snapshot at random moments: the
    first stays current and whole; the next load succeeds."""
    backend = "postgresql" if url and url.startswith("postgresql") else "sqlite"
    figure = Figure(2, f"SIGKILL of `register load` ({backend})")
    first, second = data(work, seed=7), data(work, orgs=300, rows=50, seed=8)
    env = environment(work / f"load-{backend}", url)
    url = env["TIETOHUOLTO_REGISTER_URL"]
    rng = random.Random(seed)
    with using(env):
        timing = run_child(["register", "load", str(first.snapshot_dir)], env, work)
        assert timing.code == 0, timing.stderr
        span = timing.seconds * 2  # the second snapshot is twice the size
        current, _recorded, counted = register_counts(url)
        interrupted = 0
        for _ in range(kills):
            moment = rng.uniform(0.02, 1.0) * span
            outcome = run_child(
                ["register", "load", str(second.snapshot_dir)], env, work, kill_after=moment
            )
            now_id, _now_recorded, now_counted = register_counts(url)
            if outcome.code is None:
                interrupted += 1
                whole = now_id == current and now_counted == counted
            else:  # finished before the kill: the new one is current
                whole = outcome.code == 0
            figure.done += 1
            figure.held += whole
            if not whole:
                figure.notes.append(f"kill at {moment:.2f}s: {now_id} {now_counted}")
            if outcome.code is not None:  # it finished first: what it loaded is current now
                current, counted = now_id, now_counted
        final = run_child(["register", "load", str(second.snapshot_dir)], env, work)
        _id, _rec, cnt = register_counts(url)
        next_ok = final.code == 0 and cnt.get("organizations", 0) > 0
        figure.numbers = {
            "kills": kills,
            "load s": round(span, 2),
            "killed mid-load": interrupted,
            "previous snapshot whole": f"{figure.held}/{figure.done}",
            "next load ok": next_ok,
        }
        if not next_ok:
            figure.held -= 1
    say(figure.line())
    return figure


# -- row 3: repeatable ---------------------------------------------------------------------

_VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<id>"),
    (re.compile(r"\b\d+(?:\.\d+)? ?(?:s|ms|seconds)\b"), "<seconds>"),
]


def normalised(text: str) -> str:
    """A report or summary with its times and ids replaced."""
    for pattern, stand_in in _VOLATILE:
        text = pattern.sub(stand_in, text)
    return text


def refresh_outputs(
    env: Mapping[str, str],
    crm_file: Path,
    work: Path,
    label: str,
    extra_env: Mapping[str, str] | None = None,
    as_child: bool = False,
) -> dict[str, bytes]:
    """Refresh once; the refreshed file, report.md and summary.json (times and ids
    normalised) of the delivery."""
    out = work / f"out-{label}{crm_file.suffix}"
    argv = [
        "refresh",
        str(crm_file),
        "--customer",
        CUSTOMER,
        "--as-of",
        AS_OF.isoformat(),
        "--output",
        str(out),
    ]
    full_env = {**env, **(extra_env or {})}
    if as_child:  # a process of its own: TZ and PYTHONHASHSEED take effect at start
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *argv],
            env={**os.environ, **full_env},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        code, err = done.returncode, done.stderr
    else:
        outcome = run_child(argv, full_env, work)
        code, err = outcome.code or 0, outcome.stderr
    if code != 0:
        raise AssertionError(f"refresh {label} failed: {err[-400:]}")
    folder = next(
        p
        for p in (Path(env["TIETOHUOLTO_VAR"]) / "outbox" / CUSTOMER).iterdir()
        if not p.name.startswith(".")
    )
    return {
        "refreshed": out.read_bytes(),
        "report.md": normalised((folder / "report.md").read_text(encoding="utf-8")).encode(),
        "summary.json": normalised((folder / "summary.json").read_text(encoding="utf-8")).encode(),
    }


def repeatable(
    work: Path,
    times: int,
    variants: bool = True,
    dask_workers: tuple[int, ...] = (),
    say: Callable[[str], None] = print,
) -> Figure:
    """The same file refreshed `times`×, then under other TZ / PYTHONHASHSEED (processes
    of their own) and on a local Dask cluster: byte-identical refreshed files; reports and
    summaries equal but for times and ids."""
    figure = Figure(3, "same file refreshed again (TZ, PYTHONHASHSEED, Dask workers)")
    generated = data(work)
    env = environment(work / "repeat")
    with using(env):
        assert run_child(["register", "load", str(generated.snapshot_dir)], env, work).code == 0
        first = refresh_outputs(env, generated.crm_file, work, "base")
        runs: list[tuple[str, dict[str, bytes]]] = []
        for i in range(times - 1):
            runs.append((f"again-{i}", refresh_outputs(env, generated.crm_file, work, f"a{i}")))
        if variants:
            for label, extra in [
                ("TZ=UTC,hash 0", {"TZ": "UTC", "PYTHONHASHSEED": "0"}),
                ("TZ=Helsinki,hash 4242", {"TZ": "Europe/Helsinki", "PYTHONHASHSEED": "4242"}),
            ]:
                runs.append(
                    (
                        label,
                        refresh_outputs(
                            env,
                            generated.crm_file,
                            work,
                            label.replace("=", "").replace(",", "-").replace(" ", ""),
                            extra,
                            as_child=True,
                        ),
                    )
                )
        for workers in dask_workers:
            runs.append((f"dask {workers}", _dask_outputs(env, generated.crm_file, work, workers)))
        differing: list[str] = []
        for label, outputs in runs:
            figure.done += 1
            same = outputs == first
            figure.held += same
            if not same:
                differing.append(
                    label + ": " + ",".join(k for k in first if first[k] != outputs[k])
                )
        figure.notes += differing
        figure.numbers = {"refreshes": len(runs) + 1, "identical": f"{figure.held}/{figure.done}"}
    say(figure.line())
    return figure


def _dask_outputs(
    env: Mapping[str, str], crm_file: Path, work: Path, workers: int
) -> dict[str, bytes]:
    from dask.distributed import LocalCluster  # noqa: PLC0415

    with LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        return refresh_outputs(
            env,
            crm_file,
            work,
            f"dask{workers}",
            {"TIETOHUOLTO_DASK_SCHEDULER": cluster.scheduler_address},
        )


# -- row 4: the same file dropped again ----------------------------------------------------


def tick(instance: Any, cursor: str | None) -> tuple[list[Any], str, list[str]]:
    """One evaluation of the inbox sensor: its run requests, cursor and log lines."""
    import logging  # noqa: PLC0415

    from dagster import build_sensor_context  # noqa: PLC0415

    from pipelines.sensors import inbox_sensor  # noqa: PLC0415

    lines: list[str] = []

    class _Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    context = build_sensor_context(instance=instance, cursor=cursor)
    handler = _Catch()
    context.log.addHandler(handler) if hasattr(context.log, "addHandler") else None
    logger = logging.getLogger("dagster")
    logger.addHandler(handler)
    try:
        result: Any = inbox_sensor(context)
    finally:
        logger.removeHandler(handler)
    return list(result.run_requests or []), str(result.cursor), lines


def settle(instance: Any, cursor: str | None, ticks: int = 2) -> tuple[list[Any], str, list[str]]:
    """Ticks until the files seen have been stable for one: all requests and lines."""
    requests: list[Any] = []
    lines: list[str] = []
    for _ in range(ticks):
        new, cursor, said = tick(instance, cursor)
        requests += new
        lines += said
    return requests, str(cursor), lines


def inbox_identity(work: Path, say: Callable[[str], None] = print) -> Figure:
    """One file dropped 3× (same name again, a copy under another name, touched), then a
    changed file: exactly two run requests, and a line saying why the others were skipped."""
    from dagster import DagsterInstance  # noqa: PLC0415

    figure = Figure(4, "one file dropped 3x, then a changed one")
    generated = data(work)
    env = environment(work / "identity")
    inbox = Path(env["TIETOHUOLTO_VAR"]) / "inbox" / CUSTOMER
    inbox.mkdir(parents=True)
    requests: list[Any] = []
    lines: list[str] = []
    with using(env), DagsterInstance.ephemeral() as instance:
        shutil.copyfile(generated.crm_file, inbox / "export.csv")
        new, cursor, said = settle(instance, None)
        requests += new
        lines += said
        # 1. the same name again (re-uploaded: a new inode and time)
        (inbox / "export.csv").unlink()
        time.sleep(0.01)
        shutil.copyfile(generated.crm_file, inbox / "export.csv")
        # 2. a copy under another name
        shutil.copyfile(generated.crm_file, inbox / "export (1).csv")
        new, cursor, said = settle(instance, cursor)
        requests += new
        lines += said
        # 3. touched
        os.utime(inbox / "export.csv", None)
        new, cursor, said = settle(instance, cursor)
        requests += new
        lines += said
        # then a changed file under the same name
        changed = generated.crm_file.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n"
        (inbox / "export.csv").write_bytes(changed)
        new, cursor, said = settle(instance, cursor)
        requests += new
        lines += said
    skipped = [line for line in lines if "skipped" in line]
    figure.done = 1
    figure.held = int(len(requests) == 2 and bool(skipped))
    figure.numbers = {
        "deliveries": len(requests),
        "skip lines": len(skipped),
        "files skipped (told)": sum(
            int(found.group(1))
            for found in (re.search(r"skipped (\d+)", line) for line in skipped)
            if found
        ),
    }
    figure.notes += skipped
    say(figure.line())
    return figure


# -- row 5: the database going away --------------------------------------------------------


class CuttableProxy:
    """A TCP proxy to PostgreSQL on 127.0.0.1: passes bytes through as they are (TLS
    included), drops a share of new connections at once, and cuts all of them on demand."""

    def __init__(
        self, target: tuple[str, int] = ("127.0.0.1", 5432), drop_first: float = 0.0, seed: int = 5
    ) -> None:
        self.target = target
        self.drop_first = drop_first
        self.random = random.Random(seed)
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.open = True
        self.accepted = self.dropped = 0
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, url: str) -> str:
        return re.sub(r"@[^/]+/", f"@127.0.0.1:{self.port}/", url)

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                refuse = not self.open or self.random.random() < self.drop_first
                if refuse:
                    self.dropped += 1
            if refuse:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        pair = {a: b, b: a}
        try:
            while True:
                ready, _, _ = select.select(list(pair), [], [], 0.5)
                for sock in ready:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise OSError
                    pair[sock].sendall(chunk)
        except (OSError, ValueError):
            for sock in pair:
                with suppress(OSError):
                    sock.close()

    def cut(self, refuse_new: bool = True) -> None:
        """Every connection through the proxy cut (RST), new ones refused if asked."""
        with self.lock:
            self.open = not refuse_new
            sockets, self.sockets = self.sockets, []
        for sock in sockets:
            try:
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass

    def restore(self) -> None:
        with self.lock:
            self.open = True

    def close(self) -> None:
        self.cut()
        self.server.close()


def ledger_rows(url: str) -> dict[str, int]:
    """The disclosure ledger's rows per delivery (PostgreSQL, read directly)."""
    import psycopg  # noqa: PLC0415

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        rows = conn.execute(
            "SELECT delivery_id, count(*) FROM disclosures GROUP BY delivery_id"
        ).fetchall()
    return {str(d): int(n) for d, n in rows}


def _snapshot_id(folder: Path) -> str:
    from register import read_snapshot  # noqa: PLC0415

    return str(read_snapshot(folder).snapshot_id)


def step_retries(env: Mapping[str, str]) -> int:
    """Steps retried (Dagster's STEP_UP_FOR_RETRY events) in the instance's event logs."""
    found = 0
    for db in (Path(env["DAGSTER_HOME"]) / "history" / "runs").glob("*.db"):
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            found += int(
                conn.execute(
                    "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'STEP_UP_FOR_RETRY'"
                ).fetchone()[0]
            )
    return found


def _tally(outcome: Outcome, counts: dict[str, int], retried: bool) -> bool:
    """Success (after a retry or not), a clean one-line failure, or neither."""
    if outcome.code == 0:
        counts["retried and succeeded" if retried else "succeeded"] += 1
        return True
    if outcome.code == 1 and one_line(outcome.stderr):
        counts["one-line failure"] += 1
        return True
    counts["unclean"] += 1
    return False


def outages(
    work: Path,
    server_url: str,
    cuts: int = 30,
    seed: int = 55,
    say: Callable[[str], None] = print,
) -> Figure:
    """PostgreSQL going away, through a proxy we cut (the shared server untouched):
    `cuts` refreshes with every connection cut at a random moment, `cuts` with the server
    "restarting" (connections cut and refused for 1 s), `cuts` loads cut at a random
    moment, and `cuts` refreshes with 30 % of new connections dropped. Each ends in success
    (after Dagster's RetryRequested, or untouched) or a one-line failure; the ledger holds
    the delivery's rows whole or not at all; the register's current snapshot stays whole."""
    figure = Figure(5, "PostgreSQL cut mid-refresh / restarting / mid-load; 30 % dropped")
    url = _fresh_database(server_url)
    generated = data(work)
    second = data(work, orgs=300, rows=50, seed=8)
    rng = random.Random(seed)
    counts = {"succeeded": 0, "retried and succeeded": 0, "one-line failure": 0, "unclean": 0}
    ledger_whole = ledger_broken = register_broken = commits_landed = 0
    proxy = CuttableProxy()
    env = environment(work / "outages", proxy.url(url))
    argv = ["refresh", str(generated.crm_file), "--customer", CUSTOMER, "--as-of", "2026-11-25"]
    try:
        with using(env):
            assert run_child(["register", "load", str(generated.snapshot_dir)], env, work).code == 0
            clean = run_child(argv, env, work)
            assert clean.code == 0, clean.stderr[-400:]
            whole = ledger_rows(url)
            for kind in ("cut", "restart"):
                for _ in range(cuts):
                    moment = rng.uniform(0.05, 1.0) * clean.seconds
                    if kind == "cut":
                        action = lambda: proxy.cut(refuse_new=False)  # noqa: E731
                    else:

                        def action() -> None:
                            proxy.cut(refuse_new=True)
                            threading.Timer(1.0, proxy.restore).start()

                    retries_before = step_retries(env)
                    timer = threading.Timer(moment, action)
                    timer.start()
                    outcome = run_child(argv, env, work)
                    timer.join()
                    time.sleep(1.1)
                    proxy.restore()
                    retried = step_retries(env) > retries_before
                    ok = _tally(outcome, counts, retried and outcome.code == 0)
                    now = ledger_rows(url)
                    if now == whole:
                        ledger_whole += 1
                    else:
                        ledger_broken += 1
                        ok = False
                    figure.done += 1
                    figure.held += ok
                    if not ok:
                        figure.notes.append(
                            f"refresh {kind} at {moment:.2f}s: code {outcome.code}, "
                            f"{len(outcome.stderr.splitlines())} stderr lines, "
                            f"ledger whole {now == whole}"
                        )
            load_span = (
                2 * run_child(["register", "load", str(generated.snapshot_dir)], env, work).seconds
            )
            snapshot_ids = {
                folder: _snapshot_id(folder)
                for folder in (generated.snapshot_dir, second.snapshot_dir)
            }
            for i in range(cuts):
                current, _recorded, counted = register_counts(url)
                moment = rng.uniform(0.05, 1.0) * load_span
                timer = threading.Timer(moment, lambda: proxy.cut(refuse_new=False))
                timer.start()
                source = second if i % 2 == 0 else generated
                outcome = run_child(["register", "load", str(source.snapshot_dir)], env, work)
                timer.join()
                proxy.restore()
                ok = _tally(outcome, counts, False)
                now_id, _rec, now_counted = register_counts(url)
                if outcome.code != 0 and (now_id, now_counted) != (current, counted):
                    if now_id == snapshot_ids[source.snapshot_dir]:
                        # Cut during COMMIT: the server committed (one transaction, so the
                        # new snapshot is whole), the client saw the connection go.
                        commits_landed += 1
                    else:
                        register_broken += 1
                        ok = False
                figure.done += 1
                figure.held += ok
                if not ok:
                    figure.notes.append(f"load cut at {moment:.2f}s: code {outcome.code}")
    finally:
        proxy.close()
    flaky = CuttableProxy(drop_first=0.3, seed=seed)
    flaky_env = {**env, "TIETOHUOLTO_REGISTER_URL": flaky.url(url)}
    try:
        with using(flaky_env):
            for _ in range(cuts):
                outcome = run_child(argv, flaky_env, work)
                ok = _tally(outcome, counts, False)
                ok = ok and ledger_rows(url) == whole
                figure.done += 1
                figure.held += ok
    finally:
        flaky.close()
    staging = sum(1 for p in (Path(env["TIETOHUOLTO_VAR"]) / "outbox").rglob(".*") if p.is_dir())
    figure.numbers = {
        **counts,
        "ledger whole after a refresh": f"{ledger_whole}/{2 * cuts}",
        "register whole after a load cut": f"{cuts - register_broken}/{cuts}",
        "failed loads whose commit landed (new snapshot whole)": commits_landed,
        "connections dropped at once (30 %)": f"{flaky.dropped}/{flaky.accepted}",
        "staging folders left": staging,
    }
    if staging:
        figure.held = 0
    say(figure.line())
    return figure


# -- row 7: many files at once -------------------------------------------------------------


def queue(work: Path, files: int, say: Callable[[str], None] = print) -> Figure:
    """`files` customers' files dropped at once: the sensor asks for one run each; the
    runs are submitted to the instance's queue and executed; all delivered, none twice."""
    from dagster import DagsterInstance  # noqa: PLC0415

    from pipelines.definitions import defs  # noqa: PLC0415
    from pipelines.partitions import deliveries  # noqa: PLC0415
    from pipelines.paths import ensure_dagster_home  # noqa: PLC0415

    figure = Figure(7, f"{files} customer files queued at once")
    generated = data(work)
    env = environment(work / "queue")
    inbox = Path(env["TIETOHUOLTO_VAR"]) / "inbox"
    with using(env):
        assert run_child(["register", "load", str(generated.snapshot_dir)], env, work).code == 0
        ensure_dagster_home()
        for i in range(files):
            folder = inbox / f"c{i:03d}"
            folder.mkdir(parents=True)
            shutil.copyfile(generated.crm_file, folder / "export.csv")
        job = defs.resolve_job_def("refresh_job")
        started = time.perf_counter()
        with DagsterInstance.get() as instance:
            requests, cursor, _lines = settle(instance, None)
            again, cursor, _lines = settle(instance, cursor)
            keys = [str(r.partition_key) for r in requests]
            instance.add_dynamic_partitions(str(deliveries.name), keys)
            for request in requests:  # the queue's order; one run per customer tag
                result = job.execute_in_process(
                    run_config={
                        **request.run_config,
                        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                    },
                    instance=instance,
                    partition_key=request.partition_key,
                    tags=request.tags,
                    raise_on_error=False,
                )
                figure.done += 1
                figure.held += result.success
        seconds = time.perf_counter() - started
        outbox = Path(env["TIETOHUOLTO_VAR"]) / "outbox"
        delivered = {p.parent.name for p in outbox.glob("*/*") if not p.name.startswith(".")}
        per_customer = [
            len([p for p in (outbox / c).iterdir() if not p.name.startswith(".")])
            for c in delivered
        ]
    twice = sum(n > 1 for n in per_customer) + len(again)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figure.numbers = {
        "requests": len(requests),
        "delivered": f"{len(delivered)}/{files}",
        "twice": twice,
        "seconds": round(seconds, 1),
        "peak RSS MiB": round(peak),
    }
    if len(delivered) != files or twice:
        figure.held = 0
    say(figure.line())
    return figure


# -- row 7 through `dagster-daemon`: the sensor, the run queue and its limits -------------


def _descendants(root: int) -> set[int]:
    """`root` and every process below it (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat_file.parent.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += parents.get(pid, [])
    return found


def _memory_kib(pid: int) -> tuple[int, int]:
    """A process's resident memory now and its peak (VmRSS, VmHWM), in KiB."""
    now = peak = 0
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    return now, peak


class MemoryWatch:
    """Samples the resident memory of a process tree: each process's own peak (VmHWM, so
    a peak between two samples is not missed) and the tree's total at any one time."""

    def __init__(self, root: int, every: float = 0.2) -> None:
        self.root, self.every = root, every
        self.peaks: dict[int, int] = {}
        self.total_peak = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopped.wait(self.every):
            total = 0
            for pid in _descendants(self.root):
                now, peak = _memory_kib(pid)
                total += now
                self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
            self.total_peak = max(self.total_peak, total)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()


def _overlaps(spans: list[tuple[float, float]]) -> int:
    """Pairs of runs whose [start, end] overlap."""
    spans = sorted(spans)
    return sum(
        1
        for i, (_start, end) in enumerate(spans)
        for later_start, _later_end in spans[i + 1 :]
        if later_start < end
    )


def _most_at_once(spans: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    most = now = 0
    for _moment, step in events:
        now += step
        most = max(most, now)
    return most


def _small_files(source: Path, into: list[Path], rows: int) -> None:
    """Files of up to `rows` data rows each, cut from `source` one after another (so each
    has its own content: a customer's second file is a changed file, not a copy)."""
    with source.open("rb") as handle:
        header = handle.readline()
        body = [line for _, line in zip(range(rows * len(into)), handle, strict=False)]
    rows = min(rows, len(body) // len(into))
    for i, target in enumerate(into):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(header + b"".join(body[i * rows : (i + 1) * rows]))


def _big_file(source: Path, target: Path, rows: int) -> int:
    """The first `rows` data rows of `source` (all of them if it has fewer)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with source.open("rb") as read, target.open("wb") as write:
        write.write(read.readline())
        for line in read:
            if written == rows:
                break
            write.write(line)
            written += 1
    return written


def queue_daemon(
    work: Path,
    files: int,
    big_rows: int = 500_000,
    customers_twice: int = 3,
    small_rows: int = 400,
    timeout: float = 3600.0,
    say: Callable[[str], None] = print,
) -> Figure:
    """`files` customer files dropped at once into the inbox (one of `big_rows` rows, and
    `customers_twice` customers with two different files), then `dagster-daemon run` —
    the daemon of `dagster dev`, with the instance's `dagster.yaml` (QueuedRunCoordinator:
    4 runs at once, one per customer) — left to it: its sensor asks for the runs, its queue
    launches them, each in a process of its own. Figures: deliveries, runs per customer,
    overlapping runs of one customer, most runs at once, each run process's peak resident
    memory (the largest: the big file's), and the whole tree's peak."""
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter  # noqa: PLC0415

    from pipelines.paths import ensure_dagster_home  # noqa: PLC0415

    figure = Figure(7, f"{files} customer files at once through `dagster-daemon`")
    big_source = (
        data(work, orgs=max(150, big_rows * 2 // 5), rows=big_rows, seed=1) if big_rows else None
    )
    generated = big_source or data(work)
    env = {
        **environment(work / "daemon-queue"),
        "TIETOHUOLTO_SENSOR_INTERVAL": "2",
        "DAGSTER_DISABLE_TELEMETRY": "yes",
    }
    var = Path(env["TIETOHUOLTO_VAR"])
    inbox, outbox = var / "inbox", var / "outbox"
    customers = files - customers_twice
    names = [f"c{i:03d}" for i in range(customers)]
    targets = [inbox / name / "export.csv" for name in names]
    targets += [inbox / names[-1 - i] / "export-2.csv" for i in range(customers_twice)]
    big_target = targets[0] if big_rows else None
    with using(env):
        load = run_child(["register", "load", str(generated.snapshot_dir)], env, work)
        assert load.code == 0, load.stderr[-400:]
        home = ensure_dagster_home()
        small = [t for t in targets if t != big_target]
        _small_files(generated.crm_file, small, small_rows)
        big_written = _big_file(generated.crm_file, big_target, big_rows) if big_target else 0
        log = (work / "daemon.log").open("wb")
        started = time.perf_counter()
        daemon = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("dagster-daemon")),
                "run",
                "-m",
                "pipelines.definitions",
            ],
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        watch = MemoryWatch(daemon.pid)
        finished: list[Any] = []
        try:
            with DagsterInstance.from_config(str(home)) as instance:
                while time.perf_counter() - started < timeout:
                    time.sleep(2)
                    runs = instance.get_runs(RunsFilter(job_name="refresh_job"))
                    done = [r for r in runs if r.is_finished]
                    if len(done) >= files and len(done) == len(runs):
                        finished = done
                        break
                    if daemon.poll() is not None:
                        break
                else:
                    finished = list(instance.get_runs(RunsFilter(job_name="refresh_job")))
                records = instance.get_run_records(RunsFilter(job_name="refresh_job"))
        finally:
            watch.stop()
            with suppress(ProcessLookupError):
                os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()
            log.close()
        seconds = time.perf_counter() - started
    succeeded = [r for r in finished if r.status == DagsterRunStatus.SUCCESS]
    spans: dict[str, list[tuple[float, float]]] = {}
    all_spans: list[tuple[float, float]] = []
    for record in records:
        if record.start_time is None or record.end_time is None:
            continue
        span = (record.start_time, record.end_time)
        spans.setdefault(record.dagster_run.tags.get("customer", "?"), []).append(span)
        all_spans.append(span)
    per_customer = {
        c.name: len([p for p in c.iterdir() if not p.name.startswith(".")])
        for c in (outbox.iterdir() if outbox.is_dir() else [])
    }
    runs_per_customer = {c: len(s) for c, s in spans.items()}
    expected = dict.fromkeys(names, 1)
    for i in range(customers_twice):
        expected[names[-1 - i]] = 2
    same_customer_overlaps = sum(_overlaps(s) for s in spans.values())
    at_once = _most_at_once(all_spans)
    peaks = sorted(watch.peaks.values(), reverse=True)
    mib = 1024
    biggest, next_biggest = [peak // mib for peak in [*peaks, 0, 0][:2]]
    delivered = sum(min(per_customer.get(c, 0), n) for c, n in expected.items())
    twice = sum(max(0, per_customer.get(c, 0) - n) for c, n in expected.items())
    big_bound, small_bound = 4096, 1536
    figure.done = files
    figure.held = len(succeeded)
    figure.numbers = {
        "files": files,
        "big file rows": big_written,
        "delivered": f"{delivered}/{files}",
        "twice": twice,
        "runs": f"{len(succeeded)} succeeded of {len(records)}",
        "runs of one customer overlapping": same_customer_overlaps,
        "most runs at once": f"{at_once} (limit 4)",
        "largest process peak MiB (the big file's run)": biggest,
        "next largest process peak MiB": next_biggest,
        "whole tree peak MiB": watch.total_peak // mib,
        "seconds": round(seconds),
    }
    if (
        delivered != files
        or twice
        or same_customer_overlaps
        or at_once > 4
        or runs_per_customer != expected
        or biggest > big_bound
        or next_biggest > small_bound
    ):
        figure.held = 0
        off = [c for c in expected if runs_per_customer.get(c) != expected[c]]
        figure.notes.append(f"customers whose runs are not as many as their files: {off}")
    say(figure.line())
    return figure


# -- the bench command ---------------------------------------------------------------------


def run_bench(
    work: Path,
    kills: int = 100,
    load_kills: int = 30,
    times: int = 10,
    files: int = 50,
    postgres_url: str | None = None,
    dask: bool = True,
    say: Callable[[str], None] = print,
    cuts: int = 30,
    big_rows: int = 500_000,
) -> list[Figure]:
    """All rows with the full counts; prints the table as it goes. Row 5 (PostgreSQL cut)
    needs `postgres_url`; row 7 goes through `dagster-daemon` with one file of `big_rows`
    rows (0: all small)."""
    say("| # | probe | held | figures |")
    say("| --- | --- | --- | --- |")
    figures = [
        kill_refresh(work, kills, say=say),
        kill_load(work, load_kills, say=say),
    ]
    if postgres_url:
        figures.append(kill_load(work, load_kills, _fresh_database(postgres_url), say=say))
    figures.append(repeatable(work, times, dask_workers=(1, 2) if dask else (), say=say))
    figures.append(inbox_identity(work, say=say))
    if postgres_url:
        figures.append(outages(work, postgres_url, cuts, say=say))
    figures.append(queue_daemon(work, files, big_rows=big_rows, say=say))
    for figure in figures:
        for note in figure.notes[:5]:
            say(f"  row {figure.row}: {note}")
    return figures


def _fresh_database(server_url: str) -> str:
    import uuid  # noqa: PLC0415

    import psycopg  # noqa: PLC0415

    name = f"th_faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url.rsplit('/', 1)[0]}/{name}"
