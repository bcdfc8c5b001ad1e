"""Encodings: BOMs, strict UTF-8, Nordic code pages, and files that must be refused."""

from __future__ import annotations

import codecs

import pytest

from crmfile import CrmFileError, read_crm_file

FINNISH = (
    "Etunimi;Sukunimi;Sähköposti;Yritys\r\n"
    "Åsa;Öhman;asa.ohman@example.fi;Hyvinkään Sähkö Oy\r\n"
    "Jyrki;Mäkelä;jyrki@example.fi;Pörssi € Oy\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "bom", "expected_encoding", "expected_bom"),
    [
        ("utf-8", b"", "utf-8", False),
        ("utf-8", codecs.BOM_UTF8, "utf-8", True),
        ("cp1252", b"", "cp1252", False),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16", True),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be", True),
    ],
)
def test_encodings_are_detected_and_decoded(
    write_file, encoding: str, bom: bytes, expected_encoding: str, expected_bom: bool
) -> None:
    crm = read_crm_file(write_file("asiakkaat.csv", FINNISH, encoding, bom))

    assert (crm.format.encoding, crm.format.bom) == (expected_encoding, expected_bom)
    # The BOM is not part of the first column's name.
    assert crm.header == ["Etunimi", "Sukunimi", "Sähköposti", "Yritys"]
    assert crm.contacts["first_name"].tolist() == ["Åsa", "Jyrki"]
    assert crm.contacts["last_name"].tolist() == ["Öhman", "Mäkelä"]
    assert crm.contacts["org_name"].tolist() == ["Hyvinkään Sähkö Oy", "Pörssi € Oy"]


def test_short_cp1252_file_is_not_taken_for_a_mac_encoding(write_file) -> None:
    # charset-normalizer alone picks mac_roman for this one and reads "ä" as "‰".
    text = "Nimi;Kaupunki\nHyvinkään Sähkö Oy;Hyvinkää\nÅbo Akademi;Åbo\nPörssi € Oy;Espoo\n"
    crm = read_crm_file(write_file("lyhyt.csv", text, "cp1252"))

    assert crm.format.encoding == "cp1252"
    assert crm.rows[0] == ["Hyvinkään Sähkö Oy", "Hyvinkää"]
    assert crm.rows[2] == ["Pörssi € Oy", "Espoo"]


def test_mac_roman_file_keeps_its_letters(write_file) -> None:
    text = "Etunimi;Sukunimi\rMatti;Mäkelä\rÅsa;Öhman\rPäivi;Kärkkäinen\r"
    crm = read_crm_file(write_file("mac.csv", text, "mac_roman"))

    assert crm.format.encoding == "mac-roman"
    assert crm.format.line_terminator == "\r"
    assert crm.contacts["last_name"].tolist() == ["Mäkelä", "Öhman", "Kärkkäinen"]


def test_file_mixing_utf8_and_cp1252_is_refused_with_the_line(write_file) -> None:
    data = "Etunimi;Sukunimi\r\nMatti;Mäkelä\r\n".encode() + "Åsa;Öhman\r\n".encode("cp1252")
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(write_file("sekoitus.csv", data))

    assert caught.value.line == 3
    assert "mixes UTF-8" in caught.value.problem
    assert "Öhman" not in str(caught.value)


def test_file_with_nul_bytes_is_refused(write_file) -> None:
    # UTF-16 without a byte-order mark looks like text with a NUL after every letter.
    path = write_file("ilman_bomia.csv", "Etunimi;Sukunimi\r\nMatti;Mäkelä\r\n", "utf-16-le")
    with pytest.raises(CrmFileError, match="NUL bytes"):
        read_crm_file(path)


def test_utf8_bom_with_invalid_bytes_is_refused(write_file) -> None:
    data = codecs.BOM_UTF8 + b"Etunimi;Sukunimi\r\nMatti;M\xe4kel\xe4\r\n"
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(write_file("rikki.csv", data))
    assert caught.value.line == 2
