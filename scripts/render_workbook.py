"""Look at a workbook as a person would: LibreOffice (headless) prints it to PDF, pdftoppm makes PNG pages.

    .venv/bin/python scripts/render_workbook.py demo/arcollect-demo.xlsx --out demo/render --rows 35

The workbook prints as it is: its own page setup (orientation, fit to width, print titles, breaks), fonts and
charts — a copy differs only in a print area per sheet (the first ROWS rows, so the demo's sheets do not print to
thousands of pages; the Dashboard keeps 90) and a page header naming the sheet, which maps pages to sheets. The
copy is edited in its XML, never re-saved by openpyxl, which would drop the Dashboard's charts. Writes
``<nn>-<Sheet>-p<k>.png`` per printed page (up to --pages per sheet; hidden sheets are left out) and the PDF.
Needs `soffice` and `pdftoppm`, `pdftotext` (Debian: libreoffice-calc-nogui, poppler-utils); for widths as Excel
draws them, the Calibri-metric font Carlito (fonts-crosextra-carlito).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

_HEADER = "<oddHeader>&amp;L&amp;A</oddHeader>"  # the sheet's name, top left of every page
_AFTER_PAGE_SETUP = re.compile(  # CT_Worksheet elements that follow headerFooter
    r"<(rowBreaks|colBreaks|customProperties|cellWatches|ignoredErrors|smartTags|drawing|legacyDrawing|"
    r"legacyDrawingHF|picture|oleObjects|controls|webPublishItems|tableParts|extLst)[ >/]"
)
_DASHBOARD_ROWS = 90


def excerpt(source: Path, target: Path, rows: int) -> list[str]:
    """Copy `source` to `target` with a print area of the first `rows` rows per sheet and the sheet's name as page
    header; returns the titles of the sheets that print, in order."""
    with zipfile.ZipFile(source) as package:
        names = package.namelist()
        workbook = package.read("xl/workbook.xml").decode()
        relations = package.read("xl/_rels/workbook.xml.rels").decode()
        targets = {
            match["id"]: match["target"]
            for element in re.findall(r"<Relationship\b[^>]*>", relations)
            if (match := _attributes(element))
        }
        sheets = [_attributes(element) for element in re.findall(r"<sheet\b[^>]*>", workbook)]
        changed: dict[str, bytes] = {}
        areas, printed = [], []
        for index, sheet in enumerate(sheets):
            part = targets[sheet["r:id"]].lstrip("/")
            part = part if part.startswith("xl/") else f"xl/{part}"
            xml = package.read(part).decode()
            dimension = re.search(r'<dimension ref="([A-Z]+)\d+(?::([A-Z]+)\d+)?"', xml)
            first, last = (dimension[1], dimension[2] or dimension[1]) if dimension else ("A", "Z")
            title = sheet["name"]
            limit = _DASHBOARD_ROWS if title == "Dashboard" else rows
            quoted = escape(title.replace("'", "''"), {'"': "&quot;"})
            areas.append(
                f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">\'{quoted}\'!${first}$1:${last}${limit}'
                "</definedName>"
            )
            opening = re.search(r"<headerFooter\b[^>]*?(/?)>", xml)
            if opening and not opening[1]:
                xml = xml[: opening.end()] + _HEADER + xml[opening.end() :]
            else:
                xml = xml.replace(opening[0], "") if opening else xml
                anchor = _AFTER_PAGE_SETUP.search(xml)
                at = anchor.start() if anchor else xml.rindex("</worksheet>")
                xml = xml[:at] + f"<headerFooter>{_HEADER}</headerFooter>" + xml[at:]
            changed[part] = xml.encode()
            if sheet.get("state", "visible") == "visible":
                printed.append(title)
        workbook = re.sub(r'<definedName name="_xlnm\.Print_Area"[^>]*>[^<]*</definedName>', "", workbook)
        if "<definedNames>" in workbook:
            workbook = workbook.replace("<definedNames>", "<definedNames>" + "".join(areas), 1)
        else:
            workbook = workbook.replace("</sheets>", "</sheets><definedNames>" + "".join(areas) + "</definedNames>", 1)
        changed["xl/workbook.xml"] = workbook.encode()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
            for name in names:
                copy.writestr(name, changed.get(name) or package.read(name))
    return printed


def _attributes(element: str) -> dict[str, str]:
    return {key.lower() if key in ("Id", "Target") else key: value for key, value in
            re.findall(r'([\w:]+)="([^"]*)"', element)}  # fmt: skip


def render(source: Path, out: Path, rows: int, pages_per_sheet: int = 6) -> list[Path]:
    for tool in ("soffice", "pdftoppm", "pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian: libreoffice-calc-nogui, poppler-utils)")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / source.name
        printed = excerpt(source, copy, rows)
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{work}/profile", "--convert-to", "pdf",
             "--outdir", str(out), str(copy)],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    pdf = out / f"{source.stem}.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    count: dict[str, int] = {}
    written = []
    for page in range(1, int(re.search(r"Pages:\s+(\d+)", info)[1]) + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        head = text.splitlines()[0].strip() if text else ""
        title = next((name for name in printed if head == name or head.startswith(f"{name} ")), None)
        if title is None:
            continue  # a hidden sheet LibreOffice printed anyway
        count[title] = count.get(title, 0) + 1
        if count[title] > pages_per_sheet:
            continue
        stem = out / f"{printed.index(title):02d}-{title}-p{count[title]}"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", "-f", str(page), "-l", str(page), str(pdf), str(stem)],
            check=True,
            timeout=300,
        )
        written.append(stem.with_suffix(".png"))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=35)
    parser.add_argument("--pages", type=int, default=6, help="pages per sheet to keep as PNG")
    args = parser.parse_args()
    pages = render(args.workbook, args.out or args.workbook.parent / "render", args.rows, args.pages)
    print(f"{len(pages)} pages:")
    for page in pages:
        print(f"  {page}")


if __name__ == "__main__":
    main()
