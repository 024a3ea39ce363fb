"""Put the add-in where Excel loads it at start-up, and tell it which Python to run.

    actions = install()                                                  # this user, this machine
    actions = install(platform="win32", home=tmp, dry_run=True)          # what it would do, for a test or a look
    actions = install(Path("arcollect.xlam"))                            # a prebuilt add-in, if it fits

The add-in is built here and now from the installed arcollect and the installed xlwings (`build.build`): the
xlwings VBA module inside it loads `xlwings64-<version>.dll` and the AppleScript `xlwings-<version>.applescript`
of exactly the xlwings it comes from, so an add-in built for another xlwings fails every cell function with "Could
not load xlwings64-….dll". A prebuilt add-in passed in is installed only if it records the installed xlwings'
version (`package.xlwings_version`); otherwise the call says so in one sentence and changes nothing.

Windows: the add-in goes to the user's XLSTART folder (``%APPDATA%\\Microsoft\\Excel\\XLSTART``, a trusted
location, so no macro prompt) and the configuration to ``%USERPROFILE%\\.arcollect\\arcollect.conf``. The xlwings DLL
must sit beside the interpreter or one folder up (where pip puts it, and where the VBA looks). macOS: the add-in
goes to Excel's start-up folder in the Office group container, the configuration to Excel's sandbox home
(``~/Library/Containers/com.microsoft.Excel/Data/arcollect.conf``), and xlwings' AppleScript, which ``RunPython``
needs on a Mac, to ``~/Library/Application Scripts/com.microsoft.Excel`` (what ``xlwings runpython install``
does). There is no Excel on Linux: there the call says so and changes nothing.

The configuration is the xlwings one, named after the add-in (its VBA reads ``<PROJECT_NAME>.conf``): the
interpreter of the current environment and ``UDF MODULES = arcollect.excel.udfs``, one ``"KEY","value"`` pair a line
as VBA's ``Input #`` reads them. VBA reads that file in the system's ANSI code page on Windows (cp1252 in Western
Europe and the Americas), so it is written in that code page — a Python under ``C:\\Users\\Müller`` must stay
``Müller`` to Excel; a path the code page cannot hold is replaced by its short (8.3) form, or refused in one
sentence. On macOS it is UTF-8, as xlwings writes its own.

Files are replaced atomically. While Excel has the add-in open, Windows refuses to replace it: the call then says
so in one sentence (close Excel, run it again) and leaves the installed add-in as it was.
"""

from __future__ import annotations

import locale
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import xlwings

from arcollect.errors import ConfigError
from arcollect.excel.addin import package

UDF_MODULES = "arcollect.excel.udfs"
PROJECT_NAME = "arcollect"
ADDIN = "arcollect.xlam"
_MAC_STARTUP = "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
_MAC_SANDBOX = "Library/Containers/com.microsoft.Excel/Data"
_MAC_SCRIPTS = "Library/Application Scripts/com.microsoft.Excel"
#: The ANSI code page of Windows in Western Europe and the Americas: the config's encoding when not on Windows.
WESTERN_ANSI = "cp1252"


def config_encoding(platform: str) -> str:
    """The encoding Excel's VBA reads the configuration in: the system's ANSI code page on Windows, else UTF-8."""
    if platform != "win32":
        return "utf-8"
    return locale.getencoding() if sys.platform == "win32" else WESTERN_ANSI


def _short_path(path: str) -> str | None:
    """Windows' 8.3 form of an existing path (all ASCII), or None when there is none or this is not Windows."""
    if sys.platform != "win32":
        return None
    import ctypes

    size = ctypes.windll.kernel32.GetShortPathNameW(path, None, 0)  # type: ignore[attr-defined]
    if not size:
        return None
    buffer = ctypes.create_unicode_buffer(size)
    ctypes.windll.kernel32.GetShortPathNameW(path, buffer, size)  # type: ignore[attr-defined]
    return buffer.value or None


def config_text(python: str, platform: str) -> str:
    """The add-in's configuration: which Python runs the ribbon and the cell functions, and where they live."""
    key = "INTERPRETER_WIN" if platform == "win32" else "INTERPRETER_MAC"
    interpreter = python
    if platform == "win32":  # pythonw.exe runs without a console window popping up on every button press
        windowless = str(Path(python).with_name("pythonw.exe"))
        interpreter = windowless if Path(windowless).exists() else python
    newline = "\r\n" if platform == "win32" else "\n"
    return f'"{key}","{interpreter}"{newline}"UDF MODULES","{UDF_MODULES}"{newline}'


def config_bytes(python: str, platform: str, encoding: str | None = None) -> bytes:
    """`config_text` in the encoding VBA reads it in (see the module docstring); `ConfigError` if it cannot be."""
    encoding = encoding or config_encoding(platform)
    text = config_text(python, platform)
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as error:
        short = _short_path(python)
        if short and short != python:
            return config_bytes(short, platform, encoding)
        raise ConfigError(
            f"The Python path {python} contains {text[error.start : error.end]!r}, which Excel cannot read in this "
            f"computer's code page ({encoding}): use a Python installed in a folder whose name has no such "
            "characters (e.g. C:\\Python), then run arcollect addin install again"
        ) from error


