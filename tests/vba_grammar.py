"""VBA source checked the way Excel's compiler sees it: `#If` resolved for one platform, then parsed by MS-VBAL.

    >>> from tests.vba_grammar import PLATFORMS, syntax_errors
    >>> syntax_errors('Attribute VB_Name = "M"\\r\\nFunction F(Currency)\\r\\nEnd Function\\r\\n', PLATFORMS["Win64"])
    [GrammarError(line=2, column=11, message="...")]

Excel compiles a module only after conditional compilation (MS-VBAL §3.4): the lines of the `#If` branches not
taken are not code at all, and each platform takes other branches (`VBA7`, `Win64`, `Win32`, `Mac`). So a module is
checked once per platform: `resolve` evaluates the module's `#Const` and `#If … #ElseIf … #Else … #End If`
directives with that platform's compiler constants (§3.4.1: undefined constants are Empty) and blanks every line
that is not compiled (line numbers stay those of the source); `syntax_errors` parses what remains with the
`antlr4-vba` grammar (the ANTLR grammars-v4 `vba7_1` grammar, derived from MS-VBAL and compiled to Python), which
rejects everything the specification does not allow — a reserved word as a parameter name among them.

Two things MS-VBAL leaves to the implementation are handled before the grammar sees a module:

- The VBA editor stores more module attributes than the specification's class header lists (`VB_Base`,
  `VB_TemplateDerived`, `VB_Description` — every class module Excel writes has them). They are not code; each must
  have the form `Attribute VB_<Name> = <literal>` and a name from `EDITOR_ATTRIBUTES`, and is then blanked.
- A class module exported to a file (`VERSION 1.0 CLASS` … `END`) is parsed as such; the grammar knows that header.

Parsing is slow in pure Python (ANTLR's adaptive prediction warms up per process), so `syntax_errors` caches its
answer per (text after resolution): the same module resolved identically for two platforms is parsed once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from antlr4 import CommonTokenStream, InputStream
from antlr4.error.ErrorListener import ErrorListener
from antlr4_vba.vbaLexer import vbaLexer
from antlr4_vba.vbaParser import vbaParser

#: The compiler constants of each platform Excel's VBA runs on (MS-VBAL §3.4.1 lists VBA6, VBA7, Win16, Win32,
#: Win64 and Mac; Office for Mac also defines MAC_OFFICE_VERSION). Office 2010 and later is VBA7 everywhere.
PLATFORMS: dict[str, dict[str, Any]] = {
    "Win64": {"VBA6": -1, "VBA7": -1, "Win16": 0, "Win32": -1, "Win64": -1, "Mac": 0},
    "Win32": {"VBA6": -1, "VBA7": -1, "Win16": 0, "Win32": -1, "Win64": 0, "Mac": 0},
    "Mac": {"VBA6": -1, "VBA7": -1, "Win16": 0, "Win32": 0, "Win64": 0, "Mac": -1, "MAC_OFFICE_VERSION": 16},
}

#: Module attributes the VBA editor writes besides MS-VBAL's class-module header (§4.2).
EDITOR_ATTRIBUTES = frozenset({"vb_base", "vb_templatederived", "vb_description", "vb_helpid"})

_DIRECTIVE = re.compile(r"^\s*#\s*(If|ElseIf|Else|End\s*If|Const)\b(.*)$", re.IGNORECASE)
_MODULE_ATTRIBUTE = re.compile(r'^Attribute\s+(VB_\w+)\s*=\s*(?:"(?:[^"]|"")*"|-?\w+)\s*$', re.IGNORECASE)
_GRAMMAR_CLASS_ATTRIBUTES = frozenset(
    {"vb_name", "vb_globalnamespace", "vb_creatable", "vb_predeclaredid", "vb_exposed", "vb_customizable"}
)


class ConditionalCompilationError(ValueError):
    """A `#` directive the compiler would refuse: unbalanced, or an expression that cannot be evaluated."""


@dataclass(frozen=True)
class GrammarError:
    line: int
    column: int
    message: str


# ---- conditional compilation (MS-VBAL §3.4) ---------------------------------------------------------------------

_EMPTY = object()  # the value of a constant nobody defined


class _Expression:
    """A conditional-compilation expression (§5.6.16.2) evaluated with VBA's rules: True is -1, False 0."""

    _TOKEN = re.compile(
        r'\s*(?:(?P<string>"(?:[^"]|"")*")|(?P<number>&H[0-9A-F]+|&O?[0-7]+|\d+(?:\.\d+)?(?:E[+-]?\d+)?)[%&^!#@]?'
        r"|(?P<operator><>|><|<=|=<|>=|=>|[-+*/\\^&=<>()])|(?P<name>[A-Z][A-Z0-9_]*))",
        re.IGNORECASE,
    )
    _BINARY: ClassVar[list[set[str] | None]] = [  # lowest precedence first
        {"imp"},
        {"eqv"},
        {"xor"},
        {"or"},
        {"and"},
        None,  # Not (unary)
        {"=", "<>", "><", "<", ">", "<=", "=<", ">=", "=>", "like", "is"},
        {"&"},
        {"+", "-"},
        {"mod"},
        {"\\"},
        {"*", "/"},
    ]

    def __init__(self, text: str, constants: Mapping[str, Any]) -> None:
        self.tokens = self._tokenize(text)
        self.position = 0
        self.constants = {name.lower(): value for name, value in constants.items()}

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens, position = [], 0
        text = text.rstrip()
        while position < len(text):
            match = self._TOKEN.match(text, position)
            if not match or match.end() == position:
                raise ConditionalCompilationError(f"cannot read {text[position:]!r}")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            position = match.end()
        return tokens

    def value(self) -> Any:
        result = self._binary(0)
        if self.position != len(self.tokens):
            raise ConditionalCompilationError(f"unexpected {self.tokens[self.position][1]!r}")
        return result

    def _peek(self) -> str | None:
        return self.tokens[self.position][1].lower() if self.position < len(self.tokens) else None

    def _binary(self, level: int) -> Any:
        if level == len(self._BINARY):
            return self._power()
        operators = self._BINARY[level]
        if operators is None:
            if self._peek() == "not":
                self.position += 1
                return _not(self._binary(level))
            return self._binary(level + 1)
        left = self._binary(level + 1)
        while self._peek() in operators:
            operator = self._peek()
            self.position += 1
            left = _apply(operator, left, self._binary(level + 1))
        return left

    def _power(self) -> Any:
        base = self._unary()
        while self._peek() == "^":
            self.position += 1
            base = _number(base) ** _number(self._unary())
        return base

    def _unary(self) -> Any:
        if self._peek() == "-":
            self.position += 1
            return -_number(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        if self.position >= len(self.tokens):
            raise ConditionalCompilationError("expression ends too early")
        kind, text = self.tokens[self.position]
        self.position += 1
        if text == "(":
            inner = self._binary(0)
            if self._peek() != ")":
                raise ConditionalCompilationError("missing )")
            self.position += 1
            return inner
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if kind == "number":
            return _literal(text)
        if kind == "name":
            lowered = text.lower()
            if lowered in ("true", "false"):
                return -1 if lowered == "true" else 0
            return self.constants.get(lowered, _EMPTY)
        raise ConditionalCompilationError(f"unexpected {text!r}")


def _literal(text: str) -> int | float:
    text = text.rstrip("%&^!#@").lower()
    if text.startswith("&h"):
        return int(text[2:], 16)
    if text.startswith("&"):
        return int(text[1:].lstrip("o"), 8)
    return float(text) if any(c in text for c in ".e") else int(text)


def _number(value: Any) -> int | float:
    if value is _EMPTY:
        return 0
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError as error:
            raise ConditionalCompilationError(f"type mismatch: {value!r} is not a number") from error
    return value


def _not(value: Any) -> int:
    return ~int(_number(value))


def _apply(operator: str, left: Any, right: Any) -> Any:
    if operator in ("and", "or", "xor", "eqv", "imp"):
        a, b = int(_number(left)), int(_number(right))
        return {"and": a & b, "or": a | b, "xor": a ^ b, "eqv": ~(a ^ b), "imp": ~a | b}[operator]
    if operator == "&":
        return _text(left) + _text(right)
    if operator in ("+", "-", "*", "/", "\\", "mod"):
        a, b = _number(left), _number(right)
        if operator in ("\\", "mod", "/") and b == 0:
            raise ConditionalCompilationError("division by zero")
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "\\": int(a) // int(b), "mod": int(a) % int(b)}[
            operator
        ]
    if operator in ("like", "is"):
        raise ConditionalCompilationError(f"{operator} is not allowed in conditional compilation")
    if isinstance(left, str) or isinstance(right, str):
        a, b = _text(left), _text(right)
    else:
        a, b = _number(left), _number(right)
    outcome = {
        "=": a == b, "<>": a != b, "><": a != b, "<": a < b, ">": a > b,
        "<=": a <= b, "=<": a <= b, ">=": a >= b, "=>": a >= b,
    }[operator]  # fmt: skip
    return -1 if outcome else 0


