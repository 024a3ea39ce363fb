"""The history analytics reconstruct from Invoices and Payments: the typed tables, what was open when, paid history.

The open amount of an invoice at a date is its amount minus its payments dated on or before that date (payments
matched by invoice number, in the invoice's currency). Unapplied cash (a payment without an invoice number) is not
counted, and an invoice marked Paid without recorded payments still counts as open in the reconstructed history.
Shared by `kpi`, `payers` and `reminders`; nothing here is public API of `arcollect.engine.analytics`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import columns, metrics
from arcollect.schema import Invoices, Payments

HALF_LIFE_DAYS = 90  # the weight of a paid invoice halves every 90 days (risk, predicted pay dates)

POINT = "_point"  # the date an open item is open at
ROW = "_row"  # the invoice's row label in the caller's table (problems name it)
SIGNED_DAYS = "_signed_days_late"
WEIGHT = "_weight"


def as_of_day(as_of: Any) -> pd.Timestamp:
    """The as-of date as a day (midnight) Timestamp."""
    return pd.Timestamp(columns.dates(as_of, "as-of date")[()])


def typed_invoices(invoices: pd.DataFrame) -> pd.DataFrame:
    """The invoice columns analytics needs, typed; optional Status / Promise date default to blank."""

    def optional(column: str) -> pd.Series:
        return invoices[column] if column in invoices.columns else pd.Series(None, index=invoices.index, dtype=object)

    table = pd.DataFrame(
        {
            ROW: invoices.index.to_numpy(),
            Invoices.NUMBER: invoices[Invoices.NUMBER].to_numpy(dtype=object),
            Invoices.CUSTOMER_ID: invoices[Invoices.CUSTOMER_ID].to_numpy(dtype=object),
            Invoices.INVOICE_DATE: pd.to_datetime(columns.dates(invoices[Invoices.INVOICE_DATE], "invoice date")),
            Invoices.DUE_DATE: pd.to_datetime(columns.dates(invoices[Invoices.DUE_DATE], "due date")),
            Invoices.CURRENCY: invoices[Invoices.CURRENCY].astype(str).str.strip().str.upper().to_numpy(),
            Invoices.AMOUNT: columns.amounts(invoices[Invoices.AMOUNT], "invoice amount"),
            Invoices.STATUS: optional(Invoices.STATUS).fillna("").astype(str).str.strip().to_numpy(),
            Invoices.PROMISE_DATE: pd.to_datetime(columns.dates(optional(Invoices.PROMISE_DATE), "promise date")),
        }
    )
    return table.drop_duplicates(subset=Invoices.NUMBER, keep="first").reset_index(drop=True)


def applied_payments(payments: pd.DataFrame) -> pd.DataFrame:
    """Applied payments (with an invoice number), typed: invoice number, date, amount, customer."""
    table = pd.DataFrame(
        {
            Payments.INVOICE_NUMBER: payments[Payments.INVOICE_NUMBER].to_numpy(dtype=object),
            Payments.CUSTOMER_ID: payments[Payments.CUSTOMER_ID].to_numpy(dtype=object)
            if Payments.CUSTOMER_ID in payments.columns
            else None,
            Payments.DATE: pd.to_datetime(columns.dates(payments[Payments.DATE], "payment date")),
            Payments.AMOUNT: columns.amounts(payments[Payments.AMOUNT], "payment amount"),
        }
    )
    table = table.dropna(subset=[Payments.INVOICE_NUMBER, Payments.DATE, Payments.AMOUNT])
    applied = table[Payments.INVOICE_NUMBER].astype(str).str.strip() != ""
    return table[applied].reset_index(drop=True)


def open_at(invoice_table: pd.DataFrame, payment_table: pd.DataFrame, points: pd.DatetimeIndex) -> pd.DataFrame:
    """Invoices open at each date of `points`: ``amount − payments dated on or before the point``.

    An invoice counts from its invoice date. Overpayment does not make an invoice negative (it is clipped at 0);
    credit notes stay negative until settled. Rows with nothing open are dropped. One row per (invoice, point),
    invoice by invoice in the table's order, points in their order. The (invoice × point) grid is worked out on
    numpy arrays and only open rows become a frame: a year of month ends over 100,000 invoices would otherwise be
    a cross join of 1.3 million rows.
    """
    point_index = pd.DatetimeIndex(points).normalize()
    count = len(point_index)
    point_values = point_index.to_numpy()
    issued = invoice_table[Invoices.INVOICE_DATE].to_numpy()
    invoice_rows, invoice_points = np.nonzero(issued[:, np.newaxis] <= point_values[np.newaxis, :])

    invoice_of = pd.Index(invoice_table[Invoices.NUMBER]).get_indexer(payment_table[Payments.INVOICE_NUMBER])
    dated = payment_table[Payments.DATE].to_numpy()
    payment_rows, payment_points = np.nonzero(
        (dated[:, np.newaxis] <= point_values[np.newaxis, :]) & (invoice_of >= 0)[:, np.newaxis]
    )
    cell = invoice_of[payment_rows] * count + payment_points
    # groupby's sum (compensated, in payment order within each invoice and point), as summing per invoice did
    paid_to_date = pd.Series(payment_table[Payments.AMOUNT].to_numpy()[payment_rows]).groupby(cell).sum()
    paid_grid = np.zeros(len(invoice_table) * count)
    paid_grid[paid_to_date.index.to_numpy()] = paid_to_date.to_numpy()

    amount = invoice_table[Invoices.AMOUNT].to_numpy(dtype="float64")[invoice_rows]
    remaining = amount - paid_grid[invoice_rows * count + invoice_points]
    remaining = np.round(np.where(amount <= 0, remaining, np.clip(remaining, 0.0, None)), 6)
    open_now = np.abs(remaining) > metrics._PAID_TOLERANCE
    items = invoice_table.take(invoice_rows[open_now]).reset_index(drop=True)
    items[POINT] = point_index[invoice_points[open_now]]
    items[Invoices.OPEN_AMOUNT] = remaining[open_now]
    return items


def paid_history(invoice_table: pd.DataFrame, payment_table: pd.DataFrame, reference: pd.Timestamp) -> pd.DataFrame:
    """Paid invoices with paid date, signed days late and the recency × amount weight seen from `reference`."""
    paid_on = metrics.paid_dates(invoice_table, payment_table)
    paid = invoice_table.merge(
        paid_on.rename(Invoices.PAID_DATE), left_on=Invoices.NUMBER, right_index=True, how="inner"
    )
    paid[Invoices.PAID_DATE] = pd.to_datetime(paid[Invoices.PAID_DATE])
    paid[SIGNED_DAYS] = (paid[Invoices.PAID_DATE] - paid[Invoices.DUE_DATE]).dt.days.astype("float64")
    age_days = (reference - paid[Invoices.PAID_DATE]).dt.days.clip(lower=0)
    paid[WEIGHT] = paid[Invoices.AMOUNT].abs() * 0.5 ** (age_days / HALF_LIFE_DAYS)
    return paid
