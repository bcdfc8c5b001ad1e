"""Writing the files of an outbox folder (a delivery, a selection): owner-only, never
through a link, JSON in one layout."""

import json
import os
from pathlib import Path
from typing import Any

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def write_private(path: Path, text: str, encoding: str = "utf-8") -> None:
    """A new file, created owner-only (0600) whatever the process's umask; refused where
    anything (a link included) already has the name."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding=encoding, newline="") as handle:
        handle.write(text)


def json_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
