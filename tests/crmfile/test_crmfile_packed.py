"""PackedRows and LineNumbers: the compact rows of a delimited file behave as the lists of
cells they replace (index, slice, iteration, equality, pickling), whatever the cells hold."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmfile import read_crm_file, write_crm_file
from crmfile.packed import BLOCK_ROWS, SEPARATOR, LineNumbers, PackedRows

cells = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from([SEPARATOR, "\udce4"]))
rows_of_cells = st.lists(st.lists(cells, max_size=5), max_size=30)


@settings(max_examples=200, deadline=None)
@given(rows_of_cells)
def test_packed_rows_give_back_the_rows_as_lists(rows: list[list[str]]) -> None:
    packed = PackedRows(rows).finish()
    assert len(packed) == len(rows)
    assert list(packed) == rows
    assert packed == rows and rows == packed
    assert [packed[number] for number in range(len(rows))] == rows
    assert [packed[-number] for number in range(1, len(rows) + 1)] == rows[::-1]
    assert packed[1:-1:2] == rows[1:-1:2]
    assert pickle.loads(pickle.dumps(packed)) == rows


def test_rows_across_blocks_and_kept_apart() -> None:
    rows = [[f"a{n}", "", "ä€😀"[n % 3]] for n in range(BLOCK_ROWS * 2 + 5)]
    rows[3] = []
    rows[BLOCK_ROWS] = ["x" + SEPARATOR + "y", "z"]
    rows[-1] = [""]
    packed = PackedRows()
    for row in rows:
        packed.append(row)
    # Readable before and after the last block is sealed.
    assert packed[-1] == [""] and packed[3] == [] and list(packed) == rows
    packed.finish()
    assert packed == rows
    assert packed[BLOCK_ROWS] == ["x" + SEPARATOR + "y", "z"]
    assert packed[3] == [] and packed[-1] == [""]
    assert packed != rows[:-1] and packed != [*rows[:-1], ["other"]]
    # Each read is a new list: changing it changes nothing held.
    packed[0].append("more")
    packed[3].append("more")
    assert packed[0] == rows[0] and packed[3] == []
    with pytest.raises(IndexError):
        packed[len(rows)]
    with pytest.raises(IndexError):
        packed[-len(rows) - 1]


def test_their_reprs_name_no_cell() -> None:
    assert repr(PackedRows([["Matti", "matti@example.fi"]]).finish()) == "PackedRows(1 rows)"
    numbers, expected = LineNumbers([2, 3, 5]), [2, 3, 5]
    # list == LineNumbers is answered by LineNumbers.__eq__ too.
    assert numbers == expected and expected == numbers and numbers != [2, 3]
    assert list(numbers) == [2, 3, 5] and numbers[-1] == 5 and numbers[1:] == [3, 5]


def test_a_delimited_file_is_read_into_packed_rows_and_written_back_byte_for_byte(
    tmp_path: Path,
) -> None:
    text = (
        "Etunimi;Sukunimi;Sähköposti\r\n"
        "Matti;Virtanen;matti@example.fi\r\n"
        "\r\n"
        '"Liisa\r\nMaria";"Kor;""pi""";liisa@example.fi\r\n'
        f"Ari;Ko{SEPARATOR}ski;ari@example.fi\r\n"
    )
    path = tmp_path / "crm.csv"
    path.write_bytes(text.encode("utf-8"))
    crm = read_crm_file(path)
    assert isinstance(crm.rows, PackedRows)
    assert crm.rows == [
        ["Matti", "Virtanen", "matti@example.fi"],
        [],
        ["Liisa\r\nMaria", 'Kor;"pi"', "liisa@example.fi"],
        ["Ari", f"Ko{SEPARATOR}ski", "ari@example.fi"],
    ]
    assert crm.line_numbers == [2, 3, 4, 6]
    assert list(crm.contacts["last_name"]) == ["Virtanen", "", 'Kor;"pi"', f"Ko{SEPARATOR}ski"]
    out = tmp_path / "out.csv"
    write_crm_file(out, crm.format, crm.header, crm.rows)
    assert out.read_bytes() == path.read_bytes()


def test_contacts_do_not_depend_on_how_the_rows_are_held_or_chunked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crmfile import contacts

    header = ["Asiakasnro", "Nimi", "Sähköposti", "Y-tunnus", "Puhelin", "Postinumero", "Maa"]
    header += ["Luotu"]
    mapping = {
        "customer_row_id": "Asiakasnro",
        "full_name": "Nimi",
        "email": "Sähköposti",
        "business_id": "Y-tunnus",
        "phone": "Puhelin",
        "postcode": "Postinumero",
        "country": "Maa",
    }
    rows: list[list[str]] = []
    for n in range(101):
        kind = n % 9
        if kind == 0:
            rows.append([])
        elif kind == 1:
            rows.append([f"k{n}", "Matti Virtanen"])
        elif kind == 2:
            rows.append([f"k{n}", "", "", "", "", "", "", ""])
        else:
            rows.append(
                [
                    f" k{n} ",
                    ["Virtanen, Matti", "Anna von Wright", "Kim"][n % 3],
                    f"h{n}@example.fi",
                    "1572860" if n % 2 else "0737546-2",
                    "401234567" if n % 4 else "",
                    "100" if n % 5 else "",
                    "FI",
                    ["3.4.2024", "2024-04-03", "3/4/2024", "13/4/2024"][n % 4],
                ]
            )
    reference = contacts.build_contacts(header, rows, mapping, ["Luotu"])
    monkeypatch.setattr(contacts, "_CHUNK_ROWS", 7)
    monkeypatch.setattr(contacts, "_SHARE_TRIAL_ROWS", 5)
    chunked = contacts.build_contacts(header, PackedRows(rows).finish(), mapping, ["Luotu"])
    assert chunked.frame.equals(reference.frame) and chunked.dates.equals(reference.dates)
    assert set(reference.frame["problem"]) > {"", "row is empty", contacts.NO_IDENTITY}
    assert reference.frame["repairs"].str.len().gt(0).any()
    without_keys = {name: column for name, column in mapping.items() if name != "customer_row_id"}
    assert list(contacts.build_contacts(header, rows, without_keys).frame["row_key"]) == [
        str(number) for number in range(1, 102)
    ]
