"""`arcollect addin install`: where the add-in and its configuration go on Windows and macOS, built for the
installed xlwings, readable by Excel's VBA, and one sentence whenever something stands in the way."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
import xlwings

from arcollect.cli import main
from arcollect.errors import ConfigError
from arcollect.excel import install
from arcollect.excel.addin import build, package

XLAM = Path(__file__).resolve().parents[2] / "workbook" / "arcollect.xlam"
VERSION = xlwings.__version__


def _python(folder: Path, *, dll: bool = True) -> str:
    """A Windows-style Python installation in `folder`: the interpreter, and xlwings' DLL where pip puts it."""
    (folder / "Scripts").mkdir(parents=True)
    interpreter = folder / "Scripts" / "python.exe"
    interpreter.write_bytes(b"")
    (folder / "Scripts" / "pythonw.exe").write_bytes(b"")
    if dll:
        (folder / f"xlwings64-{VERSION}.dll").write_bytes(b"MZ")
    return str(interpreter)


def _windows(tmp_path: Path) -> dict[str, str]:
    return {"APPDATA": str(tmp_path / "Roaming"), "USERPROFILE": str(tmp_path / "me")}


def test_windows_builds_the_addin_for_the_installed_xlwings_into_xlstart(tmp_path):
    python = _python(tmp_path / "venv")
    actions = install.install(platform="win32", home=tmp_path, environ=_windows(tmp_path), python=python)
    (_, addin), (_, config) = actions
    assert addin == tmp_path / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "arcollect.xlam"
    assert package.xlwings_version(addin) == VERSION
    assert addin.read_bytes() == build.build(tmp_path / "fresh.xlam").read_bytes()
    assert config == tmp_path / "me" / ".arcollect" / "arcollect.conf"
    windowless = str(tmp_path / "venv" / "Scripts" / "pythonw.exe")
    assert (
        config.read_bytes() == f'"INTERPRETER_WIN","{windowless}"\r\n"UDF MODULES","arcollect.excel.udfs"\r\n'.encode()
    )
    assert not [p for p in addin.parent.iterdir() if p.name != addin.name], "no temporary file left behind"


@pytest.mark.locked_build
def test_a_prebuilt_addin_for_the_installed_xlwings_is_installed_as_is(tmp_path):
    python = _python(tmp_path / "venv")
    (_, addin), _ = install.install(XLAM, platform="win32", home=tmp_path, environ=_windows(tmp_path), python=python)
    assert addin.read_bytes() == XLAM.read_bytes()


