"""Rendering 10,000 reminders: HTML + text, Babel money and dates, the customers' mixed languages.

    .venv/bin/python benchmarks/bench_render.py                # or: --reminders 10000

The reminders are the dunning plan of a synthetic book (`synthetic.tables`, 100,000 invoices of 10,000 customers in
20 currencies and ten languages), composed the way `arcollect.run` does it: `compose.context` (the invoices, credit
notes and totals of each reminder) and `Renderer.render` (sandboxed Jinja2, both templates, Babel formatting).
Prints the seconds for the templates alone (contexts built beforehand) and for the whole composition. A measurement,
not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import synthetic

from arcollect.book import settings
from arcollect.book.schema import Customers, Invoices, Queue
from arcollect.engine import aging, dunning, pricing
from arcollect.mail import compose
from arcollect.mail.render import Renderer
from bench_engine import NOW


def reminders(count: int) -> tuple[list[tuple], settings.Settings]:
    """(row, items, credits, customer, level) of `count` planned reminders, and the Settings they use."""
    tables = synthetic.tables(100_000, customers=10_000)
    config, _ = settings.parse_settings(tables["Settings"])
    policy, _ = settings.parse_policy(tables["DunningLevels"])
    customers = pricing.resolve_jurisdictions(tables["Customers"], config.default_jurisdiction)
    invoices, _ = pricing.prepare(tables["Invoices"], customers)
    as_of = synthetic.AS_OF
    aged, _ = aging.age(pricing.open_items(invoices), as_of, base_currency=config.base_currency, rates=tables["FX"])
    aged, _ = pricing.price(
        aged, customers, tables["Payments"], tables["FX"], as_of,
        base_currency=config.base_currency, default_jurisdiction=config.default_jurisdiction,
    )  # fmt: skip
    queue = dunning.plan(aged, customers, policy, now=NOW, window=config.send_window)
    queue[Queue.KEY] = [compose.key_for(row) for row in queue.to_dict("records")]
    levels = {dunning.COLLECTION_FAILED.level: dunning.COLLECTION_FAILED, **{level.level: level for level in policy}}
    by_customer = customers.set_index(Customers.ID, drop=False)
    by_number = aged.set_index(Invoices.NUMBER, drop=False)
    credits = aged.loc[aged[Invoices.OPEN_AMOUNT] < 0]
    credits_by_customer = dict(tuple(credits.groupby(Invoices.CUSTOMER_ID, sort=False)))
    rows = queue[queue[Queue.STATE] != dunning.HELD].sample(frac=1.0, random_state=1)  # languages mixed
    rows = pd.concat([rows] * (count // max(len(rows), 1) + 1)).iloc[:count] if len(rows) < count else rows[:count]
    jobs = [
        (
            row,
            by_number.loc[list(row[dunning.INVOICE_LIST])],
            credits_by_customer.get(row[Queue.CUSTOMER_ID], credits.iloc[0:0]),
            by_customer.loc[row[Queue.CUSTOMER_ID]],
            levels[int(row[Queue.LEVEL])],
        )
        for _, row in rows.iterrows()
    ]
    return jobs, config


def run(count: int) -> dict[str, object]:
    jobs, config = reminders(count)
    renderer = Renderer()
    for row, items, credits, customer, level in jobs[:50]:  # warm-up: template compilation, Babel locale data
        compose.compose(row, items, credits, customer, config, level, renderer)
    started = time.perf_counter()
    contexts = [
        (
            str(row[Queue.TEMPLATE]),
            str(row[Queue.LANGUAGE]),
            compose.context(row, items, credits, customer, config, level),
        )
        for row, items, credits, customer, level in jobs
    ]
    context_seconds = time.perf_counter() - started
    started = time.perf_counter()
    rendered = [renderer.render(template, language, values) for template, language, values in contexts]
    render_seconds = time.perf_counter() - started
    return {
        "reminders": len(rendered),
        "languages": dict(Counter(result.language for result in rendered)),
        "invoices_listed": int(sum(len(job[1]) for job in jobs)),
        "render_seconds": render_seconds,
        "context_seconds": context_seconds,
        "compose_seconds": context_seconds + render_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.reminders)
    listed = f"{result['invoices_listed']:,} invoices"
    print(f"{result['reminders']:,} reminders listing {listed}, languages {result['languages']}")
    print(f"{'templates (html + text, Babel)':<40}{result['render_seconds']:>8.2f} s")
    print(f"{'contexts (compose.context)':<40}{result['context_seconds']:>8.2f} s")
    print(f"{'both (what compose.compose does)':<40}{result['compose_seconds']:>8.2f} s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
