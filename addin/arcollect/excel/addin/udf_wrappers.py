"""VBA wrappers for a module's xlwings cell functions, generated without Excel.

    >>> from arcollect.excel.addin.udf_wrappers import functions, vba_module
    >>> [f.name for f in functions("arcollect.excel.udfs")]        # doctest: +SKIP
    ['AR_BUCKET', 'AR_DAYS_PAST_DUE', ...]
    >>> print(vba_module("arcollect.excel.udfs", "arcollect_udfs"))  # doctest: +SKIP

xlwings writes these wrappers itself (`xlwings.udfs.generate_vba_wrapper`), but only on Windows: its module imports
pywin32 at the top, and off Windows `xw.func` is a no-op that records nothing. So the decorated functions are found
here by reading the module's source (`@xw.func`, `@xlwings.func`, `@func` imported from xlwings, and `@xw.sub`, with
their `volatile`/`call_in_wizard` options and any `@xw.arg(..., vba=...)`), their parameters come from the imported
functions' signatures, and the VBA is written in the shape `generate_vba_wrapper` of xlwings 0.37 writes for an add-in:
`XLPy.CallUDF(module, name, Array(args), ActiveWorkbook, Application.Caller)` — `XLPy` being the entry point the
bundled xlwings module defines, and `ActiveWorkbook` because an add-in's functions serve whichever book calls them.

Beyond what xlwings writes, each wrapper
- takes only names VBA can take: a parameter that is a reserved identifier of MS-VBAL §3.3.5.2 (`currency`,
  `date`, `string`…, see `vba_names`), a statement word, a name the wrapper itself uses or a repeat (VBA ignores
  case) is renamed with a trailing `_` in the VBA signature (the call passes arguments by position, so Python's
  names do not matter to it); a name VBA cannot spell at all, or a function name that is reserved or reads as a
  cell reference (`AR1`, `R1C1`), stops the build with a `ConfigError`;
- cuts a whole-column or whole-row reference to the sheet's used range before xlwings reads it (`ArcollectTrim`);
- is volatile exactly when its function falls back to today's date (`udfs.uses_today`) — the date argument left
  out or one empty cell — so Excel recalculates it like `TODAY()`;
- turns the error texts the cell functions return into Excel's error values (`ArcollectErrors`);
- carries its function's one-line description as `VB_Description`, which Excel's Insert Function dialog shows;
  `RegisterArcollectFunctions` adds the category and argument help (`Application.MacroOptions`) when the ribbon
  is first used — not at start-up, so that the add-in runs no code when it is opened.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import logging
import re
import textwrap
from dataclasses import dataclass, field
from types import ModuleType

from arcollect.errors import ConfigError
from arcollect.excel.addin import vba_names
from arcollect.excel.cells import ERROR_CODES

logger = logging.getLogger(__name__)

_FUNC_DECORATORS = {"func": False, "sub": True, "script": True}


@dataclass(frozen=True)
class Parameter:
    """One Python parameter as the wrapper passes it: by name, or replaced by a VBA expression."""

    name: str
    optional: bool = False
    vararg: bool = False
    vba: str | None = None
    vba_name: str = ""

    @property
    def vba_identifier(self) -> str:
        """The parameter's name in the VBA signature (`name`, renamed where VBA cannot take it)."""
        return self.vba_name or self.name


@dataclass(frozen=True)
class CellFunction:
    """What the wrapper needs to know of one decorated Python function."""

    name: str
    parameters: tuple[Parameter, ...]
    sub: bool = False
    volatile: bool = False
    call_in_wizard: bool = True
    vba_args: dict[str, str] = field(default_factory=dict)
    description: str = ""
    category: str = ""
    argument_docs: dict[str, str] = field(default_factory=dict)
    argument_options: dict[str, dict[str, object]] = field(default_factory=dict)
    today: str | None = None

    @property
    def vba_parameters(self) -> tuple[Parameter, ...]:
        """The parameters Excel passes in: the Python ones minus those the wrapper fills with a VBA expression."""
        return tuple(p for p in self.parameters if p.vba is None)


def import_module(module_name: str) -> ModuleType:
    """Import the UDF module, or say plainly that the add-in cannot be built without it."""
    try:
        return importlib.import_module(module_name)
    except Exception as error:
        raise ConfigError(
            f"Cannot build the add-in: the cell-function module {module_name!r} does not import ({error})"
        ) from error


