"""Look at a workbook as a person would: LibreOffice (headless) prints it to PDF, pdftoppm makes PNG pages.

    .venv/bin/python scripts/render_workbook.py demo/arcollect-demo.xlsx --out demo/render --rows 35

Big sheets would print to hundreds of pages, so a copy keeping the first ROWS data rows of every sheet is
printed (the original is not touched), landscape, one page wide. Needs `soffice` and `pdftoppm`
(Debian: libreoffice-calc-nogui, poppler-utils).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.worksheet.page import PageMargins


def excerpt(source: Path, target: Path, rows: int) -> None:
    book = openpyxl.load_workbook(source)
    for sheet in book.worksheets:
        if sheet.max_row > rows + 1:
            sheet.delete_rows(rows + 2, sheet.max_row - rows - 1)
        for table in sheet.tables.values():
            first, last = table.ref.split(":")
            column = "".join(ch for ch in last if ch.isalpha())
            table.ref = f"{first}:{column}{max(2, min(sheet.max_row, rows + 1))}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_margins = PageMargins(left=0.3, right=0.3, top=0.4, bottom=0.4)
        sheet.print_title_rows = "1:1"
    book.save(target)


def render(source: Path, out: Path, rows: int) -> list[Path]:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian: libreoffice-calc-nogui, poppler-utils)")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / source.name
        excerpt(source, copy, rows)
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{work}/profile", "--convert-to", "pdf",
             "--outdir", str(out), str(copy)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    pdf = out / f"{source.stem}.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out / source.stem)], check=True, timeout=300)
    return sorted(out.glob(f"{source.stem}*.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=35)
    args = parser.parse_args()
    pages = render(args.workbook, args.out or args.workbook.parent / "render", args.rows)
    print(f"{len(pages)} pages:")
    for page in pages:
        print(f"  {page}")


if __name__ == "__main__":
    main()
