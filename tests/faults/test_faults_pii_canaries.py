"""Row 11 of issue 15's fault harness, PII canaries: unique names, e-mails and phone
numbers edited into a generated CRM file go through a successful refresh, a refresh whose
register database is dead (a closed port), its retry once the database is back, and a file
with a malformed row deep inside — each `tietohuolto refresh` in a child process of its
own, with TMPDIR a fresh folder. Then the canaries are looked for in the Dagster instance
(every run's config and tags, every event's text and metadata), every file under
DAGSTER_HOME (run and event storage, compute logs), the CLI's stdout and stderr, the
child's temporary files, and — after `tietohuolto retention --days 0`, since the delivered
file legitimately holds the customer's own rows until then — the whole var folder."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from dagster import DagsterInstance

from synthetic import GeneratedData
from tests.faults.fault_tools import run_cli

# (first name, last name, e-mail, phone): realistic, unique, on a real-looking .fi domain
# (an example domain would make the row a quarantined test row).
CANARIES = [
    ("Zqxwvu", "Canaryson", "zqxwvu.canaryson@virtakanaria.fi", "+358 40 917 3382"),
    ("Qjxkvy", "Kanarialintu", "qjxkvy.kanarialintu@virtakanaria.fi", "050 864 2291"),
    ("Wqzxyv", "Varpuslintu", "w.varpuslintu@kivikanaria.fi", "044 731 5508"),
]
# What is looked for (lower case): each name, each mailbox and domain, each phone's digits
# as written and as normalised.
NEEDLES = sorted(
    {
        part.lower()
        for first, last, email, phone in CANARIES
        for part in (
            first,
            last,
            email.partition("@")[0],
            email.partition("@")[2],
            phone.rsplit(" ", 2)[-2] + " " + phone.rsplit(" ", 2)[-1],
            "".join(ch for ch in phone if ch.isdigit())[-7:],
        )
    }
)


def _canary_file(small_data: GeneratedData, folder: Path, name: str, broken: bool) -> Path:
    """The generated CRM file with the canaries in rows 2, 150 and 399; `broken` adds a
    canary row with an unbalanced quote deep inside (after row 390)."""
    raw = small_data.crm_file.read_bytes()
    encoding = "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1252"
        text = raw.decode(encoding)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    first_col, last_col = header.index("Etunimi"), header.index("Sukunimi")
    email_col = next(i for i, h in enumerate(header) if h.startswith("S") and "posti" in h)
    phone_col = header.index("Matkapuhelin")
    for row_no, (first, last, email, phone) in zip((2, 150, 399), CANARIES, strict=True):
        row = rows[row_no]
        row[first_col], row[last_col], row[email_col], row[phone_col] = first, last, email, phone
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    lines = out.getvalue().split("\r\n")
    if broken:
        first, last, email, phone = CANARIES[0]
        lines.insert(391, f'C999999;{first};"{last};{email};{phone}')
    path = folder / name
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def _hits(text: str | bytes) -> list[str]:
    lowered = text.lower() if isinstance(text, str) else text.lower().decode("latin-1")
    return [needle for needle in NEEDLES if needle in lowered]


def _files_with_hits(root: Path) -> tuple[dict[str, list[str]], int]:
    """{path relative to root: needles found} over every regular file under root, as
    bytes (UTF-8 and Latin-1 alike: the needles are ASCII), and how many files were read."""
    found: dict[str, list[str]] = {}
    count = 0
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            count += 1
            hits = _hits(path.read_bytes())
            if hits:
                found[str(path.relative_to(root))] = hits
    return found, count


def test_pii_canaries_leave_no_trace_outside_the_delivery(
    faults_env: Path,
    small_data: GeneratedData,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    var = faults_env
    home = var / "dagster"
    child_tmp = var / "child-tmp"
    child_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(child_tmp))
    source = tmp_path_factory.mktemp("canary-source")
    good = _canary_file(small_data, source, "crm-export.csv", broken=False)
    broken = _canary_file(small_data, source, "crm-broken.csv", broken=True)
    assert all(_hits(p.read_bytes()) for p in (good, broken))  # the canaries are in

    outputs: dict[str, subprocess.CompletedProcess[str]] = {}
    outputs["register load"] = run_cli("register", "load", str(small_data.snapshot_dir))
    refresh = ("refresh", "--customer", "acme", "--as-of", "2026-11-25")
    outputs["successful refresh"] = run_cli(*refresh, str(good))
    register = str(var / "register.sqlite")
    monkeypatch.setenv(
        "TIETOHUOLTO_REGISTER_URL",
        "postgresql://tietohuolto@127.0.0.1:9/register?connect_timeout=2",
    )
    outputs["refresh, register DB dead"] = run_cli(*refresh, str(good))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{register}")
    outputs["retried refresh"] = run_cli(*refresh, str(good))
    outputs["malformed row deep inside"] = run_cli(*refresh, str(broken))
    codes = {what: done.returncode for what, done in outputs.items()}
    assert codes == {
        "register load": 0,
        "successful refresh": 0,
        "refresh, register DB dead": 1,
        "retried refresh": 0,
        "malformed row deep inside": 1,
    }, {what: done.stderr[-600:] for what, done in outputs.items()}

    places: dict[str, list[str]] = {}
    # 1. stdout and stderr of every command.
    for what, done in outputs.items():
        places[f"{what}: stdout"] = _hits(done.stdout)
        places[f"{what}: stderr"] = _hits(done.stderr)
    # 2. The Dagster instance: every run's config and tags, every event's text and metadata.
    runs = events = 0
    statuses: dict[str, int] = {}
    with DagsterInstance.from_config(str(home)) as instance:
        for run in instance.get_runs():
            runs += 1
            statuses[run.status.value] = statuses.get(run.status.value, 0) + 1
            places[f"run {run.run_id[:8]} config and tags"] = _hits(
                repr(run.run_config) + repr(run.tags)
            )
            logs = instance.all_logs(run.run_id)
            events += len(logs)
            places[f"run {run.run_id[:8]} event log"] = _hits(
                "\n".join(repr(entry) for entry in logs)
            )
    assert runs >= 4  # the refreshes (the dead-DB one included) and the load
    # 3. Every file under DAGSTER_HOME (storage, compute logs) and the child's TMPDIR.
    home_hits, home_files = _files_with_hits(home)
    tmp_hits, tmp_files = _files_with_hits(child_tmp)
    places.update({f"DAGSTER_HOME/{p}": h for p, h in home_hits.items()})
    places.update({f"TMPDIR/{p}": h for p, h in tmp_hits.items()})
    # The scan sees them where they belong: the delivered file and the refused input.
    assert _files_with_hits(var / "outbox")[0] and _files_with_hits(var / "inbox")[0]
    # 4. After retention, the whole var folder.
    retention = run_cli("retention", "--days", "0")
    assert retention.returncode == 0, retention.stderr[-800:]
    places["retention: stdout and stderr"] = _hits(retention.stdout + retention.stderr)
    var_hits, var_files = _files_with_hits(var)
    places.update({f"var/{p} after retention": h for p, h in var_hits.items()})

    found = {place: hits for place, hits in places.items() if hits}
    scanned = len(places) - len(home_hits) - len(tmp_hits) - len(var_hits)
    print(
        f"\nrow 11: {len(outputs) - 1} kinds of refresh run + retention, {len(NEEDLES)} "
        f"canary strings; scanned {len(outputs) + 1} commands' stdout/stderr, {runs} runs' "
        f"config/tags ({statuses}) and {events} events, {home_files} files under DAGSTER_HOME, "
        f"{tmp_files} under TMPDIR, {var_files} under var/ after retention "
        f"({scanned} places in all): {sum(map(len, found.values()))} hits"
    )
    for place, hits in found.items():
        print(f"  HIT {place}: {hits}")
    assert found == {}
