"""Fixtures shared by the unit and integration tests, and the order in which the test files are handed out."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.excel_standin import StandInBook

# The files that take a minute or more on two cores (`make test` prints the slowest tests), longest first. make test
# hands whole files to two workers in collection order (--dist loadfile --no-loadscope-reorder): started first,
# they run beside the many short files instead of after them, where one worker would wait alone for the other.
LONGEST_FIRST = (
    "tests/integration/test_schedule.py",
    "tests/e2e/test_wheel.py",
    "tests/e2e/test_demo.py",
    "tests/integration/test_live_dashboard.py",
    "tests/integration/test_race.py",
    "tests/security/test_hostile_workbooks.py",
    "tests/integration/test_crash.py",
    "tests/integration/test_vba_grammar.py",
    "tests/integration/test_schedule_process.py",
    "tests/integration/test_faults.py",
    "tests/integration/test_sending_failures.py",
    "tests/integration/test_collect.py",
    "tests/fuzz/test_fuzz_read.py",
    "tests/integration/test_workbook_fidelity.py",
    "tests/integration/test_escalation.py",
    "tests/e2e/test_ledger_safety.py",
    "tests/security/test_ledger_retention.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first (`LONGEST_FIRST`); every other file after them in its usual order, and the tests of
    each file in theirs (a stable sort)."""
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))


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
