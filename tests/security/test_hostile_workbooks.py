"""Hostile and broken workbooks: each is refused with a plain message, or read with its problems reported — through
the Python API and through ``arcollect refresh`` — in bounded memory and time, and the input file is never lost.

Each case runs ``arcollect refresh`` in a child process; its CPU time (the work the file costs, the same on a busy
machine; the wall time is printed too) and peak memory (the child's VmHWM) are asserted against `MAX_SECONDS` /
`MAX_RSS_MB` and reported (``record_property``, and a table at the end
of the run: tests/security/conftest.py). The big files are written part by part (tests/fuzz/rawbook.py) once per
session.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from arcollect.book import guard, read
from arcollect.errors import InputError
from arcollect.schema import CUSTOMERS, INVOICES, Customers
from tests.fuzz import rawbook
from tests.integration.workbooks import customer, invoice, make_book

NOW = "2026-11-24T10:00:00+00:00"
MAX_SECONDS = 30
MAX_RSS_MB = 512
EXIT_INPUT_ERROR = 1  # cli.main: every ArcollectError exits 1 (a wrong command line exits 2)
ROWS = 1_048_576
BIG_CELL = 50 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path, Path], Path]  # (base workbook, folder) → the hostile file
    refused: str | None  # a fragment of the InputError message; None: the workbook is read, problems reported


# ---- building the files ----------------------------------------------------------------------------------------


def _base(folder: Path) -> Path:
    return make_book(
        folder,
        customers=[customer("C1"), customer("C2", name="Zweite GmbH")],
        invoices=[invoice("INV-1", "C1", due="2026-10-01"), invoice("INV-2", "C2", due="2026-11-01")],
    )


def _customer_row(customer_id: str, name: str) -> list[object]:
    values = {"Customer ID": customer_id, "Name": name, "Email": f"ap-{customer_id.lower()}@client.example"}
    return [{**values, "Country": "DE"}.get(header) for header in CUSTOMERS.headers]


def _invoice_row(number: str, customer_id: str, amount: float) -> list[object]:
    values = {"Invoice": number, "Customer ID": customer_id, "Invoice date": 46265, "Due date": 46296}
    values |= {"Currency": "EUR", "Amount": amount, "Status": "Open"}
    return [values.get(header) for header in INVOICES.headers]


def _not_a_zip(base: Path, folder: Path) -> Path:
    path = folder / "notes.xlsx"
    path.write_text("Customer,Amount\nC1,100\n")
    return path


def _empty(base: Path, folder: Path) -> Path:
    path = folder / "empty.xlsx"
    path.write_bytes(b"")
    return path


def _encrypted(base: Path, folder: Path) -> Path:
    path = folder / "encrypted.xlsx"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(4088))  # an OLE container, as Excel's encryption
    return path


def _truncated(base: Path, folder: Path) -> Path:
    path = folder / "truncated.xlsx"
    path.write_bytes(base.read_bytes()[: base.stat().st_size * 2 // 3])
    return path


def _not_excel(base: Path, folder: Path) -> Path:
    path = folder / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml" PartName="/word/document.xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<document/>")  # fmt: skip
    return path


def _zip_bomb(base: Path, folder: Path) -> Path:
    """A sheet part of 400 MiB of spaces: about 400 KiB packed, a thousand times larger unpacked."""
    part = rawbook.sheet_part(base, "Customers")
    spaces = (b" " * (1 << 22) for _ in range(100))
    return rawbook.rebuild(base, folder / "bomb.xlsx", replace={part: spaces}, level=1)


def _huge_declared(base: Path, folder: Path) -> Path:
    """The central directory claims 3.75 GiB for a sheet part."""
    path = shutil.copy(base, folder / "huge.xlsx")
    _patch_sizes(Path(path), rawbook.sheet_part(base, "Customers"), central=0xF000_0000)
    return Path(path)


def _lying_bomb(base: Path, folder: Path) -> Path:
    """A 200 MiB part whose directory entries (central and local) claim 4 KiB: only inflating it tells."""
    part = rawbook.sheet_part(base, "Customers")
    path = rawbook.rebuild(base, folder / "lying.xlsx", replace={part: (b" " * (1 << 21) for _ in range(100))}, level=1)
    _patch_sizes(path, part, central=4096, local=4096)
    return path


def _patch_sizes(path: Path, part: str, *, central: int, local: int | None = None) -> None:
    """Overwrite the uncompressed size of `part` in the zip's central directory (and local header)."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    entry = data.find(b"PK\x01\x02")
    while entry >= 0:
        name_length = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if data[entry + 46 : entry + 46 + name_length] == name:
            break
        entry = data.find(b"PK\x01\x02", entry + 4)
    assert entry >= 0
    if int.from_bytes(data[entry + 24 : entry + 28], "little") == 0xFFFFFFFF:  # zip64: the size is in the extra
        extra = entry + 46 + name_length + 4
        data[extra : extra + 8] = central.to_bytes(8, "little")
    else:
        data[entry + 24 : entry + 28] = central.to_bytes(4, "little")
    if local is not None:
        offset = int.from_bytes(data[entry + 42 : entry + 46], "little")
        if int.from_bytes(data[offset + 22 : offset + 26], "little") == 0xFFFFFFFF:
            local_name = int.from_bytes(data[offset + 26 : offset + 28], "little")
            extra = offset + 30 + local_name + 4
            data[extra : extra + 8] = local.to_bytes(8, "little")
        else:
            data[offset + 22 : offset + 26] = local.to_bytes(4, "little")
    path.write_bytes(bytes(data))


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{level} "{("&lol" + str(level - 1) + ";") * 10}">' for level in range(2, 10))
    + "]>"
).replace("&lol1;", "&lol;")


