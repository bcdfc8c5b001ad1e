"""The inbox, handled without trusting what customers put in it.

Customers' upload channels (SFTP among them) let them create links, odd names and other
kinds of files. Nothing here follows a symbolic link: customer folders and files are
looked at with `lstat`, files are opened with `O_NOFOLLOW`, and a file a run reads must be
a regular file whose real path is inside `inbox/<customer>/` of the delivery's customer.
Refusals name the file and the problem, never a cell value.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipelines.paths import inbox_dir

REJECTED = "rejected"
# Where `tietohuolto refresh` puts the copy of an operator's file it runs, and where an
# operator puts a file to launch by hand: subfolders, which the sensor does not watch.
OPERATOR = "operator"
MANUAL = "manual"
RESERVED = frozenset({REJECTED, OPERATOR, MANUAL})
# Names editors and transfer tools give files they are still writing.
_TEMPORARY_PREFIXES = (".", "~$", "~")
_TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".filepart", ".swp")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# The private folder (in $TMPDIR) holding a run's link to its open input, named with the
# process's id so that a folder left by a killed run can be told from a live run's.
INPUT_FOLDER_PREFIX = "tietohuolto-input-"
# A folder named without a process id (written before it was part of the name) is swept
# once it is older than the longest run (run monitoring's cap in dagster.yaml).
_UNNAMED_INPUT_FOLDER_SECONDS = 6 * 3600
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class InboxFileError(Exception):
    """A file a run may not read (a link, outside the customer's inbox folder, not a
    regular file). The message names the file, never its contents."""


@dataclass(frozen=True)
class InboxEntry:
    """One entry of `inbox/<customer>/` as seen by `lstat` (a link is not followed)."""

    customer: str
    path: Path
    stat: os.stat_result

    @property
    def is_link(self) -> bool:
        return stat.S_ISLNK(self.stat.st_mode)

    @property
    def is_regular(self) -> bool:
        return stat.S_ISREG(self.stat.st_mode)


def is_temporary(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered.startswith(_TEMPORARY_PREFIXES)
        or lowered.endswith(_TEMPORARY_SUFFIXES)
        or lowered.endswith(".reason.txt")
    )


def customer_folders(inbox: Path) -> Iterator[tuple[str, Path, bool]]:
    """(name, folder, is_link) of every directory entry of the inbox that is a folder or
    a link; a linked folder is reported, never entered."""
    try:
        entries = sorted(os.scandir(inbox), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.is_symlink():
            yield entry.name, Path(entry.path), True
        elif entry.is_dir(follow_symlinks=False):
            yield entry.name, Path(entry.path), False


def inbox_entries(inbox: Path) -> Iterator[InboxEntry]:
    """Files (and links, FIFOs, ...) directly in each real `inbox/<customer>/` folder;
    temporary names, `.reason.txt` and subfolders left out."""
    for customer, folder, is_link in customer_folders(inbox):
        if is_link:
            continue
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if is_temporary(entry.name) or entry.name in RESERVED:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                continue
            yield InboxEntry(customer, Path(entry.path), info)


def _private_write(path: Path, text: str) -> None:
    """Create (or replace) `path` owner-only, never writing through a link there."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_symlink():
            path.unlink()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def rejected_dir(customer_folder: Path) -> Path:
    """`inbox/<customer>/rejected/`, created owner-only; a link under that name is removed
    (it is the link that goes, not what it points to) rather than written through."""
    target = customer_folder / REJECTED
    if target.is_symlink():
        target.unlink()
    try:
        target.mkdir(mode=0o700)
    except FileExistsError:
        if not stat.S_ISDIR(os.lstat(target).st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "rejected is not a folder") from None
    return target


_REASON = ".reason.txt"
_MAX_NAME_BYTES = 255  # what one file name holds (ext4, xfs, tmpfs)


def rejected_name(name: str) -> str:
    """The name a refused file gets in `rejected/`: its own, its stem shortened where the
    `.reason.txt` beside it would not fit in one file name."""
    stem, suffix = Path(name).stem, Path(name).suffix
    while stem and len((stem + suffix + _REASON).encode("utf-8", "surrogateescape")) > (
        _MAX_NAME_BYTES
    ):
        stem = stem[:-1]
    return stem + suffix


def move_aside(path: Path, reason: str, customer_folder: Path | None = None) -> Path:
    """Move a refused file (or link: the link itself, never its target) to the customer's
    `rejected/` beside a `.reason.txt`, so it is not retried and retention finds it."""
    target_dir = rejected_dir(customer_folder or path.parent)
    target = target_dir / rejected_name(path.name)
    path.replace(target)  # a link is renamed itself, never followed
    # Retention counts a rejected file's age from when it was refused.
    with contextlib.suppress(OSError):
        os.utime(target, follow_symlinks=False)
    _private_write(target.with_name(target.name + ".reason.txt"), reason + "\n")
    return target


def open_nofollow(path: Path) -> int:
    """A read-only descriptor of `path`, refusing a link (ELOOP) and never blocking on a
    FIFO; the caller checks with `fstat` what it got."""
    return os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)


