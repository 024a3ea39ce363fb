"""The Exceptions sheet: every problem once, at the cell it comes from, with what it costs and a link to that cell.

    >>> from arcollect.book import exceptions
    >>> found = exceptions.at_source(problems, tables, base_currency="EUR")    # doctest: +SKIP
    >>> sheet = exceptions.sheet(found, tables)                                # doctest: +SKIP

The reader reports a bad cell where it is. The engine meets the consequences later, one invoice at a time: a missing
exchange rate, a customer the reader left out, payment terms it cannot read. Listed as they are met, one cause shows
up dozens of times at the wrong place ("Invoices row 3 — Terms override" for a customer's terms; "customer ID not
found" for each invoice of a customer left out because of its Country). `at_source` folds them back into one problem
at their source, saying how many rows they affect and what that costs:

- **no FX rate for PLN** (one per invoice, from ageing) → one problem on the FX sheet, at the row to add: the number
  of open invoices and their amount that stay out of totals, and that their customers get no reminders; a payment
  that cannot be converted for want of that rate (an unapplied payment not counted, so its customer is held; a
  payment that leaves an invoice's late-interest account or its day of full payment unknown) is named there too,
  with its Payments row and what it costs — one row per missing rate, not one more per payment;
- **customer ID not found** (one per invoice) → folded into the reader's problem of the Customers row it was left
  out for, or, for an ID not in Customers at all, one problem at its first invoice: how many invoices are aged but
  get no reminders;
- **terms not understood** (one per invoice, named "Terms override") → one problem at the cell the text is in — the
  customer's Payment terms, or the invoice's own Terms override — with the invoices that take those terms, and how
  many of them have no due date and so are not aged; their separate "no due date" problems are folded in;
- anything else is kept, once (exact repeats dropped).

`sheet` sorts them by sheet (in the workbook's order: Customers, Invoices, Payments, FX, Settings, DunningLevels,
then anything else, e.g. an import's export file) and row, and adds "Rows affected" and "Go to", a link to the cell
(column letters as the reader found them in that sheet, `read.read_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from arcollect import schema
from arcollect.problems import Problem
from arcollect.schema import FX, Customers, ExceptionsSheet, Invoices, Payments, Table

NO_RATE = "no FX rate for "
UNKNOWN_CUSTOMER = "customer ID not found in Customers"
NOT_UNDERSTOOD = "Payment terms '"
NO_DUE_DATE = "no due date"
COMPENSATION_RATE = "law's fixed compensation needs the rate of "
_SHEET_ORDER = [table.name for table in schema.INPUT_TABLES]


def at_source(problems: Iterable[Problem], tables: Mapping[str, pd.DataFrame], *, base_currency: str) -> list[Problem]:
    """`problems` with each consequence folded into the problem at its source (see the module doc), once each."""
    problems = [_with_header(problem) for problem in dict.fromkeys(problems)]
    invoices = tables.get(schema.INVOICES.name, pd.DataFrame())
    customers = tables.get(schema.CUSTOMERS.name, pd.DataFrame())
    fx_rows = tables.get(schema.FX_TABLE.name, pd.DataFrame())
    rates, rest = _split(problems, lambda p: p.reason.startswith(NO_RATE))
    paid, rest = _split(rest, lambda p: p.sheet == schema.PAYMENTS.name and f": {NO_RATE}" in p.reason)
    unknown, rest = _split(rest, lambda p: p.reason == UNKNOWN_CUSTOMER)
    terms, rest = _split(rest, lambda p: p.sheet == schema.INVOICES.name and p.reason.startswith(NOT_UNDERSTOOD))
    undated, rest = _split(rest, lambda p: p.sheet == schema.INVOICES.name and p.reason.startswith(NO_DUE_DATE))

    charges, rest = _split(rest, lambda p: p.sheet == schema.FX_TABLE.name and COMPENSATION_RATE in p.reason)

    undated_rows = {problem.row for problem in undated}
    found = list(rest)
    payments = tables.get(schema.PAYMENTS.name, pd.DataFrame())
    found += _fold_charges(_missing_rates(rates, invoices, fx_rows, base_currency, paid, payments), charges)
    found, folded = _unknown_customers(unknown, found, undated_rows)
    folded_terms, found_terms = _terms(terms, invoices, customers, undated_rows - folded)
    found += found_terms
    found += [_undated(problem) for problem in undated if problem.row not in folded | folded_terms]
    return list(dict.fromkeys(found))


def sheet(problems: Iterable[Problem], tables: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The Exceptions table: sorted by sheet and row, with Rows affected and a link to the cell ("Go to")."""
    letters = _letters(tables or {})
    rows = [
        {
            ExceptionsSheet.SHEET: problem.sheet,
            ExceptionsSheet.ROW: _row_number(problem.row),
            ExceptionsSheet.COLUMN: problem.column,
            ExceptionsSheet.VALUE: None if problem.value is None else str(problem.value),
            ExceptionsSheet.REASON: problem.reason,
            ExceptionsSheet.AFFECTS: problem.affects if problem.affects is not None else 1,
            ExceptionsSheet.CELL: _cell(problem, letters),
        }
        for problem in problems
    ]
    frame = pd.DataFrame(rows, columns=[str(key) for key in ExceptionsSheet])
    if frame.empty:
        return frame
    order = frame[ExceptionsSheet.SHEET].map(lambda name: _sheet_rank(str(name)))
    sheets, columns = frame[ExceptionsSheet.SHEET].tolist(), frame[ExceptionsSheet.COLUMN].tolist()
    position = [_column_rank(sheet_name, column) for sheet_name, column in zip(sheets, columns, strict=True)]
    frame = frame.assign(_order=order, _row=frame[ExceptionsSheet.ROW].fillna(0), _column=position)
    frame = frame.sort_values(["_order", ExceptionsSheet.SHEET, "_row", "_column"], kind="stable")
    frame = frame.drop(columns=["_order", "_row", "_column"]).reset_index(drop=True)
    frame[ExceptionsSheet.ROW] = pd.array(frame[ExceptionsSheet.ROW], dtype="Int64")
    frame[ExceptionsSheet.AFFECTS] = pd.array(frame[ExceptionsSheet.AFFECTS], dtype="Int64")
    frame[ExceptionsSheet.CELL] = (
        frame[ExceptionsSheet.CELL].astype(object).where(frame[ExceptionsSheet.CELL].notna(), None)
    )
    return frame


