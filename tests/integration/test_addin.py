"""The built `arcollect.xlam`, read by tools that did not write it: oletools, LibreOffice, openpyxl, zipfile.

Excel itself is not available here; what these readers cannot vouch for is listed in the builder's closing note.
Most tests build against a small fixture module of cell functions so they do not depend on the real
`arcollect.excel.udfs`; the tests against the real module say so in their names.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import xlwings

from arcollect.errors import ConfigError
from arcollect.excel.addin import build as builder
from arcollect.excel.addin import package

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "addin" / "arcollect" / "excel" / "addin"
COMMITTED = ROOT / "workbook" / "arcollect.xlam"
RIBBON_FUNCTIONS = {"refresh", "preview", "send", "dashboard", "import_open_items", "test_connection", "open_log"}
FIXTURE_MODULE = "arcollect_fixture_udfs"
FIXTURE_SOURCE = '''
import xlwings as xw
from xlwings import func


@xw.func
@xw.arg("due", doc="Due dates")
def AR_DAYS_PAST_DUE(due, as_of=None):
    """Days past due."""
    return 0


@xw.func(category="arcollect", volatile=True)
def AR_BUCKET(due, as_of=None, edges="0,30,60,90,120"):
    return "Current"


@func
def AR_TOTAL(*amounts):
    return 0


@xw.func
def AR_WHERE(value, caller):
    return caller


def not_a_cell_function(x):
    return x
'''
_XLSM_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_FUNCTION = re.compile(r"^Function (\w+)\((.*)\)\r?$", re.MULTILINE)
_RUN_PYTHON = re.compile(r'RunPython\s+"([^"]*)"')
_CALLBACK = re.compile(r"^Sub (\w+)\(control As IRibbonControl\)\r?$", re.MULTILINE)


@pytest.fixture(scope="module")
def fixture_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("udfs")
    (folder / f"{FIXTURE_MODULE}.py").write_text(textwrap.dedent(FIXTURE_SOURCE), encoding="utf-8")
    sys.path.insert(0, str(folder))
    yield FIXTURE_MODULE
    sys.path.remove(str(folder))
    sys.modules.pop(FIXTURE_MODULE, None)


@pytest.fixture(scope="module")
def addin(tmp_path_factory: pytest.TempPathFactory, fixture_module: str) -> Path:
    return builder.build(tmp_path_factory.mktemp("addin") / "arcollect.xlam", udf_module=fixture_module)


@pytest.fixture(scope="module")
def extracted(addin: Path) -> dict[str, tuple[str, str]]:
    """Module name → (file name olevba gives it, source olevba extracts)."""
    parser = VBA_Parser(str(addin))
    try:
        return {
            stream.split("/")[-1]: (filename, code) for _, stream, filename, code in parser.extract_macros() if stream
        }
    finally:
        parser.close()


def _crlf(text: str) -> str:
    return "\r\n".join(text.splitlines()) + "\r\n"


def _real_udfs() -> object:
    """The real module; a failure to import it is a failure of these tests, never a skip."""
    return importlib.import_module("arcollect.excel.udfs")


def test_olevba_extracts_every_module_exactly_as_written(extracted: dict[str, tuple[str, str]]) -> None:
    installed = Path(xlwings.__file__).with_name("xlwings_custom_addin.bas").read_text(encoding="cp1252")
    expected_xlwings = installed.replace(
        'Public Const PROJECT_NAME As String = "myaddin"', 'Public Const PROJECT_NAME As String = "arcollect"', 1
    )
    assert set(extracted) == {"ThisWorkbook", "Sheet1", "Ribbon", "xlwings", "arcollect_udfs"}
    assert extracted["Ribbon"][1] == _crlf((SOURCES / "Ribbon.bas").read_text(encoding="utf-8"))
    assert extracted["xlwings"][1] == _crlf(expected_xlwings)
    assert "'xlwings is distributed under a BSD 3-clause license." in extracted["xlwings"][1]
    assert extracted["arcollect_udfs"][1] == builder.udf_wrappers.vba_module(FIXTURE_MODULE, "arcollect_udfs")
    assert extracted["ThisWorkbook"][1].startswith('Attribute VB_Name = "ThisWorkbook"\r\n')
    assert extracted["Sheet1"][1].startswith('Attribute VB_Name = "Sheet1"\r\n')


def test_document_modules_are_classes_and_the_others_standard_modules(extracted: dict[str, tuple[str, str]]) -> None:
    extensions = {name: filename.rsplit(".", 1)[1] for name, (filename, _) in extracted.items()}
    assert extensions == {
        "ThisWorkbook": "cls",
        "Sheet1": "cls",
        "Ribbon": "bas",
        "xlwings": "bas",
        "arcollect_udfs": "bas",
    }


def test_every_ribbon_button_calls_an_existing_callback(addin: Path, extracted: dict[str, tuple[str, str]]) -> None:
    with zipfile.ZipFile(addin) as archive:
        custom_ui = ET.fromstring(archive.read(package.CUSTOM_UI_PART))
    actions = [element.attrib["onAction"] for element in custom_ui.iter() if "onAction" in element.attrib]
    labels = {element.attrib.get("label") for element in custom_ui.iter()}
    assert {"Collections", "Refresh", "Preview reminders", "Send reminders", "Dashboard"} <= labels
    assert {"Import open items", "Test connection", "Open log"} <= labels
    assert len(actions) == 7
    assert set(actions) <= set(_CALLBACK.findall(extracted["Ribbon"][1]))


def test_every_run_python_call_names_a_function_of_the_ribbon_module(extracted: dict[str, tuple[str, str]]) -> None:
    ribbon = importlib.import_module("arcollect.excel.ribbon")
    called = set()
    for command in _RUN_PYTHON.findall(extracted["Ribbon"][1]):
        statements = ast.parse(command).body
        assert isinstance(statements[0], ast.Import)
        assert statements[0].names[0].name == "arcollect.excel.ribbon"
        alias = statements[0].names[0].asname
        call = statements[1].value
        assert isinstance(call, ast.Call) and not call.args and not call.keywords
        assert isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
        assert call.func.value.id == alias
        called.add(call.func.attr)
    assert called == RIBBON_FUNCTIONS
    for name in called:
        function = getattr(ribbon, name, None)
        assert callable(function), name
        required = [p for p in inspect.signature(function).parameters.values() if p.default is p.empty]
        assert not [p for p in required if p.kind is not p.VAR_POSITIONAL], f"{name} cannot be called without arguments"


def _wrapper_signatures(vba: str) -> dict[str, list[str]]:
    return {name: [a.strip() for a in args.split(",") if a.strip()] for name, args in _FUNCTION.findall(vba)}


def _expected_signature(function: object) -> list[str]:
    expected = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name == "caller":
            continue
        if parameter.kind is parameter.VAR_POSITIONAL:
            expected.append(f"ParamArray {parameter.name}()")
        elif parameter.default is not parameter.empty:
            expected.append(f"Optional {parameter.name}")
        else:
            expected.append(parameter.name)
    return expected


def test_every_udf_wrapper_matches_its_python_function(extracted: dict[str, tuple[str, str]]) -> None:
    module = importlib.import_module(FIXTURE_MODULE)
    wrappers = _wrapper_signatures(extracted["arcollect_udfs"][1])
    assert set(wrappers) == {"AR_DAYS_PAST_DUE", "AR_BUCKET", "AR_TOTAL", "AR_WHERE"}
    for name, arguments in wrappers.items():
        assert arguments == _expected_signature(getattr(module, name)), name
    vba = extracted["arcollect_udfs"][1]
    assert (
        f'AR_BUCKET = ArcollectErrors(XLPy.CallUDF("{FIXTURE_MODULE}", "AR_BUCKET", Array(due, as_of, edges), '
        "ActiveWorkbook, Application.Caller))"
    ) in vba
    assert f'XLPy.CallUDF("{FIXTURE_MODULE}", "AR_WHERE", Array(value, Nothing), ActiveWorkbook' in vba
    assert "Application.Volatile" in vba.split("Function AR_BUCKET")[1].split("End Function")[0]


def test_error_text_from_python_becomes_excel_error_values_in_the_wrappers(extracted: dict[str, tuple[str, str]]):
    vba = extracted["arcollect_udfs"][1]
    helper = vba.split("Private Function ArcollectError(")[1].split("End Function")[0]
    for text, error in (("#VALUE!", "xlErrValue"), ("#N/A", "xlErrNA"), ("#DIV/0!", "xlErrDiv0")):
        assert f'Case "{text}": ArcollectError = CVErr({error})' in helper
    from arcollect.excel import udfs

    assert {udfs.VALUE, udfs.NA, udfs.DIV0} == {"#VALUE!", "#N/A", "#DIV/0!"}, "the texts the cell functions return"


def test_the_real_udf_wrappers_match_arcollect_excel_udfs(tmp_path: Path) -> None:
    module = _real_udfs()
    built = builder.build(tmp_path / "arcollect.xlam")
    parser = VBA_Parser(str(built))
    try:
        vba = next(code for _, stream, _, code in parser.extract_macros() if stream.endswith("/arcollect_udfs"))
    finally:
        parser.close()
    wrappers = _wrapper_signatures(vba)
    source = inspect.getsource(module)
    decorated = set(re.findall(r"@(?:xw|xlwings)\.func(?:\(.*\))?\s*\n(?:@.*\n)*(?:async )?def (\w+)", source))
    assert decorated, "arcollect.excel.udfs declares no @xw.func functions"
    assert set(wrappers) == decorated
    for name, arguments in wrappers.items():
        assert arguments == _expected_signature(getattr(module, name)), name


def _soffice(tmp_path: Path, source: Path, target: str) -> subprocess.CompletedProcess[str]:
    """LibreOffice does not detect add-ins by their content type, so the macro-enabled workbook filter is named."""
    executable = shutil.which("soffice")
    if executable is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return subprocess.run(
        [
            executable,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--infilter=Calc MS Excel 2007 VBA XML",
            "--convert-to",
            target,
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_libreoffice_opens_the_addin_and_converts_it(addin: Path, tmp_path: Path) -> None:
    result = _soffice(tmp_path, addin, "xlsx")
    converted = tmp_path / "out" / "arcollect.xlsx"
    assert result.returncode == 0, result.stderr
    assert "could not be loaded" not in result.stderr + result.stdout
    assert converted.exists(), result.stdout + result.stderr
    assert openpyxl.load_workbook(converted).sheetnames == ["Sheet1"]


def test_libreoffices_own_vba_reader_finds_every_module(addin: Path, tmp_path: Path) -> None:
    """LibreOffice parses `dir` and decompresses each module itself; it keeps them as a Basic library."""
    result = _soffice(tmp_path, addin, "ods")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "out" / "arcollect.ods") as archive:
        names = set(archive.namelist())
        ribbon = archive.read("Basic/arcollect/Ribbon.xml").decode("utf-8")
        this_workbook = archive.read("Basic/arcollect/ThisWorkbook.xml").decode("utf-8")
    expected = {f"Basic/arcollect/{m}.xml" for m in ("ThisWorkbook", "Sheet1", "Ribbon", "xlwings", "arcollect_udfs")}
    assert expected <= names
    assert "VBAModule" in ribbon and "VBADocumentModule" in this_workbook
    assert "r.import_open_items()" in ribbon


def _as_macro_workbook(path: Path) -> io.BytesIO:
    """The same package with the add-in's main content type swapped for a macro-enabled workbook's.

    openpyxl knows no add-in content type: it refuses every .xlam, xlwings' own quickstart add-in included.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(package.ADDIN_CONTENT_TYPE.encode(), _XLSM_CONTENT_TYPE.encode())
            target.writestr(item, data)
    buffer.seek(0)
    return buffer