def _laughs_in_sheet(base: Path, folder: Path) -> Path:
    rows = [rawbook.row_xml(1, CUSTOMERS.headers), rawbook.row_xml(2, _customer_row("C1", "NAME"))]
    part = b"".join(rawbook.with_rows(base, "Customers", rows))
    part = part.replace(b"<worksheet", LAUGHS.encode() + b"<worksheet", 1).replace(b">NAME<", b">&lol9;<")
    return rawbook.rebuild(base, folder / "laughs-sheet.xlsx", replace={rawbook.sheet_part(base, "Customers"): part})


def _shared_strings(text: str) -> str:
    return (
        f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="{rawbook.SHEET_NS}" count="1" uniqueCount="1">'
        f"<si><t>{text}</t></si></sst>"
    )


def _laughs_in_shared_strings(base: Path, folder: Path) -> Path:
    part = _shared_strings("&lol9;").encode()
    return rawbook.rebuild(base, folder / "laughs-strings.xlsx", replace={"xl/sharedStrings.xml": part})


def _laughs_in_utf16(base: Path, folder: Path) -> Path:
    part = _shared_strings("&lol9;").replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    return rawbook.rebuild(base, folder / "laughs-utf16.xlsx", replace={"xl/sharedStrings.xml": part.encode("utf-16")})


