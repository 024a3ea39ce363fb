"""Engine throughput at 1,000,000 invoices: aging + terms + interest + fx + summary, whole columns.

    make bench                      # or: .venv/bin/python benchmarks/bench_engine.py --rows 1000000

Prints rows per second for each step and for the whole pipeline. This is a measurement, not a test: nothing
here asserts a time. Figures from the development machine go in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

from arcollect.book.schema import Invoices
from arcollect.engine import aging, interest, terms

TERMS = ["net 30", "2/10 net 30", "net 30 EOM", "1/10 EOM", "2/10 prox net 30", "net 60", "due on receipt",
         "3/10 2/20 net 45", "net 45", "net 14"]  # fmt: skip
CURRENCIES = ["EUR", "USD", "GBP", "CHF", "JPY", "SEK", "PLN", "CNY", "AUD", "CAD"]
RATES = {"USD": 0.86, "GBP": 1.15, "CHF": 1.07, "JPY": 0.0056, "SEK": 0.088, "PLN": 0.235, "CNY": 0.12,
         "AUD": 0.56, "CAD": 0.62}  # fmt: skip
JURISDICTIONS = ["DE", "FR", "GB", "NL", "IT", "ES", "IE", "EU"]


def synthetic_invoices(rows: int, customers: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    invoice_date = np.datetime64("2025-06-01") + rng.integers(0, 540, rows).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            Invoices.CUSTOMER_ID: pd.Series(rng.integers(0, customers, rows)).map("C{:06d}".format),
            Invoices.INVOICE_DATE: invoice_date,
            Invoices.TERMS: np.array(TERMS, dtype=object)[rng.integers(0, len(TERMS), rows)],
            Invoices.CURRENCY: np.array(CURRENCIES, dtype=object)[rng.integers(0, len(CURRENCIES), rows)],
            Invoices.OPEN_AMOUNT: np.round(rng.lognormal(7, 1.2, rows) * np.where(rng.random(rows) < 0.03, -1, 1), 2),
            "jurisdiction": np.array(JURISDICTIONS, dtype=object)[rng.integers(0, len(JURISDICTIONS), rows)],
        }
    )


def timed(label: str, rows: int, func, results: list) -> object:
    started = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - started
    results.append((label, seconds, rows / seconds))
    return value


def run(rows: int, customers: int) -> list[tuple[str, float, float]]:
    as_of = "2026-11-24"
    book = synthetic_invoices(rows, customers)
    results: list[tuple[str, float, float]] = []
    started = time.perf_counter()
    book[Invoices.DUE_DATE] = timed(
        "terms.due_date", rows, lambda: terms.due_date(book[Invoices.TERMS], book[Invoices.INVOICE_DATE]), results
    )
    timed(
        "terms.discount",
        rows,
        lambda: terms.discount(book[Invoices.OPEN_AMOUNT], book[Invoices.TERMS], book[Invoices.INVOICE_DATE], as_of),
        results,
    )
    timed(
        "interest.late_interest",
        rows,
        lambda: interest.late_interest(
            book[Invoices.OPEN_AMOUNT], book[Invoices.DUE_DATE], as_of, book["jurisdiction"], currency="EUR"
        ),
        results,
    )
    summary = lambda: aging.summary(book, as_of, base_currency="EUR", rates=RATES)  # noqa: E731
    timed("aging.summary (incl. fx)", rows, summary, results)
    total = time.perf_counter() - started
    results.append(("whole pipeline", total, rows / total))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    run(10_000, 100)  # warm-up: imports, caches, holiday and rate tables
    print(f"arcollect engine benchmark — {args.rows:,} invoices, {args.customers:,} customers")
    print(f"python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, {platform.machine()}")
    print(f"{'step':<28}{'seconds':>10}{'rows/s':>16}")
    for label, seconds, per_second in run(args.rows, args.customers):
        print(f"{label:<28}{seconds:>10.3f}{per_second:>16,.0f}")


if __name__ == "__main__":
    main()
