"""The layers of arcollect (scripts/layers.py, docs/ARCHITECTURE.md): no module imports a higher layer or a peer.

The known violations still to remove are listed in the script, each with its reason; the list can only shrink.
A synthetic package with an upward import (and a sideways one, a relative one, one inside a function) is the
negative control: a check that could not see them would pass on anything.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import scripts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def layers():
    with scripts.script("layers") as module:
        yield module


@pytest.fixture(scope="module")
def report(layers):
    return layers.check()


def write_package(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


SYNTHETIC_LAYERS = {"pkg": [("base",), ("low", "peer"), ("high",)], "pkg.high": [("parts",), ("face",)]}


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    return write_package(
        tmp_path,
        {
            "pkg/__init__.py": '"""The root: a version."""\n__version__ = "1"\n',
            "pkg/base.py": "import os\n",
            "pkg/low/__init__.py": "",
            "pkg/low/a.py": """\
                from pkg import base, __version__
                from pkg.low import b

                def late():
                    from pkg.high.face import show  # upward, inside a function
                    return show
                """,
            "pkg/low/b.py": "from ..peer import c  # sideways, relative\n",
            "pkg/peer/__init__.py": "",
            "pkg/peer/c.py": "import pkg.base\n",
            "pkg/high/__init__.py": "",
            "pkg/high/parts.py": "import pkg.low.a\nimport pkg.high.face  # upward inside pkg.high\n",
            "pkg/high/face.py": "from pkg.high.parts import x\nfrom pkg.low import a\n",
        },
    )


def test_arcollect_imports_only_downward_apart_from_the_listed_violations(report):
    assert report.unplaced == [], "place these modules in a layer of LAYERS (scripts/layers.py)"
    assert [str(violation) for violation in report.new] == [], "imports against the layers (docs/ARCHITECTURE.md)"


def test_the_list_of_known_violations_only_shrinks(layers, report):
    assert report.stale == [], "no longer imported: remove these from KNOWN in scripts/layers.py"
    assert all(reason.strip() for reason in layers.KNOWN.values()), "every known violation says why it is there"
    found = {violation.pair for violation in report.violations}
    assert set(layers.KNOWN) <= found


def test_the_graph_holds_function_level_imports_of_arcollect(layers):
    found = layers.imports(layers.SOURCE, "arcollect")
    late = set()
    for name in ("shell", "runs"):
        lines = (layers.SOURCE / "arcollect" / "cli" / f"{name}.py").read_text(encoding="utf-8").splitlines()
        mine = [item for item in found if item.importer == f"arcollect.cli.{name}"]
        late |= {item.imported for item in mine if lines[item.line - 1][:1] == " "}
    assert {"arcollect.run", "arcollect.demo.job"} <= late, "cli imports these inside its commands"
    assert ("arcollect.book", "arcollect.engine") in layers.graph(found)


def test_an_upward_import_in_a_synthetic_package_is_reported(layers, synthetic: Path):
    report = layers.check(synthetic, "pkg", SYNTHETIC_LAYERS, known=())
    assert not report.ok
    assert [(v.importer, v.imported, v.line, v.kind) for v in report.violations] == [
        ("pkg.high.parts", "pkg.high.face", 2, "upward"),
        ("pkg.low.a", "pkg.high.face", 5, "upward"),
        ("pkg.low.b", "pkg.peer.c", 1, "sideways"),
    ]
    assert report.new == report.violations
    assert report.unplaced == []


def test_a_known_violation_that_is_gone_is_reported_stale(layers, synthetic: Path):
    known = {("pkg.low.a", "pkg.high.face"), ("pkg.low.b", "pkg.peer.c"), ("pkg.high.parts", "pkg.high.face")}
    assert layers.check(synthetic, "pkg", SYNTHETIC_LAYERS, known=known).ok
    report = layers.check(synthetic, "pkg", SYNTHETIC_LAYERS, known={*known, ("pkg.base", "pkg.high")})
    assert report.stale == [("pkg.base", "pkg.high")]
    assert not report.ok


def test_a_module_in_no_layer_is_reported(layers, synthetic: Path):
    write_package(synthetic, {"pkg/stray.py": "", "pkg/high/extra.py": ""})
    report = layers.check(synthetic, "pkg", SYNTHETIC_LAYERS, known=())
    assert report.unplaced == ["pkg.high.extra", "pkg.stray"]


def test_the_script_exits_non_zero_only_on_a_new_violation():
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "layers.py")], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 new; 0 stale entries in KNOWN; 0 modules in no layer" in run.stdout
