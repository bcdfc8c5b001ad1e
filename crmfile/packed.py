"""Compact storage for a large table's raw rows and line numbers.

A delimited file of a million short rows held as lists of Python strings costs about
seven times the file's size (a list and a string object per cell); ``PackedRows`` holds
each row as one run of text, its cells joined by a separator, many rows to a string, and
gives back a fresh list of cells for each row read: to its callers it is a sequence of
lists of cells, as the lists were.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import overload

# Joins the cells of a row; a row holding it in a cell (or a row with no cells at all,
# which joined would read back as one empty cell) is kept apart as its list.
SEPARATOR = "\x1f"
# Rows per block of text: large enough that a block's overhead is nothing per row, small
# enough that one character beyond Latin-1 widens only its own block (str is 1, 2 or 4
# bytes per character by the widest one it holds).
BLOCK_ROWS = 1 << 14


class PackedRows(Sequence[list[str]]):
    """Rows of cells, held as blocks of text; read by index, slice or iteration, each row
    read as a new list. Compares equal to any sequence of the same rows (a list of lists
    among them). Holds personal data: its repr names only the number of rows."""

    __slots__ = ("_apart", "_blocks", "_length", "_offsets", "_pending")

    def __init__(self, rows: Iterable[Sequence[str]] = ()) -> None:
        self._blocks: list[str] = []
        # Per block, where each row starts in its text and where the last one ends.
        self._offsets: list[array[int]] = []
        self._apart: dict[int, list[str]] = {}
        self._length = 0
        self._pending: list[str] = []
        for row in rows:
            self.append(row)

    def append(self, cells: Sequence[str]) -> None:
        """Add a row at the end (its cells are copied into the block's text)."""
        joined = SEPARATOR.join(cells)
        if not cells or joined.count(SEPARATOR) != len(cells) - 1:
            self._apart[self._length] = list(cells)
            joined = ""
        self._pending.append(joined)
        self._length += 1
        if len(self._pending) >= BLOCK_ROWS:
            self._seal()

    def _seal(self) -> None:
        pending = self._pending
        if not pending:
            return
        offsets = array("q", [0])
        end = 0
        for text in pending:
            end += len(text)
            offsets.append(end)
        self._blocks.append("".join(pending))
        self._offsets.append(offsets)
        self._pending = []

    def _row(self, index: int) -> list[str]:
        apart = self._apart.get(index)
        if apart is not None:
            return list(apart)
        block, at = divmod(index, BLOCK_ROWS)
        if block < len(self._blocks):
            offsets = self._offsets[block]
            return self._blocks[block][offsets[at] : offsets[at + 1]].split(SEPARATOR)
        return self._pending[at].split(SEPARATOR)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> list[str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[str]]: ...

    def __getitem__(self, index: int | slice) -> list[str] | list[list[str]]:
        if type(index) is int and 0 <= index < self._length and index not in self._apart:
            # The common read (a row of a sealed block, by its number), inline.
            block, at = divmod(index, BLOCK_ROWS)
            if block < len(self._blocks):
                offsets = self._offsets[block]
                return self._blocks[block][offsets[at] : offsets[at + 1]].split(SEPARATOR)
        if isinstance(index, slice):
            return [self._row(number) for number in range(*index.indices(self._length))]
        number = index.__index__()
        if number < 0:
            number += self._length
        if not 0 <= number < self._length:
            raise IndexError("row index out of range")
        return self._row(number)

    def __iter__(self) -> Iterator[list[str]]:
        apart = self._apart
        number = 0
        for text, offsets in zip(self._blocks, self._offsets, strict=True):
            for start, end in pairwise(offsets):
                if apart and number in apart:
                    yield list(apart[number])
                else:
                    yield text[start:end].split(SEPARATOR)
                number += 1
        for text in self._pending:
            yield list(apart[number]) if apart and number in apart else text.split(SEPARATOR)
            number += 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        if len(other) != self._length:
            return False
        return all(mine == list(theirs) for mine, theirs in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PackedRows({self._length} rows)"

    def finish(self) -> PackedRows:
        """Seal the last, partly filled block; returns self."""
        self._seal()
        return self


class LineNumbers(Sequence[int]):
    """A sequence of line numbers held as machine integers (8 bytes each, not a Python
    int object and a pointer); compares equal to any sequence of the same numbers."""

    __slots__ = ("_numbers",)

    def __init__(self, numbers: Iterable[int] = ()) -> None:
        self._numbers = array("q", numbers)

    def append(self, number: int) -> None:
        self._numbers.append(number)

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return self._numbers[index].tolist()
        return self._numbers[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._numbers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(other) == len(self._numbers) and all(
            mine == theirs for mine, theirs in zip(self._numbers, other, strict=True)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LineNumbers({self._numbers.tolist()!r})"