def _text(value: Any) -> str:
    if value is _EMPTY:
        return ""
    if isinstance(value, str):
        return value
    return str(value)


def _condition(text: str, constants: Mapping[str, Any]) -> bool:
    body = re.sub(r"\s+Then\s*(?:'.*)?$", "", text, flags=re.IGNORECASE)
    if body == text:
        raise ConditionalCompilationError(f"#If/#ElseIf without Then: {text.strip()!r}")
    return _number(_Expression(body, constants).value()) != 0


def _strip_comment(text: str) -> str:
    """The directive's text without a trailing ' comment (quotes inside strings kept)."""
    inside = False
    for position, character in enumerate(text):
        if character == '"':
            inside = not inside
        elif character == "'" and not inside:
            return text[:position]
    return text


def resolve(source: str, platform: Mapping[str, Any]) -> str:
    """The module as the compiler of `platform` sees it: directives and skipped branches blanked, lines kept.

    Raises `ConditionalCompilationError` for an `#Else` without `#If`, an `#If` never closed, or an expression the
    compiler could not evaluate.
    """
    constants: dict[str, Any] = dict(platform)
    # Each open #If: (the enclosing code is compiled, a branch was already taken, this branch is compiled).
    stack: list[tuple[bool, bool, bool]] = []
    active = True
    out = []
    for number, line in enumerate(source.split("\n"), start=1):
        ending = "\r" if line.endswith("\r") else ""
        directive = _DIRECTIVE.match(line.rstrip("\r"))
        if not directive:
            out.append(line if active else ending)
            continue
        word = re.sub(r"\s+", "", directive.group(1)).lower()
        rest = directive.group(2)
        try:
            if word == "const":
                if active:
                    name, _, expression = _strip_comment(rest).partition("=")
                    constants[name.strip()] = _Expression(expression, constants).value()
            elif word == "if":
                taken = active and _condition(rest, constants)
                stack.append((active, taken, taken))
                active = taken
            elif word in ("elseif", "else"):
                if not stack:
                    raise ConditionalCompilationError(f"#{directive.group(1)} without #If")
                outer, already, _ = stack[-1]
                if word == "elseif":
                    branch = outer and not already and _condition(rest, constants)
                else:
                    if _strip_comment(rest).strip():
                        raise ConditionalCompilationError(f"unexpected text after #Else: {rest.strip()!r}")
                    branch = outer and not already
                stack[-1] = (outer, already or branch, branch)
                active = branch
            else:  # end if
                if not stack:
                    raise ConditionalCompilationError("#End If without #If")
                active = stack.pop()[0]
        except ConditionalCompilationError as error:
            raise ConditionalCompilationError(f"line {number}: {error}") from None
        out.append(ending)
    if stack:
        raise ConditionalCompilationError(f"{len(stack)} #If block(s) not closed by #End If")
    return "\n".join(out)


