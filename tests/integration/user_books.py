"""Workbooks as a user makes them: `arcollect new`, rows pasted in, a formula or two, a logo — saved by LibreOffice.

LibreOffice headless recalculates and saves an .xlsx the way a spreadsheet program does: every formula with its
cached value, every Boolean as ``=TRUE()``/``=FALSE()`` (a formula with a cached value), its own part names and
shared strings. That is the workbook arcollect meets in real life, not the one openpyxl writes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from arcollect.book import template

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in Berlin and Paris

CUSTOMERS = [
    # id, name, country, language, do not contact, auto-pay
    ("K100", "Nordlicht GmbH", "DE", "de", False, False),
    ("K101", "Atelier Lumière SARL", "FR", "fr", "=TRUE()", False),  # a formula: LibreOffice keeps =TRUE()
    ("K102", "Harbour Tools Ltd", "GB", "en", True, False),
    ("K103", "Molen BV", "NL", "nl", False, True),
    ("K104", "Rheinstahl AG", "DE", "de", False, "=1=1"),  # auto-pay by formula
    ("K105", "Costa Azul SL", "ES", "es", False, False),
    ("K106", "Brennero Srl", "IT", "it", False, False),
]
INVOICE_DATES = [dt.date(2026, 8, 3), dt.date(2026, 9, 1), dt.date(2026, 9, 28), dt.date(2026, 10, 19)]


def fill(book: openpyxl.Workbook, sheet: str, rows: list[dict[str, Any]]) -> None:
    """Paste `rows` under the header of `sheet` by header name, as a user pastes them (row 2 on)."""
    target = book[sheet]
    header = {cell.value: cell.column for cell in target[1] if cell.value}
    target.delete_rows(2, target.max_row)
    for number, row in enumerate(rows, start=2):
        for name, value in row.items():
            target.cell(row=number, column=header[name], value=value)
    for table in target.tables.values():
        first, last = table.ref.split(":")
        table.ref = f"{first}:{''.join(ch for ch in last if ch.isalpha())}{len(rows) + 1}"


SETTINGS = {  # what `send` needs before anything goes out (readiness.send_refusals)
    "CompanyName": "Lindqvist Maschinenbau GmbH",
    "SenderName": "Lindqvist Accounts Receivable",
    "SenderMailbox": "ar@lindqvist.example.com",
    "IBAN": "DE89370400440532013000",
}


def user_book(path: Path) -> Path:
    """An `arcollect new` workbook with its Settings filled in, customers, invoices whose due dates are formulas,
    and a notes sheet."""
    book = template.build()
    for row in book["Settings"].iter_rows(min_row=2):
        if row[0].value in SETTINGS:
            row[1].value = SETTINGS[row[0].value]
    fill(
        book,
        "Customers",
        [
            {
                "Customer ID": key,
                "Name": name,
                "Email": f"ap@{key.lower()}.example.com",
                "Country": country,
                "Language": language,
                "Currency": "EUR",
                "Payment terms": "net 30",
                "Do not contact": no_contact,
                "Auto-pay": auto_pay,
            }
            for key, name, country, language, no_contact, auto_pay in CUSTOMERS
        ],
    )
    invoices = []
    for position, (key, *_rest) in enumerate(CUSTOMERS):
        for offset, day in enumerate(INVOICE_DATES):
            row = len(invoices) + 2
            invoices.append(
                {
                    "Invoice": f"R-{2026}{position:02d}{offset}",
                    "Customer ID": key,
                    "Invoice date": day,
                    "Due date": f"=C{row}+30",  # the user's own formula
                    "Currency": "EUR",
                    "Amount": 1000.0 + 137.5 * position + 10 * offset,
                    "Status": "Open",
                }
            )
    fill(book, "Invoices", invoices)
    notes = book.create_sheet("My notes")
    notes["A1"] = "Open total"
    notes["B1"] = "=SUM(Invoices!F2:F200)"
    notes["A2"] = "Checked by"
    notes["B2"] = "M. Müller"
    book.save(path)
    add_logo(path, "My notes")
    return path


def libreoffice_save(source: Path, folder: Path) -> Path:
    """`source` opened, recalculated and saved as .xlsx by LibreOffice headless; returns the new file."""
    executable = shutil.which("soffice")
    if executable is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = folder / "libreoffice"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [executable, "--headless", f"-env:UserInstallation=file://{folder}/lo-profile", "--calc",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return out / source.name


def sheet_xml(path: Path) -> dict[str, bytes]:
    """Each sheet's part, by title (the whole XML: cells, formulas with their values, everything around them)."""
    from arcollect.book.parts import sheet_parts

    with zipfile.ZipFile(path) as archive:
        return {title: archive.read(part) for title, part in sheet_parts(archive).items()}


def _png(width: int = 8, height: int = 8) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    pixels = b"".join(b"\x00" + b"\x1f\x4e\x78" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")


LOGO = _png()


def add_logo(path: Path, sheet: str) -> None:
    """Put a picture (a PNG logo) on `sheet`, as Excel stores one: media, a drawing and their relationships."""
    from arcollect.book.parts import sheet_parts

    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
        part = sheet_parts(archive)[sheet]
    folder, name = part.rsplit("/", 1)
    rels = f"{folder}/_rels/{name}.rels"
    assert rels not in entries, "the notes sheet has no drawing yet"
    entries["xl/media/logo1.png"] = LOGO
    entries["xl/drawings/drawing9.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b"<xdr:oneCellAnchor><xdr:from><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>0</xdr:row>"
        b'<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="914400" cy="914400"/>'
        b'<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="Company logo"/><xdr:cNvPicPr/></xdr:nvPicPr>'
        b'<xdr:blipFill><a:blip r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
        b'<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/>'
        b"</xdr:oneCellAnchor></xdr:wsDr>"
    )
    entries["xl/drawings/_rels/drawing9.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        b'Target="../media/logo1.png"/></Relationships>'
    )
    entries[rels] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing" '
        b'Target="../drawings/drawing9.xml"/></Relationships>'
    )
    data = entries[part]
    closing = data.rindex(b"</worksheet>")
    entries[part] = data[:closing] + b'<drawing r:id="rId1"/>' + data[closing:]
    if b'xmlns:r="' not in data[: data.index(b">", data.index(b"<worksheet")) + 1]:
        entries[part] = entries[part].replace(
            b"<worksheet ",
            b'<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ',
            1,
        )
    types = entries["[Content_Types].xml"]
    closing = types.rindex(b"</Types>")
    entries["[Content_Types].xml"] = (
        types[:closing]
        + b'<Default Extension="png" ContentType="image/png"/>'
        + b'<Override PartName="/xl/drawings/drawing9.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>' + types[closing:]
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
