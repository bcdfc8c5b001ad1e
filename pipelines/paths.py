"""Where things live by default: everything under the repository's `var/` folder."""

from __future__ import annotations

import os
import shutil
import stat
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
REGISTER_URL_ENV = "TIETOHUOLTO_REGISTER_URL"


def tool_version() -> str:
    try:
        return version("tietohuolto")
    except PackageNotFoundError:
        return "unknown"


def owner_only_folder(root: Path, name: str) -> Path:
    """`root/name` as a real folder, created owner-only (0700, `root` too where missing).
    Raises NotADirectoryError where it already exists as a link or as anything but a
    folder: a path from outside is never followed."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = root.resolve() / name
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            raise NotADirectoryError(folder.name) from None
    return folder


def var_dir() -> Path:
    return Path(os.environ.get("TIETOHUOLTO_VAR", REPO_ROOT / "var"))


def default_register_url() -> str:
    return f"sqlite:///{var_dir() / 'register.sqlite'}"


def register_url() -> str:
    """`TIETOHUOLTO_REGISTER_URL` everywhere (CLI, UI, tests), else the embedded SQLite."""
    return os.environ.get(REGISTER_URL_ENV) or default_register_url()


def snapshots_dir() -> Path:
    return Path(os.environ.get("TIETOHUOLTO_SNAPSHOTS", var_dir() / "snapshots"))


def inbox_dir() -> Path:
    return Path(os.environ.get("TIETOHUOLTO_INBOX", var_dir() / "inbox"))


def outbox_dir() -> Path:
    return Path(os.environ.get("TIETOHUOLTO_OUTBOX", var_dir() / "outbox"))


def subject_requests_dir() -> Path:
    """Where access reports are written (`tietohuolto subject access`, `subject_access_job`)."""
    return var_dir() / "subject-requests"


def ensure_dagster_home() -> Path:
    """`$DAGSTER_HOME` when set, else `var/dagster/`, holding the repo's `dagster.yaml`, so
    that the CLI and the UI share one instance (and one run history)."""
    home = Path(os.environ.get("DAGSTER_HOME") or var_dir() / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    # PostgreSQL instance storage when the production variables are set.
    template = "dagster.postgres.yaml" if os.environ.get("DAGSTER_PG_HOST") else "dagster.yaml"
    source = REPO_ROOT / template
    if source.is_file() and (not config.is_file() or config.read_bytes() != source.read_bytes()):
        shutil.copyfile(source, config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
