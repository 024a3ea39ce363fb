"""Every property test runs without Hypothesis' per-example deadline (see conftest.py)."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path


def test_every_property_test_runs_without_a_deadline():
    checked = []
    for path in sorted(Path(__file__).parent.glob("test_*_props.py")):
        module = importlib.import_module(f"tests.property.{path.stem}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and hasattr(function, "hypothesis"):
                chosen = function._hypothesis_internal_use_settings
                assert chosen.deadline is None, f"{path.name}::{name} has a {chosen.deadline} deadline"
                checked.append(name)
    assert len(checked) >= 15, checked
