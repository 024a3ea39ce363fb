"""The lowest version of every direct dependency that pyproject.toml allows, and the lock of the venv built from them.

    python scripts/floors.py                                 # print the floors as constraints (name==version)
    python scripts/floors.py --lock requirements-floors.lock # resolve them (with uv) and write the floors lock

`make test` installs `.venv-floors` under `requirements-floors.lock` and runs the unit and security tests in it
(`make floors`), so every floor in pyproject.toml is a version that is tested, not only the versions of
`requirements.lock`. The floors are the `>=` bounds of `[project] dependencies` and of the `test` extra (the
tests run with them too), for this platform's markers. What they pull in is resolved once, when the lock is
written, to the newest versions the floors accept (what uv calls `--resolution lowest-direct`), and pinned, so
CI installs the same set each time and `make audit` checks it. Regenerate the lock after changing a floor.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("test",)
HEADER = """\
# The floors of arcollect: every direct dependency (with the test extra) at the lowest version pyproject.toml allows,
# and what those pull in, resolved to the newest versions they accept on the day this was written. `make floors`
# (part of make test) installs .venv-floors under it and runs the unit and security tests. Regenerate after
# changing a lower bound in pyproject.toml (needs uv): python scripts/floors.py --lock requirements-floors.lock
# Python {python}, Linux x86-64.
"""


def floors(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """Canonical name → the version of its `>=` bound, for each direct dependency that applies on this platform.

    A dependency without a `>=` bound (or with an `==`, `~=` or `<` that makes the floor ambiguous) raises
    ValueError: its lowest allowed version could not be tested."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    texts = list(project.get("dependencies", []))
    for extra in EXTRAS:
        texts += project.get("optional-dependencies", {}).get(extra, [])
    result: dict[str, str] = {}
    for text in texts:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        others = [str(spec) for spec in requirement.specifier if spec.operator != ">="]
        if len(lower) != 1 or others:
            raise ValueError(f"{text!r}: give exactly one lower bound (>=) so that its floor can be tested")
        result[canonicalize_name(requirement.name)] = lower[0]
    return result


def constraints(pins: dict[str, str]) -> str:
    """The floors as `name==version` lines (a version such as 4.9 may be released as 4.9.0.80: the lock says)."""
    return "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


def write_lock(lock: Path) -> None:
    """Resolve the floors with uv (`uv pip compile --resolution lowest-direct`: each direct dependency at the lowest
    release its bound allows, the rest at the newest they accept; pip has no such mode and backtracks for long)
    for this Python on Linux x86-64, and write the pins to `lock`."""
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        raise SystemExit("floors: writing the lock needs uv (python -m pip install uv)")
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    floors()  # every direct dependency has one lower bound, or this says which has not
    done = subprocess.run(
        [uv, "pip", "compile", "--quiet", "--no-header", "--no-annotate", "--resolution", "lowest-direct",
         "--python-version", python, "--python-platform", "x86_64-unknown-linux-gnu", str(ROOT / "pyproject.toml"),
         *[f"--extra={extra}" for extra in EXTRAS]],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"floors: uv could not resolve the floors:\n{done.stderr}")
    resolved = done.stdout
    pins = sorted((line for line in resolved.splitlines() if "==" in line), key=str.lower)
    lock.write_text(HEADER.format(python=python) + "\n".join(pins) + "\n", encoding="utf-8")
    print(f"floors: {len(floors())} direct dependencies at their floors, {len(pins)} packages → {lock}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, help="resolve the floors with uv and write this lock file")
    args = parser.parse_args(argv)
    if args.lock:
        write_lock(args.lock)
    else:
        sys.stdout.write(constraints(floors()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
