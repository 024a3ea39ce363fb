"""What each invoice's governing law (or contract) lets the seller claim: interest, compensation, and on what basis.

    customers, problems = claims.govern(customers, governing_law="DE", late_charge=None)
    charged, more = claims.charges(items, customers, payments, fx_rates, as_of, base_currency="EUR", history=sent)

`govern` resolves per customer the law that governs the contract (`GOVERNING`), whether the debtor is a consumer
(`CONSUMER`) and a contractual late-charge rule (`LATE_CHARGE`); see `arcollect.engine.law` for the order of
precedence. `charges` prices the open invoices under that law:

- the first day of interest is the day after the due date — moved to the next business day of the debtor's place
  first where the law moves a due date falling on a weekend or public holiday (§ 193 BGB, Art. 78 OR);
- payments received after the due date are converted into the invoice's currency at the FX rate of their own date
  and applied in the law's order (`arcollect.engine.law.account`); the principal owed on the due date is the open
  amount plus those payments;
- the fixed compensation is set by the amount converted into the statute's currency at the date the law names
  (the first day of interest; PL: the last day of the month before the due month) and shown in the invoice's
  currency at that date's rate; for a consumer under NL law only once the 14-day letter's term has run
  (art. 6:96 lid 6 BW): until then the letter itself announces the costs (`NOTICE_COSTS`);
- a contractual late charge replaces the statutory interest (the statutory compensation still applies);
- under a law without a modelled statute and without a late charge nothing is charged, and the basis says so.

`statement` prices the invoices paid in full, late, in a period: the interest statement ("Zinsrechnung").

Nothing here raises for one bad row: problems come back as `Problem` rows (a missing FX rate, a missing reference
rate for a law, a late charge that is not understood), and the invoices they concern are charged nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import calendar, columns, fx, interest, money
from arcollect.engine import law as laws
from arcollect.engine.law import account, contract
from arcollect.engine.law.model import ON_MONTH_BEFORE_DUE, PRINCIPAL, Compensation, Law
from arcollect.errors import ArcollectError
from arcollect.problems import Problem
from arcollect.schema import Aging, Customers, Invoices, Payments

GOVERNING = "_jurisdiction"  # the law governing the customer's contracts: ISO code, "" when none is known
CONSUMER = "_consumer"  # True when the customer is a consumer (Customers: Customer type Consumer)
LATE_CHARGE = "_late_charge"  # the contractual late-charge rule (`ContractRule`), None without one
# Per invoice, beside the Aging columns:
KIND = "_charge_kind"  # "statute", "contract" or "" (nothing charged)
NOTICE_COSTS = "_notice_costs"  # NL consumer: collection costs the 14-day letter must announce (0 otherwise)
# The debt a scale of collection costs (NL: Besluit BIK) was applied to, in the statute's currency, and the rate
# back into the invoice's currency: a letter claiming several invoices applies the scale to their sum (NaN: none).
COST_DEBT = "_cost_debt"
COST_RATE = "_cost_rate"
STATUTE, CONTRACT, NOTHING = "statute", "contract", ""
CONSUMER_TYPE = "Consumer"


# ---- governing law --------------------------------------------------------------------------------------------


def govern(
    customers: pd.DataFrame, governing_law: str | None, late_charge: str | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Customers with `GOVERNING`, `CONSUMER` and `LATE_CHARGE` set, and a problem per value that was not used.

    The law is the customer's own Jurisdiction; else, for a consumer, the consumer's country (Rome I art. 6); else
    `governing_law` (Settings GoverningLaw, the seller's own country). ``EU`` in Jurisdiction is reported and
    ignored. The late charge is the customer's own, else `late_charge` (Settings LateCharge).
    """
    problems: list[Problem] = []
    column = customers.get(Customers.JURISDICTION, pd.Series(None, index=customers.index, dtype=object))
    own = _upper(column)
    directive = own == laws.DIRECTIVE
    for label, name in customers.loc[directive, Customers.NAME].items():
        problems.append(
            Problem(
                "Customers",
                label,
                Customers.JURISDICTION,
                laws.DIRECTIVE,
                f"'EU' is not a law that governs a contract (the Late Payment Directive binds the member states, not "
                f"{name}): {governing_law or 'the governing law'} applies instead. If your contract adopts the "
                "directive's rate, write Late charge '8 points over ECB'",
            )
        )
    own = own.where(~directive, "")
    kind = customers.get(Customers.CUSTOMER_TYPE, pd.Series(None, index=customers.index, dtype=object))
    consumer = _upper(kind) == CONSUMER_TYPE.upper()
    country = _upper(customers[Customers.COUNTRY])
    default = (governing_law or "").strip().upper()
    law = np.where(own != "", own, np.where(consumer, country, default))

    rules = np.full(len(customers), None, dtype=object)
    texts = customers.get(Customers.LATE_CHARGE, pd.Series(None, index=customers.index, dtype=object))
    standard = _rule(late_charge, problems, "Settings", None, "LateCharge")
    for position, (label, text) in enumerate(texts.items()):
        if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
            rules[position] = standard
        else:
            rules[position] = _rule(str(text), problems, "Customers", label, Customers.LATE_CHARGE) or standard
    return customers.assign(**{GOVERNING: law, CONSUMER: consumer.to_numpy(), LATE_CHARGE: rules}), problems


