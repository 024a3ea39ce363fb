"""`arcollect addin install`: where the add-in and its configuration go on Windows and macOS."""

from __future__ import annotations

from pathlib import Path

import pytest

from arcollect.cli import main
from arcollect.errors import ConfigError
from arcollect.excel import install

XLAM = Path(__file__).resolve().parents[2] / "workbook" / "arcollect.xlam"


def test_windows_goes_to_xlstart_with_the_config_in_the_user_profile(tmp_path):
    environ = {"APPDATA": str(tmp_path / "Roaming"), "USERPROFILE": str(tmp_path / "me")}
    actions = install.install(XLAM, platform="win32", home=tmp_path, environ=environ, python=r"C:\py\python.exe")
    addin, config = (path for _action, path in actions)
    assert addin == tmp_path / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "arcollect.xlam"
    assert addin.read_bytes() == XLAM.read_bytes()
    assert config == tmp_path / "me" / ".arcollect" / "arcollect.conf"
    lines = config.read_text(encoding="utf-8").splitlines()
    assert lines == ['"INTERPRETER_WIN","C:\\py\\python.exe"', '"UDF MODULES","arcollect.excel.udfs"']


def test_macos_goes_to_the_office_startup_folder_with_the_config_in_excels_sandbox(tmp_path):
    actions = install.install(XLAM, platform="darwin", home=tmp_path, python="/opt/py/bin/python3")
    addin, config = (path for _action, path in actions)
    assert addin.parent.name == "Excel" and "Startup.localized" in str(addin) and addin.exists()
    assert config == tmp_path / "Library/Containers/com.microsoft.Excel/Data/arcollect.conf"
    assert '"INTERPRETER_MAC","/opt/py/bin/python3"' in config.read_text(encoding="utf-8")


def test_dry_run_changes_nothing(tmp_path):
    actions = install.install(XLAM, platform="darwin", home=tmp_path, dry_run=True)
    assert not any(path.exists() for _action, path in actions)


def test_linux_has_no_excel_and_says_so(tmp_path, capsys):
    with pytest.raises(ConfigError, match="no Excel"):
        install.install(XLAM, platform="linux", home=tmp_path)
    assert main(["addin", "install", str(XLAM)]) == 1
    assert "no Excel" in capsys.readouterr().out


def test_cli_build_writes_an_addin_identical_to_the_committed_one(tmp_path, capsys):
    out = tmp_path / "arcollect.xlam"
    assert main(["addin", "build", str(out)]) == 0
    assert out.read_bytes() == XLAM.read_bytes()
