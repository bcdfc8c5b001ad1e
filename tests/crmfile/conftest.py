"""Fixtures for the crmfile tests: customer files built in tmp_path, never shipped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteFile = Callable[..., Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write a customer file: str content is encoded (with an optional BOM), bytes as given."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8", bom: bytes = b"") -> Path:
        path = tmp_path / name
        data = content if isinstance(content, bytes) else bom + content.encode(encoding)
        path.write_bytes(data)
        return path

    return write