def functions(module_name: str) -> list[CellFunction]:
    """The module's xlwings functions in source order, read from its decorators and signatures."""
    module = import_module(module_name)
    tree = ast.parse(textwrap.dedent(inspect.getsource(module)))
    aliases = _xlwings_aliases(tree)
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        decorators = [_decorator(d, aliases, module) for d in node.decorator_list]
        kinds = [d for d in decorators if d and d[0] in _FUNC_DECORATORS]
        if not kinds:
            continue
        _, options = kinds[0]
        vba_args = {
            str(opts["__arg__"]): str(opts["vba"])
            for kind, opts in (d for d in decorators if d)
            if kind == "arg" and "vba" in opts
        }
        docs = {
            str(opts["__arg__"]): str(opts["doc"])
            for kind, opts in (d for d in decorators if d)
            if kind == "arg" and opts.get("doc")
        }
        argument_options = {
            str(opts["__arg__"]): {key: value for key, value in opts.items() if key != "__arg__"}
            for kind, opts in (d for d in decorators if d)
            if kind == "arg" and "__arg__" in opts
        }
        category = options.get("category") or _module_constant(module, node, "category")
        function = _cell_function(module, node.name, kinds[0][0], options, vba_args)
        description = (inspect.getdoc(getattr(module, node.name)) or "").splitlines()
        found.append(
            dataclasses.replace(
                function, description=description[0] if description else "", category=str(category or ""),
                argument_docs=docs, argument_options=argument_options,
                today=getattr(getattr(module, node.name), "arcollect_today", None),
            )
        )  # fmt: skip
    return checked(found)


#: Names the generated module uses itself: a parameter of the same name would hide them inside its wrapper.
WRAPPER_NAMES = frozenset(
    {
        "Application", "ActiveWorkbook", "ThisWorkbook", "XLPy", "Range", "Err", "argsArray", "k", "failed",
        "IsMissing", "IsObject", "IsEmpty", "VarType", "vbString", "Intersect",
        "ArcollectErrors", "ArcollectError", "ArcollectTrim", "ArcollectUsesToday", "ArcollectDate1904",
        "Dimensions", "RegisterArcollectFunctions",
    }
)  # fmt: skip
_WRAPPER_NAMES_FOLDED = frozenset(name.casefold() for name in WRAPPER_NAMES)
_A1_REFERENCE = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
_R1C1_REFERENCE = re.compile(r"[Rr][0-9]*[Cc]?[0-9]*|[Cc][0-9]*")


def looks_like_a_reference(name: str) -> bool:
    """Whether Excel would read `name` as a cell reference (A1 or R1C1 style): a formula cannot call it."""
    if _R1C1_REFERENCE.fullmatch(name):
        return True
    match = _A1_REFERENCE.fullmatch(name)
    if not match:
        return False
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return column <= 16_384 and 1 <= int(match.group(2)) <= 1_048_576


def checked(found: list[CellFunction]) -> list[CellFunction]:
    """The functions with VBA-safe parameter names; a `ConfigError` for a name that cannot be made safe.

    Function names are what users type in cells, so they are never renamed: one that VBA cannot take, that Excel
    reads as a cell reference, that repeats another (VBA ignores case) or that the module uses itself is refused.
    Parameters are renamed (see the module docstring), except names VBA cannot spell at all.
    """
    seen: set[str] = set()
    result = []
    for function in found:
        name = function.name
        problem = vba_names.name_problem(name)
        if problem is None and vba_names.is_avoided(name):
            problem = f"{name} is a reserved word in VBA (MS-VBAL §3.3.5.2)"
        if problem is None and looks_like_a_reference(name):
            problem = f"Excel reads {name} as a cell reference"
        if problem is None and (name.casefold() in seen or name.casefold() in _WRAPPER_NAMES_FOLDED):
            problem = "another procedure of the add-in has that name (VBA ignores case)"
        if problem:
            raise ConfigError(f"Cannot build the add-in: the cell function {name!r} cannot be a VBA name: {problem}")
        seen.add(name.casefold())
        taken = {name.casefold()} | _WRAPPER_NAMES_FOLDED
        parameters = []
        for parameter in function.parameters:
            if parameter.vba is not None:
                parameters.append(parameter)
                continue
            problem = vba_names.name_problem(parameter.name)
            if problem:
                raise ConfigError(
                    f"Cannot build the add-in: {name}'s parameter {parameter.name!r} cannot be a VBA name: {problem}"
                )
            safe = parameter.name
            while vba_names.is_avoided(safe) or safe.casefold() in taken:
                safe += "_"
            if vba_names.name_problem(safe):
                raise ConfigError(f"Cannot build the add-in: no VBA name for {name}'s parameter {parameter.name!r}")
            if safe != parameter.name:
                logger.info("%s: parameter %s is %s in VBA (%s cannot be used there)", name, parameter.name, safe,
                            parameter.name)  # fmt: skip
            taken.add(safe.casefold())
            parameters.append(dataclasses.replace(parameter, vba_name=safe))
        result.append(dataclasses.replace(function, parameters=tuple(parameters)))
    return result


