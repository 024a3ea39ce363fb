"""Names the add-in's generated VBA may use: MS-VBAL's reserved identifiers refused or renamed, tested on the
generated module itself (parsed by the MS-VBAL grammar) rather than on a word list alone."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from arcollect.errors import ConfigError
from arcollect.excel.addin import udf_wrappers, vba_names
from tests.vba_grammar import PLATFORMS, syntax_errors


def test_the_reserved_identifiers_are_ms_vbals_lists_in_full() -> None:
    """§3.3.5.2 list by list (sizes as the specification gives them; the lists overlap in a few words)."""
    sizes = {
        "STATEMENT_KEYWORDS": 67,
        "REM_KEYWORD": 1,
        "MARKER_KEYWORDS": 20,
        "OPERATOR_IDENTIFIERS": 12,
        "SPECIAL_FORMS": 7,
        "RESERVED_NAMES": 27,
        "RESERVED_TYPE_IDENTIFIERS": 12,
        "LITERAL_IDENTIFIERS": 5,
        "RESERVED_FOR_IMPLEMENTATION_USE": 26,
        "FUTURE_RESERVED": 3,
    }
    assert {name: len(getattr(vba_names, name)) for name in sizes} == sizes
    assert (
        len(vba_names.RESERVED) == 172
    )  # the union, overlaps (Case, Else, Write, New, Input, Scale, Date, String) once
    for word in ("Currency", "currency", "DATE", "String", "Nothing", "Empty", "CDecl", "LongPtr", "VB_Name", "Rem"):
        assert vba_names.is_reserved(word), word
    for word in ("currency_code", "amount", "due", "as_of", "terms", "Name"):
        assert not vba_names.is_reserved(word), word
    assert vba_names.is_avoided("Name") and vba_names.is_avoided("error") and vba_names.is_avoided("Object")


@pytest.mark.parametrize(
    ("name", "problem"),
    [("_amount", "start with a letter"), ("1st", "start with a letter"), ("betrag_ä", "only the letters"),
     ("a" * 256, "at most 255"), ("", "empty")],
)  # fmt: skip
def test_names_vba_cannot_spell(name: str, problem: str) -> None:
    assert problem in vba_names.name_problem(name)
    assert vba_names.name_problem("amount_2") is None


def test_every_reserved_word_as_a_parameter_is_refused_by_the_grammar_and_renamed_by_the_builder() -> None:
    """The grammar refuses each reserved word as a parameter name; udf_wrappers never writes one."""
    words = sorted(vba_names.RESERVED)
    # A Function header per word, as a parameter: every one is a syntax error (the specification's claim, checked).
    refused = []
    for word in words:
        module = f'Attribute VB_Name = "M"\r\nFunction F(x, {word})\r\nEnd Function\r\n'
        if syntax_errors(module, PLATFORMS["Win64"]):
            refused.append(word)
    # The grammar also lets a few reserved-for-implementation words through where MS-VBAL does not; none of the
    # words a parameter could plausibly be named is among them.
    let_through = set(words) - set(refused)
    assert let_through <= vba_names.RESERVED_FOR_IMPLEMENTATION_USE | {"Rem"}, sorted(let_through)
    assert {"Currency", "Date", "String", "Type", "Input", "Array", "Nothing"} <= set(refused)


FIXTURE = "arcollect_reserved_udfs"
SOURCE = '''
import xlwings as xw


@xw.func
def AR_CONVERT(amount, currency, date=None, string="", Type=None, name=None, application=None, Currency_=None):
    """Reserved words, statement words, a name the wrapper uses and a clash after renaming."""
    return amount
'''


@pytest.fixture
def reserved_module(tmp_path: Path) -> Iterator[str]:
    (tmp_path / f"{FIXTURE}.py").write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    yield FIXTURE
    sys.path.remove(str(tmp_path))
    sys.modules.pop(FIXTURE, None)


def test_reserved_parameter_names_are_renamed_and_the_module_parses(reserved_module: str) -> None:
    (function,) = udf_wrappers.functions(reserved_module)
    names = [parameter.vba_identifier for parameter in function.vba_parameters]
    assert names == ["amount", "currency_", "date_", "string_", "Type_", "name_", "application_", "Currency__"]
    module = udf_wrappers.vba_module(reserved_module, "m")
    assert (
        "Function AR_CONVERT(amount, currency_, Optional date_, Optional string_, Optional Type_, Optional name_, "
        "Optional application_, Optional Currency__)" in module
    )
    for platform in PLATFORMS.values():
        assert syntax_errors(module, platform) == []


@pytest.mark.parametrize(
    ("function", "complaint"),
    [
        ("def Currency(x):", "reserved word"),
        ("def Print(x):", "reserved word"),
        ("def AR1(x):", "cell reference"),
        ("def R1C1(x):", "cell reference"),
        ("def XFD1048576(x):", "cell reference"),
        ("def ArcollectTrim(x):", "another procedure"),
        ("def AR_X(_private):", "start with a letter"),
        ("def AR_X(betrag_ä):", "only the letters"),
    ],
)
def test_names_that_cannot_be_made_safe_stop_the_build(tmp_path: Path, function: str, complaint: str) -> None:
    name = "arcollect_bad_udfs"
    (tmp_path / f"{name}.py").write_text(f"import xlwings as xw\n\n\n@xw.func\n{function}\n    return 0\n", "utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(ConfigError, match=complaint):
            udf_wrappers.vba_module(name, "m")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)
    assert not udf_wrappers.looks_like_a_reference("AR_FX") and not udf_wrappers.looks_like_a_reference("XFE1")


def test_functions_that_fall_back_to_today_are_volatile_exactly_then() -> None:
    """The wrapper marks the cell volatile when the date argument is missing or an empty cell, else not."""
    module = udf_wrappers.vba_module("arcollect.excel.udfs", "arcollect_udfs")
    bodies = {chunk.split("(", 1)[0]: chunk.split("End Function", 1)[0] for chunk in module.split("\r\nFunction ")[1:]}
    volatile = {name: body for name, body in bodies.items() if "Application.Volatile" in body}
    assert {name: body.split("ArcollectUsesToday(")[1].split(")")[0] for name, body in volatile.items()} == {
        "AR_DAYS_PAST_DUE": "as_of",
        "AR_BUCKET": "as_of",
        "AR_DISCOUNT": "pay_date",
        "AR_LATE_INTEREST": "as_of",
    }
    helper = module.split("Private Function ArcollectUsesToday(")[1].split("End Function")[0]
    assert "If IsMissing(value) Then" in helper and "IsEmpty(value.Value)" in helper
