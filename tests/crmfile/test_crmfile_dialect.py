"""Delimiters, line terminators, quoting: the layout a file is read with."""

from __future__ import annotations

import pytest

from crmfile import read_crm_file


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("terminator", ["\r\n", "\n", "\r"])
def test_delimiter_and_line_terminator_are_detected(
    write_file, delimiter: str, terminator: str
) -> None:
    lines = [
        ["Email", "First Name", "Last Name", "Company"],
        ["matti@example.fi", "Matti", "Virtanen", "Virtanen Oy"],
        ["liisa@example.fi", "Liisa", "Korhonen", "Korhonen Ky"],
    ]
    text = "".join(delimiter.join(line) + terminator for line in lines)
    crm = read_crm_file(write_file("contacts.txt", text))

    assert crm.format.kind == "csv"
    assert crm.format.delimiter == delimiter
    assert crm.format.line_terminator == terminator
    assert crm.rows == lines[1:]
    assert crm.line_numbers == [2, 3]


def test_semicolon_file_with_commas_in_values_is_not_one_column(write_file) -> None:
    text = (
        "Nimi;Yritys;Liikevaihto\r\n"
        "Virtanen, Matti;Virtanen Oy;1,5\r\n"
        "Korhonen, Liisa;Korhonen, Lahtinen & Co;12,75\r\n"
        "Mäki Anna;Mäki Oy;3\r\n"
    )
    crm = read_crm_file(write_file("puolipiste.csv", text))

    assert crm.format.delimiter == ";"
    assert crm.header == ["Nimi", "Yritys", "Liikevaihto"]
    assert crm.rows[1] == ["Korhonen, Liisa", "Korhonen, Lahtinen & Co", "12,75"]


def test_quoted_newline_and_doubled_quotes_stay_in_one_cell(write_file) -> None:
    text = (
        "Etunimi,Sukunimi,Lisätiedot,Sähköposti\r\n"
        'Matti,Virtanen,"Sanoi ""soita ensi viikolla""\r\nja lähetä tarjous",m@example.fi\r\n'
        'Liisa,Korhonen,"pilkku, ja lainaus ""x""",l@example.fi\r\n'
    )
    crm = read_crm_file(write_file("lainaus.csv", text))

    assert crm.rows[0][2] == 'Sanoi "soita ensi viikolla"\r\nja lähetä tarjous'
    assert crm.rows[1][2] == 'pilkku, ja lainaus "x"'
    # The second data row starts on physical line 4: the first spans lines 2 and 3.
    assert crm.line_numbers == [2, 4]
    assert crm.format.line_terminator == "\r\n"


def test_quote_everything_style_is_recorded(write_file) -> None:
    text = (
        '"Id","FirstName","LastName","Email"\r\n'
        '"0035e00001","Matti","Virtanen","matti@example.fi"\r\n'
        '"0035e00002","","Korhonen",""\r\n'
    )
    crm = read_crm_file(write_file("salesforce.csv", text))

    assert crm.format.quote_all is True
    assert crm.rows[1] == ["0035e00002", "", "Korhonen", ""]


def test_minimal_quoting_is_recorded(write_file) -> None:
    text = 'Email,Name\r\nm@example.fi,"Virtanen, Matti"\r\n'
    crm = read_crm_file(write_file("minimal.csv", text))
    assert crm.format.quote_all is False


def test_single_column_file_keeps_commas_in_its_cells(write_file) -> None:
    text = 'Yhteyshenkilö\r\nVirtanen, Matti\r\nKorhonen; Liisa\r\n"Aho, ""Anna"""\r\n'
    crm = read_crm_file(write_file("yksi.csv", text))

    assert crm.header == ["Yhteyshenkilö"]
    assert crm.rows == [["Virtanen, Matti"], ["Korhonen; Liisa"], ['Aho, "Anna"']]
    assert crm.contacts["last_name"].tolist() == ["Virtanen", "Liisa", "Aho"]


def test_blank_lines_before_the_header_do_not_decide_the_delimiter(write_file) -> None:
    text = ";;;\r\n\r\nEmail;Etunimi;Sukunimi\r\nm@example.fi;Matti;Virtanen\r\n"
    crm = read_crm_file(write_file("alku.csv", text))
    assert crm.format.delimiter == ";"
    assert crm.header == ["Email", "Etunimi", "Sukunimi"]
    assert crm.line_numbers == [4]
