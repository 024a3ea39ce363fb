"""The built `arcollect.xlam`, read by tools that did not write it: oletools, LibreOffice, openpyxl, zipfile.

Excel itself is not available here; what these readers cannot vouch for is listed in the builder's closing note.
Most tests build against a small fixture module of cell functions so they do not depend on the real
`arcollect.excel.udfs`; the tests against the real module say so in their names.
"""

from __future__ import annotations

import ast
import hashlib
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
from arcollect.excel.addin import package, ribbon_schema, udf_wrappers

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "addin" / "arcollect" / "excel" / "addin"
COMMITTED = ROOT / "workbook" / "arcollect.xlam"
RIBBON_FUNCTIONS = {
    "refresh",
    "preview",
    "send",
    "approve",
    "dashboard",
    "import_open_items",
    "import_bank_statement",
    "test_connection",
    "open_log",
}
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
    assert set(extracted) == {"ThisWorkbook", "Sheet1", "Ribbon", "xlwings", "Dictionary", "arcollect_udfs"}
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
        "Dictionary": "cls",
        "arcollect_udfs": "bas",
    }


def test_the_dictionary_class_is_the_one_xlwings_ships_in_its_own_addin(extracted: dict[str, tuple[str, str]]):
    """xlwings' module uses `Dictionary` under `#If Mac`; the class is stored as the VBA editor stores it."""
    parser = VBA_Parser(str(Path(xlwings.__file__).with_name("quickstart_addin.xlam")))
    try:
        theirs = next(code for _, stream, _, code in parser.extract_macros() if stream.endswith("/Dictionary"))
    finally:
        parser.close()
    ours = extracted["Dictionary"][1]
    assert ours.startswith('Attribute VB_Name = "Dictionary"\r\nAttribute VB_Base = "0{FCFB3D2A-')
    assert ours.casefold() == theirs.casefold()  # the editor re-cases identifiers (err/Err); VBA ignores case
    assert "Dim d As Dictionary" in extracted["xlwings"][1]


def test_the_addin_runs_no_code_when_it_opens(extracted: dict[str, tuple[str, str]]) -> None:
    """No Workbook_Open or Auto_Open anywhere: opening the add-in runs nothing, as xlwings' add-ins."""
    for name, (_, code) in extracted.items():
        assert not re.search(r"(?im)^\s*(?:Private\s+|Public\s+)?Sub\s+(Workbook_Open|Auto_?Open)\b", code), name
    assert extracted["ThisWorkbook"][1].rstrip().endswith("Attribute VB_Customizable = True")


def test_nothing_needs_trust_access_to_the_vba_project_object_model(extracted: dict[str, tuple[str, str]]) -> None:
    """Only xlwings' "Import Functions" edits a VBA project (VBProject.VBComponents); the add-in never calls it."""
    ours = {name: code for name, (_, code) in extracted.items() if name != "xlwings"}
    for name, code in ours.items():
        assert not re.search(r"(?i)\bVBProject\b|\bVBComponents\b|ImportPythonUDFs|ImportXlwingsUdfsModule", code), name
    xlwings_module = extracted["xlwings"][1]
    editing = {"ImportXlwingsUdfsModule"}  # the one procedure of xlwings' module that touches VBProject
    assert (
        set(re.findall(r"(?im)^Sub (\w+)\([^)]*\)\r?\n(?:(?!^End Sub).)*?VBProject", xlwings_module, re.S)) == editing
    )
    ribbon_py = (ROOT / "addin" / "arcollect" / "excel" / "ribbon.py").read_text(encoding="utf-8")
    assert "import_udfs" not in ribbon_py and "VBProject" not in ribbon_py
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'needs no "Trust access to\nthe VBA project object model"' in readme


def test_mraptor_rates_the_addin_like_xlwings_own_quickstart_addin(addin: Path) -> None:
    """oletools' mraptor flags auto-run + write/execute as SUSPICIOUS (mail gateways quarantine that)."""
    from oletools import mraptor

    def rating(path: Path) -> tuple[bool, bool, bool, bool]:
        parser = VBA_Parser(str(path))
        try:
            code = "\n".join(text for _, _, _, text in parser.extract_macros())
        finally:
            parser.close()
        raptor = mraptor.MacroRaptor(code)
        raptor.scan()
        return raptor.autoexec, raptor.write, raptor.execute, raptor.suspicious

    quickstart = rating(Path(xlwings.__file__).with_name("quickstart_addin.xlam"))
    ours = rating(addin)
    assert quickstart == (False, True, True, False)
    assert ours == quickstart
    real = rating(COMMITTED)
    assert real == quickstart


def test_the_addin_records_the_xlwings_it_was_built_from(addin: Path, extracted: dict[str, tuple[str, str]]) -> None:
    assert package.xlwings_version(addin) == xlwings.__version__
    assert f'Public Const XLWINGS_VERSION As String = "{xlwings.__version__}"' in extracted["xlwings"][1]
    assert f'"xlwings64-{xlwings.__version__}.dll"' in extracted["xlwings"][1]
    assert package.xlwings_version(Path(xlwings.__file__).with_name("quickstart_addin.xlam")) is None


