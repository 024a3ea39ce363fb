"""Speed of each =AR_… cell function on one 100,000-row column, called in process as xlwings would call it.

    .venv/bin/python benchmarks/bench_udfs.py                 # or: --rows 100000

Prints the seconds each function takes for one call (target ≤ 0.3 s). Inputs are lists of lists, as xlwings
passes a column: dates as ``datetime`` with every third one an Excel serial, and a few unreadable cells. This is a
measurement, not a test: nothing here asserts a time. Figures from the development machine go in
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from arcollect.excel import formulas, udfs

TERMS = ["net 30", "2/10 net 30", "net 30 EOM", "1/10 EOM", "2/10 prox net 30", "due on receipt", "3/10 2/20 net 45"]
CURRENCIES = ["EUR", "USD", "GBP", "CHF", "JPY", "SEK"]
RATES = {"USD": 0.86, "GBP": 1.15, "CHF": 1.07, "JPY": 0.0056, "SEK": 0.088}
JURISDICTIONS = ["AT", "DE", "FR", "GB", "NL", "IT", "ES", "IE"]
AS_OF = dt.datetime(2026, 11, 24)


def columns(rows: int, seed: int = 1) -> dict[str, list[list[object]]]:
    """Synthetic Invoice-table columns as xlwings hands them over, with an unreadable cell every 10,000 rows."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2024, 1, 1)
    offsets = rng.integers(0, 690, rows).tolist()
    epoch = dt.datetime(1899, 12, 30)
    dates = [
        float((start - epoch).days + offset) if row % 3 == 0 else start + dt.timedelta(days=offset)
        for row, offset in enumerate(offsets)
    ]
    data = {
        "dates": dates,
        "amounts": np.round(rng.lognormal(7, 1.2, rows), 2).tolist(),
        "terms": [TERMS[i] for i in rng.integers(0, len(TERMS), rows)],
        "currencies": [CURRENCIES[i] for i in rng.integers(0, len(CURRENCIES), rows)],
        "jurisdictions": [JURISDICTIONS[i] for i in rng.integers(0, len(JURISDICTIONS), rows)],
        "sales": np.round(rng.lognormal(9, 1, rows), 2).tolist(),
    }
    for values in data.values():
        for row in range(0, rows, 10_000):
            values[row] = "unreadable"
    return {name: [[value] for value in values] for name, values in data.items()}


def calls(data: dict[str, list[list[object]]]) -> dict[str, Callable[[], object]]:
    dates, amounts, terms = data["dates"], data["amounts"], data["terms"]
    return {
        "AR_DAYS_PAST_DUE": lambda: udfs.AR_DAYS_PAST_DUE(dates, AS_OF),
        "AR_BUCKET": lambda: udfs.AR_BUCKET(dates, AS_OF),
        "AR_DUE_DATE": lambda: udfs.AR_DUE_DATE(dates, terms),
        "AR_DISCOUNT": lambda: udfs.AR_DISCOUNT(amounts, terms, dates, AS_OF),
        "AR_DISCOUNT_DEADLINE": lambda: udfs.AR_DISCOUNT_DEADLINE(terms, dates),
        "AR_DISCOUNT_APR": lambda: udfs.AR_DISCOUNT_APR(terms),
        "AR_LATE_INTEREST": lambda: udfs.AR_LATE_INTEREST(amounts, dates, AS_OF, data["jurisdictions"]),
        "AR_FIXED_COMP": lambda: udfs.AR_FIXED_COMP(amounts, data["jurisdictions"]),
        "AR_FX (convert)": lambda: formulas.convert(amounts, data["currencies"], rates=RATES),
        "AR_DSO": lambda: udfs.AR_DSO(amounts, data["sales"], 365),
        "AR_CEI": lambda: udfs.AR_CEI(amounts, data["sales"], amounts, amounts),
    }


def run(rows: int, repeat: int) -> list[tuple[str, float]]:
    """Best of `repeat` timings per function, in seconds (each call after one warm-up call)."""
    results = []
    for name, function in calls(columns(rows)).items():
        function()
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            function()
            timings.append(time.perf_counter() - started)
        results.append((name, min(timings)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"{args.rows:,} rows · Python {platform.python_version()} · {platform.machine()}")
    results = run(args.rows, args.repeat)
    for name, seconds in results:
        print(f"{name:<22} {seconds:8.3f} s")
    if args.json:
        args.json.write_text(json.dumps({"rows": args.rows, "seconds": dict(results)}, indent=1))


if __name__ == "__main__":
    main()
