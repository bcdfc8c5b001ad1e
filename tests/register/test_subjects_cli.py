"""`tietohuolto subject …` and `register diff` as an operator runs them (pipelines/subjects.py),
wired into a parser the way pipelines/cli.py wires them."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from snapshot_factory import T1, SnapshotWriter, ban, org, person

from pipelines.subjects import add_register_diff_parser, add_subject_parsers
from register import RegisterStore, Snapshot


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tietohuolto")
    sub = parser.add_subparsers(dest="command", required=True)
    add_subject_parsers(sub)
    reg = sub.add_parser("register")
    add_register_diff_parser(reg.add_subparsers(dest="register_command", required=True))
    return parser


def run(*argv: str) -> int:
    args = _parser().parse_args(list(argv))
    return int(args.func(args))


ORGS = [org("O1", 0, "Alfa Oy"), org("O2", 1, "Beeta Oy")]
PEOPLE = [
    person("P1", "O1", "Anna", "Aalto"),
    person("P2", "O1", "Matti", "Meikäläinen"),
    person("P3", "O2", "Matti", "Meikäläinen"),
]


@pytest.fixture
def snapshot(make_snapshot: SnapshotWriter) -> Snapshot:
    return make_snapshot("s1", ORGS, PEOPLE, [ban("P2", "direct_marketing")])


@pytest.fixture
def env(
    register_url: str,
    store: RegisterStore,
    snapshot: Snapshot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", register_url)
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path / "var"))
    store.load(snapshot, at=T1)
    return tmp_path


def test_access_lists_namesakes_then_writes_the_report(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("subject", "access", "--name", "Matti Meikäläinen", "--by", "op") == 1
    out, err = capsys.readouterr()
    assert "P2" in out and "P3" in out
    assert err.strip() == "tietohuolto: ambiguous look-up: 2 persons match"

    folder = env / "reports"
    argv = ["subject", "access", "--name", "Matti Meikäläinen", "--org", "Beeta Oy"]
    assert run(*argv, "--out", str(folder), "--by", "op") == 0
    out, _ = capsys.readouterr()
    assert str(folder / "access-P3.json") in out and str(folder / "access-P3.html") in out
    assert (
        json.loads((folder / "access-P3.json").read_text(encoding="utf-8"))["person"]["person_id"]
        == "P3"
    )

    assert run("subject", "access", "--person-id", "P1", "--by", "op") == 0
    out, _ = capsys.readouterr()
    assert list((env / "var" / "subject-requests").glob("*/access-P1.html"))


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["subject", "access", "--email", "not-an-address", "--by", "op"], "malformed"),
        (["subject", "access", "--person-id", "P404", "--by", "op"], "no person with id P404"),
        (["subject", "access", "--email", "nobody@o1.example", "--by", "op"], "no person"),
        (
            ["subject", "rectify", "--person-id", "P1", "--field", "valid_to", "--value", "x"],
            "cannot be rectified",
        ),
        (["subject", "erase", "--person-id", "P404"], "no person with id P404"),
    ],
)
def test_refusals_are_one_line_on_stderr(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    if "--by" not in argv:
        argv = [*argv, "--by", "op"]
    assert run(*argv) == 1
    _, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1
    assert says in err


def test_rectify_prohibit_erase(
    env: Path, store: RegisterStore, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["subject", "rectify", "--person-id", "P1", "--field", "title", "--value", "CFO"]
    assert run(*argv, "--by", "op") == 0
    assert "rectified in 1 row(s)" in capsys.readouterr().out
    org_argv = ["subject", "rectify", "--org-id", "O1", "--field", "www", "--value", "alfa.fi"]
    assert run(*org_argv, "--by", "op") == 0
    assert (
        run("subject", "prohibit", "--person-id", "P1", "--kind", "disclosure", "--by", "op") == 0
    )
    assert "in force from now on" in capsys.readouterr().out
    assert list(store.prohibitions_for(["P1"])["kind"]) == ["disclosure"]
    assert run("subject", "erase", "--person-id", "P1", "--by", "dpo") == 0
    assert "erased" in capsys.readouterr().out
    assert run("subject", "erase", "--person-id", "P1", "--by", "dpo") == 1
    assert "already been erased" in capsys.readouterr().err


def test_register_diff_between_folders_and_against_the_store(
    env: Path, snapshot: Snapshot, make_snapshot: SnapshotWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    newer = make_snapshot("s2", [*ORGS, org("O3", 2, "Gamma Oy")], PEOPLE[:2])
    assert run("register", "diff", str(snapshot.source), str(newer.source), "--details") == 0
    out = capsys.readouterr().out
    assert "organisations added" in out and "      O3" in out
    assert "      P3|O2|2020-01-01" in out
    assert run("register", "diff", str(newer.source)) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"register diff: store {snapshot.snapshot_id} -> {newer.snapshot_id}")
    assert "O3" not in out
    assert run("register", "diff", str(env / "missing")) == 1
    assert "snapshot unreadable" in capsys.readouterr().err


def test_no_store_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{tmp_path / 'none.sqlite'}")
    assert run("subject", "erase", "--person-id", "P1", "--by", "op") == 1
    assert "register load" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists()


def test_cli_module_leaves_dagster_out() -> None:
    code = "import sys, pipelines.subjects; sys.exit('dagster' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
