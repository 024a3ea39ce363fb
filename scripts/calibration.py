"""Calibration of the predicted pay dates on the demo history (docs/ANALYTICS.md):

    .venv/bin/python scripts/calibration.py [--as-of 2026-11-24] [--split 2026-08-01]

Builds the demo workbook for the as-of date, reads it back as a refresh would, fits `analytics.predict` on the
invoices paid before the split date and compares its predictions for the invoices paid from then on with the
naive "pays on the due date" baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

from arcollect.book import read, template, write
from arcollect.demo import data as demo
from arcollect.engine import analytics
from arcollect.schema import Calibration


def report(as_of: dt.date, split: dt.date) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.xlsx"
        template.build(path)
        write.write_tables(path, demo.tables(as_of))
        tables, _ = read.read(path)
    return analytics.calibration(tables["Invoices"], tables["Payments"], split)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24))
    parser.add_argument("--split", type=dt.date.fromisoformat, default=dt.date(2026, 8, 1))
    args = parser.parse_args()
    figures = report(args.as_of, args.split)
    print(f"demo history as of {args.as_of}, split {args.split}")
    print(
        f"fit: {figures[Calibration.FIT_COUNT]:,.0f} paid invoices, holdout: {figures[Calibration.HOLDOUT_COUNT]:,.0f}"
    )
    print(f"{'':24}{'MAE (days)':>12}{'within ±7 days':>16}")
    for label, mae, within in (
        ("model", Calibration.MAE_DAYS, Calibration.WITHIN_7_SHARE),
        ("baseline: on due date", Calibration.BASELINE_MAE_DAYS, Calibration.BASELINE_WITHIN_7_SHARE),
    ):
        print(f"{label:24}{figures[mae]:>12.2f}{figures[within]:>16.1%}")


if __name__ == "__main__":
    main()