def sha256_nofollow(path: Path) -> str:
    """SHA-256 of a regular file, without following a link at `path`."""
    descriptor = open_nofollow(path)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise InboxFileError(f"{path.name}: not a regular file")
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_fd(descriptor: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while block := os.pread(descriptor, 1 << 20, offset):
        digest.update(block)
        offset += len(block)
    return digest.hexdigest()


def customer_folder(customer: str, inbox: Path | None = None) -> Path:
    """The real `inbox/<customer>/` (the inbox root may be a link an operator set up; the
    customer's folder may not be one)."""
    folder = (inbox or inbox_dir()).resolve() / customer
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        raise InboxFileError(f"the inbox has no folder for customer {customer}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise InboxFileError(f"inbox folder of customer {customer} is a link or not a folder")
    return folder


def _inside(path: str | Path, folder: Path) -> bool:
    try:
        Path(path).relative_to(folder)
    except ValueError:
        return False
    return True


def _fd_path(descriptor: int) -> Path | None:
    """Where an open descriptor can be re-opened without a race (Linux's /proc)."""
    proc = Path(f"/proc/self/fd/{descriptor}")
    return proc if proc.exists() else None


@dataclass(frozen=True)
class CustomerInput:
    """A customer file opened for a run: `readable` reaches exactly the opened file."""

    path: Path  # where it lies in the inbox
    readable: Path  # what to hand to the reader: the same name, bound to the open file
    sha256: str
    size: int
    folder: Path  # the customer's inbox folder


@contextlib.contextmanager
def open_customer_file(crm_file: str, customer: str) -> Iterator[CustomerInput]:
    """Open a run's input: a regular file (not a link, one hard link) whose real path is
    inside the partition customer's `inbox/<customer>/`. Yields a path bound to the opened
    file (a private link to `/proc/self/fd/N` under the file's own name), so that nothing
    swapped in between the check and the read is ever read."""
    folder = customer_folder(customer)
    path = Path(crm_file)
    if not path.is_absolute():
        path = Path.cwd() / path
    name = path.name
    try:
        info = os.lstat(path)
    except OSError:
        raise InboxFileError(f"{name}: no such file in the inbox") from None
    if stat.S_ISLNK(info.st_mode):
        raise InboxFileError(f"{name}: is a symbolic link; links are never followed")
    if not stat.S_ISREG(info.st_mode):
        raise InboxFileError(f"{name}: not a regular file")
    if not _inside(os.path.realpath(path), folder):
        raise InboxFileError(
            f"{name}: not in the inbox folder of customer {customer}; a delivery reads only "
            "its own customer's files"
        )
    try:
        descriptor = open_nofollow(path)
    except OSError:
        raise InboxFileError(f"{name}: cannot be opened (a link, or not readable)") from None
    try:
        opened = os.fstat(descriptor)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise InboxFileError(f"{name}: changed while it was being opened")
        if opened.st_nlink != 1:
            raise InboxFileError(f"{name}: has other hard links; upload the file itself")
        bound = _fd_path(descriptor)
        if bound is not None and not _inside(os.path.realpath(bound), folder):
            raise InboxFileError(f"{name}: not in the inbox folder of customer {customer}")
        digest = sha256_fd(descriptor)
        sweep_input_folders()
        with tempfile.TemporaryDirectory(prefix=f"{INPUT_FOLDER_PREFIX}{os.getpid()}-") as private:
            if bound is not None:
                readable = Path(private) / name
                readable.symlink_to(bound)
            else:  # no /proc: read by name and make sure it is still the same file after
                readable = path
            yield CustomerInput(path, readable, digest, opened.st_size, folder)
            if bound is None:
                after = os.lstat(path)
                if (after.st_dev, after.st_ino) != (opened.st_dev, opened.st_ino):
                    raise InboxFileError(f"{name}: changed while it was being read")
    finally:
        os.close(descriptor)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def sweep_input_folders(tmp: Path | None = None, now: float | None = None) -> int:
    """Remove the private input folders of runs that were killed (SIGKILL, OOM): each holds
    only a link to `/proc/self/fd/N`, which points nowhere once its process is gone — or,
    read by another process, at that process's own descriptor N. A folder is removed when
    the process named in it is gone (or, named without one, after the longest run); only
    this user's folders, never through a link. Returns how many were removed."""
    root = tmp if tmp is not None else Path(tempfile.gettempdir())
    moment = time.time() if now is None else now
    removed = 0
    try:
        entries = list(os.scandir(root))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(INPUT_FOLDER_PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        named = entry.name[len(INPUT_FOLDER_PREFIX) :].split("-", 1)[0]
        if named.isdigit() and "-" in entry.name[len(INPUT_FOLDER_PREFIX) :]:
            if _process_alive(int(named)):
                continue
        elif moment - info.st_mtime < _UNNAMED_INPUT_FOLDER_SECONDS:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed += not os.path.lexists(entry.path)
    return removed


def age_seconds(info: os.stat_result, now: float | None = None) -> float:
    """How long ago a file arrived or last changed: the later of its modification and
    inode-change times (an upload tool may keep an old modification time; it cannot set
    the inode-change time)."""
    return (now if now is not None else time.time()) - max(info.st_mtime, info.st_ctime)