def _module_constant(module: ModuleType, node: ast.FunctionDef | ast.AsyncFunctionDef, keyword: str) -> object:
    """A decorator keyword given as a module constant (`category=CATEGORY`): its value in the module."""
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for item in decorator.keywords:
                if item.arg == keyword and isinstance(item.value, ast.Name):
                    return getattr(module, item.value.id, None)
    return None


def _xlwings_aliases(tree: ast.Module) -> dict[str, str]:
    """Map the names a module uses for xlwings (`xw`) and its decorators (`func`) to their xlwings meaning."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "xlwings":
                    aliases[alias.asname or alias.name] = "xlwings"
        elif isinstance(node, ast.ImportFrom) and node.module == "xlwings":
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"xlwings.{alias.name}"
    return aliases


def _decorator(
    node: ast.expr, aliases: dict[str, str], module: ModuleType | None = None
) -> tuple[str, dict[str, object]] | None:
    """("func", {"volatile": True}) for `@xw.func(volatile=True)`; None for decorators that are not xlwings'."""
    call = node if isinstance(node, ast.Call) else None
    target = call.func if call else node
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        if aliases.get(target.value.id) != "xlwings":
            return None
        kind = target.attr
    elif isinstance(target, ast.Name) and aliases.get(target.id, "").startswith("xlwings."):
        kind = aliases[target.id].removeprefix("xlwings.")
    else:
        return None
    options: dict[str, object] = {}
    if call:
        for keyword in call.keywords:
            if keyword.arg:
                try:
                    options[keyword.arg] = ast.literal_eval(keyword.value)
                except ValueError:  # a module constant (vba=DATE1904_VBA) is read from the module itself
                    name = keyword.value.id if isinstance(keyword.value, ast.Name) else None
                    options[keyword.arg] = getattr(module, name, None) if module is not None and name else None
        if kind == "arg" and call.args and isinstance(call.args[0], ast.Constant):
            options["__arg__"] = call.args[0].value
    return kind, options


def _cell_function(
    module: ModuleType, name: str, kind: str, options: dict[str, object], vba_args: dict[str, str]
) -> CellFunction:
    signature = inspect.signature(getattr(module, name))
    parameters = []
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD or parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            continue
        vba = vba_args.get(parameter.name, "Nothing" if parameter.name == "caller" else None)
        parameters.append(
            Parameter(
                parameter.name,
                optional=parameter.default is not inspect.Parameter.empty,
                vararg=parameter.kind is inspect.Parameter.VAR_POSITIONAL,
                vba=vba,
            )
        )
    if any(p.vararg for p in parameters) and any(p.optional for p in parameters):
        raise ConfigError(f"{name}: xlwings does not support optional and variable-length arguments together")
    return CellFunction(
        name=name,
        parameters=tuple(parameters),
        sub=_FUNC_DECORATORS[kind],
        volatile=bool(options.get("volatile", False)),
        call_in_wizard=bool(options.get("call_in_wizard", True)),
        vba_args=vba_args,
    )


def vba_module(module_name: str, vba_name: str) -> str:
    """Source of the VBA module (attribute line first, CRLF line ends) wrapping every function of `module_name`."""
    lines = [
        f'Attribute VB_Name = "{vba_name}"',
        f"'Generated from {module_name} by arcollect addin build - changes will be lost with the next build.",
        '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel',
    ]
    found = functions(module_name)
    for function in found:
        lines += _wrapper(module_name, function)
    lines += helpers()
    lines += registration(found)
    return "\r\n".join(lines) + "\r\n"