# ---- folding -----------------------------------------------------------------------------------------------


def _fold_charges(rates: list[Problem], charges: list[Problem]) -> list[Problem]:
    """A law's compensation that waits for a currency's rate (engine.law.claims) is one more consequence of the
    missing rate: said on that currency's FX row, not in a row of its own. A rate missing only for the law's
    date (the FX sheet has the currency) stays a problem of its own."""
    by_code = {str(problem.value): position for position, problem in enumerate(rates)}
    rates = list(rates)
    left = []
    for charge in charges:
        codes = [code.strip() for code in str(charge.value or "").split(",") if code.strip()]
        if not codes or any(code not in by_code for code in codes):
            left.append(charge)
            continue
        law, _, rest = charge.reason.partition(COMPENSATION_RATE)
        waiting = rest.rsplit("; ", 1)[-1].replace(" meanwhile", "")  # "N invoice(s) are charged no compensation"
        for code in codes:
            position = by_code[code]
            rates[position] = rates[position]._replace(
                reason=f"{rates[position].reason}; under {law.strip()} law {waiting} until it is there"
            )
    return rates + left


def _split(problems: list[Problem], test: Any) -> tuple[list[Problem], list[Problem]]:
    chosen = [problem for problem in problems if test(problem)]
    return chosen, [problem for problem in problems if not test(problem)]


def _with_header(problem: Problem) -> Problem:
    """Engine problems name schema keys; the sheet shows headers."""
    table = schema.TABLES.get(problem.sheet)
    if table is not None and problem.column in table.keys:
        return problem._replace(column=table.column(problem.column).header)
    return problem


