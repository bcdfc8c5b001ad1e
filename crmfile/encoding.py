"""Deciding a text file's character encoding, and encoding the refreshed file the same way."""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from crmfile.types import CrmFileError


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    bom: bool


# (mark, name recorded in FileFormat, codec for the bytes after the mark). UTF-32 comes
# before UTF-16 because the UTF-32-LE mark begins with the UTF-16-LE one.
_MARKED_FORMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

# Codec name (as codecs.lookup spells it) -> (byte-order mark, codec for the body).
# Plain "utf-16"/"utf-32" are written little-endian, as Excel and Windows tools write them.
_UNICODE_OUTPUT: dict[str, tuple[bytes, str]] = {
    "utf-8": (codecs.BOM_UTF8, "utf-8"),
    "utf-8-sig": (codecs.BOM_UTF8, "utf-8"),
    "utf-16": (codecs.BOM_UTF16_LE, "utf-16-le"),
    "utf-16-le": (codecs.BOM_UTF16_LE, "utf-16-le"),
    "utf-16-be": (codecs.BOM_UTF16_BE, "utf-16-be"),
    "utf-32": (codecs.BOM_UTF32_LE, "utf-32-le"),
    "utf-32-le": (codecs.BOM_UTF32_LE, "utf-32-le"),
    "utf-32-be": (codecs.BOM_UTF32_BE, "utf-32-be"),
}

# Unrestricted, charset-normalizer takes short cp1252 Finnish files for mac_iceland,
# hp_roman8 or cp1006; these three are the single-byte encodings Nordic customers send.
_SINGLE_BYTE_CANDIDATES = ["cp1252", "iso8859_15", "mac_roman"]
_FALLBACK = "cp1252"
_NORDIC_LETTERS = frozenset("äöåÄÖÅ")

# "ä" in UTF-8 is C3 A4; seen next to bytes that are not UTF-8, the file mixes encodings
# (typically rows appended by another tool) and no single decoding can be right.
_UTF8_LATIN_LETTER = re.compile(rb"\xc3[\x80-\xbf]")


def decode_text(raw: bytes, path: Path) -> DecodedText:
    """Decode a text file's bytes: byte-order mark, strict UTF-8, then a Nordic code page."""
    for mark, name, codec in _MARKED_FORMS:
        if raw.startswith(mark):
            try:
                return DecodedText(raw[len(mark) :].decode(codec), name, True)
            except UnicodeDecodeError as exc:
                line = _line_of_byte(raw, len(mark) + exc.start) if name == "utf-8" else None
                raise CrmFileError(
                    path, line, f"file starts with a {name} byte-order mark but is not {name}"
                ) from exc
    if b"\x00" in raw:
        raise CrmFileError(
            path,
            None,
            "file contains NUL bytes: not a text file, or UTF-16 without a byte-order mark",
        )
    try:
        return DecodedText(raw.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError as exc:
        if _UTF8_LATIN_LETTER.search(raw):
            raise CrmFileError(
                path,
                _line_of_byte(raw, exc.start),
                "file mixes UTF-8 with another encoding (first non-UTF-8 byte on this line); "
                "save it again in one encoding",
            ) from exc
    return _decode_single_byte(raw)


def _decode_single_byte(raw: bytes) -> DecodedText:
    best = from_bytes(raw, cp_isolation=_SINGLE_BYTE_CANDIDATES).best()
    detected = [best.encoding] if best is not None else []
    # cp1252 is what Finnish Windows and Excel write; the rest follow so that a file the
    # detector gives up on still decodes (ISO 8859-15 and Mac Roman map every byte).
    names = dict.fromkeys(
        codecs.lookup(name).name for name in (*detected, _FALLBACK, *_SINGLE_BYTE_CANDIDATES)
    )
    decoded: list[tuple[int, str, str]] = []
    for name in names:
        try:
            text = raw.decode(name)
        except UnicodeDecodeError:
            continue
        decoded.append((sum(ch in _NORDIC_LETTERS for ch in text), name, text))
    # Even restricted, the detector can prefer mac_roman for a short cp1252 file, turning
    # "ä" into "‰". The decoding that yields more Finnish/Swedish letters is the right one;
    # on a tie the detector's choice, then cp1252, stands (max keeps the first of equals).
    _score, name, text = max(decoded, key=lambda item: item[0])
    return DecodedText(text, name, False)


def _line_of_byte(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def output_codec(encoding: str, bom: bool) -> tuple[bytes, str]:
    """The byte-order mark to write first (maybe empty) and the codec for the text."""
    name = codecs.lookup(encoding).name
    if name in _UNICODE_OUTPUT:
        mark, codec = _UNICODE_OUTPUT[name]
        return (mark if bom else b""), codec
    if bom:
        raise ValueError(f"encoding {encoding!r} has no byte-order mark")
    return b"", name


def is_unicode_codec(codec: str) -> bool:
    """True when the codec can encode every character a decoded file can hold."""
    return codec.startswith(("utf-8", "utf-16", "utf-32"))


def transliterate(value: str, codec: str) -> str:
    """Make ``value`` encodable in ``codec`` without crashing or silently dropping letters.

    A register value may hold a letter the customer's code page lacks (a cp1252 file and
    "Čapek" or "Şahin"). Raising would lose the whole delivery and errors="replace" would
    write "?apek"; decomposing (NFKD) and dropping the combining marks writes "Capek".
    Only what still cannot be encoded (a letter with no decomposition such as "Ł", or
    "漢") becomes "?".
    """
    out: list[str] = []
    for char in value:
        if _encodable(char, codec):
            out.append(char)
            continue
        simplified = unicodedata.normalize("NFKD", char)
        stripped = [c for c in simplified if not unicodedata.combining(c)]
        out.extend(c if _encodable(c, codec) else "?" for c in stripped or ["?"])
    return "".join(out)


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
