"""The package stays pure: no Dagster, no database, no other project package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "dagster",
    "sqlalchemy",
    "psycopg",
    "assets",
    "matching",
    "pipelines",
    "quality",
    "refresh",
    "register",
    "synthetic",
}


def test_import_crmfile_pulls_in_nothing_forbidden() -> None:
    code = (
        "import sys, crmfile\n"
        "print(crmfile.__file__)\n"
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    location, modules = result.stdout.splitlines()
    assert Path(location) == ROOT / "crmfile" / "__init__.py"
    assert not FORBIDDEN & set(modules.split())


def test_public_face() -> None:
    import crmfile

    assert sorted(crmfile.__all__) == sorted(
        [
            "CANONICAL_COLUMNS",
            "CrmFile",
            "CrmFileError",
            "PackedRows",
            "FileFormat",
            "PROBLEM_COLUMN",
            "REPAIRS_COLUMN",
            "load_mapping_file",
            "map_headers",
            "neutralise_cell",
            "read_crm_file",
            "read_suppression_list",
            "write_crm_file",
            "written_cell",
        ]
    )


def test_openpyxl_parses_with_defusedxml() -> None:
    # Without defusedxml openpyxl parses workbooks with no guard against entity bombs.
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True
