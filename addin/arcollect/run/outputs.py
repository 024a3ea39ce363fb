"""The output sheets a run writes: Aging, AgingSummary, ReminderQueue (amount due as a number), ReminderLog,
Exceptions, NextActions and the analytics sheets, each adding up to the run's one total."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from arcollect import insight, today
from arcollect.book import exceptions, write
from arcollect.engine import totals
from arcollect.problems import Problem
from arcollect.schema import AGING, Aging, Customers, Invoices, Queue, Queued, Risk


def credit_holds(updates: list[write.CellUpdate]) -> set[str]:
    """The customers this run puts on credit hold (the Customers updates it writes)."""
    return {
        str(key)
        for update in updates
        if update.table == "Customers" and update.column == Customers.CREDIT_HOLD
        for key, value in update.values.items()
        if value
    }


def output_sheets(
    aged: pd.DataFrame,
    in_totals: pd.Series,
    found: totals.Totals | None,
    summary: pd.DataFrame,
    queue: pd.DataFrame,
    log: pd.DataFrame,
    problems: list[Problem],
    customers: pd.DataFrame,
    view: insight.View | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    as_of: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """The output tables by name: Aging (Open (base) blank where the total leaves an item out, and why), AgingSummary
    and CustomerRisk with the "Not in totals" line under them, ReminderQueue, ReminderLog, Exceptions, NextActions
    and, with `view`, the analytics sheets."""
    base_currency = found.base_currency if found is not None else summary.attrs.get("base_currency", "")
    names = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)[Customers.NAME]
    aging_sheet = aged.assign(**{Queue.CUSTOMER_NAME: aged[Invoices.CUSTOMER_ID].map(names)})
    # The sheet's Open (base) adds up to the total: what the total leaves out is blank there, with the reason.
    aging_sheet[Aging.BASE_OPEN_AMOUNT] = aging_sheet[Aging.BASE_OPEN_AMOUNT].where(in_totals)
    if found is not None and len(found.left_out):
        why = found.left_out.drop_duplicates(totals.ROW).set_index(totals.ROW)[totals.WHY]
        aging_sheet[Aging.NOT_IN_TOTALS] = pd.Series(aging_sheet.index.map(why), index=aging_sheet.index).where(
            ~in_totals
        )
    if view is not None:
        aging_sheet[Risk.PREDICTED_PAY_DATE] = insight.predicted_column(view, aging_sheet[Invoices.NUMBER])
    aging_sheet = aging_sheet[[key for key in AGING.keys if key in aging_sheet.columns]]
    summary_sheet = summary.reset_index()
    summary_sheet.insert(
        1, Queue.CUSTOMER_NAME, summary_sheet[Invoices.CUSTOMER_ID].map(names).astype("string").fillna("")
    )
    line = found.line if found is not None else ""
    if line:  # under the Total row, in words: what the total does not include
        note = pd.DataFrame({Invoices.CUSTOMER_ID: ["Not in totals"], Queue.CUSTOMER_NAME: [line]})
        summary_sheet = pd.concat([summary_sheet, note], ignore_index=True)
    queue_sheet = _queue_sheet(queue, aged)
    sheets = {
        "Aging": aging_sheet,
        "AgingSummary": summary_sheet,
        "ReminderQueue": queue_sheet,
        "ReminderLog": log,
        "Exceptions": exceptions.sheet(problems, tables),
        "NextActions": today.next_actions(queue, aged, names, as_of),
        **(view.sheets if view is not None else {}),
    }
    if line and "CustomerRisk" in sheets:
        risk = sheets["CustomerRisk"]
        note = pd.DataFrame({Invoices.CUSTOMER_ID: ["Not in totals"], Queue.CUSTOMER_NAME: [line]})
        sheets["CustomerRisk"] = pd.concat([risk, note], ignore_index=True) if len(risk) else risk
    for frame in sheets.values():
        frame.attrs["base_currency"] = base_currency
    return sheets


def _queue_sheet(queue: pd.DataFrame, aged: pd.DataFrame) -> pd.DataFrame:
    """ReminderQueue for reading: the amount due as a number in its currency (several currencies stay text)."""
    if queue.empty:
        return pd.DataFrame()
    sheet = queue.reindex(columns=[*[str(key) for key in Queue], *[str(key) for key in Queued]])
    sheet[Queue.SEND_AT_UTC] = pd.to_datetime(sheet[Queue.SEND_AT_UTC], utc=True).dt.tz_localize(None)
    numbers = queue[Queue.INVOICES].fillna("").astype(str).str.split(", ")
    pairs = numbers.explode()
    lookup = aged.drop_duplicates(Invoices.NUMBER).set_index(Invoices.NUMBER)
    currency = pairs.map(lookup[Invoices.CURRENCY])
    amount = pairs.map(lookup[Invoices.OPEN_AMOUNT]).astype("float64")
    unconverted = pairs.map(lookup[Aging.BASE_OPEN_AMOUNT]).isna() & currency.notna()
    # a reminder with an item in a currency without a rate has no base amount: blank, not a 0 that looks true
    sheet[Queue.BASE_AMOUNT] = sheet[Queue.BASE_AMOUNT].where(
        ~unconverted.groupby(level=0).any().reindex(sheet.index, fill_value=False)
    )
    per_row = pd.DataFrame({"currency": currency, "amount": amount}).dropna(subset=["currency"])
    if per_row.empty:  # e.g. only thank-you rows, whose invoices are paid and not aged
        sheet[Queued.CURRENCY] = None
        sheet[Queued.AMOUNT_DUE] = pd.Series(queue[Queue.AMOUNT].to_numpy(dtype=object), index=sheet.index)
        return sheet
    codes = per_row.groupby(level=0)["currency"].agg(lambda values: " + ".join(sorted(set(map(str, values)))))
    single = codes[~codes.astype(str).str.contains(" + ", regex=False)]
    sheet[Queued.CURRENCY] = codes.reindex(sheet.index)
    amount_due = pd.Series(queue[Queue.AMOUNT].to_numpy(dtype=object), index=sheet.index, dtype=object)
    # The number is the one dunning states ("EUR 1,234.56": net of the customer's credit, as the letter applies
    # it), not a fresh sum of the invoices, so the sheet and the letter never disagree.
    stated = queue[Queue.AMOUNT].astype("string").str.extract(r"^([A-Z]{3}) (-?[\d,]+(?:\.\d+)?)$")
    stated_amount = pd.to_numeric(stated[1].str.replace(",", "", regex=False), errors="coerce")
    for currency_code in single.unique():
        rows = single.index[single == currency_code]
        same = rows[(stated[0].reindex(rows) == currency_code).fillna(False).to_numpy(dtype=bool)]
        amount_due[same] = stated_amount.reindex(same).to_numpy(dtype="float64")
    sheet[Queued.AMOUNT_DUE] = amount_due
    return sheet
