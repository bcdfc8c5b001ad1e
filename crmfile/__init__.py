"""Reading and writing customers' CRM files: encodings, dialects, header mapping, safe cells.

Pure Python and pandas: no Dagster, no database. ``read_crm_file`` keeps a file's raw cells
and layout (``FileFormat``) beside the contacts in canonical columns (Excel damage repaired
there, noted in ``repairs``; unusable rows described in ``problem``) and a mapping report;
``load_mapping_file`` reads a customer's own column mapping; ``write_crm_file`` writes the
refreshed file back in the same layout, safe to open (``written_cell``: how each cell
is written per format).
"""

from crmfile.cells import neutralise_cell, written_cell
from crmfile.headers import map_headers
from crmfile.mapping_file import load_mapping_file
from crmfile.packed import PackedRows
from crmfile.read import read_crm_file
from crmfile.suppression import read_suppression_list
from crmfile.types import (
    CANONICAL_COLUMNS,
    PROBLEM_COLUMN,
    REPAIRS_COLUMN,
    CrmFile,
    CrmFileError,
    FileFormat,
)
from crmfile.write import write_crm_file

__all__ = [
    "CANONICAL_COLUMNS",
    "PROBLEM_COLUMN",
    "REPAIRS_COLUMN",
    "CrmFile",
    "CrmFileError",
    "FileFormat",
    "PackedRows",
    "load_mapping_file",
    "map_headers",
    "neutralise_cell",
    "read_crm_file",
    "read_suppression_list",
    "write_crm_file",
    "written_cell",
]
