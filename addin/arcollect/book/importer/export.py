"""Reading an export file: its cells as rows, whatever the file — a CSV in any common dialect, or a workbook.

The export is a CSV (delimiter sniffed past any title block; UTF-8, UTF-8 with BOM or Windows-1252) or the first
sheet of an .xlsx (checked by `book.guard` first). Rows are padded to one width and empty cells are None; which
row is the header and which rows are items is the mapping's business (`mapping`, `rows`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import python_calamine

from arcollect.book import guard
from arcollect.errors import InputError

_ENCODINGS = ("utf-8-sig", "cp1252")


def read_export(path: Path) -> list[list[Any]]:
    """The export's cells as rows (empty cells None): the first sheet of an .xlsx, else a CSV."""
    if not path.is_file():
        raise InputError(f"{path.name}: file not found ({path})")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        if path.suffix.lower() != ".xls":
            guard.check(path)
        try:
            with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
                rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except (python_calamine.CalamineError, OSError, ValueError) as exc:
            raise InputError(f"{path.name} cannot be read as a workbook: {exc}") from exc
    else:
        rows = list(csv.reader(io.StringIO(_decode(path)), _dialect(_decode(path))))
    width = max(map(len, rows), default=0)  # CSV heading and total lines are shorter than item lines
    return [
        [None if cell == "" or cell is None else cell for cell in row] + [None] * (width - len(row)) for row in rows
    ]


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path.name}: not UTF-8 or Windows-1252 text")


def _dialect(text: str) -> type[csv.Dialect]:
    """The CSV dialect; lines past any title block are sniffed, because a title line has no delimiters."""
    lines = [line for line in text.splitlines() if line.strip()]
    sample = "\n".join(sorted(lines[:40], key=len, reverse=True)[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel
