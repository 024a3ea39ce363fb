"""Rendering 10,000 reminders: HTML + text, Babel money and dates, the customers' mixed languages.

    .venv/bin/python benchmarks/bench_render.py                # or: --reminders 10000

The reminders are the dunning plan of a synthetic book (`synthetic.tables`, 100,000 invoices of 10,000 customers in
20 currencies and ten languages), composed the way `arcollect.run` does it: `compose.Records` (the run's invoices,
credit notes and customers as plain records, built once), `compose.context_from` (the invoices, credit notes and
totals of each reminder) and `Renderer.render` (sandboxed Jinja2, both templates, Babel formatting). Prints the
seconds for the templates alone (contexts built beforehand) and for the whole composition, wall clock and this
process's CPU time (the machine may be shared). A measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import synthetic

from arcollect.book import settings
from arcollect.engine import aging, dunning, pricing
from arcollect.engine.policy import parse_policy
from arcollect.mail import compose
from arcollect.mail.render import Renderer
from arcollect.schema import Invoices, Queue
from bench_engine import NOW


def reminders(count: int) -> tuple[list[tuple], pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, Any]:
    """(row, level) of `count` planned reminders and their queue rows; the aged invoices, credit notes and
    customers; the Settings."""
    tables = synthetic.tables(100_000, customers=10_000)
    config, _ = settings.parse_settings(tables["Settings"])
    policy, _ = parse_policy(tables["DunningLevels"])
    customers = pricing.resolve_jurisdictions(tables["Customers"], config.governing_law, config.late_charge)
    invoices, _ = pricing.prepare(tables["Invoices"], customers)
    as_of = synthetic.AS_OF
    aged, _ = aging.age(pricing.open_items(invoices), as_of, base_currency=config.base_currency, rates=tables["FX"])
    aged, _ = pricing.price(
        aged, customers, tables["Payments"], tables["FX"], as_of,
        base_currency=config.base_currency,
    )  # fmt: skip
    queue = dunning.plan(aged, customers, policy, now=NOW, window=config.send_window)
    queue[Queue.KEY] = [compose.key_for(row) for row in queue.to_dict("records")]
    levels = {dunning.COLLECTION_FAILED.level: dunning.COLLECTION_FAILED, **{level.level: level for level in policy}}
    credits = aged.loc[aged[Invoices.OPEN_AMOUNT] < 0]
    rows = queue[queue[Queue.STATE] != dunning.HELD].sample(frac=1.0, random_state=1)  # languages mixed
    rows = pd.concat([rows] * (count // max(len(rows), 1) + 1)).iloc[:count] if len(rows) < count else rows[:count]
    jobs = [(row, levels[int(row[Queue.LEVEL])]) for row in rows.to_dict("records")]
    return jobs, rows, aged, credits, customers, config


def run(count: int) -> dict[str, object]:
    jobs, rows, aged, credits, customers, config = reminders(count)
    renderer = Renderer()
    warm = compose.Records(aged, credits, customers)
    for row, level in jobs[:50]:  # warm-up: template compilation, Babel locale data
        compose.compose_from(row, warm, config, level, renderer)
    started, cpu = time.perf_counter(), time.process_time()
    records = compose.Records(aged, credits, customers, reminders=rows)  # once per run, as the run renders
    contexts = [
        (str(row[Queue.TEMPLATE]), str(row[Queue.LANGUAGE]), compose.context_from(row, records, config, level))
        for row, level in jobs
    ]
    context_seconds, context_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    rendered = [renderer.render(template, language, values) for template, language, values in contexts]
    render_seconds, render_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "reminders": len(rendered),
        "languages": dict(Counter(result.language for result in rendered)),
        "invoices_listed": int(sum(len(row[dunning.INVOICE_LIST]) for row, _ in jobs)),
        "render_seconds": render_seconds,
        "context_seconds": context_seconds,
        "compose_seconds": context_seconds + render_seconds,
        "render_cpu_seconds": render_cpu,
        "context_cpu_seconds": context_cpu,
        "compose_cpu_seconds": context_cpu + render_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.reminders)
    listed = f"{result['invoices_listed']:,} invoices"
    print(f"{result['reminders']:,} reminders listing {listed}, languages {result['languages']}")
    print(f"{'':<40}{'wall':>8}  {'CPU':>8}")
    for label, key in (
        ("templates (html + text, Babel)", "render"),
        ("contexts (Records + context_from)", "context"),
        ("both (what run.reminders.render_reminders does)", "compose"),
    ):
        print(f"{label:<40}{result[f'{key}_seconds']:>8.2f}  {result[f'{key}_cpu_seconds']:>8.2f} s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