def _too_many_parts(base: Path, folder: Path) -> Path:
    path = rawbook.rebuild(base, folder / "parts.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
        for number in range(guard.MAX_PARTS + 1):
            archive.writestr(f"customXml/item{number}.xml", b"<a/>")
    return path


def _million_formatted_rows(base: Path, folder: Path) -> Path:
    """Invoices with its header, two invoices, then formatted but empty rows down to Excel's last row."""

    def rows():
        yield rawbook.row_xml(1, INVOICES.headers)
        yield rawbook.row_xml(2, _invoice_row("INV-1", "C1", 1000.0))
        yield rawbook.row_xml(3, _invoice_row("INV-2", "C2", 250.0))
        for row in range(4, ROWS + 1):
            yield f'<row r="{row}" s="1" customFormat="1"><c r="C{row}" s="1"/></row>'

    part = rawbook.sheet_part(base, "Invoices")
    replace = {part: rawbook.with_rows(base, "Invoices", rows(), last_cell=f"N{ROWS}")}
    return rawbook.rebuild(base, folder / "million-rows.xlsx", replace=replace)


def _formulas_everywhere(base: Path, folder: Path) -> Path:
    """Every input cell a formula: most with a cached value (what Excel saves), one without (what tools write)."""

    def formula(column: int, row: int, value: object, *, cached: bool = True) -> str:
        reference = f"{openpyxl.utils.get_column_letter(column)}{row}"
        text = f'"{value}"' if isinstance(value, str) else str(value)
        kind = ' t="str"' if isinstance(value, str) else ""
        cache = f"<v>{value}</v>" if cached else ""
        return f'<c r="{reference}"{kind}><f>IF(TRUE,{text.replace(chr(34), "&quot;")})</f>{cache}</c>'

    customers = [rawbook.row_xml(1, CUSTOMERS.headers)]
    for row, (customer_id, name) in enumerate((("C1", "First AG"), ("C2", "Second SA"), ("C3", "No Cache Ltd")), 2):
        cells = _customer_row(customer_id, name)
        cached = customer_id != "C3"  # C3: only its ID is a plain value, the rest formulas never calculated
        xml = "".join(
            formula(column, row, value, cached=cached) if column > 1 or cached else rawbook.cell(column, row, value)
            for column, value in enumerate(cells, 1)
            if value is not None
        )
        customers.append(f'<row r="{row}">{xml}</row>')
    invoices = [rawbook.row_xml(1, INVOICES.headers)]
    for row, (number, customer_id) in enumerate((("INV-1", "C1"), ("INV-2", "C2")), 2):
        cells = _invoice_row(number, customer_id, 1000)
        xml = "".join(formula(column, row, value) for column, value in enumerate(cells, 1) if value is not None)
        invoices.append(f'<row r="{row}">{xml}</row>')
    replace = {
        rawbook.sheet_part(base, "Customers"): rawbook.with_rows(base, "Customers", customers),
        rawbook.sheet_part(base, "Invoices"): rawbook.with_rows(base, "Invoices", invoices),
    }
    return rawbook.rebuild(base, folder / "formulas.xlsx", replace=replace)


def _merged_header(base: Path, folder: Path) -> Path:
    path = shutil.copy(base, folder / "merged.xlsx")
    book = openpyxl.load_workbook(path)
    book["Customers"].merge_cells("A1:C1")  # the Name and Email headers vanish under Customer ID
    book.save(path)
    return Path(path)


def _hidden_and_renamed(base: Path, folder: Path) -> Path:
    path = shutil.copy(base, folder / "hidden.xlsx")
    book = openpyxl.load_workbook(path)
    book["Customers"].sheet_state = "veryHidden"
    book["Invoices"].title = "Rechnungen"
    book.save(path)
    return Path(path)


def _missing_columns(base: Path, folder: Path) -> Path:
    path = shutil.copy(base, folder / "columns.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Invoices"]
    for cell in sheet[1]:
        if cell.value in ("Amount", "Currency"):
            cell.value = None
    book.save(path)
    return Path(path)


def _duplicates(base: Path, folder: Path, name: str, sheet: str, rows: list[list[object]]) -> Path:
    path = shutil.copy(base, folder / name)
    book = openpyxl.load_workbook(path)
    for row in rows:
        book[sheet].append(row)
    book.save(path)
    return Path(path)


def _duplicate_invoices(base: Path, folder: Path) -> Path:
    return _duplicates(base, folder, "dup-invoices.xlsx", "Invoices", [_invoice_row("INV-1", "C2", 5.0)])


def _duplicate_customers(base: Path, folder: Path) -> Path:
    return _duplicates(base, folder, "dup-customers.xlsx", "Customers", [_customer_row("c1", "Impostor")])


def _big_cell(base: Path, folder: Path) -> Path:
    """A customer whose name is 50 MB of text (letters, so it does not pack like a bomb); Excel's limit is 32,767."""
    letters = bytes(range(97, 123)) * 10
    table = bytes.maketrans(bytes(range(256)), letters[:256])
    name = os.urandom(BIG_CELL).translate(table).decode()
    rows = [rawbook.row_xml(1, CUSTOMERS.headers), rawbook.row_xml(2, _customer_row("C1", name))]
    rows.append(rawbook.row_xml(3, _customer_row("C2", "Zweite GmbH")))
    replace = {rawbook.sheet_part(base, "Customers"): rawbook.with_rows(base, "Customers", rows)}
    return rawbook.rebuild(base, folder / "big-cell.xlsx", replace=replace, level=1)


CASES = [
    Case("not a zip", _not_a_zip, "not a zip archive"),
    Case("empty file", _empty, "is empty"),
    Case("encrypted or .xls", _encrypted, "password-protected"),
    Case("truncated zip", _truncated, "damaged or incomplete"),
    Case("zip but not Excel", _not_excel, "not an Excel workbook"),
    Case("zip bomb (ratio)", _zip_bomb, "zip bomb"),
    Case("zip bomb (declared 3.75 GiB)", _huge_declared, "more than"),
    Case("zip bomb (lying sizes)", _lying_bomb, "disguised zip bomb"),
    Case("billion laughs in a sheet", _laughs_in_sheet, "document type"),
    Case("billion laughs in sharedStrings", _laughs_in_shared_strings, "document type"),
    Case("billion laughs, UTF-16", _laughs_in_utf16, "document type"),
    Case("10,001 parts", _too_many_parts, "parts inside"),
    Case("1,048,576 formatted rows", _million_formatted_rows, None),
    Case("formulas everywhere", _formulas_everywhere, None),
    Case("merged cells over the header", _merged_header, None),
    Case("hidden and renamed sheets", _hidden_and_renamed, None),
    Case("missing required columns", _missing_columns, None),
    Case("duplicate invoice numbers", _duplicate_invoices, None),
    Case("duplicate customers", _duplicate_customers, None),
    Case("50 MB of text in one cell", _big_cell, None),
]


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Case], Path]:
    folder = tmp_path_factory.mktemp("hostile")
    base = _base(tmp_path_factory.mktemp("base"))
    built: dict[str, Path] = {}

    def get(case: Case) -> Path:
        if case.name not in built:
            built[case.name] = case.build(base, folder)
        return built[case.name]

    return get


