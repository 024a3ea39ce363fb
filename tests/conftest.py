"""Fixtures shared by the unit and integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.excel_standin import StandInBook


@pytest.fixture
def open_book():
    """Open a workbook file as a live book (the stand-in for Excel); every book opened is closed afterwards."""
    opened: list[StandInBook] = []

    def opener(path: Path, answers: tuple[str, ...] = ()) -> StandInBook:
        book = StandInBook(path, answers)
        opened.append(book)
        return book

    yield opener
    for book in opened:
        book.close()
