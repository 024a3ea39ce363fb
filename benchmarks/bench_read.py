"""Reading the 100,000-invoice workbook: `arcollect.book.read` (python-calamine) against openpyxl's full load.

    .venv/bin/python benchmarks/bench_read.py                  # or: --invoices 100000 --repeat 2

`read.read` gives every input table as typed DataFrames plus the row problems; openpyxl's `load_workbook` (not
read-only: what a script that opens the workbook to change it does) only parses the cells. Both read the same file
(`synthetic.workbook`), in the same process, best of `--repeat` for the reader (each time a fresh copy, since `read`
keeps the last result of an unchanged file) and one openpyxl load. Two parts of `read` are timed on their own, best
of `--repeat` on fresh copies too: `guard.check` (the safety pre-flight that unpacks every part once) and
python-calamine opening the workbook and giving the input sheets' cells as Python values — the floor for `read`,
which can only add typing and checking to it. A measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import python_calamine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import synthetic

from arcollect import schema
from arcollect.book import guard, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    path = synthetic.workbook(args.invoices)
    timings, guard_timings, calamine_timings = [], [], []
    with tempfile.TemporaryDirectory(prefix="arcollect-read-") as folder:
        for attempt in range(args.repeat):  # a fresh copy each time: `read` and `guard` keep the last file they saw
            copy = Path(folder) / f"{attempt}-{path.name}"
            shutil.copy(path, copy)
            started = time.perf_counter()
            tables, problems = read.read(copy)
            timings.append(time.perf_counter() - started)
            copy = Path(folder) / f"{attempt}-guard-{path.name}"
            shutil.copy(path, copy)
            started = time.perf_counter()
            guard.check(copy)
            guard_timings.append(time.perf_counter() - started)
            started = time.perf_counter()
            _calamine_cells(copy)
            calamine_timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    book = openpyxl.load_workbook(path)
    full = time.perf_counter() - started
    cells = sum(sheet.max_row * sheet.max_column for sheet in book.worksheets)
    result = {
        "invoices": len(tables["Invoices"]),
        "problems": len(problems),
        "file_mb": path.stat().st_size / 1e6,
        "read_seconds": min(timings),
        "guard_seconds": min(guard_timings),
        "calamine_seconds": min(calamine_timings),
        "openpyxl_seconds": full,
        "openpyxl_cells": cells,
    }
    print(f"{path.name} ({result['file_mb']:.1f} MB, {result['invoices']:,} invoices read, {len(problems)} problems)")
    print(f"{'book/read.py (calamine + typing)':<36}{result['read_seconds']:>8.2f} s")
    print(f"{'  of which guard.check':<36}{result['guard_seconds']:>8.2f} s")
    print(f"{'  and calamine alone (the floor)':<36}{result['calamine_seconds']:>8.2f} s")
    print(f"{'openpyxl load_workbook (full)':<36}{full:>8.2f} s   ({full / result['read_seconds']:.1f}× slower)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


def _calamine_cells(path: Path) -> int:
    """What `read` asks python-calamine for: the input sheets' cells as Python values. Returns the cell count."""
    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        names = set(book.sheet_names)
        sheets = [book.get_sheet_by_name(table.sheet) for table in schema.INPUT_TABLES if table.sheet in names]
        return sum(len(row) for sheet in sheets for row in sheet.to_python(skip_empty_area=False))


if __name__ == "__main__":
    main()