def registration(found: list[CellFunction]) -> list[str]:
    """`RegisterArcollectFunctions`: the function wizard's one-line help, argument help and category.

    xlwings registers these with `Application.MacroOptions` when it imports UDFs itself; the prebuilt add-in's
    ribbon calls this once, at the first button press (the add-in runs no code when it opens, see the module
    docstring; until then the wizard shows each function's `VB_Description`). Excel may refuse MacroOptions for a
    hidden add-in in some versions, so errors are ignored there: the functions work either way.
    """
    lines = ["Public Sub RegisterArcollectFunctions()", "    On Error Resume Next"]
    for function in found:
        if function.sub:
            continue
        arguments = ", ".join(_vba_text(function.argument_docs.get(p.name, "")) for p in function.vba_parameters)
        lines.append(
            f'    Application.MacroOptions Macro:="{function.name}", Description:={_vba_text(function.description)}, '
            f"Category:={_vba_text(function.category or 'arcollect')}, ArgumentDescriptions:=Array({arguments})"
        )
    return [*lines, "End Sub", ""]


def _vba_text(text: str) -> str:
    """A VBA string literal (quotes doubled), at most 255 characters as MacroOptions allows."""
    return '"' + text[:255].replace('"', '""') + '"'


def helpers() -> list[str]:
    """The private helpers every wrapper calls (Excel only: other Office hosts have no ranges or error cells).

    - `ArcollectErrors`: the cell functions hand error cells back as their text ("#N/A", "#VALUE!"…; one bad row
      must not turn the whole column into an error). Under the classic COM add-in xlwings writes such text as
      text, so it becomes Excel's own error value here, cell by cell, in scalars and 1-D or 2-D results alike.
    - `ArcollectTrim`: a whole column (`C:C`) or row (`1:1`) down to the sheet's last used row or column.
    - `ArcollectUsesToday`: whether a date argument makes its function fall back to today.
    - `ArcollectDate1904`: the date system of the workbook holding the calling cell.
    """
    cases = [f'            Case "{text}": ArcollectError = CVErr({code})' for text, code in ERROR_CODES.items()]
    return [
        '#If App = "Microsoft Excel" Then',
        "Private Function ArcollectErrors(ByVal result As Variant) As Variant",
        "    Dim i As Long, j As Long",
        "    If Not IsArray(result) Then",
        "        ArcollectErrors = ArcollectError(result)",
        "        Exit Function",
        "    End If",
        "    If Dimensions(result) = 1 Then",
        "        For i = LBound(result) To UBound(result)",
        "            result(i) = ArcollectError(result(i))",
        "        Next i",
        "    Else",
        "        For i = LBound(result, 1) To UBound(result, 1)",
        "            For j = LBound(result, 2) To UBound(result, 2)",
        "                result(i, j) = ArcollectError(result(i, j))",
        "            Next j",
        "        Next i",
        "    End If",
        "    ArcollectErrors = result",
        "End Function",
        "",
        "Private Function ArcollectError(ByVal value As Variant) As Variant",
        "    ArcollectError = value",
        "    If VarType(value) = vbString Then",
        "        Select Case value",
        *cases,
        "        End Select",
        "    End If",
        "End Function",
        "",
        "Private Function Dimensions(ByVal values As Variant) As Long",
        "    Dim n As Long, bound As Long",
        "    On Error GoTo done",
        "    Do",
        "        n = n + 1",
        "        bound = UBound(values, n)",
        "    Loop",
        "done:",
        "    Dimensions = n - 1",
        "End Function",
        "",
        "Private Function ArcollectTrim(ByVal value As Variant) As Variant",
        "    ' A whole column (C:C) or row (1:1) ends at the sheet's last used row or column, not at cell 1,048,576.",
        "    Dim sheet As Worksheet, last As Long",
        "    If Not IsObject(value) Then",
        "        ArcollectTrim = value",
        "        Exit Function",
        "    End If",
        "    If TypeOf value Is Range Then",
        "        Set sheet = value.Worksheet",
        "        If value.Rows.Count = sheet.Rows.Count Then",
        "            last = sheet.UsedRange.Row + sheet.UsedRange.Rows.Count - 1",
        "            Set value = value.Resize(last)",
        "        End If",
        "        If value.Columns.Count = sheet.Columns.Count Then",
        "            last = sheet.UsedRange.Column + sheet.UsedRange.Columns.Count - 1",
        "            Set value = value.Resize(, last)",
        "        End If",
        "    End If",
        "    Set ArcollectTrim = value",
        "End Function",
        "",
        "Private Function ArcollectUsesToday(ByVal value As Variant) As Boolean",
        "    ' True when the cell function falls back to today's date: the date argument left out or one empty cell.",
        "    If IsMissing(value) Then",
        "        ArcollectUsesToday = True",
        "    ElseIf IsObject(value) Then",
        "        If TypeOf value Is Range Then",
        "            If value.CountLarge = 1 Then ArcollectUsesToday = IsEmpty(value.Value)",
        "        End If",
        "    Else",
        "        ArcollectUsesToday = IsEmpty(value)",
        "    End If",
        "End Function",
        "",
        "Private Function ArcollectDate1904() As Boolean",
        "    ' Whether the workbook holding the calling cell counts its dates from 1904 (its 1904 date system).",
        "    On Error Resume Next",
        "    ArcollectDate1904 = Application.Caller.Worksheet.Parent.Date1904",
        "End Function",
        "#End If",
        "",
    ]


