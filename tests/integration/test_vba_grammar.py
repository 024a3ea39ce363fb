"""Every VBA module the add-in ships parses under the MS-VBAL grammar, for Win64, Win32 and Mac.

The modules are read back out of the built `.xlam` by oletools (what Excel would load), `#If` is resolved per
platform and the rest parsed with `antlr4-vba` (see `tests.vba_grammar`). The same check passes xlwings' own
add-ins and fails on a module Excel would refuse to compile — the `Currency` parameter that once shipped.
Parsing is slow in pure Python: each distinct (resolved) procedure is parsed once per run, and the xlwings module,
which our add-in and xlwings' add-ins share, costs its parse once.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import xlwings

from arcollect.excel.addin import build as builder
from tests.vba_grammar import PLATFORMS, ConditionalCompilationError, resolve, syntax_errors

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

XLWINGS = Path(xlwings.__file__).parent
XLWINGS_ADDINS = ["quickstart_addin.xlam", "quickstart_addin_ribbon.xlam"]


def _modules(path: Path) -> dict[str, str]:
    """Module file name (Ribbon.bas, Dictionary.cls…) → source, as oletools extracts it from the add-in."""
    parser = VBA_Parser(str(path))
    try:
        return {name: code for _, stream, name, code in parser.extract_macros() if stream}
    finally:
        parser.close()


def _errors(modules: dict[str, str]) -> dict[tuple[str, str], list]:
    return {
        (name, platform): found
        for name, code in modules.items()
        for platform, constants in PLATFORMS.items()
        if (found := syntax_errors(code, constants, class_module=name.endswith(".cls")))
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _modules(builder.build(tmp_path_factory.mktemp("grammar") / "arcollect.xlam"))


def test_every_module_of_the_built_addin_parses_for_win64_win32_and_mac(built: dict[str, str]) -> None:
    assert set(built) == {"ThisWorkbook.cls", "Sheet1.cls", "Ribbon.bas", "xlwings.bas", "Dictionary.cls",
                          "arcollect_udfs.bas"}  # fmt: skip
    assert _errors(built) == {}


@pytest.mark.parametrize("addin", XLWINGS_ADDINS)
def test_xlwings_own_addins_parse_clean(addin: str) -> None:
    """The control that the check is fair: add-ins that work in Excel pass it."""
    modules = _modules(XLWINGS / addin)
    assert {"xlwings.bas", "Dictionary.cls"} <= set(modules)
    assert _errors(modules) == {}


def _udfs(built: dict[str, str]) -> str:
    return built["arcollect_udfs.bas"]


def test_a_reserved_word_as_a_parameter_fails_on_every_platform(built: dict[str, str]) -> None:
    """The defect that shipped: `Function AR_FX(amount, currency, …)` does not compile (Currency is a type)."""
    source = _udfs(built)
    assert "Function AR_FX(amount, currency_code, Optional base_currency)" in source
    broken = source.replace("Function AR_FX(amount, currency_code,", "Function AR_FX(amount, Currency,")
    for platform in PLATFORMS.values():
        errors = syntax_errors(broken, platform)
        assert errors and errors[0].line == source[: source.index("Function AR_FX(")].count("\n") + 1
        assert "Currency" in errors[0].message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("End Function", "End Sub"),  # a Function closed as a Sub
        ("    Exit Function", "    Exit Function Now"),  # text after a statement
        ("Function AR_BUCKET(due,", "Function AR_BUCKET(due As As,"),  # a declaration that is not one
        ("    #End If\r\nfailed:", "failed:"),  # an #If never closed
    ],
)
def test_a_broken_module_fails(built: dict[str, str], old: str, new: str) -> None:
    broken = _udfs(built).replace(old, new, 1)
    assert broken != _udfs(built)
    try:
        errors = syntax_errors(broken, PLATFORMS["Win64"])
    except ConditionalCompilationError:
        return
    assert errors


def test_code_only_one_platform_compiles_is_checked_on_that_platform() -> None:
    """A syntax error inside `#If Mac` fails the Mac check only: each platform is parsed as it compiles."""
    module = (
        'Attribute VB_Name = "M"\r\n#If Mac Then\r\nFunction F(String)\r\nEnd Function\r\n#Else\r\n'
        "Function F(text)\r\nEnd Function\r\n#End If\r\n"
    )
    assert syntax_errors(module, PLATFORMS["Win64"]) == []
    assert syntax_errors(module, PLATFORMS["Win32"]) == []
    assert {error.line for error in syntax_errors(module, PLATFORMS["Mac"])} == {3}


def test_conditional_compilation_follows_ms_vbal() -> None:
    source = "\r\n".join(
        [
            '#Const App = "Microsoft Excel"',
            "#If VBA7 And Win64 Then",
            "a",
            "#ElseIf VBA7 Then",
            "b",
            "#Else",
            "c",
            "#End If",
            '#If Mac Or Not App = "Microsoft Excel" Then',
            "d",
            "#End If",
            "#If MAC_OFFICE_VERSION >= 15 Then",
            "e",
            "#End If",
            "#If Undefined Then",  # an undefined constant is Empty: false
            "f",
            "#End If",
            "",
        ]
    )
    kept = {name: [line for line in resolve(source, constants).split("\r\n") if line] for name, constants in
            PLATFORMS.items()}  # fmt: skip
    assert kept == {"Win64": ["a"], "Win32": ["b"], "Mac": ["b", "d", "e"]}
    assert resolve(source, PLATFORMS["Win64"]).count("\r\n") == source.count("\r\n")  # line numbers kept
    with pytest.raises(ConditionalCompilationError, match="without #If"):
        resolve("#Else\r\n", PLATFORMS["Win64"])
    with pytest.raises(ConditionalCompilationError, match="not closed"):
        resolve("#If Mac Then\r\n", PLATFORMS["Win64"])