def targets(platform: str, home: Path, environ: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Where the add-in and its configuration go on `platform` for the user whose home is `home`."""
    environ = dict(os.environ if environ is None else environ)
    if platform == "win32":
        appdata = Path(environ.get("APPDATA", home / "AppData" / "Roaming"))
        profile = Path(environ.get("USERPROFILE", home))
        return (
            appdata / "Microsoft" / "Excel" / "XLSTART" / ADDIN,
            profile / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf",
        )
    if platform == "darwin":
        return home / _MAC_STARTUP / ADDIN, home / _MAC_SANDBOX / f"{PROJECT_NAME}.conf"
    raise ConfigError("Excel add-ins install on Windows and macOS; this machine has no Excel (use the CLI here)")


def applescript() -> Path:
    """The installed xlwings' AppleScript, which the add-in's `RunPython` calls on a Mac."""
    return Path(xlwings.__file__).with_name(f"xlwings-{xlwings.__version__}.applescript")


def dll_problem(python: str, version: str = xlwings.__version__) -> str | None:
    """Why the add-in's cell functions could not load xlwings' DLL for `python` on Windows, or None.

    The VBA (`XLPyLoadDLL`) looks for ``xlwings64-<version>.dll`` (or ``xlwings32-…`` for 32-bit Office) in the
    interpreter's folder, then one folder up (a virtual environment's root): where pip installs it.
    """
    interpreter = Path(python)
    folders = [interpreter.parent, interpreter.parent.parent]
    names = [f"xlwings64-{version}.dll", f"xlwings32-{version}.dll"]
    if any((folder / name).is_file() for folder in folders for name in names):
        return None
    return (
        f"xlwings {version} is installed without its xlwings64-{version}.dll beside {interpreter.name} "
        f"({folders[0]} or {folders[1]}), so Excel could not run the cell functions: reinstall it with "
        f"python -m pip install --force-reinstall xlwings=={version}"
    )


def check_addin(xlam: Path) -> None:
    """Refuse, in one sentence, an add-in that is missing or was built for another xlwings than the installed one."""
    if not Path(xlam).is_file():
        raise ConfigError(f"{xlam} does not exist — run arcollect addin install without a file to build one")
    built_for = package.xlwings_version(xlam)
    installed = xlwings.__version__
    if built_for is None:
        raise ConfigError(
            f"{xlam} does not say which xlwings it was built for: run arcollect addin install without a file to "
            f"build the add-in for the installed xlwings {installed}"
        )
    if built_for != installed:
        raise ConfigError(
            f"{xlam} was built for xlwings {built_for}, but this Python has xlwings {installed}: every cell function "
            f'would fail with "Could not load xlwings64-{built_for}.dll". Run arcollect addin install without a file '
            f"to build the add-in for xlwings {installed}, or install xlwings=={built_for}"
        )


def _replace(target: Path, write: Callable[[Path], None]) -> None:
    """Write `target` through a temporary file beside it; say in one sentence if Excel holds the old one open."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, target)
    except PermissionError as error:
        raise ConfigError(
            f"{target.name} is open in Excel, so it cannot be replaced: quit Excel and run arcollect addin install "
            "again"
        ) from error
    except OSError as error:
        raise ConfigError(f"Cannot write {target}: {error.strerror or error}") from error
    finally:
        temporary.unlink(missing_ok=True)


def install(
    xlam: Path | None = None,
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    python: str = sys.executable,
    environ: dict[str, str] | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
) -> list[tuple[str, Path]]:
    """Build (or check) the add-in, copy it and write its configuration; returns what was (or would be) done.

    `xlam` None builds the add-in for the installed xlwings; a path installs that file if it fits (`check_addin`).
    `encoding` overrides the configuration's code page (tests; see `config_encoding`).
    """
    if xlam is not None:
        check_addin(Path(xlam))
    addin_path, config_path = targets(platform, Path(home or Path.home()), environ)
    if platform == "win32":
        problem = dll_problem(python)
        if problem:
            raise ConfigError(problem)
    configuration = config_bytes(python, platform, encoding)
    verb = "build the add-in for xlwings " + xlwings.__version__ + " into" if xlam is None else "copy the add-in to"
    actions = [(verb, addin_path), ("write the configuration to", config_path)]
    script = Path(home or Path.home()) / _MAC_SCRIPTS / applescript().name
    if platform == "darwin":
        actions.append(("install xlwings' AppleScript for RunPython to", script))
    if dry_run:
        return actions
    if xlam is None:
        from arcollect.excel.addin import build

        _replace(addin_path, lambda temporary: build.build(temporary))
    else:
        _replace(addin_path, lambda temporary: shutil.copyfile(xlam, temporary))
    _replace(config_path, lambda temporary: temporary.write_bytes(configuration))
    if platform == "darwin":
        _replace(script, lambda temporary: shutil.copyfile(applescript(), temporary))
    return actions