def test_every_ribbon_button_calls_an_existing_callback(addin: Path, extracted: dict[str, tuple[str, str]]) -> None:
    with zipfile.ZipFile(addin) as archive:
        custom_ui = ET.fromstring(archive.read(package.CUSTOM_UI_PART))
    actions = [element.attrib["onAction"] for element in custom_ui.iter() if "onAction" in element.attrib]
    labels = {element.attrib.get("label") for element in custom_ui.iter()}
    assert {"Collections", "Refresh", "Preview reminders", "Send reminders", "Dashboard"} <= labels
    assert {"Approve escalations", "Import open items", "Import bank statement", "Test connection"} <= labels
    assert "Open log" in labels
    assert len(actions) == len(set(actions)) == len(RIBBON_FUNCTIONS)
    assert set(actions) <= set(_CALLBACK.findall(extracted["Ribbon"][1]))


def test_each_button_runs_the_ribbon_function_it_is_labelled_for(addin: Path, extracted) -> None:
    """Label → onAction → the Sub of that name in Ribbon.bas → the one `arcollect.excel.ribbon` function it runs."""
    with zipfile.ZipFile(addin) as archive:
        custom_ui = ET.fromstring(archive.read(package.CUSTOM_UI_PART))
    ribbon = extracted["Ribbon"][1].replace("\r\n", "\n")
    runs = {
        name: _RUN_PYTHON.search(body).group(1).rsplit("r.", 1)[1]
        for name, body in re.findall(r"^Sub (\w+)\(control As IRibbonControl\)\n(.*?)\nEnd Sub", ribbon, re.M | re.S)
    }
    called = {
        element.attrib["label"]: runs[element.attrib["onAction"]]
        for element in custom_ui.iter()
        if "onAction" in element.attrib
    }
    assert called == {
        "Refresh": "refresh()",
        "Preview reminders": "preview()",
        "Send reminders": "send()",
        "Approve escalations": "approve()",
        "Dashboard": "dashboard()",
        "Import open items": "import_open_items()",
        "Import bank statement": "import_bank_statement()",
        "Test connection": "test_connection()",
        "Open log": "open_log()",
    }


def test_a_ribbon_press_with_no_workbook_open_is_a_message_not_run_time_error_91(extracted) -> None:
    """xlwings' RunPython reads ActiveWorkbook.FullName at once: with no workbook (or one in Protected View) that is
    run-time error 91. Every callback goes through Ready(), which says what to do instead."""
    ribbon = extracted["Ribbon"][1].replace("\r\n", "\n")
    bodies = re.findall(r"^Sub (\w+)\(control As IRibbonControl\)\n(.*?)\nEnd Sub", ribbon, re.MULTILINE | re.DOTALL)
    assert len(bodies) == len(RIBBON_FUNCTIONS)
    for name, body in bodies:
        assert re.fullmatch(r'    If Ready\(\) Then RunPython "[^"]+"', body), name
    ready = ribbon.split("Private Function Ready() As Boolean\n")[1].split("End Function")[0]
    guard = ready.index("If ActiveWorkbook Is Nothing Then")
    assert 'MsgBox "Open your receivables workbook first' in ready[guard:]
    assert ready.index("Exit Function", guard) < ready.index("Ready = True")


