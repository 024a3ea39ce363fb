"""Properties of aging that must hold for every input."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from arcollect.engine import aging
from arcollect.schema import TOTAL, Invoices
from tests.property.conftest import PROPERTY

edges_strategy = st.lists(st.integers(0, 400), min_size=1, max_size=7, unique=True).map(sorted).map(tuple)


@PROPERTY
@given(st.integers(-1000, 5000), st.integers(-1000, 5000), edges_strategy)
def test_bucket_is_monotone_in_days(first, second, edges):
    order = aging.labels(edges)
    low, high = sorted((first, second))
    assert order.index(aging.bucket(low, edges)) <= order.index(aging.bucket(high, edges))


@PROPERTY
@given(st.lists(st.integers(-400, 400), min_size=1, max_size=50), edges_strategy)
def test_vectorised_bucket_equals_scalar_bucket(days, edges):
    column = aging.bucket(np.array(days), edges)
    assert list(column) == [aging.bucket(day, edges) for day in days]


@PROPERTY
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.decimals(-1000, 100000, places=2, allow_nan=False),
            st.integers(-200, 400),
        ),
        max_size=40,
    )
)
def test_summary_total_equals_the_sum_of_open_amounts(rows):
    as_of = np.datetime64("2026-11-24")
    book = pd.DataFrame(
        {
            Invoices.CUSTOMER_ID: [r[0] for r in rows],
            Invoices.OPEN_AMOUNT: [float(r[1]) for r in rows],
            Invoices.CURRENCY: "EUR",
            Invoices.DUE_DATE: [as_of - np.timedelta64(r[2], "D") for r in rows],
        }
    )
    table = aging.summary(book, str(as_of))
    expected = sum(r[1] for r in rows)
    assert abs(table.loc[TOTAL, TOTAL] - float(expected)) < 1e-6
    assert np.allclose(table.drop(index=TOTAL).sum(axis=0), table.loc[TOTAL], atol=1e-6)