def test_the_package_is_a_sound_zip_that_openpyxl_loads_with_its_vba(addin: Path) -> None:
    with zipfile.ZipFile(addin) as archive:
        assert archive.testzip() is None
        content_types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("_rels/.rels").decode()
        workbook_rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        assert archive.namelist()[0] == "[Content_Types].xml"
    assert package.ADDIN_CONTENT_TYPE in content_types and package.VBA_PROJECT_CONTENT_TYPE in content_types
    assert f'Type="{package.CUSTOM_UI_RELATIONSHIP}" Target="{package.CUSTOM_UI_PART}"' in rels
    assert package.VBA_PROJECT_RELATIONSHIP in workbook_rels
    book = openpyxl.load_workbook(_as_macro_workbook(addin), keep_vba=True)
    assert book.sheetnames == ["Sheet1"]
    assert book.code_name == "ThisWorkbook" and book["Sheet1"].sheet_properties.codeName == "Sheet1"
    assert book.vba_archive is not None and "xl/vbaProject.bin" in book.vba_archive.namelist()
    book.vba_archive.close()  # openpyxl leaves it open; left to the garbage collector it warns about a closed file


def test_openpyxl_refuses_genuine_excel_addins_too() -> None:
    """Why the test above presents the add-in as a macro workbook: openpyxl has no reader for add-ins at all."""
    genuine = Path(xlwings.__file__).with_name("quickstart_addin.xlam")
    with genuine.open("rb") as handle, pytest.raises(OSError, match="no valid workbook part"):
        openpyxl.load_workbook(handle, keep_vba=True)
    book = openpyxl.load_workbook(_as_macro_workbook(genuine), keep_vba=True)
    assert book.sheetnames
    book.vba_archive.close()