def test_the_ribbon_conforms_to_microsofts_customui14_schema(addin: Path) -> None:
    with zipfile.ZipFile(addin) as archive:
        custom_ui = archive.read(package.CUSTOM_UI_PART)
    assert ribbon_schema.problems(custom_ui) == []
    assert ribbon_schema.problems((SOURCES / "customUI.xml").read_bytes()) == []


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ('size="large"', 'size="huge"', "enumeration"),  # not a size Excel knows
        ('onAction="OnRefresh"', 'onAction=""', "minLength"),  # an empty callback
        ('id="arcollectPreview"', 'id="arcollectRefresh"', "ST_UniqueID"),  # two controls with one id
        ('<button id="arcollectRefresh"', '<buton id="arcollectRefresh"', "not expected"),  # no such control
        ('label="Collections"', 'label="Collections" colour="red"', "not allowed"),  # no such attribute
        ("2009/07/customui", "2006/01/customui", "No matching global declaration"),  # another schema's namespace
    ],
)
def test_a_broken_ribbon_fails_the_schema_and_the_build(
    old: str, new: str, complaint: str, tmp_path: Path, fixture_module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (SOURCES / "customUI.xml").read_text(encoding="utf-8")
    broken = text.replace(old, new, 1)
    assert broken != text
    found = ribbon_schema.problems(broken.encode("utf-8"))
    assert found and complaint in found[0]
    real_source = builder.source
    monkeypatch.setattr(builder, "source", lambda name: broken if name == "customUI.xml" else real_source(name))
    with pytest.raises(ConfigError, match=r"customUI14\.xsd"):
        builder.build(tmp_path / "x.xlam", udf_module=fixture_module)
    assert not (tmp_path / "x.xlam").exists()


def test_the_schema_is_microsofts_file_unchanged() -> None:
    data = (SOURCES / "schema" / "customui14.xsd").read_bytes()
    assert hashlib.sha256(data).hexdigest() == "c912e38f6938d79af9d1dc83a05077510f7bb407da386a52e7cfcb13e8afdfd5"
    assert b"Copyright (c) Microsoft Corporation" in data


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


def _expected_signature(function: object, module_name: str) -> list[str]:
    """The VBA signature: Python's parameters minus those the wrapper fills itself (`caller`, `vba=`)."""
    filled = {
        parameter.name
        for found in udf_wrappers.functions(module_name)
        if found.name == function.__name__
        for parameter in found.parameters
        if parameter.vba is not None
    }
    expected = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name == "caller" or parameter.name in filled:
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
        assert arguments == _expected_signature(getattr(module, name), FIXTURE_MODULE), name
    vba = extracted["arcollect_udfs"][1]
    assert (
        f'AR_BUCKET = ArcollectErrors(XLPy.CallUDF("{FIXTURE_MODULE}", "AR_BUCKET", '
        "Array(ArcollectTrim(due), ArcollectTrim(as_of), ArcollectTrim(edges)), ActiveWorkbook, Application.Caller))"
    ) in vba
    assert f'XLPy.CallUDF("{FIXTURE_MODULE}", "AR_WHERE", Array(ArcollectTrim(value), Nothing), ActiveWorkbook' in vba
    assert "    Application.Volatile\r\n" in vba.split("Function AR_BUCKET")[1].split("End Function")[0]
    assert "Application.Volatile" not in vba.split("Function AR_DAYS_PAST_DUE")[1].split("End Function")[0]


def test_error_text_from_python_becomes_excel_error_values_in_the_wrappers(extracted: dict[str, tuple[str, str]]):
    vba = extracted["arcollect_udfs"][1]
    helper = vba.split("Private Function ArcollectError(")[1].split("End Function")[0]
    # xlErrNull … xlErrBusy: every error value Excel has, as the numbers of the XlCVError enumeration
    expected = {"#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023, "#NAME?": 2029, "#NUM!": 2036,
                "#N/A": 2042, "#GETTING_DATA": 2043, "#SPILL!": 2045, "#CONNECT!": 2046, "#BLOCKED!": 2047,
                "#UNKNOWN!": 2048, "#FIELD!": 2049, "#CALC!": 2050, "#BUSY!": 2051}  # fmt: skip
    mapped = dict(re.findall(r'Case "([^"]+)": ArcollectError = CVErr\((\d+)\)', helper))
    assert {text: int(code) for text, code in mapped.items()} == expected
    from arcollect.excel import udfs

    assert {udfs.VALUE, udfs.NA, udfs.DIV0} <= set(expected), "the texts the cell functions return"


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
    decorated = set(re.findall(r"@(?:xw|xlwings)\.func\b[^\n]*\n(?:[^\n]*\n)*?(?:async )?def (\w+)", source))
    assert decorated, "arcollect.excel.udfs declares no @xw.func functions"
    assert set(wrappers) == decorated
    for name, arguments in wrappers.items():
        assert arguments == _expected_signature(getattr(module, name), "arcollect.excel.udfs"), name
    assert "Function AR_FX(amount, currency_code, Optional base_currency)" in vba


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
    """Each function's one-line description is its VB_Description (the wizard shows it at once); the ribbon's
    first press registers categories and argument help (MacroOptions), since nothing runs when the add-in opens."""
    module = _real_udfs()
    built = builder.build(tmp_path / "arcollect.xlam")
    parser = VBA_Parser(str(built))
    try:
        code = {name: text for _, _, name, text in parser.extract_macros()}
    finally:
        parser.close()
    ribbon = code["Ribbon.bas"].replace("\r\n", "\n")
    assert "    If Not registered Then\n        registered = True\n        RegisterArcollectFunctions\n" in ribbon
    udfs_module = code["arcollect_udfs.bas"]
    register = udfs_module.split("Public Sub RegisterArcollectFunctions()")[1]
    for name in ("AR_DAYS_PAST_DUE", "AR_BUCKET", "AR_LATE_INTEREST", "AR_FX", "AR_CEI"):
        first_line = inspect.getdoc(getattr(module, name)).splitlines()[0].replace('"', '""')
        line = next(text for text in register.splitlines() if f'Macro:="{name}"' in text)
        assert f'Description:="{first_line}"' in line and 'Category:="arcollect"' in line
        assert re.search(rf'\r\nAttribute {name}\.VB_Description = "{re.escape(first_line)}"\r\n', udfs_module)
    assert 'ArgumentDescriptions:=Array("Due date(s): a cell or a column of dates.", "Date to count to' in register
