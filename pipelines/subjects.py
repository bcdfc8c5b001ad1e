"""`tietohuolto subject …` and `tietohuolto register diff`: data-subject requests and
snapshot comparison from the command line (no Dagster).

Each `cmd_*` takes the parsed `argparse.Namespace` and returns the exit status: 0 done,
1 refused (one line on stderr saying why). `pipelines.cli` wires the parsers in with
`add_subject_parsers(sub)` and `add_register_diff_parser(reg_sub)`.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from pipelines.paths import register_url, var_dir

EXIT_OK, EXIT_FAILED = 0, 1


def _say(message: str) -> None:
    print(message, flush=True)


def _refuse(message: str) -> int:
    print(f"tietohuolto: {message}", file=sys.stderr, flush=True)
    return EXIT_FAILED


def _store() -> Any:
    """The register store, or None where the embedded SQLite file does not exist yet (a
    request against no register is refused rather than creating an empty one)."""
    from register import RegisterStore  # noqa: PLC0415 - keep `--help` fast

    url = register_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return None
    return RegisterStore.from_url(url)


_NO_REGISTER = "no register store yet: run `tietohuolto register load SNAPSHOT_DIR` first"


# -- subject access ---------------------------------------------------------------------------


def cmd_subject_access(args: argparse.Namespace) -> int:
    from register import (  # noqa: PLC0415
        SubjectRequestError,
        access_report,
        find_persons,
        write_access_report,
    )

    store = _store()
    if store is None:
        return _refuse(_NO_REGISTER)
    try:
        found = find_persons(
            store, person_id=args.person_id, email=args.email, name=args.name, org=args.org
        )
        if not found:
            return _refuse("no person in the register matches; nothing to report")
        if len(found) > 1:
            _say(f"{len(found)} persons match; rerun with --person-id for the right one:")
            for candidate in found:
                _say(f"  {candidate.describe()}")
            return _refuse(f"ambiguous look-up: {len(found)} persons match")
        report = access_report(store, found[0].person_id, args.by)
    except SubjectRequestError as exc:
        return _refuse(f"access request refused: {exc}")
    out = Path(args.out) if args.out else var_dir() / "subject-requests" / report["request_id"]
    try:
        paths = write_access_report(report, out)
    except OSError as exc:
        return _refuse(f"cannot write the access report to {out}: {exc.strerror or exc}")
    _say(
        f"access report for {report['person']['person_id']} (request {report['request_id']}): "
        f"{len(report['positions'])} positions, {len(report['prohibitions'])} prohibitions, "
        f"{len(report['disclosures'])} disclosures"
    )
    for path in paths:
        _say(f"  {path}")
    return EXIT_OK


def cmd_subject_find(args: argparse.Namespace) -> int:
    """List the register persons an e-mail or a name (narrowed by --org) finds, with their
    ids: the ids are what the subject_*_jobs take, so that no name or e-mail ever goes into
    Dagster's run config."""
    from register import SubjectRequestError, find_persons  # noqa: PLC0415

    store = _store()
    if store is None:
        return _refuse(_NO_REGISTER)
    try:
        found = find_persons(store, email=args.email, name=args.name, org=args.org)
    except SubjectRequestError as exc:
        return _refuse(f"look-up refused: {exc}")
    if not found:
        return _refuse("no person in the register matches")
    _say(f"{len(found)} person(s) match; give the job the person id (first column):")
    for candidate in found:
        _say(f"  {candidate.describe()}")
    return EXIT_OK


def cmd_subject_stage_value(args: argparse.Namespace) -> int:
    """Write a corrected value into an owner-only request file for `subject_rectify_job`
    (its `value_file`), which reads and deletes it: the value never enters run config."""
    value = sys.stdin.read() if args.value == "-" else args.value
    folder = var_dir() / "subject-requests"
    try:
        _private_folder(folder)
        path = folder / f"value-{uuid.uuid4().hex}.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(value)
    except OSError as exc:
        return _refuse(f"cannot write the request file in {folder}: {exc.strerror or exc}")
    _say(str(path))
    return EXIT_OK


def _private_folder(folder: Path) -> None:
    missing = []
    at = folder
    while not at.exists() and at != at.parent:
        missing.append(at)
        at = at.parent
    for created in reversed(missing):
        created.mkdir(mode=0o700, exist_ok=True)