def test_two_builds_give_identical_bytes(addin: Path, tmp_path: Path, fixture_module: str) -> None:
    again = builder.build(tmp_path / "again.xlam", udf_module=fixture_module)
    assert again.read_bytes() == addin.read_bytes()


def test_the_committed_addin_is_what_the_real_sources_build(tmp_path: Path) -> None:
    _real_udfs()
    fresh = builder.build(tmp_path / "arcollect.xlam")
    assert COMMITTED.exists(), "workbook/arcollect.xlam is missing: run python -m arcollect.excel.addin.build"
    assert COMMITTED.read_bytes() == fresh.read_bytes(), "workbook/arcollect.xlam is stale: rebuild it"


def test_the_build_fails_plainly_when_the_cell_functions_do_not_import(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not import"):
        builder.build(tmp_path / "x.xlam", udf_module="arcollect_no_such_module")
    assert not (tmp_path / "x.xlam").exists()


def test_the_build_refuses_a_button_without_a_callback(
    tmp_path: Path, fixture_module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_source = builder.source

    def source(name: str) -> str:
        text = real_source(name)
        return text.replace('onAction="OnOpenLog"', 'onAction="OnNothing"') if name == "customUI.xml" else text

    monkeypatch.setattr(builder, "source", source)
    with pytest.raises(ConfigError, match="OnNothing"):
        builder.build(tmp_path / "x.xlam", udf_module=fixture_module)


def test_main_builds_to_the_path_given_or_says_why_not(
    tmp_path: Path, fixture_module: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(builder, "UDF_MODULE", fixture_module)
    assert builder.main([str(tmp_path / "a.xlam")]) == 0
    assert (tmp_path / "a.xlam").exists()
    monkeypatch.setattr(builder, "UDF_MODULE", "arcollect_no_such_module")
    assert builder.main([str(tmp_path / "b.xlam")]) == 1
    assert "does not import" in capsys.readouterr().err
    assert builder.main([str(tmp_path / "c.xlam"), "--oops"]) == 2


def test_the_function_wizard_help_comes_from_the_python_docstrings_and_arg_docs(tmp_path: Path) -> None:
    module = _real_udfs()
    built = builder.build(tmp_path / "arcollect.xlam")
    parser = VBA_Parser(str(built))
    try:
        code = {name: text for _, _, name, text in parser.extract_macros()}
    finally:
        parser.close()
    workbook_module = code["ThisWorkbook.cls"].replace("\r\n", "\n")
    assert "Private Sub Workbook_Open()\n    RegisterArcollectFunctions\n" in workbook_module
    register = code["arcollect_udfs.bas"].split("Public Sub RegisterArcollectFunctions()")[1]
    for name in ("AR_DAYS_PAST_DUE", "AR_BUCKET", "AR_LATE_INTEREST", "AR_FX", "AR_CEI"):
        first_line = inspect.getdoc(getattr(module, name)).splitlines()[0].replace('"', '""')
        line = next(text for text in register.splitlines() if f'Macro:="{name}"' in text)
        assert f'Description:="{first_line}"' in line and 'Category:="arcollect"' in line
    assert 'ArgumentDescriptions:=Array("Due date(s): a cell or a column of dates.", "Date to count to' in register