def _wrapper(module_name: str, function: CellFunction) -> list[str]:
    signature = []
    for parameter in function.vba_parameters:
        if parameter.vararg:
            signature.append(f"ParamArray {parameter.vba_identifier}()")
        else:
            signature.append(("Optional " if parameter.optional else "") + parameter.vba_identifier)
    body: list[str] = []
    today = next((p for p in function.parameters if p.name == function.today and p.vba is None), None)
    if not function.sub:
        if not function.call_in_wizard:
            body.append('If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function')
        if function.volatile:
            body.append("Application.Volatile")
        elif today is not None:
            body += [
                '#If App = "Microsoft Excel" Then',
                f"    Application.Volatile ArcollectUsesToday({today.vba_identifier})",
                "#End If",
            ]
    vararg = next((p for p in function.parameters if p.vararg), None)
    passed = [p.vba or p.vba_identifier for p in function.parameters if not p.vararg]
    trimmed = [p.vba or f"ArcollectTrim({p.vba_identifier})" for p in function.parameters if not p.vararg]
    if vararg:
        fixed = len(passed)
        name = vararg.vba_identifier
        body += [
            "Dim argsArray() As Variant",
            f"argsArray = Array({', '.join(passed)})",
            f"ReDim Preserve argsArray(0 to UBound({name}) - LBound({name}) + {fixed})",
            f"For k = LBound({name}) To UBound({name})",
            f"argsArray({fixed} + k - LBound({name})) = {name}(k)",
            "Next k",
        ]
        args = excel_args = "argsArray"
    else:
        args = f"Array({', '.join(passed)})"
        excel_args = f"Array({', '.join(trimmed)})"
    call = f'XLPy.CallUDF("{module_name}", "{function.name}", {args}'
    excel_call = f'XLPy.CallUDF("{module_name}", "{function.name}", {excel_args}'
    if function.sub:
        body += [
            '#If App = "Microsoft Excel" Then',
            f"    {call.replace('(', ' ', 1)}, ActiveWorkbook, Application.Caller",
            "#Else",
            f"    {call.replace('(', ' ', 1)}",
            "#End If",
        ]
        return [f"Sub {function.name}({', '.join(signature)})", *(f"    {line}" for line in body), "End Sub", ""]
    body += [
        '#If App = "Microsoft Excel" Then',
        "    If TypeOf Application.Caller Is Range Then On Error GoTo failed",
        f"    {function.name} = ArcollectErrors({excel_call}, ActiveWorkbook, Application.Caller))",
        "    Exit Function",
        "#Else",
        f"    {function.name} = {call})",
        "    Exit Function",
        "#End If",
    ]
    header = [f"Function {function.name}({', '.join(signature)})"]
    if function.description:
        header.append(f"Attribute {function.name}.VB_Description = {_vba_text(function.description)}")
    return [
        *header,
        *(f"    {line}" for line in body),
        "failed:",
        f"    {function.name} = Err.Description",
        "End Function",
        "",
    ]
