"""Engine at 10k / 100k / 1M invoices: aging + terms + interest + fx + summary, the dunning plan, and a per-row loop.

    make bench                      # or: .venv/bin/python benchmarks/bench_engine.py [--sizes 10000 100000 1000000]

Each size is a synthetic book (`synthetic.tables`: 100 / 1,000 / 100,000 customers, 20 currencies, the demo's terms,
statuses and countries), run through the same engine calls as `arcollect.run.collect` in the same order:
`pricing.prepare` (terms → due dates), `aging.age` (days past due, bucket, fx), `pricing.price` (discount still
available, late interest, fixed compensation), `aging.summary` (customer × bucket), then `dunning.plan`.

Beside it, `reference.aging_summary` — a straightforward per-row Python loop over the same open items, the way ERP
report code often does it — is checked to give the same buckets and the same summary as the engine on the 10k book,
and timed on the same data at every size. Prints seconds, ratios and the growth per 10× rows; `--json` writes them
for `run_all.py`. A measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks` as a package, when run as a script

from benchmarks import reference, synthetic

from arcollect.book import settings
from arcollect.engine import aging, dunning, pricing
from arcollect.engine.policy import parse_policy
from arcollect.schema import Aging

NOW = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)


def engine(tables: dict[str, pd.DataFrame], as_of: dt.date) -> dict[str, object]:
    """The engine steps of a refresh, timed one by one: returns the seconds of each and the results."""
    config, _ = settings.parse_settings(tables["Settings"])
    policy, _ = parse_policy(tables["DunningLevels"])
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    customers = pricing.resolve_jurisdictions(tables["Customers"], config.governing_law, config.late_charge)
    all_invoices, _ = pricing.prepare(tables["Invoices"], customers)
    invoices = pricing.open_items(all_invoices)
    seconds["terms (prepare: due dates)"] = time.perf_counter() - started
    mark = time.perf_counter()
    aged, _ = aging.age(
        invoices, as_of, edges=config.bucket_edges, base_currency=config.base_currency, rates=tables["FX"]
    )
    seconds["aging.age (days, bucket, fx)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    priced, _ = pricing.price(
        aged, customers, tables["Payments"], tables["FX"], as_of,
        base_currency=config.base_currency,
    )  # fmt: skip
    seconds["pricing.price (discount, interest)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    summary = aging.summary(priced, as_of, edges=config.bucket_edges, base_currency=config.base_currency)
    seconds["aging.summary"] = time.perf_counter() - mark
    seconds["engine total"] = time.perf_counter() - started
    mark = time.perf_counter()
    queue = dunning.plan(
        priced, customers, policy, now=NOW, grace_days=config.grace_days,
        minimum_amount=float(config.minimum_amount), window=config.send_window,
    )  # fmt: skip
    seconds["dunning.plan"] = time.perf_counter() - mark
    aging_only = seconds["aging.age (days, bucket, fx)"] + seconds["aging.summary"]
    return {"seconds": seconds, "aging_and_summary": aging_only, "aged": priced, "summary": summary, "queue": queue}


def check_reference(tables: dict[str, pd.DataFrame], result: dict[str, object], as_of: dt.date) -> dict[str, object]:
    """Compare the per-row loop with the engine: same bucket for every invoice, same summary to the cent."""
    aged = result["aged"]
    buckets, table = reference.aging_summary(aged, tables["FX"], as_of)
    same_buckets = buckets == aged[Aging.BUCKET].astype(object).where(aged[Aging.BUCKET].notna(), None).tolist()
    same_buckets &= reference.aging_summary(reference.records(aged), tables["FX"], as_of) == (buckets, table)
    engine_summary = result["summary"].drop(index="Total", columns="Total")
    loop_summary = reference.as_frame(table, list(engine_summary.columns)).reindex(engine_summary.index)
    difference = float(np.nanmax(np.abs(engine_summary.to_numpy() - loop_summary.to_numpy())))
    return {"invoices": len(aged), "same_buckets": bool(same_buckets), "max_cell_difference": difference}


def run(sizes: list[int], repeat: int) -> dict[str, object]:
    as_of = synthetic.AS_OF
    engine(synthetic.tables(10_000), as_of)  # warm-up: imports, holiday and rate tables, term parsing caches
    report: dict[str, object] = {"sizes": {}}
    for size in sizes:
        started = time.perf_counter()
        tables = synthetic.tables(size)
        generated = time.perf_counter() - started
        runs = [engine(tables, as_of) for _ in range(repeat if size < 1_000_000 else 1)]
        best = min(runs, key=lambda run: run["seconds"]["engine total"])
        mark = time.perf_counter()
        reference.aging_summary(best["aged"], tables["FX"], as_of)
        loop = time.perf_counter() - mark
        records = reference.records(best["aged"])
        mark = time.perf_counter()
        reference.aging_summary(records, tables["FX"], as_of)
        record_loop = time.perf_counter() - mark
        entry = {
            "invoices": size,
            "open_items": len(best["aged"]),
            "customers": len(tables["Customers"]),
            "generated_seconds": generated,
            "seconds": best["seconds"],
            "dunning_plan_rows": len(best["queue"]),
            "aging_and_summary": best["aging_and_summary"],
            "per_row_loop": loop,
            "per_record_loop": record_loop,
            "loop_over_engine_aging": loop / best["aging_and_summary"],
            "loop_over_engine_total": loop / best["seconds"]["engine total"],
        }
        if size == min(sizes):
            entry["reference_check"] = check_reference(tables, best, as_of)
        report["sizes"][size] = entry
        del tables, runs, best, records
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(synthetic.SIZES))
    parser.add_argument("--repeat", type=int, default=2, help="engine runs per size below 1M; the best is kept")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"arcollect engine — python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}")
    report = run(sorted(args.sizes), args.repeat)
    steps = list(next(iter(report["sizes"].values()))["seconds"])
    print(f"{'step':<38}" + "".join(f"{size:>14,}" for size in report["sizes"]))
    for step in steps:
        print(f"{step:<38}" + "".join(f"{e['seconds'][step]:>14.3f}" for e in report["sizes"].values()))
    for label, key in (
        ("per-row loop, iterrows (aging + summary)", "per_row_loop"),
        ("same loop over plain dicts", "per_record_loop"),
        ("engine aging + summary", "aging_and_summary"),
    ):
        print(f"{label:<38}" + "".join(f"{e[key]:>14.3f}" for e in report["sizes"].values()))
    print(
        f"{'iterrows loop ÷ engine aging + summary':<38}"
        + "".join(f"{e['loop_over_engine_aging']:>13.1f}×" for e in report["sizes"].values())
    )
    print(
        f"{'iterrows loop ÷ whole engine':<38}"
        + "".join(f"{e['loop_over_engine_total']:>13.1f}×" for e in report["sizes"].values())
    )
    entries = list(report["sizes"].values())
    for smaller, larger in itertools.pairwise(entries):
        growth = larger["seconds"]["engine total"] / smaller["seconds"]["engine total"]
        plan = larger["seconds"]["dunning.plan"] / smaller["seconds"]["dunning.plan"]
        rows = larger["invoices"] / smaller["invoices"]
        span = f"{smaller['invoices']:,} → {larger['invoices']:,} ({rows:.0f}× rows)"
        print(f"growth {span}: engine {growth:.1f}×, plan {plan:.1f}×")
    for entry in entries:
        if "reference_check" in entry:
            print(f"per-row reference vs engine on {entry['invoices']:,} invoices: {entry['reference_check']}")
    print(f"peak RSS of this process: {report['peak_rss_mb']:,.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