# -- rectify / erase / prohibit ---------------------------------------------------------------


def cmd_subject_rectify(args: argparse.Namespace) -> int:
    from register import SubjectRequestError, rectify  # noqa: PLC0415

    store = _store()
    if store is None:
        return _refuse(_NO_REGISTER)
    kind, subject = ("person", args.person_id) if args.person_id else ("organization", args.org_id)
    try:
        result = rectify(store, kind, subject, args.field, args.value, args.by)
    except SubjectRequestError as exc:
        return _refuse(f"rectification refused: {exc}")
    if result.note:
        _say(
            f"{kind} {subject}: {args.field} unchanged ({result.note}; request {result.request_id})"
        )
    else:
        _say(
            f"{kind} {subject}: {args.field} rectified in {result.changed['rows']} row(s); "
            f"kept over later snapshots until the source agrees (request {result.request_id})"
        )
    return EXIT_OK


def cmd_subject_erase(args: argparse.Namespace) -> int:
    from register import SubjectRequestError, erase  # noqa: PLC0415

    store = _store()
    if store is None:
        return _refuse(_NO_REGISTER)
    try:
        result = erase(store, args.person_id, args.by)
    except SubjectRequestError as exc:
        return _refuse(f"erasure refused: {exc}")
    counts = ", ".join(f"{name} {count}" for name, count in result.changed.items())
    _say(
        f"person {args.person_id} erased (request {result.request_id}): {counts}; later "
        "snapshot loads skip them"
    )
    return EXIT_OK


def cmd_subject_prohibit(args: argparse.Namespace) -> int:
    from register import SubjectRequestError, add_prohibition  # noqa: PLC0415

    store = _store()
    if store is None:
        return _refuse(_NO_REGISTER)
    try:
        result = add_prohibition(store, args.person_id, args.kind, args.by)
    except SubjectRequestError as exc:
        return _refuse(f"prohibition refused: {exc}")
    state = "was already in force" if result.note else "is in force from now on"
    _say(f"{args.kind} prohibition of {args.person_id} {state} (request {result.request_id})")
    return EXIT_OK


# -- register diff -----------------------------------------------------------------------------


def cmd_register_diff(args: argparse.Namespace) -> int:
    from register import SnapshotError, diff_snapshots, format_diff, read_snapshot  # noqa: PLC0415

    try:
        first = read_snapshot(args.old_dir)
        second = read_snapshot(args.new_dir) if args.new_dir else None
    except SnapshotError as exc:
        return _refuse(f"snapshot unreadable: {exc}")
    store = _store()
    try:
        if second is None:
            if store is None:
                return _refuse(_NO_REGISTER)
            diff = diff_snapshots(store, first)
        else:
            diff = diff_snapshots(first, second, store=store)
    except SnapshotError as exc:  # the tombstone salt check
        return _refuse(str(exc))
    _say(format_diff(diff, details=args.details))
    return EXIT_OK


# -- parsers ----------------------------------------------------------------------------------


def _by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--by", required=True, metavar="OPERATOR", help="who handles the request (audited)"
    )