def _rule(text: str | None, problems: list[Problem], sheet: str, row: Any, column: str) -> contract.ContractRule | None:
    if not text or not str(text).strip():
        return None
    try:
        return contract.parse(str(text))
    except ArcollectError as error:
        problems.append(Problem(sheet, row, column, text, f"{error}; the statutory rule applies instead"))
        return None


def _upper(column: pd.Series) -> pd.Series:
    return columns.per_distinct(column, lambda values: values.astype("string").fillna("").str.strip().str.upper())


# ---- charges --------------------------------------------------------------------------------------------------


def charges(
    items: pd.DataFrame,
    customers: pd.DataFrame,
    payments: pd.DataFrame,
    rates: Any,
    as_of: dt.date,
    *,
    base_currency: str,
    history: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Per invoice of `items` (same index): interest, compensation, paid towards charges, first interest day, basis.

    Columns: `Aging.LATE_INTEREST`, `Aging.FIXED_COMPENSATION`, `Aging.PAID_TO_CHARGES` (in the invoice's
    currency), `Aging.INTEREST_FROM` (date, NaT when nothing runs), `Aging.CHARGE_BASIS` (text), `GOVERNING`,
    `CONSUMER`, `KIND`, `LATE_CHARGE` (the rule text) and `NOTICE_COSTS`. `history`: sent reminders per invoice
    (`Invoices.NUMBER`, ``sent_at``), for the 14-day letter of art. 6:96 lid 6 BW.
    """
    as_of_day = np.datetime64(pd.Timestamp(as_of).date(), "D").astype("int64")
    frame = _frame(items, customers)
    first = _first_interest_day(frame)
    late = (frame["open"] > 0) & (first <= as_of_day)
    until = np.full(len(frame), as_of_day, dtype="int64")
    principal_due, paid = _payments_after_due(frame, payments, rates, base_currency, first, until)
    problems = paid.attrs.pop("problems", [])
    notice = _notice_sent(frame, history, first)
    out = _empty_result(frame, first)
    for key, rows in frame[late].groupby(["law", "consumer", "rule_key"], sort=False).groups.items():
        positions = frame.index.get_indexer(rows)
        done = _price_group(
            key, frame.iloc[positions], positions, first[positions], principal_due[positions], paid,
            until[positions], rates, base_currency, notice[positions], problems, order=None,
        )  # fmt: skip
        for column, values in done.items():
            out[column][positions] = values
    result = pd.DataFrame(out, index=items.index)
    result[Aging.INTEREST_FROM] = pd.to_datetime(np.where(late, first, _NAT).astype("datetime64[D]"))
    return result, problems


def statement(
    invoices: pd.DataFrame,
    customers: pd.DataFrame,
    payments: pd.DataFrame,
    rates: Any,
    period: tuple[dt.date, dt.date],
    *,
    base_currency: str,
    history: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """The interest statement: invoices paid in full within `period` (inclusive) after their first interest day.

    One row per such invoice with the interest accrued on each late part from the first interest day to the day
    it was paid, and the fixed compensation, under the customer's governing law or contractual rule. Payments are
    applied to the principal here (each paid part stops bearing interest on its date): the statement claims the
    interest itself and does not re-allocate payments already booked. Columns as `charges`, plus
    `Invoices.PAID_DATE` and `Invoices.DAYS_LATE`. A consumer under NL law owes the collection costs only when the
    14-day letter (a reminder sent once the invoice was late, `history` as for `charges`) had run before the day
    it was paid; nothing is announced for an invoice already paid.
    """
    if invoices.empty or payments.empty:
        return pd.DataFrame(), []
    amount = pd.to_numeric(invoices[Invoices.AMOUNT], errors="coerce")
    candidates = invoices[amount > 0]
    start, end = (np.datetime64(pd.Timestamp(day).date(), "D").astype("int64") for day in period)
    paid_on, unknown = _completion_dates(candidates, payments, rates, base_currency, end)
    paid_day = paid_on.reindex(candidates[Invoices.NUMBER]).to_numpy(dtype="float64")
    in_period = ~np.isnan(paid_day) & (paid_day >= start) & (paid_day <= end)
    chosen = candidates[in_period].copy()
    if chosen.empty:
        return pd.DataFrame(), unknown
    chosen[Invoices.OPEN_AMOUNT] = 0.0
    frame = _frame(chosen, customers)
    first = _first_interest_day(frame)
    paid_days = paid_day[in_period].astype("int64")
    late = first <= paid_days
    principal_due, paid = _payments_after_due(frame, payments, rates, base_currency, first, paid_days)
    problems = unknown + paid.attrs.pop("problems", [])
    notice = _notice_sent(frame, history, first)
    out = _empty_result(frame, first)
    for key, rows in frame[late].groupby(["law", "consumer", "rule_key"], sort=False).groups.items():
        positions = frame.index.get_indexer(rows)
        done = _price_group(
            key, frame.iloc[positions], positions, first[positions], principal_due[positions], paid,
            paid_days[positions], rates, base_currency, notice[positions], problems, order=(PRINCIPAL,),
        )  # fmt: skip
        for column, values in done.items():
            out[column][positions] = values
    result = pd.DataFrame(out, index=chosen.index)
    result[NOTICE_COSTS] = 0.0  # a paid invoice: no 14-day letter can still make its costs due
    result[Aging.INTEREST_FROM] = pd.to_datetime(first.astype("datetime64[D]"))
    result[Invoices.PAID_DATE] = pd.to_datetime(paid_days.astype("datetime64[D]"))
    result[Invoices.DAYS_LATE] = np.maximum(paid_days - first + 1, 0)
    keep = late & (result[Aging.LATE_INTEREST].to_numpy() + result[Aging.FIXED_COMPENSATION].to_numpy() > 0)
    return pd.concat([chosen, result], axis=1)[keep], problems


# ---- the pieces -----------------------------------------------------------------------------------------------

_NAT = np.iinfo(np.int64).min


def _frame(items: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """One row per item: the columns the charges need, with its customer's law, consumer flag, rule and place."""
    people = customers.assign(_row=customers.index).drop_duplicates(Customers.ID).set_index(Customers.ID)
    where = people.index.get_indexer(items[Invoices.CUSTOMER_ID])

    def take(column: str, fill: Any) -> np.ndarray:
        if column not in people.columns:
            return np.full(len(items), fill, dtype=object)
        values = np.append(people[column].to_numpy(dtype=object), fill)
        return values[np.where(where >= 0, where, len(people))]

    rules = take(LATE_CHARGE, None)
    return pd.DataFrame(
        {
            "number": items[Invoices.NUMBER].to_numpy(dtype=object),
            "customer": items[Invoices.CUSTOMER_ID].to_numpy(dtype=object),
            "customer_row": take("_row", None),
            "currency": items[Invoices.CURRENCY].astype("string").fillna("").str.upper().to_numpy(dtype=object),
            "amount": pd.to_numeric(items[Invoices.AMOUNT], errors="coerce").to_numpy(dtype="float64"),
            "open": pd.to_numeric(items[Invoices.OPEN_AMOUNT], errors="coerce").fillna(0).to_numpy(dtype="float64"),
            "due": columns.dates(items[Invoices.DUE_DATE], "due date").astype("int64"),
            "due_known": ~np.isnat(columns.dates(items[Invoices.DUE_DATE], "due date")),
            "law": [str(value or "") for value in take(GOVERNING, "")],
            "consumer": take(CONSUMER, False).astype(bool),
            "rule": rules,
            "rule_key": [rule.text if rule is not None else "" for rule in rules],
            "country": [str(value or "") for value in take(Customers.COUNTRY, "")],
            "subdivision": [
                ("" if value is None or value != value else str(value)) for value in take(Customers.SUBDIVISION, "")
            ],
        },
        index=pd.RangeIndex(len(items)),
    )


def _first_interest_day(frame: pd.DataFrame) -> np.ndarray:
    """The day after the due date, the due date first moved to a business day where the law moves it."""
    due = frame["due"].to_numpy().copy()
    known = frame["due_known"].to_numpy()
    shifting = np.array([bool(law in laws.LAWS and laws.LAWS[law].due_date_shift) for law in frame["law"]], dtype=bool)
    shifting &= known & (frame["country"].to_numpy() != "")
    for (country, subdivision), rows in frame[shifting].groupby(["country", "subdivision"], sort=False).groups.items():
        positions = frame.index.get_indexer(rows)
        try:
            moved = calendar.add_business_days(due[positions].astype("datetime64[D]"), 0, country, subdivision or None)
        except ArcollectError:
            continue  # an unknown calendar: the due date stays (the reader already reported the place)
        due[positions] = np.asarray(moved, dtype="datetime64[D]").astype("int64")
    return np.where(known, due + 1, np.iinfo(np.int64).max // 2)


def _payments_after_due(
    frame: pd.DataFrame, payments: pd.DataFrame, rates: Any, base_currency: str, first: np.ndarray, until: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    """The principal owed on the due date (open + later payments) and the later payments, in invoice currency."""
    empty = pd.DataFrame({"row": [], "day": [], "amount": []})
    empty.attrs["problems"] = []
    principal = frame["open"].to_numpy(dtype="float64").copy()
    if payments is None or payments.empty:
        return principal, empty
    numbers = pd.Index(frame["number"])
    if not numbers.is_unique:
        numbers = numbers.where(~numbers.duplicated(keep="last"), None)
    row = numbers.get_indexer(payments[Payments.INVOICE_NUMBER])
    applied = payments[row >= 0]
    row = row[row >= 0]
    if applied.empty:
        return principal, empty
    day = columns.dates(applied[Payments.DATE], "payment date").astype("int64")
    after = (day >= first[row]) & (day <= until[row])
    applied, row, day = applied[after], row[after], day[after]
    if applied.empty:
        return principal, empty
    factor = fx.cross_rates(
        applied[Payments.CURRENCY].to_numpy(dtype=object),
        frame["currency"].to_numpy(dtype=object)[row],
        base_currency,
        rates,
        as_of=day.astype("datetime64[D]"),
    )
    missing = np.isnan(factor)
    problems = _no_rate_problems(
        applied.index[missing], frame["number"].to_numpy()[row[missing]],
        applied[Payments.CURRENCY].to_numpy(dtype=object)[missing],
        frame["currency"].to_numpy(dtype=object)[row[missing]],
        day[missing].astype("datetime64[D]"), base_currency, rates,
        lambda number: f"left out of invoice {number}'s late-interest account",
    )  # fmt: skip
    digits = money.minor_units_array(frame["currency"].to_numpy(dtype=object)[row])
    converted = money.round_money(applied[Payments.AMOUNT].to_numpy(dtype="float64") * np.nan_to_num(factor), digits)
    converted = np.where(missing, 0.0, converted)
    np.add.at(principal, row, converted)
    result = pd.DataFrame({"row": row, "day": day, "amount": converted})
    result.attrs["problems"] = problems
    return principal, result


def _notice_sent(frame: pd.DataFrame, history: pd.DataFrame | None, first_day: np.ndarray) -> np.ndarray:
    """Day number of the first reminder sent for each invoice once it was late (a very late day when none was).

    Only a reminder sent on or after the invoice's first day of interest counts as the 14-day letter of art. 6:96
    lid 6 BW: a note sent before or on the due date cannot put the debtor in default, nor start the 14 days.
    """
    never = np.full(len(frame), np.iinfo(np.int64).max // 2, dtype="int64")
    if not len(frame) or history is None or history.empty or "sent_at" not in history.columns:
        return never
    sent = pd.to_datetime(history["sent_at"], utc=True, errors="coerce").dt.tz_localize(None)
    numbers = history[Invoices.NUMBER].to_numpy(dtype=object)
    late_from = pd.Series(first_day, index=frame["number"].to_numpy(dtype=object))
    late_from = late_from[~late_from.index.duplicated()]
    looked_up = late_from.index.get_indexer(numbers)
    sent_day = sent.to_numpy().astype("datetime64[D]").astype("int64")
    late = (looked_up >= 0) & ~sent.isna().to_numpy()
    late &= sent_day >= np.where(looked_up >= 0, late_from.to_numpy()[np.maximum(looked_up, 0)], 0)
    first = sent[late].groupby(numbers[late]).min().dropna()
    if first.empty:
        return never
    days = first.to_numpy().astype("datetime64[D]").astype("int64")
    looked = pd.Index(first.index).get_indexer(frame["number"])
    return np.where(looked >= 0, days[np.maximum(looked, 0)], never)


def _empty_result(frame: pd.DataFrame, first: np.ndarray) -> dict[str, np.ndarray]:
    count = len(frame)
    return {
        Aging.LATE_INTEREST: np.zeros(count),
        Aging.FIXED_COMPENSATION: np.zeros(count),
        Aging.PAID_TO_CHARGES: np.zeros(count),
        Aging.CHARGE_BASIS: np.full(count, "", dtype=object),
        GOVERNING: frame["law"].to_numpy(dtype=object),
        CONSUMER: frame["consumer"].to_numpy(dtype=bool),
        KIND: np.full(count, NOTHING, dtype=object),
        LATE_CHARGE: frame["rule_key"].to_numpy(dtype=object),
        NOTICE_COSTS: np.zeros(count),
        COST_DEBT: np.full(count, np.nan),
        COST_RATE: np.full(count, np.nan),
    }


def _price_group(
    key: tuple[str, bool, str],
    rows: pd.DataFrame,
    positions: np.ndarray,
    first: np.ndarray,
    principal_due: np.ndarray,
    paid: pd.DataFrame,
    until: np.ndarray,
    rates: Any,
    base_currency: str,
    notice_day: np.ndarray,
    problems: list[Problem],
    *,
    order: tuple[str, ...] | None,
) -> dict[str, Any]:
    """Interest and compensation for invoices of one (law, consumer, rule)."""
    code, consumer, _rule_text = key
    rule = rows["rule"].iloc[0]
    found: Law | None = laws.LAWS.get(code)
    count = positions.size
    result: dict[str, Any] = {
        Aging.LATE_INTEREST: np.zeros(count),
        Aging.FIXED_COMPENSATION: np.zeros(count),
        Aging.PAID_TO_CHARGES: np.zeros(count),
        NOTICE_COSTS: np.zeros(count),
    }
    if rule is not None:
        chosen, label, kind = interest.contract_regimes(rule), "contractual", CONTRACT
    elif found is not None and (found.consumer if consumer else found.business):
        chosen, label, kind = (found.consumer if consumer else found.business), code, STATUTE
    else:
        chosen, label, kind = (), code, NOTHING
    compensation = None
    if found is not None:
        compensation = found.consumer_compensation if consumer else found.compensation
    result[KIND] = np.full(count, kind, dtype=object)
    result[Aging.CHARGE_BASIS] = np.full(count, basis_text(code, consumer, rule, compensation), dtype=object)
    currencies = rows["currency"].to_numpy(dtype=object)
    digits = money.minor_units_array(currencies)
    scale = np.power(10.0, digits)

    costs = np.zeros(count)
    if compensation is not None:
        costs, debt, back = _compensation(rows, compensation, first, rates, base_currency, problems, code)
        if compensation.scale:
            result[COST_DEBT], result[COST_RATE] = debt, back
        if consumer and found is not None and found.consumer_notice is not None:
            claimable = notice_day + found.notice_days + 1 <= until
            result[NOTICE_COSTS] = np.where(claimable, 0.0, costs)
            costs = np.where(claimable, costs, 0.0)
    if not chosen:
        result[Aging.FIXED_COMPENSATION] = costs
        return result
    allocation = order or (found.allocation if found is not None else (PRINCIPAL,))
    mine = paid[np.isin(paid["row"].to_numpy(dtype="int64"), positions)] if len(paid) else paid
    local = (
        pd.Index(positions).get_indexer(mine["row"].to_numpy(dtype="int64"))
        if len(mine)
        else np.array([], dtype="int64")
    )
    payments_minor = pd.DataFrame(
        {
            "row": local,
            "day": mine["day"].to_numpy(dtype="int64") if len(mine) else local,
            "amount": np.rint(mine["amount"].to_numpy(dtype="float64") * scale[local]).astype("int64")
            if len(mine)
            else local,
        }
    )
    try:
        settled = account.settle(
            chosen,
            label,
            np.rint(np.maximum(principal_due, 0) * scale).astype("int64"),
            first - 1,
            until,
            payments_minor,
            np.rint(costs * scale).astype("int64"),
            order=allocation,
        )
    except ArcollectError as error:  # a missing rate: no interest, but the fixed compensation is still owed
        column = Customers.CUSTOMER_TYPE if consumer else Customers.JURISDICTION
        whose = "a consumer" if consumer else "a business"
        for customer, row in rows[["customer", "customer_row"]].drop_duplicates("customer").itertuples(index=False):
            problems.append(
                Problem(
                    "Customers", row, column, code or None,
                    f"late interest not computed for {customer} ({whose} under {code} law): {error}",
                )
            )  # fmt: skip
        basis = f"{result[Aging.CHARGE_BASIS][0]} — interest rate missing, no interest charged"
        result[Aging.CHARGE_BASIS] = np.full(count, basis, dtype=object)
        result[Aging.FIXED_COMPENSATION] = costs
        return result
    result[Aging.LATE_INTEREST] = money.round_money(settled.interest / scale, digits)
    result[Aging.FIXED_COMPENSATION] = money.round_money(settled.costs / scale, digits)
    result[Aging.PAID_TO_CHARGES] = money.round_money(settled.to_charges / scale, digits)
    return result


def _compensation(
    rows: pd.DataFrame,
    rule: Compensation,
    first: np.ndarray,
    rates: Any,
    base_currency: str,
    problems: list[Problem],
    code: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The law's fixed sum per invoice, in the invoice's currency (0 where an FX rate is missing: reported); with
    the debt it was set by, in the statute's currency, and the rate from the sums' currency back into the invoice's
    (NaN where a rate is missing)."""
    currencies = rows["currency"].to_numpy(dtype=object)
    if rule.converted_on == ON_MONTH_BEFORE_DUE:
        due = rows["due"].to_numpy().astype("datetime64[D]")
        on = due.astype("datetime64[M]").astype("datetime64[D]") - 1  # the last day of the month before
    else:
        on = first.astype("datetime64[D]")
    to_statute = fx.cross_rates(currencies, rule.currency, base_currency, rates, as_of=on)
    sum_currency = rule.sum_currency or rule.currency
    back = fx.cross_rates(sum_currency, currencies, base_currency, rates, as_of=on)
    debt = rows["amount"].to_numpy(dtype="float64") * to_statute
    values = interest.compensation_sums(rule, money.round_money(np.nan_to_num(debt), 2))
    values = np.where(rows["amount"].to_numpy() <= 0, 0.0, values)
    missing = np.isnan(to_statute) | np.isnan(back)
    if missing.any():
        needed = sorted({c for c in np.append(currencies[missing], sum_currency) if c != base_currency})
        problems.append(
            Problem(
                "FX", None, "Currency", ", ".join(needed),
                f"{code} law's fixed compensation needs the rate of {', '.join(needed)} on the day it is set — add it "
                f"to the FX sheet; {int(missing.sum())} invoice(s) are charged no compensation meanwhile",
            )
        )  # fmt: skip
    digits = money.minor_units_array(currencies)
    sums = np.where(missing, 0.0, money.round_money(values * np.nan_to_num(back), digits))
    return sums, np.where(missing, np.nan, money.round_money(np.nan_to_num(debt), 2)), np.where(missing, np.nan, back)


def basis_text(code: str, consumer: bool, rule: contract.ContractRule | None, compensation: Compensation | None) -> str:
    """The Aging sheet's basis of the charges, in English: the statute and section (in its own language), or the
    contract, and whose law it is: "§ 288 Abs. 2 BGB; § 288 Abs. 5 BGB (German law)"."""
    from arcollect.engine.law.names import LAW_OF

    found = laws.LAWS.get(code)
    statutes = []
    if found is not None and rule is None and (found.consumer if consumer else found.business):
        statutes.append((found.consumer if consumer else found.business)[-1].provision.native)
    if compensation is not None:
        statutes.append(compensation.provision.native)
    whose = LAW_OF["en"].get(code, f"{code} law" if code else "no known law") + (", consumer" if consumer else "")
    parts = [f"Contract: {rule.describe('en')}"] if rule is not None else []
    if statutes:
        parts.append(f"{'; '.join(statutes)} ({whose})")
    if not parts:
        return f"No statutory late charges ({whose})"
    return "; ".join(parts)


def _completion_dates(
    invoices: pd.DataFrame, payments: pd.DataFrame, rates: Any, base_currency: str, until: int
) -> tuple[pd.Series, list[Problem]]:
    """Day number on which each invoice's payments (converted into its currency) reach its amount, and a problem
    per payment that cannot be converted (no FX rate on its date) where that leaves the day unknown.

    A payment without a rate is never counted as 1:1 or as 0: from its day on, what has been paid is unknown, so
    an invoice that its convertible payments had not paid in full before it has no completion date (it is not
    claimed in the interest statement) until the rate is on the FX sheet. Reported only where it matters: a
    payment received by `until` (the period's last day) on an invoice with nothing open on the Invoices sheet.
    """
    numbers = invoices[Invoices.NUMBER]
    currency = invoices.set_index(Invoices.NUMBER)[Invoices.CURRENCY]
    applied = payments[payments[Payments.INVOICE_NUMBER].isin(numbers)]
    if applied.empty:
        return pd.Series(dtype="float64"), []
    day = columns.dates(applied[Payments.DATE], "payment date")
    source = applied[Payments.CURRENCY].astype("string").fillna("").str.strip().str.upper().to_numpy(dtype=object)
    target = currency[~currency.index.duplicated()].reindex(applied[Payments.INVOICE_NUMBER])
    target = target.astype("string").fillna("").str.strip().str.upper().to_numpy(dtype=object)
    factor = fx.cross_rates(source, target, base_currency, rates, as_of=day)
    table = pd.DataFrame(
        {
            "label": applied.index,
            "number": applied[Payments.INVOICE_NUMBER].to_numpy(dtype=object),
            "day": day.astype("int64"),
            "amount": applied[Payments.AMOUNT].to_numpy(dtype="float64") * factor,  # NaN where no rate
            "source": source,
            "target": target,
            "on": day,
        }
    ).sort_values(["number", "day"], kind="stable")
    unknown = table["amount"].isna()
    # Once a payment cannot be counted, every later total of the invoice is unknown (NaN), never a guess.
    table["paid"] = table["amount"].fillna(0.0).groupby(table["number"]).cumsum()
    table["paid"] = table["paid"].where(unknown.astype(int).groupby(table["number"]).cumsum() == 0)
    amounts = pd.to_numeric(
        invoices.drop_duplicates(Invoices.NUMBER).set_index(Invoices.NUMBER)[Invoices.AMOUNT], errors="coerce"
    )
    table["needed"] = table["number"].map(amounts).to_numpy(dtype="float64")
    done = table[table["paid"] >= table["needed"] - 0.005]
    completed = done.groupby("number")["day"].min().astype("float64")
    settled = invoices[Invoices.NUMBER]
    if Invoices.OPEN_AMOUNT in invoices:
        still_open = pd.to_numeric(invoices[Invoices.OPEN_AMOUNT], errors="coerce").fillna(0).abs() > 0.005
        settled = settled[~still_open]
    blocked = table[unknown & ~table["number"].isin(completed.index)]
    blocked = blocked[blocked["number"].isin(settled) & (blocked["day"] <= until)]
    problems = _no_rate_problems(
        blocked["label"], blocked["number"], blocked["source"], blocked["target"], blocked["on"], base_currency, rates,
        lambda number: f"invoice {number} is not claimed in the interest statement, the day it was paid in full being "
        "unknown",
    )  # fmt: skip
    return completed, problems


def _no_rate_problems(
    labels: Any, numbers: Any, source: Any, target: Any, days: Any, base_currency: str, rates: Any, consequence: Any
) -> list[Problem]:
    """A Payments-row problem per payment that cannot be converted into its invoice's currency, naming the currency
    without a rate: "<consequence>: no FX rate for CHF on 2026-09-15 to convert this payment of CHF into EUR — add it
    to the FX sheet" (`arcollect.book.exceptions` folds them into that currency's FX row)."""
    source = pd.Series(np.asarray(source, dtype=object)).astype("string").fillna("").str.strip().str.upper()
    target = pd.Series(np.asarray(target, dtype=object)).astype("string").fillna("").str.strip().str.upper()
    if source.empty:
        return []
    on = np.asarray(days, dtype="datetime64[D]")
    lacking = np.isnan(fx.cross_rates(source.to_numpy(dtype=object), base_currency, base_currency, rates, as_of=on))
    code = np.where(lacking, source.to_numpy(dtype=object), target.to_numpy(dtype=object))
    return [
        Problem(
            "Payments",
            label,
            Payments.CURRENCY,
            missing,
            f"{consequence(number)}: no FX rate for {missing} on {day} to convert this payment of {paid} into "
            f"{owed} — add it to the FX sheet",
        )
        for label, number, missing, paid, owed, day in zip(
            labels, numbers, code, source, target, on.astype(str), strict=True
        )
    ]