def _built_for(version: str, tmp_path: Path) -> Path:
    """The committed add-in as if built from another xlwings: its xlwings module and recorded version say so."""
    other = tmp_path / "other.xlam"
    with zipfile.ZipFile(XLAM) as source, zipfile.ZipFile(other, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == package.CUSTOM_PROPERTIES_PART:
                data = data.replace(f">{VERSION}<".encode(), f">{version}<".encode())
            target.writestr(item, data)
    return other


@pytest.mark.locked_build
def test_an_addin_built_for_another_xlwings_is_refused_in_one_sentence(tmp_path, capsys):
    other = _built_for("0.30.0", tmp_path)
    python = _python(tmp_path / "venv")
    with pytest.raises(ConfigError) as refused:
        install.install(other, platform="win32", home=tmp_path, environ=_windows(tmp_path), python=python)
    message = str(refused.value)
    assert f"built for xlwings 0.30.0, but this Python has xlwings {VERSION}" in message
    assert "Could not load xlwings64-0.30.0.dll" in message and "without a file" in message
    assert "\n" not in message
    assert not (tmp_path / "Roaming").exists(), "nothing installed"
    assert main(["addin", "install", str(other)]) == 1
    out = capsys.readouterr().out
    assert "0.30.0" in out and "Traceback" not in out


def test_an_addin_that_does_not_say_its_xlwings_is_refused(tmp_path):
    unknown = tmp_path / "unknown.xlam"
    unknown.write_bytes(Path(xlwings.__file__).with_name("quickstart_addin.xlam").read_bytes())
    with pytest.raises(ConfigError, match="does not say which xlwings"):
        install.install(unknown, platform="darwin", home=tmp_path)


def test_windows_without_the_xlwings_dll_beside_python_is_refused(tmp_path):
    python = _python(tmp_path / "venv", dll=False)
    with pytest.raises(ConfigError, match=rf"without its xlwings64-{VERSION}\.dll") as refused:
        install.install(platform="win32", home=tmp_path, environ=_windows(tmp_path), python=python)
    assert f"--force-reinstall xlwings=={VERSION}" in str(refused.value)


def test_the_configuration_is_in_the_windows_ansi_code_page_for_a_user_named_mueller(tmp_path):
    """VBA's `Input #` reads the file in the ANSI code page: UTF-8 would turn Müller into MÃ¼ller."""
    profile = tmp_path / "Users" / "Müller"
    python = _python(profile / "venv")
    environ = {"APPDATA": str(profile / "AppData" / "Roaming"), "USERPROFILE": str(profile)}
    (_, _), (_, config) = install.install(platform="win32", home=profile, environ=environ, python=python)
    data = config.read_bytes()
    assert "Müller".encode("cp1252") in data and "Müller".encode() not in data
    interpreter, value = data.decode("cp1252").splitlines()[0].split(",", 1)
    assert interpreter == '"INTERPRETER_WIN"' and Path(value.strip('"')).exists()
    assert install.config_encoding("win32") == ("cp1252" if os.name != "nt" else install.config_encoding("win32"))
    assert install.config_encoding("darwin") == "utf-8"


def test_a_path_the_code_page_cannot_hold_is_refused_in_one_sentence(tmp_path):
    python = _python(tmp_path / "用户")
    with pytest.raises(ConfigError, match="cannot read in this computer's code page") as refused:
        install.install(platform="win32", home=tmp_path, environ=_windows(tmp_path), python=python)
    assert "用" in str(refused.value) and "\n" not in str(refused.value)


def test_macos_installs_the_addin_its_configuration_and_xlwings_applescript(tmp_path):
    done = install.install(platform="darwin", home=tmp_path, python="/opt/py/bin/python3")
    actions = {str(path): action for action, path in done}
    addin = tmp_path / "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
    assert package.xlwings_version(addin / "arcollect.xlam") == VERSION
    config = tmp_path / "Library/Containers/com.microsoft.Excel/Data/arcollect.conf"
    assert (
        config.read_text(encoding="utf-8")
        == '"INTERPRETER_MAC","/opt/py/bin/python3"\n"UDF MODULES","arcollect.excel.udfs"\n'
    )
    script = tmp_path / "Library/Application Scripts/com.microsoft.Excel" / f"xlwings-{VERSION}.applescript"
    assert script.read_bytes() == Path(xlwings.__file__).with_name(script.name).read_bytes()
    assert "RunPython" in actions[str(script)]


def test_dry_run_changes_nothing(tmp_path):
    actions = install.install(platform="darwin", home=tmp_path, dry_run=True)
    assert len(actions) == 3
    assert not any(path.exists() for _action, path in actions)


@pytest.mark.locked_build
def test_an_addin_excel_holds_open_gives_one_sentence_and_keeps_the_installed_one(tmp_path, monkeypatch, capsys):
    """Windows refuses to replace a file Excel has open (sharing violation, a PermissionError): no traceback."""
    python = _python(tmp_path / "venv")
    environ = _windows(tmp_path)
    (_, addin), _ = install.install(XLAM, platform="win32", home=tmp_path, environ=environ, python=python)
    before = addin.read_bytes()
    real_replace = os.replace

    def excel_holds(source, target):
        if Path(target) == addin:
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", excel_holds)
    with pytest.raises(ConfigError) as refused:
        install.install(platform="win32", home=tmp_path, environ=environ, python=python)
    assert str(refused.value) == (
        "arcollect.xlam is open in Excel, so it cannot be replaced: quit Excel and run arcollect addin install again"
    )
    assert addin.read_bytes() == before
    assert sorted(p.name for p in addin.parent.iterdir()) == ["arcollect.xlam"], "the temporary file is removed"


@pytest.mark.locked_build
def test_linux_has_no_excel_and_says_so(tmp_path, capsys):
    with pytest.raises(ConfigError, match="no Excel"):
        install.install(XLAM, platform="linux", home=tmp_path)
    assert main(["addin", "install"]) == 1
    assert "no Excel" in capsys.readouterr().out


@pytest.mark.locked_build
def test_cli_build_writes_an_addin_identical_to_the_committed_one(tmp_path, capsys):
    out = tmp_path / "arcollect.xlam"
    assert main(["addin", "build", str(out)]) == 0
    assert out.read_bytes() == XLAM.read_bytes()
