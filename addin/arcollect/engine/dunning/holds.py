"""The holds that belong to the customer, not to an invoice (the first that applies is the reason: see rule 4 in
`arcollect.engine.dunning`), one message per customer per run, and each row's addresses, template and language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine.columns import equals
from arcollect.engine.dunning.queue import (
    COLLECTION_FAILED,
    COUNTRY,
    CUSTOMER_ROW,
    HELD,
    INVOICE_LIST,
    LOCAL_DATE,
    SUBDIVISION,
    TIME_ZONE,
    Level,
    flag,
)
from arcollect.engine.policy import DunningLevel
from arcollect.schema import Aging, Customers, Invoices, Log, Queue

_EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>]+$")
_SEPARATOR = re.compile(r"\s*[;,]\s*")


def customer_holds(
    rows: pd.DataFrame,
    items: pd.DataFrame | None,
    people: pd.DataFrame,
    levels: list[Level],
    history: pd.DataFrame | None,
    minimum_amount: float,
    unapplied_cash: pd.Series | None,
    escalated: Mapping[Any, Any] | None,
    uncounted_cash: pd.Series | None = None,
) -> pd.DataFrame:
    """Hold reasons that belong to the customer; `items` None (a thank-you) skips the balance, amount and credit
    hold rules. `escalated` maps a customer the ledger shows escalated to the day it was (`arcollect.engine.dunning`,
    rule 4). `uncounted_cash`: customer → why an unapplied payment of theirs could not be counted (no FX rate)."""
    customer = rows[Queue.CUSTOMER_ID]
    # Customer fields are looked up once per row through one indexer (a `map` per field hashed every row again),
    # and text work on them (email check, cc lists) is done once per customer, not once per reminder row.
    where = people.index.get_indexer(customer)
    known = pd.Series(where >= 0, index=customer.index)

    def per_row(column: pd.Series) -> pd.Series:
        return pd.Series(pd.api.extensions.take(column.array, where, allow_fill=True), index=customer.index)

    def field(key: str, default: Any = None) -> pd.Series:
        return per_row(people[key] if key in people.columns else pd.Series(default, index=people.index))

    def text(key: str) -> pd.Series:
        column = people[key] if key in people.columns else pd.Series("", index=people.index)
        return column.astype("string").fillna("")

    stripped = [address.strip() for address in text(Customers.EMAIL).tolist()]
    email = per_row(pd.Series(stripped, index=people.index, dtype="string")).fillna("")
    valid_email = np.append(np.array([_valid_addresses(address) for address in stripped], dtype=bool), False)
    owed = items is not None
    # Per customer row in `people`; the items of unknown customers (-1) sum together, but those rows are held
    # as unknown before the balance is looked at.
    balance = pd.Series(dtype=float)
    unconverted = pd.Series(dtype=object)
    if owed:
        balance = items[Aging.BASE_OPEN_AMOUNT].groupby(items[CUSTOMER_ROW].to_numpy()).sum()
        unconverted = _unconverted_currencies(items)
    if unapplied_cash is not None and len(unapplied_cash):
        person = people.index.get_indexer(unapplied_cash.index)
        cash = pd.Series(unapplied_cash.to_numpy()[person >= 0], index=person[person >= 0])
        balance = balance.sub(cash, fill_value=0)
    notice = np.array([level is COLLECTION_FAILED for level in levels])[rows["_position"]]
    last_any = _last_sent_per_customer(history, [level.level for level in levels if level is not COLLECTION_FAILED])
    last = (
        pd.to_datetime(customer.map(last_any))
        if len(last_any)
        else pd.Series(pd.NaT, index=customer.index, dtype="datetime64[ns]")
    )
    waits = np.array([level.min_days_since_previous for level in levels])[rows["_position"]]
    local_today = field(LOCAL_DATE)
    days_since = (local_today - last).dt.days

    def no_rate(held: np.ndarray) -> np.ndarray:
        codes = unconverted.reindex(where[held]).fillna("").to_numpy(dtype=object)
        return "no FX rate for " + codes + " — the balance cannot be worked out; add the rate on the FX sheet"

    uncounted = pd.Series(dtype=object)
    if owed and uncounted_cash is not None and len(uncounted_cash):
        person = people.index.get_indexer(uncounted_cash.index)
        uncounted = pd.Series(uncounted_cash.to_numpy(dtype=object)[person >= 0], index=person[person >= 0])
        uncounted = uncounted[~uncounted.index.duplicated()]

    def cash_unknown(held: np.ndarray) -> np.ndarray:
        return uncounted.reindex(where[held]).fillna("").to_numpy(dtype=object)

    def no_email(held: np.ndarray) -> np.ndarray:
        address = email[held]
        return "no valid email address" + np.where(address != "", " ('" + address + "')", "")

    def too_soon(held: np.ndarray) -> np.ndarray:
        previous = last[held]
        wait_until = (previous + pd.to_timedelta(waits[held], unit="D")).dt.strftime("%Y-%m-%d")
        return (
            "last reminder sent on " + previous.dt.strftime("%Y-%m-%d") + "; the policy waits until " + wait_until
        ).to_numpy(dtype=object)

    escalates = np.array([bool(getattr(level, "escalate", False)) for level in levels])[rows["_position"]]
    on_hold = flag(field(Customers.CREDIT_HOLD, False)) if Customers.CREDIT_HOLD in people.columns else None
    escalated_on = customer.map(dict(escalated or {})) if escalated else pd.Series(None, index=customer.index)
    held_by_ledger = escalated_on.notna().to_numpy(dtype=bool)
    on_hold = held_by_ledger if on_hold is None else (on_hold | held_by_ledger)

    def credit_hold(held: np.ndarray) -> np.ndarray:
        day = escalated_on[held].astype("string").fillna("")
        return np.where(
            day != "",
            "on credit hold: escalated on " + day + " and handed to collections — lower levels stop",
            "on credit hold (Customers sheet) — lower levels stop",
        ).astype(object)

    covered = rows["_covered"].fillna(False).to_numpy(dtype=bool) if "_covered" in rows.columns else None
    holds = _first_reason(
        [
            (~known.to_numpy(), "customer ID not found in Customers"),
            (flag(field(Customers.DO_NOT_CONTACT, False)), "do not contact"),
            (owed & on_hold & ~escalates, credit_hold),
            (flag(field(Customers.AUTO_PAY, False)) & ~notice, "pays by direct debit (auto-pay): no reminders"),
            (~valid_email[where], no_email),
            (owed & unconverted.reindex(where).notna().to_numpy(), no_rate),
            (owed & uncounted.reindex(where).notna().to_numpy(), cash_unknown),
            (
                owed & (balance.reindex(where).fillna(0).to_numpy() <= 0),
                "credit notes and unapplied payments cover the open amount",
            ),
            (
                owed & (covered if covered is not None else np.zeros(len(rows), dtype=bool)),
                "credit notes and unapplied payments cover the amount this reminder would ask for",
            ),
            (
                owed & (rows[Queue.BASE_AMOUNT] < minimum_amount).to_numpy(),
                f"below the minimum amount ({minimum_amount:g} in the base currency)",
            ),
            ((last.notna() & (days_since < waits)).to_numpy(dtype=bool), too_soon),
        ]
    )
    open_row = ~equals(rows[Queue.STATE], HELD)
    rows[Queue.REASON] = np.where(open_row & (holds != ""), holds, rows[Queue.REASON])
    rows[Queue.STATE] = np.where(open_row & (holds != ""), HELD, rows[Queue.STATE])

    # One message per customer per run: the highest level goes first, lower ones wait for the policy's interval.
    # Grouped by the customer's row in `people`: the rows of unknown customers (-1) are all held by now.
    going = ~equals(rows[Queue.STATE], HELD)
    top = rows["_position"].where(going).groupby(where).transform("max")
    behind = going & (rows["_position"] < top)
    top_name = rows[Queue.LEVEL_NAME].where(going & (rows["_position"] == top)).groupby(where)
    first_name = top_name.transform("first")
    rows[Queue.REASON] = np.where(behind, "the customer's " + first_name + " goes out first", rows[Queue.REASON])
    rows[Queue.STATE] = np.where(behind, HELD, rows[Queue.STATE])

    rows[Queue.CUSTOMER_NAME] = field(Customers.NAME)
    rows[Queue.LANGUAGE] = field(Customers.LANGUAGE).fillna("en").replace("", "en")
    rows[Queue.TO] = email
    cc = people[Customers.CC] if Customers.CC in people.columns else text(Customers.CC)
    if isinstance(cc.dtype, pd.StringDtype) and cc.dtype.na_value is np.nan:  # plain text: blank for missing
        cc_text = cc.fillna("").tolist()
    else:
        cc_text = [_address_text(value) for value in cc.to_numpy(dtype=object)]
    wants_manager = np.array([level.cc_account_manager for level in levels])[rows["_position"]]
    without_manager = per_row(_join_addresses(cc_text, [""] * len(cc_text), people.index)).fillna("")
    if wants_manager.any():
        manager = text(Customers.ACCOUNT_MANAGER).tolist()
        with_manager = per_row(_join_addresses(cc_text, manager, people.index)).fillna("")
        rows[Queue.CC] = with_manager.where(wants_manager, without_manager)
    else:
        rows[Queue.CC] = without_manager
    rows[Queue.TEMPLATE] = _templates(rows["_position"].to_numpy(), customer, levels)
    rows[Queue.INVOICES] = [", ".join(numbers) for numbers in rows[INVOICE_LIST].tolist()]
    rows[LOCAL_DATE] = local_today
    for key in (COUNTRY, SUBDIVISION, TIME_ZONE):
        source = {COUNTRY: COUNTRY, SUBDIVISION: Customers.SUBDIVISION, TIME_ZONE: TIME_ZONE}[key]
        rows[key] = field(source)
    return rows


def _valid_addresses(text: str) -> bool:
    """One address, or several separated by ``;`` (Customers Email may list a shared mailbox and a person)."""
    parts = [part.strip() for part in text.split(";")]
    return bool(text) and all(_EMAIL.match(part) is not None for part in parts)


def _unconverted_currencies(items: pd.DataFrame) -> pd.Series:
    """Per customer row (`CUSTOMER_ROW`), the currencies of its items without a base amount ("PLN, CZK"); only
    customers with such items. Their balance is unknown, so nothing can be said about what they owe."""
    missing = items[Aging.BASE_OPEN_AMOUNT].isna() & items[Invoices.OPEN_AMOUNT].notna()
    if not missing.any():
        return pd.Series(dtype=object)
    subset = items.loc[missing, [CUSTOMER_ROW, Invoices.CURRENCY]].astype({Invoices.CURRENCY: str})
    return subset.groupby(CUSTOMER_ROW)[Invoices.CURRENCY].agg(lambda codes: ", ".join(sorted(set(codes))))


def _first_reason(rules: list[tuple[np.ndarray, Any]]) -> np.ndarray:
    """Per row, the reason of the first rule that applies ('' for none), as `np.select` would pick it.

    A reason is a text, or a function building the texts of the rows it is given (only those it applies to):
    the rules are written from the last to the first, so that an earlier rule overwrites a later one.
    """
    reasons = np.full(len(rules[0][0]), "", dtype=object)
    for applies, reason in reversed(rules):
        if applies.any():
            reasons[applies] = reason(applies) if callable(reason) else reason
    return reasons


def _last_sent_per_customer(history: pd.DataFrame | None, dunning_levels: list[int]) -> pd.Series:
    """The last day each customer was sent a dunning level: thank-yous and notices do not delay a reminder."""
    if history is None or history.empty:
        return pd.Series(dtype="datetime64[ns]")
    history = history[history[Log.LEVEL].isin(dunning_levels)]
    sent = pd.to_datetime(history[Log.SENT_AT], utc=True).dt.tz_localize(None).dt.normalize()
    return sent.groupby(history[Log.CUSTOMER_ID]).max()


def _address_text(value: Any) -> str:
    """Addresses as the reader gives them (a list for an EMAILS column) or as text, as one 'a; b' string."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(str(part) for part in value)
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _join_addresses(first: list[str], second: list[str], index: pd.Index) -> pd.Series:
    """'a; b' from two columns of address lists, without empty parts (one Python pass: a few string methods)."""
    done: dict[tuple[str, str], str] = {}  # most customers share their cc list's shape: blank, or one mailbox
    joined = []
    for pair in zip(first, second, strict=True):
        text = done.get(pair)
        if text is None:
            one, other = pair[0].strip(), pair[1]
            text = one + "; " + other if one and other else one + other
            if ";" in text or "," in text:  # else there is nothing to split
                text = "; ".join(part for part in _SEPARATOR.split(text) if part)  # "a;; b," → "a; b"
            text = done[pair] = text.strip("; ")
        joined.append(text)
    return pd.Series(joined, index=index, dtype="string")


def _templates(position: np.ndarray, customer: pd.Series, levels: list[Level]) -> list[str]:
    """Each row's template: a level with a single template gives it to everyone, without hashing the ID."""
    single = [
        level.templates[0] if isinstance(level, DunningLevel) and len(level.templates) == 1 else None
        for level in levels
    ]
    if all(template is not None for template in single):
        return np.array(single, dtype=object)[position].tolist()
    return [
        single[where] if single[where] is not None else levels[where].template_for(str(customer_id))
        for where, customer_id in zip(position.tolist(), customer.to_numpy(dtype=object).tolist(), strict=True)
    ]
