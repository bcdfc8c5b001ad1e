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
    """A text file's content and how it was decoded.

    ``reason`` says how the encoding was chosen, for the mapping report. ``bad_lines`` are
    the lines (1-based) holding bytes that are not valid in the file's encoding: they are
    decoded with ``surrogateescape`` (each bad byte becomes U+DC80..U+DCFF), so the row can be
    quarantined and still be written back byte for byte.
    """

    text: str
    encoding: str
    bom: bool
    reason: str = ""
    bad_lines: tuple[int, ...] = ()


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
_NORDIC_LETTERS = "äöåÄÖÅ"

# "ä" in UTF-8 is C3 A4; seen next to bytes that are not UTF-8, the file is UTF-8 with some
# lines from another tool (or mixes encodings throughout, which no decoding can fix).
_UTF8_LATIN_LETTER = re.compile(rb"\xc3[\x80-\xbf]")

# A UTF-8 file may have this share of its lines holding bytes that are not UTF-8 and still
# be read, those rows quarantined; above it, the file mixes encodings and is refused.
MAX_BAD_LINE_SHARE = 0.10

# Binary content: bytes no CSV export holds (C0 controls but tab and line breaks, DEL).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# A few stray control bytes in cells are row problems; this share of the file is not text.
MAX_CONTROL_SHARE = 0.01
_BINARY_SAMPLE_BYTES = 1024 * 1024
_MIN_CONTROL_BYTES = 4
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "an RTF document"),
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")

# cp1252 puts "€" and typographic quotes in 0x80-0x9F; ISO 8859-15 puts "€" at 0xA4, which
# cp1252 reads as the currency sign "¤" that business files practically never hold.
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")


def decode_text(raw: bytes, path: Path) -> DecodedText:
    """Decode a text file's bytes: byte-order mark, strict UTF-8, then a Nordic code page.

    Refuses binary content (CrmFileError). A UTF-8 file with a few lines holding other
    bytes is decoded with those lines listed in ``bad_lines``; one that mixes encodings
    throughout is refused naming the first such line.
    """
    for mark, name, codec in _MARKED_FORMS:
        if raw.startswith(mark):
            body = raw[len(mark) :]
            if name == "utf-8":
                _refuse_binary(body, path, valid_utf8=True)
                return _decode_utf8(body, path, bom=True)
            try:
                text = body.decode(codec)
            except UnicodeDecodeError as exc:
                raise CrmFileError(
                    path, None, f"file starts with a {name} byte-order mark but is not {name}"
                ) from exc
            return DecodedText(text, name, True, f"{name} (byte-order mark)")
    utf8: str | None
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    _refuse_binary(raw, path, valid_utf8=utf8 is not None)
    if utf8 is not None:
        return DecodedText(utf8, "utf-8", False, "utf-8 (valid UTF-8 throughout)")
    if _UTF8_LATIN_LETTER.search(raw):
        return _decode_utf8(raw, path, bom=False)
    return _decode_single_byte(raw)


def _refuse_binary(raw: bytes, path: Path, *, valid_utf8: bool) -> None:
    # Binary: a known signature, NUL bytes beyond a stray one or two, or control bytes in
    # a file that is not even UTF-8. A valid UTF-8 file with odd control characters in
    # its cells is text; its header decides whether it can be used.
    for signature, what in _SIGNATURES:
        if raw.startswith(signature):
            raise CrmFileError(path, None, f"file is {what}, not a CSV or text export")
    nuls = raw.count(b"\x00")
    if nuls and _looks_like_utf16(raw):
        raise CrmFileError(
            path,
            None,
            "file contains NUL bytes: not a text file, or UTF-16 without a byte-order mark",
        )
    sample = raw[:_BINARY_SAMPLE_BYTES]
    if valid_utf8:
        controls = nuls
        size = len(raw)
    else:
        controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
        size = len(sample)
    if controls >= _MIN_CONTROL_BYTES and controls > MAX_CONTROL_SHARE * size:
        share = 100 * controls / size
        raise CrmFileError(
            path,
            None,
            f"file holds binary data ({share:.0f}% control or NUL bytes), not a CSV or text export",
        )


def _looks_like_utf16(raw: bytes) -> bool:
    # Latin text in UTF-16 has a NUL in (nearly) every other byte and in no byte between;
    # binary data has its NULs anywhere.
    sample = raw[:4096]
    even, odd = sample[0::2], sample[1::2]
    if not even or not odd:
        return False
    even_share, odd_share = even.count(0) / len(even), odd.count(0) / len(odd)
    return max(even_share, odd_share) > 0.7 and min(even_share, odd_share) < 0.1


def _decode_utf8(body: bytes, path: Path, *, bom: bool) -> DecodedText:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        reason = "utf-8 with byte-order mark" if bom else "utf-8 (valid UTF-8 throughout)"
        return DecodedText(text, "utf-8", bom, reason)
    text = body.decode("utf-8", errors="surrogateescape")
    bad = _lines_with_escapes(text)
    numbered = [n for n, line in enumerate(_LINE_BREAK.split(text), 1) if line.strip()]
    mark = " (byte-order mark)" if bom else ""
    # The first line with content is the header (or a title above it): without it the
    # file cannot be read at all.
    if numbered[0] in bad or len(bad) > MAX_BAD_LINE_SHARE * len(numbered):
        raise CrmFileError(
            path,
            bad[0],
            f"file is UTF-8{mark} but {len(bad)} of {len(numbered)} lines hold other bytes "
            "(first one on this line): it mixes UTF-8 with another encoding; "
            "save it again in one encoding",
        )
    reason = (
        f"utf-8{' with byte-order mark' if bom else ''}; {len(bad)} line(s) hold bytes that "
        "are not UTF-8 (their rows are quarantined)"
    )
    return DecodedText(text, "utf-8", bom, reason, tuple(bad))


def _lines_with_escapes(text: str) -> list[int]:
    lines: list[int] = []
    line, scanned = 1, 0
    for match in _ESCAPED_BYTE.finditer(text):
        line += len(_LINE_BREAK.findall(text, scanned, match.start()))
        scanned = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


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
        decoded.append((sum(text.count(letter) for letter in _NORDIC_LETTERS), name, text))
    # Even restricted, the detector can prefer mac_roman for a short cp1252 file, turning
    # "ä" into "‰". The decoding that yields more Finnish/Swedish letters is the right one;
    # on a tie the detector's choice, then cp1252, stands (max keeps the first of equals).
    _score, name, text = max(decoded, key=lambda item: item[0])
    reason = (
        f"{name} (not UTF-8; the one of cp1252, ISO-8859-15 and Mac Roman that charset "
        "detection and the count of Finnish/Swedish letters favour)"
    )
    if name == "cp1252" and b"\xa4" in raw and not _CP1252_ONLY.search(raw):
        # Same letters either way; "€" at 0xA4 and nothing cp1252-specific says 8859-15.
        name = "iso8859-15"
        text = raw.decode(name)
        reason = (
            "iso8859-15 (not UTF-8; the euro sign at 0xA4 and no cp1252-only bytes say ISO-8859-15)"
        )
    return DecodedText(text, name, False, reason)


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
