"""Fixtures shared by the unit and integration tests."""

from __future__ import annotations

import logging
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


@pytest.fixture(autouse=True)
def _root_logger_as_found():
    """Handlers a test's CLI call puts on the root logger (`logging.basicConfig`, the schedule's log file and stderr
    handler) write to that test's captured stderr, which pytest closes afterwards: they go when the test ends, so a
    later test's log line never meets a closed stream. pytest's own capture handlers are its to remove."""
    root = logging.getLogger()
    before, level = set(root.handlers), root.level
    yield
    for handler in [handler for handler in root.handlers if handler not in before]:
        if not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
