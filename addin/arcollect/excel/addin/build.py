"""`arcollect addin build`: the text sources in this folder + the installed xlwings → `arcollect.xlam`.

    python -m arcollect.excel.addin.build workbook/arcollect.xlam

    >>> from pathlib import Path
    >>> from arcollect.excel.addin.build import build
    >>> build(Path("workbook/arcollect.xlam"))                     # doctest: +SKIP
    PosixPath('workbook/arcollect.xlam')

Runs anywhere, Excel not needed. The add-in's VBA project holds six modules, all as source (no p-code, so Excel
compiles them when the add-in is first opened):

- `ThisWorkbook`, `Sheet1` — the document modules every workbook has, empty: the add-in runs no code when it
  opens (no `Workbook_Open`), the pattern of xlwings' own add-ins, which mail filters such as oletools' mraptor
  rate as harmless;
- `Ribbon` — `Ribbon.bas`, the callbacks of `customUI.xml`'s buttons, each `RunPython` on `arcollect.excel.ribbon`;
- `xlwings` — the installed xlwings' own module for custom add-ins (`xlwings_custom_addin.bas`), unchanged except
  for `PROJECT_NAME`, which xlwings asks an add-in to set: its configuration is then read from a sheet or file
  named `arcollect.conf` (`%USERPROFILE%\\.arcollect\\arcollect.conf`);
- `Dictionary` — the installed xlwings' `Dictionary.cls` (Tim Hall's VBA-Dictionary, MIT), which the xlwings
  module uses for its configuration on macOS, where `Scripting.Dictionary` does not exist;
- `arcollect_udfs` — the `=AR_…` wrappers, generated from `arcollect.excel.udfs` (see `udf_wrappers`).

The xlwings module names the DLL (`xlwings64-<version>.dll`) and AppleScript of the xlwings it comes from, so the
add-in records that version (`package.xlwings_version`) and works only with it; `arcollect addin install` builds
the add-in from the xlwings installed beside it. The build checks the ribbon against Microsoft's customUI14.xsd and
that every button has its callback before writing anything, and fails with a plain message if the cell-function
module does not import.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import xlwings

from arcollect.errors import ConfigError
from arcollect.excel.addin import ovba, package, ribbon_schema, udf_wrappers

logger = logging.getLogger(__name__)

PROJECT_NAME = "arcollect"
UDF_MODULE = "arcollect.excel.udfs"
RIBBON_MODULE = "arcollect.excel.ribbon"
UDF_VBA_MODULE = "arcollect_udfs"
_XLWINGS_PROJECT_NAME = re.compile(r'^(Public Const PROJECT_NAME As String = )"myaddin"(?=\r?$)', re.MULTILINE)
_XLWINGS_VERSION = re.compile(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"\r?$', re.MULTILINE)
_ON_ACTION = re.compile(r'\bonAction="([^"]+)"')
_CALLBACK = re.compile(r"^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(\s*control\s+As\s+IRibbonControl\s*\)", re.I | re.M)


def source(name: str) -> str:
    """A text source kept next to this module (`customUI.xml`, `Ribbon.bas`)."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def crlf(text: str) -> str:
    """VBA keeps module source with CRLF line ends, whatever the repository's checkout uses."""
    return "\r\n".join(text.splitlines()) + "\r\n"


def xlwings_module() -> str:
    """The installed xlwings' VBA module for custom add-ins, licence header kept, with our PROJECT_NAME."""
    path = Path(xlwings.__file__).with_name("xlwings_custom_addin.bas")
    text, count = _XLWINGS_PROJECT_NAME.subn(rf'\1"{PROJECT_NAME}"', crlf(path.read_text(encoding="cp1252")))
    if count != 1:
        raise ConfigError(f"{path} no longer declares PROJECT_NAME the way xlwings {xlwings.__version__} did")
    declared = _XLWINGS_VERSION.search(text)
    if declared is None or declared.group(1) != xlwings.__version__:
        found = declared.group(1) if declared else "no version"
        raise ConfigError(
            f"{path} is for xlwings {found}, but xlwings {xlwings.__version__} is installed: reinstall xlwings "
            f"(python -m pip install --force-reinstall xlwings=={xlwings.__version__})"
        )
    return text


def dictionary_module() -> ovba.Module:
    """xlwings' `Dictionary` class (VBA-Dictionary), which its module needs on macOS, as the editor stores it."""
    path = Path(xlwings.__file__).with_name("addin") / "Dictionary.cls"
    if not path.is_file():
        raise ConfigError(f"xlwings {xlwings.__version__} has no {path.name} at {path.parent}: reinstall xlwings")
    return ovba.Module.for_class(crlf(path.read_text(encoding="cp1252")))


def ribbon_module(python_module: str = RIBBON_MODULE) -> str:
    """`Ribbon.bas`, pointed at `python_module`."""
    text = source("Ribbon.bas")
    if python_module != RIBBON_MODULE:
        text = text.replace(f"import {RIBBON_MODULE} as", f"import {python_module} as")
    return crlf(text)


def callbacks(ribbon_source: str) -> set[str]:
    """Names of the Subs in a module that the ribbon can call: `Sub X(control As IRibbonControl)`."""
    return set(_CALLBACK.findall(ribbon_source))


def on_actions(custom_ui: str) -> list[str]:
    """Every `onAction` the ribbon XML names."""
    return _ON_ACTION.findall(custom_ui)


def modules(*, udf_module: str = UDF_MODULE, ribbon_module_name: str = RIBBON_MODULE) -> list[ovba.Module]:
    """The add-in's VBA modules, in the order the project lists them."""
    return [
        ovba.Module.for_document("ThisWorkbook", "workbook"),
        ovba.Module.for_document("Sheet1", "worksheet"),
        ovba.Module("Ribbon", ribbon_module(ribbon_module_name)),
        ovba.Module("xlwings", xlwings_module()),
        dictionary_module(),
        ovba.Module(UDF_VBA_MODULE, udf_wrappers.vba_module(udf_module, UDF_VBA_MODULE)),
    ]


def build(out: Path, *, udf_module: str = UDF_MODULE, ribbon_module: str = RIBBON_MODULE) -> Path:
    """Write the add-in to `out` and return `out`; the same sources and xlwings give the same bytes."""
    custom_ui = source("customUI.xml")
    invalid = ribbon_schema.problems(custom_ui.encode("utf-8"))
    if invalid:
        raise ConfigError(f"customUI.xml does not conform to Microsoft's customUI14.xsd: {invalid[0]}")
    vba_modules = modules(udf_module=udf_module, ribbon_module_name=ribbon_module)
    ribbon = next(module for module in vba_modules if module.name == "Ribbon")
    missing = sorted(set(on_actions(custom_ui)) - callbacks(ribbon.source))
    if missing:
        raise ConfigError(f"customUI.xml calls {', '.join(missing)}, which Ribbon.bas does not define")
    data = package.xlam(
        vba_project=ovba.vba_project(PROJECT_NAME, vba_modules),
        custom_ui=custom_ui.encode("utf-8"),
        xlwings=xlwings.__version__,
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(out)
    logger.info("built %s (%d bytes, %d VBA modules)", out, len(data), len(vba_modules))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m arcollect.excel.addin.build [OUT]`; prints the path written, or one sentence and exits 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("usage: python -m arcollect.excel.addin.build [OUT.xlam]", file=sys.stderr)
        return 2
    out = Path(args[0]) if args else Path("workbook/arcollect.xlam")
    try:
        print(build(out, udf_module=UDF_MODULE, ribbon_module=RIBBON_MODULE))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