# ---- running and measuring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    status: int
    output: str
    seconds: float  # the child's CPU time (user + system): what the file costs, however busy the machine
    peak_mb: float
    wall_seconds: float


# ru_maxrss of a child keeps the high-water mark of the (large) pytest process it was forked from, even after exec;
# VmHWM, read by the child itself as it exits, is its own peak. ru_maxrss remains the fallback off Linux.
_CHILD = """
import atexit, pathlib, resource, sys
def peak():
    status = pathlib.Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    kib = next((line.split()[1] for line in lines if line.startswith("VmHWM:")), None)
    pathlib.Path(sys.argv[1]).write_text(kib or str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(peak)
from arcollect.cli import main
sys.exit(main(sys.argv[2:]))
"""


def refresh_in_child(path: Path) -> Run:
    """``arcollect refresh PATH`` in a child process: exit status, output, CPU time, peak RSS (VmHWM), wall time."""
    log, peak = path.with_name(path.name + ".log"), path.with_name(path.name + ".peak")
    environment = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    started, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("wb") as output:
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, str(peak), "refresh", str(path), "--now", NOW],
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environment, cwd=path.parent,
            check=False, timeout=10 * MAX_SECONDS,
        )  # fmt: skip
    wall, done = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (done.ru_utime + done.ru_stime) - (used.ru_utime + used.ru_stime)
    return Run(child.returncode, log.read_text(errors="replace"), cpu, int(peak.read_text()) / 1024, wall)


def _fingerprint(path: Path) -> tuple[str, int, int]:
    info = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), info.st_size, info.st_mtime_ns


