"""The benchmark's per-row reference gives the engine's answers, so timing one against the other is fair.

No timing here: speed is measured by `make bench` (docs/BENCHMARKS.md), never asserted in tests.
"""

from __future__ import annotations

import numpy as np
from benchmarks import reference, synthetic

from arcollect.engine import aging, pricing
from arcollect.schema import Aging


def test_per_row_reference_gives_the_same_buckets_and_summary_as_the_engine():
    tables = synthetic.tables(3_000, customers=40)
    invoices, _ = pricing.prepare(tables["Invoices"], tables["Customers"])
    aged, _ = aging.age(pricing.open_items(invoices), synthetic.AS_OF, rates=tables["FX"])
    engine_summary = aging.summary(aged, synthetic.AS_OF).drop(index="Total", columns="Total")

    buckets, totals = reference.aging_summary(aged, tables["FX"], synthetic.AS_OF)
    assert buckets == aged[Aging.BUCKET].astype(object).where(aged[Aging.BUCKET].notna(), None).tolist()
    assert reference.aging_summary(reference.records(aged), tables["FX"], synthetic.AS_OF) == (buckets, totals)
    loop_summary = reference.as_frame(totals, list(engine_summary.columns)).reindex(engine_summary.index)
    assert np.abs(engine_summary.to_numpy() - loop_summary.to_numpy()).max() < 0.005
    assert len(set(buckets) - {None}) == len(aging.labels(aging.DEFAULT_EDGES))  # every bucket is exercised


def test_synthetic_books_mix_currencies_languages_statuses_and_terms():
    tables = synthetic.tables(10_000)
    invoices, customers = tables["Invoices"], tables["Customers"]
    assert len(invoices) == 10_000 and len(customers) == synthetic.customers_for(10_000) == 100
    assert synthetic.customers_for(1_000_000) == 100_000
    assert len(synthetic.RATES) == 20 and set(invoices["currency"]) <= set(synthetic.RATES)
    assert {"Open", "Paid", "Disputed", "Promised"} <= set(invoices["status"])
    assert customers["language"].nunique() >= 5 and customers["terms"].nunique() >= 5
