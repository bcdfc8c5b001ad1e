"""Row 10 of issue 15's fault harness, hostile names: customer folders and files named
with `../`, absolute-looking names, 255 characters (300 do not fit a file name:
ENAMETOOLONG), an RTL override, `CON.csv`, a leading dash, a newline, and links (to a
file, to a folder, dangling, a linked customer folder) — through the real inbox sensor
and the runs it requests; NUL (no file name can hold one), 300 characters, `../` and
absolute paths in a partition key and a launchpad-style `crm_file` of `refresh_job`.

What must hold: nothing read or written outside the customer's own folders (the whole tmp
tree is snapshotted before and after; every new, changed or removed path lies under that
customer's `inbox/<customer>/` or `outbox/<customer>/`, or is the register's ledger or
the Dagster home), one customer's rows never in another's outbox, and every refused file
has a one-line `.reason.txt` that names no cell value."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance

from pipelines.cli import main
from pipelines.definitions import defs
from pipelines.inbox import is_temporary, rejected_name
from synthetic import GeneratedData
from tests.faults.fault_tools import run_request, two_ticks

RTL = "\u202e"
# (folder, file name, kind of content): folder "acme" is a valid customer.
FILES: list[tuple[str, str, str]] = [
    ("acme", "..%2f..%2fbeta%2ftheir.csv", "good"),
    ("acme", "x..%2f..%2fbeta%2ftheir.csv", "good"),
    ("acme", "..\\..\\beta\\their.csv", "good"),
    ("acme", "C:\\Windows\\export.csv", "good"),
    ("acme", "\u2215etc\u2215passwd.csv", "good"),  # division slashes: absolute-looking
    ("acme", "a" * 251 + ".csv", "good"),  # 255 bytes, the most a file name holds
    ("acme", f"crm{RTL}vsc.exe", "good"),
    ("acme", "CON.csv", "good"),
    ("acme", "-rf.csv", "good"),
    ("acme", "--output=..%2fbeta.csv", "good"),
    ("acme", "crm\nexport.csv", "good"),
    ("acme", "broken\nname.csv", "broken"),
    ("acme", f"broken{RTL}vsc.csv", "broken"),
    ("acme", "-broken.csv", "broken"),
    ("acme", "z" * 251 + ".csv", "broken"),
    # Folders that are not valid customer names: each file refused into its own rejected/.
    ("..beta", "x.csv", "good"),
    ("C:\\beta", "x.csv", "good"),
    ("b" * 255, "x.csv", "good"),
    (f"acme{RTL}ateb", "x.csv", "good"),
    ("CON", "x.csv", "good"),
    ("-acme", "x.csv", "good"),
    ("acme\nbeta", "x.csv", "good"),
]
LINKS = ["link-to-beta.csv", "link-outside.csv", "link-dangling.csv", "link-folder"]
LINKED_FOLDERS = ["gamma", "delta"]  # customer folders that are links: never entered
# Cell values that mark whose rows are whose; none may appear in a reason.
BETA_MARK, OUTSIDE_MARK, CASE_MARK = "BETAONLY", "OUTSIDEONLY", "HOSTILECASE"


def _variant(small_data: GeneratedData, index: int, mark: str, broken: bool) -> bytes:
    """A few rows of the generated CRM file, distinct per case (so no two are the same
    delivery), with `mark` as the first row's customer number; `broken` puts an
    unbalanced quote on the last line."""
    lines = small_data.crm_file.read_bytes().splitlines()
    rows = lines[1 + 4 * index : 5 + 4 * index]
    first = rows[0].split(b";", 1)
    rows[0] = mark.encode() + b";" + first[1]
    if broken:
        rows.append(f'{mark}X;"Zqxwvu;Canaryson;{mark}'.encode())
    return b"\r\n".join([lines[0], *rows]) + b"\r\n"


def _snapshot(*roots: Path) -> dict[str, tuple[Any, ...]]:
    """Every path under the roots (links not followed): kind, size, time, inode, and the
    content hash of regular files."""
    seen: dict[str, tuple[Any, ...]] = {}
    for root in roots:
        for folder, dirs, files in os.walk(root, followlinks=False):
            for name in [*dirs, *files]:
                path = str(Path(folder) / name)
                info = os.lstat(path)
                digest = ""
                if stat.S_ISREG(info.st_mode):
                    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                elif stat.S_ISLNK(info.st_mode):
                    digest = str(Path(path).readlink())
                kind = stat.S_IFMT(info.st_mode)
                seen[path] = (kind, info.st_size, info.st_mtime_ns, info.st_ino, digest)
    return seen


def _changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def _owner(path: str, var: Path) -> str | None:
    """Whose folder a path lies in: `inbox/<c>/…` or `outbox/<c>/…` gives c; the ledger
    (register.sqlite), the Dagster home and the outbox root give "" (shared, by design);
    else None."""
    parts = Path(path).relative_to(var).parts
    if parts[0] in ("inbox", "outbox") and len(parts) >= 2:
        return parts[1]
    if parts[0].startswith("register.sqlite") or parts[0] in ("dagster", "outbox"):
        return ""
    return None


def _failure(result: Any) -> str:
    """The failed step and the last line of its error (`?` when no step failed)."""
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            error = (error.cause or error) if error else None
            message = error.message.strip().splitlines()[-1] if error else "?"
            return f"{event.step_key}: {message[:110]}"
    return "?"


def _one_line_no_cells(reason_file: Path) -> str:
    text = reason_file.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\n" not in text[:-1], repr(text)
    assert len(text) < 600, repr(text)
    for mark in (BETA_MARK, OUTSIDE_MARK, CASE_MARK, "Zqxwvu", "Canaryson"):
        assert mark not in text, repr(text)
    return text.strip()


def test_hostile_names_in_the_inbox_stay_in_their_own_folders(
    faults_env: Path, small_data: GeneratedData
) -> None:
    var = faults_env
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    inbox = var / "inbox"
    beta = inbox / "beta"
    beta.mkdir(parents=True)
    theirs = beta / "their.csv"
    theirs.write_bytes(_variant(small_data, 30, BETA_MARK, broken=False))
    outside = var / "elsewhere"
    outside.mkdir()
    (outside / "secret.csv").write_bytes(_variant(small_data, 31, OUTSIDE_MARK, broken=False))
    for index, (folder, name, kind) in enumerate(FILES):
        (inbox / folder).mkdir(parents=True, exist_ok=True)
        mark = f"{CASE_MARK}{index:02d}"
        (inbox / folder / name).write_bytes(_variant(small_data, index, mark, kind == "broken"))
    acme = inbox / "acme"
    (acme / "link-to-beta.csv").symlink_to(theirs)
    (acme / "link-outside.csv").symlink_to(outside / "secret.csv")
    (acme / "link-dangling.csv").symlink_to(var / "nowhere.csv")
    (acme / "link-folder").symlink_to(beta, target_is_directory=True)
    (inbox / "gamma").symlink_to(beta, target_is_directory=True)
    (inbox / "delta").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OSError):  # 300 characters do not fit a file name
        (acme / ("c" * 296 + ".csv")).write_bytes(b"x")
    with pytest.raises(ValueError):  # nor does NUL
        (acme / "nul\x00.csv").write_bytes(b"x")

    before = _snapshot(var, small_data.snapshot_dir.parent)
    with DagsterInstance.ephemeral() as instance:
        requests, _ = two_ticks(instance)
        ran = {}
        for request in requests:
            crm_file = Path(request.run_config["ops"]["contacts"]["config"]["crm_file"])
            assert request.tags["customer"] == crm_file.parent.name
            assert crm_file.parent.parent == inbox
            result = run_request(instance, request)
            ran[(crm_file.parent.name, crm_file.name)] = result.success
            if not result.success:
                print("FAILED", crm_file.name[:20], _failure(result))
    after = _snapshot(var, small_data.snapshot_dir.parent)

    # 1. Every change lies in the folders of the customer whose entry it was.
    for path in sorted(_changed(before, after)):
        owner = _owner(path, var) if path.startswith(str(var)) else None
        assert owner is not None, f"changed outside every customer's folders: {path!r}"
        if owner:
            assert owner in {folder for folder, _, _ in FILES} | {"beta"}, repr(path)
    assert before[str(theirs)] == after[str(theirs)]
    assert before[str(outside / "secret.csv")] == after[str(outside / "secret.csv")]

    # 2. One customer's rows never in another's outbox; invalid folders get no outbox.
    outbox = var / "outbox"
    assert sorted(p.name for p in outbox.iterdir()) == ["acme", "beta"]
    for delivered_file in (outbox / "acme").rglob("*"):
        if delivered_file.is_file():
            data = delivered_file.read_bytes()
            assert BETA_MARK.encode() not in data and OUTSIDE_MARK.encode() not in data
    for delivered_file in (outbox / "beta").rglob("*"):
        if delivered_file.is_file():
            assert CASE_MARK.encode() not in delivered_file.read_bytes()

    # 3. How each case was answered; every refusal with a one-line reason, no cell value.
    answers: dict[str, str] = {}
    for folder, name, _ in [*FILES, *(("acme", link, "") for link in LINKS)]:
        label = repr(f"{folder}/{name}")[:60]
        reason = inbox / folder / "rejected" / f"{rejected_name(name)}.reason.txt"
        if (folder, name) in ran:
            answers[label] = "delivered" if ran[(folder, name)] else "run refused it"
            if not ran[(folder, name)]:
                answers[label] += ": " + _one_line_no_cells(reason)
        elif is_temporary(name):
            assert (inbox / folder / name).is_file(), label
            answers[label] = "ignored as a temporary name (leading dot), left where it is"
        else:
            answers[label] = "refused on sight: " + _one_line_no_cells(reason)
            assert not (inbox / folder / name).exists(), label
    for link in LINKED_FOLDERS:
        answers[f"inbox/{link} (linked folder)"] = "ignored, never entered"
        assert (inbox / link).is_symlink()
    expected_runs = {("beta", "their.csv")} | {
        ("acme", name) for folder, name, _ in FILES if folder == "acme" and not is_temporary(name)
    }
    assert set(ran) == expected_runs
    for folder, name, kind in FILES:
        if (folder, name) in ran:
            assert ran[(folder, name)] is (kind == "good"), (name, kind)
    assert ran[("beta", "their.csv")]
    delivered = sum(1 for (folder, _), ok in ran.items() if ok and folder == "acme")
    print(f"\nrow 10 inbox: {len(answers)} hostile cases, all inside their own folders:")
    for label, answer in answers.items():
        print(f"  {label}: {answer}")
    print(f"  ({delivered} delivered to outbox/acme, beta's own file delivered to outbox/beta)")


# -- launchpad-style: partition keys and crm_file -------------------------------------------

KEYS = [
    "acme/../beta/x",
    "acme/../../../x",
    "/etc/x",
    "acme//etc/x",
    "acme/x\x00y",
    "acme/" + "k" * 300,
    f"acme/crm{RTL}vsc",
    "acme/-rf",
    "acme/x\ny",
    "../acme/x",
    "CON/x",
]


def _crm_files(var: Path) -> list[str]:
    acme = var / "inbox" / "acme" / "manual"
    return [
        f"{acme}/x.csv\x00/../../beta/their.csv",
        str(acme / ".." / ".." / "beta" / "their.csv"),
        "../beta/their.csv",
        str(var / "elsewhere" / "secret.csv"),
        "/etc/passwd",
        str(acme / ("c" * 300 + ".csv")),
        str(acme / "link.csv"),
    ]


def test_hostile_partition_keys_and_crm_files_from_the_launchpad(
    faults_env: Path, small_data: GeneratedData
) -> None:
    var = faults_env
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    manual = var / "inbox" / "acme" / "manual"
    manual.mkdir(parents=True)
    good = manual / "export.csv"
    good.write_bytes(_variant(small_data, 0, CASE_MARK, broken=False))
    beta = var / "inbox" / "beta"
    beta.mkdir(parents=True)
    (beta / "their.csv").write_bytes(_variant(small_data, 30, BETA_MARK, broken=False))
    (var / "elsewhere").mkdir()
    (var / "elsewhere" / "secret.csv").write_bytes(_variant(small_data, 31, OUTSIDE_MARK, False))
    (manual / "link.csv").symlink_to(beta / "their.csv")
    job = defs.resolve_job_def("refresh_job")
    before = _snapshot(var, small_data.snapshot_dir.parent)
    answers: dict[str, str] = {}
    with DagsterInstance.ephemeral() as instance:
        cases = [(key, str(good)) for key in KEYS]
        cases += [(f"acme/manual-{i}", crm) for i, crm in enumerate(_crm_files(var))]
        for key, crm_file in cases:
            label = repr(key)[:40] + " " + repr(crm_file.replace(str(var), "$VAR"))[-50:]
            try:
                instance.add_dynamic_partitions("deliveries", [key])
                result = job.execute_in_process(
                    run_config={"ops": {"contacts": {"config": {"crm_file": crm_file}}}},
                    instance=instance,
                    partition_key=key,
                    raise_on_error=False,
                )
            except Exception as exc:
                answers[label] = f"refused before the run ({type(exc).__name__})"
                continue
            assert not result.success, label
            answers[label] = f"run failed: {_failure(result)}"
    after = _snapshot(var, small_data.snapshot_dir.parent)
    for path in sorted(_changed(before, after)):
        owner = _owner(path, var) if path.startswith(str(var)) else None
        assert owner in ("", "acme"), f"changed outside acme's folders: {path!r}"
    assert not (var / "outbox").exists() or not any((var / "outbox").rglob("*.csv"))
    print(f"\nrow 10 launchpad: {len(answers)} hostile keys/files, {len(answers)} refused:")
    for label, answer in answers.items():
        print(f"  {label}: {answer}")