def _folder(path: Path) -> set[str]:
    return {entry.name for entry in path.parent.iterdir() if not entry.name.endswith((".log", ".peak"))}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_workbook_is_refused_or_read_in_bounded_time_and_memory(
    case: Case, hostile_files, tmp_path: Path, record_property, request
) -> None:
    path = Path(shutil.copy2(hostile_files(case), tmp_path / hostile_files(case).name))
    before, files_before = _fingerprint(path), _folder(path)

    if case.refused:
        with pytest.raises(InputError, match=case.refused) as raised:
            read.read(path)
        assert path.name in str(raised.value)
    else:
        tables, problems = read.read(path)

    run = refresh_in_child(path)
    record_property("seconds", round(run.seconds, 2))
    record_property("peak_rss_mb", round(run.peak_mb))
    request.config.stash.setdefault(MEASURED, []).append((case.name, run.seconds, run.peak_mb, run.status))
    measured = f"{run.seconds:.1f} s CPU ({run.wall_seconds:.1f} s wall), peak {run.peak_mb:.0f} MB"
    print(f"\n{case.name}: exit {run.status}, {measured}")
    assert run.seconds < MAX_SECONDS and run.peak_mb < MAX_RSS_MB, run

    if case.refused:
        assert run.status == EXIT_INPUT_ERROR, run.output
        message = " ".join(run.output.split())
        assert path.name in message and case.refused in message, run.output
        assert "Traceback" not in run.output
        assert _fingerprint(path) == before, "a refused file is left byte for byte as it was"
        assert _folder(path) == files_before, "nothing is written beside a refused file (no ledger, no side file)"
        return

    assert run.status == 0, run.output
    assert "Traceback" not in run.output
    again, _ = read.read(path)
    for name, frame in tables.items():  # the refresh rewrote output sheets only: the input tables read the same
        assert again[name].equals(frame), name
    CHECKS[case.name](tables, problems, path)


MEASURED = pytest.StashKey[list]()


# ---- what each accepted case must report -------------------------------------------------------------------------


def _where(problems, sheet: str) -> list:
    return [problem for problem in problems if problem.sheet == sheet]


def _million_rows(tables, problems, path: Path) -> None:
    assert list(tables["Invoices"].index) == [2, 3], "the formatted empty rows are not invoices"
    assert not _where(problems, "Invoices")


def _formulas(tables, problems, path: Path) -> None:
    customers = tables["Customers"]
    assert customers.loc[2, Customers.NAME] == "First AG", "a formula's cached value is read"
    assert 4 not in customers.index, "a formula without a saved value is an empty cell"
    assert {(p.row, p.column) for p in _where(problems, "Customers")} >= {(4, "Name"), (4, "Country")}
    book = openpyxl.load_workbook(path)
    assert str(book["Customers"]["B2"].value).startswith("=IF("), "the user's formulas are kept"


def _merged(tables, problems, path: Path) -> None:
    [header] = [p for p in _where(problems, "Customers") if p.row == 1]
    assert "Name" in header.column and "missing from the header row" in header.reason
    assert tables["Customers"].empty


def _hidden(tables, problems, path: Path) -> None:
    assert len(tables["Customers"]) == 2, "a hidden sheet is still read"
    assert any("sheet 'Invoices' is missing" in p.reason for p in _where(problems, "Invoices"))


def _columns(tables, problems, path: Path) -> None:
    [header] = [p for p in _where(problems, "Invoices") if p.row == 1]
    assert "Currency" in header.column and "Amount" in header.column
    assert tables["Invoices"].empty


def _duplicate_invoice_reported(tables, problems, path: Path) -> None:
    [duplicate] = [p for p in _where(problems, "Invoices") if "duplicate" in p.reason]
    assert (duplicate.row, duplicate.column, duplicate.value) == (4, "Invoice", "INV-1")
    assert "first on row 2" in duplicate.reason
    assert tables["Invoices"].loc[2, "customer_id"] == "C1", "the first one is kept"


def _duplicate_customer_reported(tables, problems, path: Path) -> None:
    [duplicate] = [p for p in _where(problems, "Customers") if "duplicate" in p.reason]
    assert (duplicate.row, duplicate.column) == (4, "Customer ID")
    assert tables["Customers"].loc[2, Customers.NAME] == "Customer C1 GmbH"


