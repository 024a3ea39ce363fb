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
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import textwrap
from dataclasses import dataclass, field
from types import ModuleType

from arcollect.errors import ConfigError

_FUNC_DECORATORS = {"func": False, "sub": True, "script": True}


@dataclass(frozen=True)
class Parameter:
    """One Python parameter as the wrapper passes it: by name, or replaced by a VBA expression."""

    name: str
    optional: bool = False
    vararg: bool = False
    vba: str | None = None


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
        decorators = [_decorator(d, aliases) for d in node.decorator_list]
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
        category = options.get("category") or _module_constant(module, node, "category")
        function = _cell_function(module, node.name, kinds[0][0], options, vba_args)
        description = (inspect.getdoc(getattr(module, node.name)) or "").splitlines()
        found.append(
            dataclasses.replace(
                function, description=description[0] if description else "", category=str(category or ""),
                argument_docs=docs,
            )
        )  # fmt: skip
    return found


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


def _decorator(node: ast.expr, aliases: dict[str, str]) -> tuple[str, dict[str, object]] | None:
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
                except ValueError:
                    options[keyword.arg] = None
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
    lines += ERROR_HELPERS
    lines += registration(found)
    return "\r\n".join(lines) + "\r\n"


def registration(found: list[CellFunction]) -> list[str]:
    """`RegisterArcollectFunctions`: the function wizard's one-line help, argument help and category.

    xlwings registers these with `Application.MacroOptions` when it imports UDFs itself; a prebuilt add-in calls
    this from `Workbook_Open` instead. Excel may refuse MacroOptions for a hidden add-in in some versions, so
    errors are ignored there: the functions work either way, only the wizard's help text would be missing.
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


# The cell functions hand error cells back as the text "#VALUE!", "#N/A" or "#DIV/0!" (one bad row must not turn
# the whole column into an error). Under the classic COM add-in xlwings writes such text as text, so the wrappers
# turn it into Excel's own error values, cell by cell, in scalars and in 1-D or 2-D results alike.
ERROR_HELPERS = [
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
    '            Case "#VALUE!": ArcollectError = CVErr(xlErrValue)',
    '            Case "#N/A": ArcollectError = CVErr(xlErrNA)',
    '            Case "#DIV/0!": ArcollectError = CVErr(xlErrDiv0)',
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
    "#End If",
    "",
]


def _wrapper(module_name: str, function: CellFunction) -> list[str]:
    signature = []
    for parameter in function.vba_parameters:
        if parameter.vararg:
            signature.append(f"ParamArray {parameter.name}()")
        else:
            signature.append(("Optional " if parameter.optional else "") + parameter.name)
    body: list[str] = []
    if not function.sub:
        if not function.call_in_wizard:
            body.append('If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function')
        if function.volatile:
            body.append("Application.Volatile")
    vararg = next((p for p in function.parameters if p.vararg), None)
    passed = [p.vba or p.name for p in function.parameters if not p.vararg]
    if vararg:
        fixed = len(passed)
        body += [
            "Dim argsArray() As Variant",
            f"argsArray = Array({', '.join(passed)})",
            f"ReDim Preserve argsArray(0 to UBound({vararg.name}) - LBound({vararg.name}) + {fixed})",
            f"For k = LBound({vararg.name}) To UBound({vararg.name})",
            f"argsArray({fixed} + k - LBound({vararg.name})) = {vararg.name}(k)",
            "Next k",
        ]
        args = "argsArray"
    else:
        args = f"Array({', '.join(passed)})"
    call = f'XLPy.CallUDF("{module_name}", "{function.name}", {args}'
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
        f"    {function.name} = ArcollectErrors({call}, ActiveWorkbook, Application.Caller))",
        "    Exit Function",
        "#Else",
        f"    {function.name} = {call})",
        "    Exit Function",
        "#End If",
    ]
    return [
        f"Function {function.name}({', '.join(signature)})",
        *(f"    {line}" for line in body),
        "failed:",
        f"    {function.name} = Err.Description",
        "End Function",
        "",
    ]