# ---- the grammar -------------------------------------------------------------------------------------------------


class _Collector(ErrorListener):
    def __init__(self) -> None:
        self.errors: list[GrammarError] = []

    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):  # ANTLR's names
        self.errors.append(GrammarError(line, column, msg))


def _editor_attributes_blanked(text: str) -> str:
    """Module-level attributes the grammar's header does not list, checked for form and name, then blanked."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.rstrip("\r")
        if not stripped.startswith("Attribute "):
            if stripped.strip() and not stripped.startswith(("VERSION ", "BEGIN", "END", "  ")):
                break  # the header ends at the first line of code
            continue
        match = _MODULE_ATTRIBUTE.match(stripped)
        if match is None:
            continue  # left for the grammar to judge
        name = match.group(1).lower()
        if name in _GRAMMAR_CLASS_ATTRIBUTES:
            continue
        if name not in EDITOR_ATTRIBUTES:
            continue  # an unknown attribute stays in: the grammar refuses it
        lines[index] = "\r" if line.endswith("\r") else ""
    return "\n".join(lines)


_PROCEDURE = re.compile(
    r"^[ \t]*(?:(?:Public|Private|Friend|Global)[ \t]+)?(?:Static[ \t]+)?"
    r"(?:Sub|Function|Property[ \t]+(?:Get|Let|Set))[ \t]",
    re.IGNORECASE,
)
_CLASS_FILE_HEADER = "VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1\r\nEND\r\n"
_PROCEDURE_HEADER = 'Attribute VB_Name = "Procedure"\r\n'


def _comments_blanked(text: str) -> str:
    """Whole-line comments (and their ` _` continuation lines) as empty lines: the same logical lines to VBA.

    The grammar's prediction is quadratic in a run of comment lines (each is an end-of-line in two ways), so a
    30-line licence header costs seconds; as empty lines it costs nothing, and no code changes.
    """
    lines = text.split("\n")
    continued = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if continued or stripped.startswith("'") or re.match(r"(?i)rem(\s|$)", stripped):
            continued = stripped.endswith(" _")
            lines[index] = "\r" if line.endswith("\r") else ""
    return "\n".join(lines)


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> tuple[GrammarError, ...]:
    collector = _Collector()
    lexer = vbaLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(collector)
    parser = vbaParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(collector)
    parser.startRule()
    return tuple(collector.errors)


def _chunks(text: str, *, class_module: bool) -> list[tuple[int, str]]:
    """The module as (line offset, text) pieces that each parse as a module of their own.

    The first piece is the header and declaration section; then one piece per procedure, from its first line to
    the line before the next procedure, under a one-line procedural-module header. A module is valid exactly when
    every piece is: declarations may only come before the first procedure, and a procedure without its `End`
    runs into the next piece's header and fails there. Pieces repeat across platforms (most procedures have no
    `#If`) and across copies of the xlwings module, so the cache parses each distinct one once.
    """
    lines = text.split("\n")
    starts = [0, *(index for index, line in enumerate(lines) if index and _PROCEDURE.match(line))]
    pieces = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        body = "\n".join(lines[start:end])
        if start == 0:
            header = _CLASS_FILE_HEADER if class_module and not text.startswith("VERSION ") else ""
        else:
            header = _PROCEDURE_HEADER
        if not body.endswith("\n"):
            body += "\r\n"
        pieces.append((start - header.count("\n"), header + body))
    return pieces


def syntax_errors(source: str, platform: Mapping[str, Any], *, class_module: bool = False) -> list[GrammarError]:
    """MS-VBAL syntax errors of `source` (a module as VBA stores it, CRLF line ends) as compiled on `platform`.

    `class_module`: the source is a class or document module (`.cls`) without the exported file's `VERSION`
    header, which is then added for the grammar. Line numbers in the errors are the source's.
    """
    text = _comments_blanked(_editor_attributes_blanked(resolve(source, platform)))
    errors = []
    for offset, piece in _chunks(text, class_module=class_module):
        errors += [GrammarError(e.line + offset, e.column, e.message) for e in _parse(piece)]
    return errors