def _big(tables, problems, path: Path) -> None:
    [problem] = [p for p in _where(problems, "Customers") if p.row == 2]
    assert problem.column == "Name" and "32,767" in problem.reason
    assert len(problem.value) < 300, "the Exceptions sheet shows the start of the text, not 50 MB"
    assert list(tables["Customers"].index) == [3]
    book = openpyxl.load_workbook(path, read_only=True)
    longest = max(len(str(value)) for row in book["Exceptions"].iter_rows(values_only=True) for value in row)
    assert longest <= 32_767


CHECKS = {
    "1,048,576 formatted rows": _million_rows,
    "formulas everywhere": _formulas,
    "merged cells over the header": _merged,
    "hidden and renamed sheets": _hidden,
    "missing required columns": _columns,
    "duplicate invoice numbers": _duplicate_invoice_reported,
    "duplicate customers": _duplicate_customer_reported,
    "50 MB of text in one cell": _big,
}


def test_openpyxl_refuses_entities_by_itself_through_defusedxml(hostile_files) -> None:
    """Defence in depth: were the guard skipped, openpyxl (with defusedxml installed) would still refuse."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
    with pytest.raises(Exception, match=r"(?i)entit|invalid XML") as raised:
        openpyxl.load_workbook(hostile_files(CASES[8]))
    assert "EntitiesForbidden" in repr(raised.value.__cause__ or raised.value)


def test_calamine_does_not_expand_entities(hostile_files) -> None:
    """python-calamine stops at an entity it does not know (quick-xml does not expand DTD entities). Its message
    names the unknown entity ("entity", or "Unrecognized escape symbol" from the quick-xml of python-calamine 0.3)."""
    import python_calamine

    with pytest.raises(python_calamine.CalamineError, match=r"entity|Unrecognized escape symbol: \"lol9\""):
        book = python_calamine.CalamineWorkbook.from_path(str(hostile_files(CASES[9])))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le"])
def test_a_doctype_split_across_two_reads_of_a_part_is_still_refused(tmp_path, encoding) -> None:
    """`<!DO` ends one piece the guard reads and `CTYPE worksheet>` starts the next (no `<!ENTITY`, so no piece
    holds a whole declaration): only the tail carried over from the first piece finds it. The sheet is a stored
    part, which the guard reads from the file in `_STEP` pieces."""
    source = make_book(tmp_path, customers=[customer("C1")], invoices=[invoice("I-1", "C1", due="2026-11-10")])
    with zipfile.ZipFile(source) as original:
        sheet = next(n for n in original.namelist() if n.startswith("xl/worksheets/sheet"))
        body = original.read(sheet).decode("utf-8")
    body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
    head = f'<?xml version="1.0" encoding="{encoding.upper()[:6]}"?>\n'.encode(encoding)
    declaration = "<!DOCTYPE worksheet>".encode(encoding)
    split_at = guard._STEP - len("<!DO".encode(encoding))
    data = head + b" " * (split_at - len(head)) + declaration + body.encode(encoding)
    hostile = tmp_path / "split.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(hostile, "w") as out:
        for item in original.infolist():
            if item.filename == sheet:
                out.writestr(sheet, data, compress_type=zipfile.ZIP_STORED)
            else:
                out.writestr(item, original.read(item.filename))
    with zipfile.ZipFile(hostile) as archive, hostile.open("rb") as handle:  # the pieces really split it
        part = archive.getinfo(sheet)
        handle.seek(part.header_offset + 30 + len(part.filename.encode()) + len(part.extra))
        pieces = list(guard._unpacked(handle, part))
    assert b"".join(pieces) == data and len(pieces[0]) == guard._STEP
    assert pieces[0].endswith("<!DO".encode(encoding)) and pieces[1].startswith("CTYPE".encode(encoding))
    with pytest.raises(InputError, match="declares an XML document type"):
        guard.check(hostile)
