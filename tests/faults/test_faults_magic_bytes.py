"""Row 9 of issue 15's fault harness: files that are not CRM exports, whatever their name
says. Each is refused with one line naming the file and the problem, no traceback and no
cell content — by `read_crm_file`, and on the real path (the inbox sensor refuses on
sight what its first bytes give away; the run refuses the rest and moves it aside).

Decided: a CSV named .xlsx is refused ("not a valid .xlsx workbook (not a zip archive)"):
the name promises a workbook, and the delivery keeps the input's kind of file, so reading
it as text would send back a CSV under an .xlsx name. An xlsx named .csv is refused too
("cannot read the workbook (InvalidFileException); save it again as .xlsx"): its zip
bytes make it a workbook, and openpyxl reads workbooks only by their own suffix."""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from pathlib import Path

import pytest
from dagster import DagsterInstance

from crmfile import CrmFileError, read_crm_file
from tests.crmfile.test_crmfile_hostile import _small_workbook
from tests.faults.fault_tools import run_request, two_ticks

CSV = "Etunimi;Sukunimi;Sähköposti\r\nAino;Hämäläinen;aino@example.fi\r\n"


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    _small_workbook().save(buffer)
    return buffer.getvalue()


def _zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


_RANDOM = random.Random(15)
WRONG: dict[str, bytes] = {
    "scan.pdf": b"%PDF-1.7\n1 0 obj<<>>endobj\n" + bytes(200),
    "scan.csv": b"%PDF-1.4\n" + b"x" * 300,
    "logo.png": b"\x89PNG\r\n\x1a\n" + bytes(300),
    "photo.csv": b"\xff\xd8\xff\xe0" + bytes(300),
    "anim.xlsx": b"GIF89a" + bytes(300),
    "tool.csv": b"\x7fELF\x02\x01\x01" + bytes(300),
    "random.csv": _RANDOM.randbytes(4096),
    "random.xlsx": _RANDOM.randbytes(4096),
    "empty.csv": b"",
    "empty.xlsx": b"",
    "one-byte.csv": b"A",
    "one-newline.csv": b"\n",
    "export.csv.gz": gzip.compress(CSV.encode()),
    "export.csv": gzip.compress(CSV.encode()),
    "archive.xlsx": _zip_of("crm.csv", CSV.encode()),
    "archive.csv": _zip_of("readme.txt", b"hello"),
    "utf16.csv": CSV.encode("utf-16-le"),
    "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
    "old-renamed.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
    "header-only.csv": b"Etunimi;Sukunimi;S\xc3\xa4hk\xc3\xb6posti\r\n",
    "truncated.xlsx": _xlsx_bytes()[:700],
    "csv-named.xlsx": CSV.encode("utf-8"),
    "xlsx-named.csv": _xlsx_bytes(),
    "macho.csv": b"\xcf\xfa\xed\xfe" + bytes(300),
    "exe.csv": b"MZ\x90\x00" + bytes(300),
}
_PERSONAL = ("Aino", "Hämäläinen", "aino@example.fi", "hello")


def _write(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


def _clear(message: str, name: str) -> None:
    assert message.startswith(name), (name, message)
    assert "\n" not in message.strip() and "Traceback" not in message, (name, message)
    assert len(message) < 600, (name, message)
    assert not any(value in message for value in _PERSONAL), (name, message)


def test_read_crm_file_refuses_every_wrong_type(tmp_path: Path) -> None:
    _write(tmp_path, WRONG)
    refused = {}
    for name in WRONG:
        with pytest.raises(CrmFileError) as caught:
            read_crm_file(tmp_path / name)
        _clear(str(caught.value), name)
        refused[name] = str(caught.value).partition(": ")[2]
    assert len(refused) >= 20
    print(f"row 9 read_crm_file: {len(refused)}/{len(WRONG)} refused clearly")


def test_every_wrong_type_is_refused_on_the_inbox_path(faults_env: Path) -> None:
    """Dropped in inbox/acme/: refused by the sensor on sight, or by its run; either way
    the file lies in rejected/ with a one-line reason, and no delivery is made."""
    acme = faults_env / "inbox" / "acme"
    _write(acme, WRONG)
    with DagsterInstance.ephemeral() as instance:
        requests, _ = two_ticks(instance)
        on_sight = len(WRONG) - len(requests)
        for request in requests:
            assert not run_request(instance, request).success
    for name in WRONG:
        assert not (acme / name).exists(), name
        assert (acme / "rejected" / name).is_file(), name
        reason = (acme / "rejected" / f"{name}.reason.txt").read_text(encoding="utf-8")
        _clear(reason, name)
    assert not list((faults_env / "outbox").glob("acme/*"))
    print(
        f"row 9 inbox: {len(WRONG)}/{len(WRONG)} refused ({on_sight} by the sensor on sight, "
        f"{len(requests)} by their runs), 0 delivered"
    )
