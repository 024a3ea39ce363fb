"""Put the add-in where Excel loads it at start-up, and tell it which Python to run.

    actions = install(Path("workbook/arcollect.xlam"))                  # this user, this machine
    actions = install(xlam, platform="win32", home=tmp, dry_run=True)   # what it would do, for a test or a look

Windows: the add-in goes to the user's XLSTART folder (``%APPDATA%\\Microsoft\\Excel\\XLSTART``) and the
configuration to ``%USERPROFILE%\\.arcollect\\arcollect.conf``. macOS: the add-in goes to Excel's start-up folder
in the Office group container and the configuration to Excel's sandbox home
(``~/Library/Containers/com.microsoft.Excel/Data/arcollect.conf``). The configuration is the xlwings one, named
after the add-in (its VBA reads ``<PROJECT_NAME>.conf``): the interpreter of the current environment and
``UDF MODULES = arcollect.excel.udfs``, one ``"KEY","value"`` pair a line as VBA's ``Input #`` reads them.
There is no Excel on Linux: there the call says so and changes nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path, PureWindowsPath

from arcollect.errors import ConfigError

UDF_MODULES = "arcollect.excel.udfs"
PROJECT_NAME = "arcollect"
_MAC_STARTUP = "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
_MAC_SANDBOX = "Library/Containers/com.microsoft.Excel/Data"


def config_text(python: str, platform: str) -> str:
    """The add-in's configuration: which Python runs the ribbon and the cell functions, and where they live."""
    key = "INTERPRETER_WIN" if platform == "win32" else "INTERPRETER_MAC"
    interpreter = python
    if platform == "win32":  # pythonw.exe runs without a console window popping up on every button press
        windowless = str(PureWindowsPath(python).with_name("pythonw.exe"))
        interpreter = windowless if Path(windowless).exists() else python
    return f'"{key}","{interpreter}"\n"UDF MODULES","{UDF_MODULES}"\n'


def targets(platform: str, home: Path, environ: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Where the add-in and its configuration go on `platform` for the user whose home is `home`."""
    environ = dict(os.environ if environ is None else environ)
    if platform == "win32":
        appdata = Path(environ.get("APPDATA", home / "AppData" / "Roaming"))
        profile = Path(environ.get("USERPROFILE", home))
        return appdata / "Microsoft" / "Excel" / "XLSTART" / "arcollect.xlam", profile / ".arcollect" / "arcollect.conf"
    if platform == "darwin":
        return home / _MAC_STARTUP / "arcollect.xlam", home / _MAC_SANDBOX / f"{PROJECT_NAME}.conf"
    raise ConfigError("Excel add-ins install on Windows and macOS; this machine has no Excel (use the CLI here)")


def install(
    xlam: Path,
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    python: str = sys.executable,
    environ: dict[str, str] | None = None,
    dry_run: bool = False,
) -> list[tuple[str, Path]]:
    """Copy the add-in and write its configuration; returns what was (or, with `dry_run`, would be) done."""
    if not Path(xlam).is_file():
        raise ConfigError(f"{xlam} does not exist — build it first: arcollect addin build")
    addin_path, config_path = targets(platform, Path(home or Path.home()), environ)
    actions = [("copy the add-in to", addin_path), ("write the configuration to", config_path)]
    if not dry_run:
        addin_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(xlam, addin_path)
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(config_text(python, platform), encoding="utf-8")
    return actions
