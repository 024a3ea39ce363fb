"""The package as a user installs it: a wheel built from the project, installed into a fresh environment outside
the checkout, sends the demo's reminders and builds the add-in (issue #14, section 4).

The wheel is built from a copy of the tracked files (``git ls-files``), so nothing that only lies around in a
working copy can make it pass. The fresh environment is a new venv in a temporary folder, and the wheel is installed
into it with its declared dependencies only (no test extra), constrained to ``requirements.lock``: a module the
package imports but does not declare fails here. pip takes the locked wheels from its cache, which ``make test``
has just filled when it built ``.venv``; ``import arcollect`` finds the installed wheel, never the checkout
(asserted), and ``pip check`` confirms the installed set is consistent.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T10:00:00+00:00"  # a Tuesday: business hours in Europe, customers due at every level

pytestmark = pytest.mark.slow


def _tracked_files() -> list[str]:
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]
    skip = {".venv", "build", "dist", "demo", ".git", ".pytest_cache", ".ruff_cache", ".hypothesis", "__pycache__"}
    return [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*")
        if path.is_file() and not skip & set(path.relative_to(ROOT).parts) and not path.name.endswith(".egg-info")
    ]


def _run(command: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{command[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the wheel from a clean copy of the project and install it into a new venv; returns the places."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    tracked = _tracked_files()
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = work / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, source], cwd=work
    )
    wheel = next(dist.glob("arcollect-*.whl"))

    venv = work / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", venv], cwd=work)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    fresh = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work).strip())
    lock = ROOT / "requirements.lock"  # --no-compile: modules compile on first import, as in make test's venvs
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile", "-c", lock, wheel], cwd=work
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    run_folder = work / "user"
    run_folder.mkdir()
    return {"wheel": wheel, "python": python, "fresh": fresh, "run": run_folder, "env": env, "tracked": tracked}


def test_the_wheel_carries_the_templates_and_every_file_the_package_reads(installed) -> None:
    with zipfile.ZipFile(installed["wheel"]) as wheel:
        names = set(wheel.namelist())
    templates = sorted(name for name in installed["tracked"] if name.startswith("templates/"))
    assert len(templates) > 100
    missing = [name for name in templates if f"arcollect/{name}" not in names]
    assert not missing, f"templates missing from the wheel: {missing[:5]}"
    data = [
        name.removeprefix("addin/")
        for name in installed["tracked"]
        if name.startswith("addin/arcollect/") and not name.endswith(".py")
    ]
    assert "arcollect/engine/data/reference_rates.csv" in data
    assert not [name for name in data if name not in names], "package files missing from the wheel"
    assert not [name for name in names if name.startswith(("tests/", "addin/", "templates/"))]


def test_the_installed_package_runs_from_the_wheel_not_from_the_checkout(installed) -> None:
    where = _run(
        [installed["python"], "-c", "import arcollect, arcollect.mail.render as r; print(arcollect.__file__); "
         "print(r.BUILTIN_TEMPLATE_DIR)"],
        cwd=installed["run"], env=installed["env"],
    ).split()  # fmt: skip
    assert all(Path(line).is_relative_to(installed["fresh"]) for line in where), where
    assert not any(Path(line).is_relative_to(ROOT) for line in where)
    checked = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(installed["python"]), "check"],
        capture_output=True, text=True, env=installed["env"], check=False,
    )  # fmt: skip
    assert "arcollect" not in checked.stdout, checked.stdout  # every requirement of the wheel is met


def test_arcollect_demo_from_the_wheel_sends_reminders_and_addin_build_works(installed) -> None:
    folder = installed["run"]
    printed = _run(["arcollect", "demo", "--dir", folder / "demo", "--now", NOW], cwd=folder, env=installed["env"])
    sent_line = next(line for line in printed.splitlines() if "Reminders sent now" in line)
    sent = int("".join(ch for ch in sent_line.split("Reminders sent now")[1] if ch.isdigit()))
    assert sent > 20, printed
    messages = sorted((folder / "demo" / "outbox").glob("*.eml"))
    assert len(messages) == sent
    body = email.message_from_bytes(messages[0].read_bytes())
    assert body["Subject"] and body.is_multipart()
    assert "template" not in printed.lower(), printed  # no reminder held for a template problem

    xlam = folder / "arcollect.xlam"
    _run(["arcollect", "addin", "build", xlam], cwd=folder, env=installed["env"])
    with zipfile.ZipFile(xlam) as addin:
        assert "xl/vbaProject.bin" in addin.namelist() and "customUI/customUI14.xml" in addin.namelist()
