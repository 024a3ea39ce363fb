"""The predicted pay dates beat "pays on the due date" on the demo history's holdout (figures in docs/ANALYTICS.md)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from arcollect.schema import Calibration

SCRIPT = Path(__file__).parents[2] / "scripts" / "calibration.py"


def test_the_model_beats_the_due_date_baseline_on_the_demo_holdout() -> None:
    spec = importlib.util.spec_from_file_location("calibration", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.report(dt.date(2026, 11, 24), dt.date(2026, 8, 1))
    # 2,467 / 1,133 since the demo's EOM due dates run from the month end (issue #17)
    assert (figures[Calibration.FIT_COUNT], figures[Calibration.HOLDOUT_COUNT]) == (2467, 1133)
    assert figures[Calibration.MAE_DAYS] == pytest.approx(7.75, abs=0.005)
    assert figures[Calibration.BASELINE_MAE_DAYS] == pytest.approx(11.77, abs=0.005)
    assert figures[Calibration.WITHIN_7_SHARE] == pytest.approx(0.639, abs=0.0005)
    assert figures[Calibration.BASELINE_WITHIN_7_SHARE] == pytest.approx(0.412, abs=0.0005)
    assert figures[Calibration.MAE_DAYS] < figures[Calibration.BASELINE_MAE_DAYS]