def _rows_text(rows: list[Any], limit: int = 6) -> str:
    shown = ", ".join(str(row) for row in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


def _invoices_word(count: int) -> str:
    return f"{count} open invoice{'s' if count != 1 else ''}"


def _missing_rates(
    problems: list[Problem],
    invoices: pd.DataFrame,
    fx_rows: pd.DataFrame,
    base_currency: str,
    paid: list[Problem] | None = None,
    payments: pd.DataFrame | None = None,
) -> list[Problem]:
    """One problem per currency without a rate, on the FX sheet at the first empty row: the open invoices it keeps
    out of totals, and the payments (`paid`: "<consequence>: no FX rate for CHF …" on their Payments rows) it
    keeps from being counted."""
    paid = paid or []
    if not problems and not paid:
        return []
    by_code: dict[str, list[Problem]] = {}
    for problem in problems:
        by_code.setdefault(str(problem.value).strip().upper(), []).append(problem)
    by_payment: dict[str, list[Problem]] = {}
    for problem in paid:
        code = str(problem.value).strip().upper()
        by_code.setdefault(code, [])
        by_payment.setdefault(code, []).append(problem)
    next_row = int(max(fx_rows.index, default=1)) + 1 if len(fx_rows) else 2
    found = []
    for code, group in by_code.items():
        reason = (
            f"no FX rate for {code} — add it on this row: Currency {code}, Rate to base = the {base_currency} value "
            f"of 1 {code}."
        )
        affects = 0
        if group:
            rows = sorted({p.row for p in group if p.sheet == schema.INVOICES.name and isinstance(p.row, int)})
            known = invoices.loc[invoices.index.intersection(rows)] if len(invoices) else pd.DataFrame()
            amount = _open_amount(known)
            customers = known[Invoices.CUSTOMER_ID].nunique() if len(known) else 0
            amount_text = f", {amount:,.2f} {code}" if len(known) else ""
            reason += (
                f" Until then {_invoices_word(len(rows))}{amount_text} (Invoices {_rows_text(rows)}) are not in "
                f"totals, and {customers} customer{'s get' if customers != 1 else ' gets'} no reminders"
            )
            affects += len(rows)
        lost = by_payment.get(code, [])
        if lost:
            reason += "; " if group else " Until then "
            reason += "; ".join(_payment_consequence(problem, payments) for problem in lost)
            affects += len(lost)
        found.append(Problem(schema.FX_TABLE.name, next_row, _fx_header(), code, reason, affects=affects))
    return found


def _payment_consequence(problem: Problem, payments: pd.DataFrame | None) -> str:
    """ "Payments row 7 (8,000.00 CHF): invoice F-1 is not claimed in the interest statement, …"."""
    consequence = problem.reason.split(f": {NO_RATE}", 1)[0]
    shown = ""
    if payments is not None and problem.row in payments.index and Payments.AMOUNT in payments:
        amount = pd.to_numeric(pd.Series([payments.at[problem.row, Payments.AMOUNT]]), errors="coerce").iloc[0]
        currency = payments.at[problem.row, Payments.CURRENCY] if Payments.CURRENCY in payments else ""
        if not pd.isna(amount):
            shown = f" ({amount:,.2f} {str(currency or '').strip().upper()})".replace(" )", ")")
    return f"Payments row {problem.row}{shown}: {consequence}"


def _open_amount(invoices: pd.DataFrame) -> float:
    if invoices.empty:
        return 0.0
    open_amount = invoices[Invoices.OPEN_AMOUNT] if Invoices.OPEN_AMOUNT in invoices else invoices[Invoices.AMOUNT]
    return float(open_amount.fillna(invoices[Invoices.AMOUNT]).sum())


def _fx_header() -> str:
    return schema.FX_TABLE.column(FX.CURRENCY).header


def _unknown_customers(
    problems: list[Problem], found: list[Problem], undated: set[Any]
) -> tuple[list[Problem], set[Any]]:
    """One problem per customer ID the invoices name but Customers does not hold (or the reader left out).

    Without the customer there are no payment terms either: its invoices without a due date are not aged, and
    their own "no due date" problems are folded in here (the returned rows).
    """
    if not problems:
        return found, set()
    by_id: dict[str, list[Any]] = {}
    shown: dict[str, Any] = {}
    for problem in problems:
        key = str(problem.value).strip().casefold()
        by_id.setdefault(key, []).append(problem.row)
        shown.setdefault(key, problem.value)
    left_out = {}
    for position, problem in enumerate(found):
        if problem.sheet == schema.CUSTOMERS.name and problem.left_out:
            customer_id = dict(problem.left_out).get(Customers.ID)
            if customer_id is not None:
                left_out.setdefault(str(customer_id).strip().casefold(), []).append(position)
    found = list(found)
    folded: set[Any] = set()
    for key, rows in by_id.items():
        rows = sorted(row for row in rows if row is not None)
        no_date = [row for row in rows if row in undated]
        folded.update(no_date)
        consequence = _customer_consequence(shown[key], rows, no_date)
        if key in left_out:
            for position in left_out[key]:
                problem = found[position]
                reason = f"{problem.reason} — customer {shown[key]} is left out: {consequence}"
                found[position] = problem._replace(reason=reason, affects=len(rows))
            continue
        reason = f"customer ID {shown[key]} is not in Customers — {consequence}; add the customer"
        header = schema.INVOICES.column(Invoices.CUSTOMER_ID).header
        found.append(Problem(schema.INVOICES.name, rows[0] if rows else None, header, shown[key], reason, len(rows)))
    return found, folded


def _customer_consequence(customer_id: Any, rows: list[Any], no_date: list[Any]) -> str:
    count = len(rows)
    many = count != 1
    text = f"{count} invoice{'s' if many else ''} of {customer_id} (Invoices {_rows_text(rows)}) "
    text += f"get{'' if many else 's'} no reminders"
    if no_date:
        text += f"; without the customer's payment terms {_of_them(len(no_date), count)} no due date: not aged, not in "
        text += "totals"
    if count > len(no_date):
        if no_date:
            text += f"; {_of_them(count - len(no_date), count, verb=False)} aged and in totals"
        else:
            text += "; they are aged and in totals" if many else "; it is aged and in totals"
    return text


def _of_them(part: int, whole: int, *, verb: bool = True) -> str:
    """ "1 of them has", "3 of them have" (or, without the verb, "1 of them is", "the other 3 are")."""
    if verb:
        return f"{part} of them {'has' if part == 1 else 'have'}"
    return f"the other {part} {'is' if part == 1 else 'are'}" if part < whole else f"all {part} are"


def _terms(
    problems: list[Problem], invoices: pd.DataFrame, customers: pd.DataFrame, undated: set[Any]
) -> tuple[set[Any], list[Problem]]:
    """Terms problems at the cell the text is in; returns the invoice rows whose "no due date" is folded in."""
    if not problems:
        return set(), []
    own = invoices[Invoices.TERMS] if Invoices.TERMS in invoices else pd.Series(dtype=object)
    customer_rows = _customer_rows(customers)
    groups: dict[tuple[str, Any, str], list[Problem]] = {}
    for problem in problems:
        text = own.get(problem.row) if problem.row in own.index else None
        if isinstance(text, str) and text.strip():
            key = (schema.INVOICES.name, problem.row, problem.column)
        else:
            customer_id = invoices.at[problem.row, Invoices.CUSTOMER_ID] if problem.row in invoices.index else None
            row = customer_rows.get(str(customer_id).strip().casefold()) if customer_id is not None else None
            header = schema.CUSTOMERS.column(Customers.TERMS).header
            key = (schema.CUSTOMERS.name, row, header) if row is not None else (problem.sheet, problem.row, "")
        groups.setdefault(key, []).append(problem)
    found, folded = [], set()
    for (sheet_name, row, column), group in groups.items():
        first = group[0]
        rows = sorted({problem.row for problem in group})
        no_date = [row for row in rows if row in undated]
        folded.update(no_date)
        plural = len(rows) != 1
        consequence = f"{len(rows)} invoice{'s' if plural else ''} take{'' if plural else 's'} these terms: no discount"
        if no_date:
            consequence += f"; {_of_them(len(no_date), len(rows))} no due date: not aged, not in totals"
        if sheet_name == schema.CUSTOMERS.name:
            consequence += f" (Invoices {_rows_text(rows)})"
        found.append(
            Problem(sheet_name, row, column or first.column, first.value, f"{first.reason} — {consequence}", len(rows))
        )
    return folded, found


def _customer_rows(customers: pd.DataFrame) -> dict[str, Any]:
    if customers.empty or Customers.ID not in customers:
        return {}
    ids = customers[Customers.ID].astype(str).str.strip().str.casefold()
    first = ~ids.duplicated()
    return dict(zip(ids[first], customers.index[first], strict=True))


def _undated(problem: Problem) -> Problem:
    reason = (
        "no due date, and no payment terms here or on the customer to work one out — the invoice is not aged and not "
        "in totals; fill in the Due date or the terms"
    )
    return problem._replace(column=schema.INVOICES.column(Invoices.DUE_DATE).header, reason=reason)


# ---- the sheet ---------------------------------------------------------------------------------------------


def _letters(tables: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    """Per sheet, header → column letter: as the reader found them (`frame.attrs["letters"]`), else schema order."""
    letters = {}
    for table in schema.INPUT_TABLES:
        frame = tables.get(table.name)
        found = frame.attrs.get("letters") if frame is not None else None
        letters[table.name] = dict(found) if found else _schema_letters(table)
    return letters


def _schema_letters(table: Table) -> dict[str, str]:
    return {header: get_column_letter(position) for position, header in enumerate(table.headers, start=1)}


def _cell(problem: Problem, letters: Mapping[str, Mapping[str, str]]) -> str | None:
    """``Invoices!D12`` for a cell of a workbook sheet; the sheet's first cell for a sheet-wide problem."""
    if problem.sheet not in letters:
        return None
    row = _row_number(problem.row)
    letter = letters[problem.sheet].get(problem.column, "A") if row is not None else "A"
    return f"{problem.sheet}!{letter}{row if row is not None else 1}"


def _row_number(row: Any) -> int | None:
    if row is None or isinstance(row, bool):
        return None
    try:
        number = int(row)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


def _sheet_rank(name: str) -> int:
    return _SHEET_ORDER.index(name) if name in _SHEET_ORDER else len(_SHEET_ORDER)


def _column_rank(sheet_name: Any, column: Any) -> int:
    table = schema.TABLES.get(str(sheet_name))
    headers = [header for header in table.headers] if table is not None else []
    return headers.index(column) if column in headers else len(headers)
