"""A customer's own column mapping, kept beside its contract as TOML or YAML.

TOML::

    [columns]
    email = "Sähköposti"
    full_name = "Yhteyshenkilö"
    mobile = ""            # never map a mobile column

YAML::

    columns:
      email: Sähköposti
      mobile:              # empty (or "") = never map it

Each key is a canonical column (CANONICAL_COLUMNS), each value the customer's header name;
the mapping overrides the automatic one for the columns it names.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from crmfile.types import CANONICAL_COLUMNS, CrmFileError

_TOML_SUFFIXES = frozenset({".toml"})
_YAML_SUFFIXES = frozenset({".yaml", ".yml"})
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$")
_MAX_BYTES = 1024 * 1024


def load_mapping_file(path: str | Path) -> dict[str, str]:
    """canonical column -> header name ("" = leave unmapped) from a TOML or YAML file.

    Refuses (CrmFileError naming the file, the line where known, and the problem) a file
    that cannot be read or parsed, has no ``columns`` table, names an unknown column or
    top-level key, gives a value that is not text, or gives one header to two columns.
    """
    source = Path(path)
    suffix = source.suffix.casefold()
    if suffix not in _TOML_SUFFIXES | _YAML_SUFFIXES:
        raise CrmFileError(source, None, "mapping file must be TOML (.toml) or YAML (.yaml, .yml)")
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise CrmFileError(source, None, f"cannot read the mapping file ({exc.strerror})") from exc
    if len(raw) > _MAX_BYTES:
        raise CrmFileError(source, None, "mapping file is over 1 MiB; it should be a few lines")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CrmFileError(source, line, "mapping file is not UTF-8") from exc
    data = _parse_toml(source, text) if suffix in _TOML_SUFFIXES else _parse_yaml(source, text)
    return _validate(source, data)


def _parse_toml(source: Path, text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = int(found.group(1)) if found else None
        problem = _TOML_POSITION.sub("", message) if found else message
        raise CrmFileError(source, line, f"not valid TOML ({problem})") from exc


def _parse_yaml(source: Path, text: str) -> Any:
    import yaml  # noqa: PLC0415 - only customers with a YAML mapping need it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise CrmFileError(source, line, f"not valid YAML ({problem})") from exc


def _validate(source: Path, data: Any) -> dict[str, str]:
    if not isinstance(data, dict) or "columns" not in data:
        raise CrmFileError(
            source,
            None,
            'mapping file needs a "columns" table ([columns] in TOML, columns: in YAML)',
        )
    extra = sorted(str(key) for key in data if key != "columns")
    if extra:
        names = ", ".join(f'"{key}"' for key in extra)
        raise CrmFileError(
            source, None, f'unknown top-level key(s) {names}; only "columns" is read'
        )
    columns = data["columns"]
    if not isinstance(columns, dict) or not columns:
        raise CrmFileError(source, None, '"columns" must map canonical columns to header names')
    unknown = sorted(str(key) for key in columns if key not in CANONICAL_COLUMNS)
    if unknown:
        names = ", ".join(f'"{key}"' for key in unknown)
        raise CrmFileError(
            source,
            None,
            f"unknown column(s) {names}; known columns: {', '.join(CANONICAL_COLUMNS)}",
        )
    mapping: dict[str, str] = {}
    used: dict[str, str] = {}
    for canonical, given in columns.items():
        value = "" if given is None else given
        if not isinstance(value, str):
            raise CrmFileError(
                source,
                None,
                f"the header for {canonical} must be text (quote it), not {type(value).__name__}",
            )
        if value and value in used:
            raise CrmFileError(
                source,
                None,
                f'header "{value}" is given to both {used[value]} and {canonical}',
            )
        if value:
            used[value] = canonical
        mapping[canonical] = value
    return mapping