def add_subject_parsers(subparsers: Any) -> argparse.ArgumentParser:
    """`subject access|rectify|erase|prohibit` under the top-level subparsers."""
    from register.history import (  # noqa: PLC0415
        ORGANIZATION_RECTIFIABLE_FIELDS,
        PERSON_RECTIFIABLE_FIELDS,
    )
    from register.snapshot import PROHIBITION_KINDS  # noqa: PLC0415

    subject = subparsers.add_parser(
        "subject",
        help="data-subject requests: access, rectification, erasure, prohibition",
        description="Handle a registered person's request. Every request is audited (ids, "
        "kinds and field names only). A refused request changes nothing.",
    )
    actions = subject.add_subparsers(dest="subject_command", required=True, metavar="REQUEST")

    access = actions.add_parser(
        "access",
        help="write what the register holds on a person (JSON and HTML)",
        description="Find the person by register id, work e-mail or full name (narrowed by "
        "--org), and write access-<person_id>.json and .html: positions (ended ones too), "
        "prohibitions, corrections and the customers their data was disclosed to. Several "
        "matching persons are listed, not guessed between.",
    )
    who = access.add_mutually_exclusive_group(required=True)
    who.add_argument("--person-id", metavar="ID")
    who.add_argument("--email", metavar="E")
    who.add_argument("--name", metavar='"FIRST LAST"')
    access.add_argument(
        "--org", metavar="NAME_OR_BUSINESS_ID", help="narrow an e-mail or name look-up"
    )
    access.add_argument(
        "--out", metavar="DIR", help="folder for the report (default var/subject-requests/<id>)"
    )
    _by(access)
    access.set_defaults(func=cmd_subject_access)

    find = actions.add_parser(
        "find",
        help="list the persons an e-mail or a name finds, with their register ids",
        description="The subject_*_jobs take register ids only (run config is kept for "
        "ever and shown in the UI): find the id here, by work e-mail or full name.",
    )
    key = find.add_mutually_exclusive_group(required=True)
    key.add_argument("--email", metavar="E")
    key.add_argument("--name", metavar='"FIRST LAST"')
    find.add_argument("--org", metavar="NAME_OR_BUSINESS_ID", help="narrow the look-up")
    find.set_defaults(func=cmd_subject_find)

    stage = actions.add_parser(
        "stage-value",
        help="put a corrected value into a request file for subject_rectify_job",
        description="Writes the value into an owner-only file in var/subject-requests/ and "
        "prints its path, for subject_rectify_job's value_file (the run reads and deletes "
        "it). `--value -` reads it from standard input.",
    )
    stage.add_argument("--value", required=True, metavar="V")
    stage.set_defaults(func=cmd_subject_stage_value)

    rect = actions.add_parser(
        "rectify",
        help="correct a register value, kept over later snapshots until the source agrees",
        description="Person fields: "
        f"{', '.join(PERSON_RECTIFIABLE_FIELDS)} (names in every position, the rest in "
        "positions held now). Organisation fields: "
        f"{', '.join(ORGANIZATION_RECTIFIABLE_FIELDS)}. An empty --value means unknown.",
    )
    target = rect.add_mutually_exclusive_group(required=True)
    target.add_argument("--person-id", metavar="ID")
    target.add_argument("--org-id", metavar="ID")
    rect.add_argument("--field", required=True, metavar="F")
    rect.add_argument("--value", required=True, metavar="V")
    _by(rect)
    rect.set_defaults(func=cmd_subject_rectify)

    erase = actions.add_parser(
        "erase",
        help="erase a person from the register for good (a tombstone keeps them out)",
        description="Remove all positions, prohibitions and corrections of the person; later "
        "snapshot loads skip them; the disclosure ledger keeps only an anonymous marker.",
    )
    erase.add_argument("--person-id", required=True, metavar="ID")
    _by(erase)
    erase.set_defaults(func=cmd_subject_erase)

    prohibit = actions.add_parser(
        "prohibit",
        help="record a prohibition the person notified to us (in force at once)",
        description="The prohibition holds from now on, whatever later snapshots carry.",
    )
    prohibit.add_argument("--person-id", required=True, metavar="ID")
    prohibit.add_argument("--kind", required=True, choices=sorted(PROHIBITION_KINDS))
    _by(prohibit)
    prohibit.set_defaults(func=cmd_subject_prohibit)
    return subject


def add_register_diff_parser(register_subparsers: Any) -> argparse.ArgumentParser:
    """`register diff OLD_DIR [NEW_DIR] [--details]` under `register`'s subparsers."""
    diff = register_subparsers.add_parser(
        "diff",
        help="what changed between two snapshots (or what loading one would change)",
        description="Count organisations added, ended and merged, positions started and "
        "ended, prohibitions added and removed from OLD_DIR to NEW_DIR. With only one "
        "folder, the current register store is the old side and the folder the new one: "
        "what loading it would change. Ids only, never names.",
    )
    diff.add_argument("old_dir", metavar="OLD_DIR")
    diff.add_argument("new_dir", metavar="NEW_DIR", nargs="?")
    diff.add_argument("--details", action="store_true", help="list the ids under each count")
    diff.set_defaults(func=cmd_register_diff)
    return diff


__all__ = [
    "add_register_diff_parser",
    "add_subject_parsers",
    "cmd_register_diff",
    "cmd_subject_access",
    "cmd_subject_erase",
    "cmd_subject_find",
    "cmd_subject_prohibit",
    "cmd_subject_rectify",
    "cmd_subject_stage_value",
]
