"""From a planned row of the reminder queue to a rendered `Reminder`.

    records = Records(items, credits, customers, reminders=rows, accounts=open_items, history=sent)  # once per run
    reminder = compose_from(row, records, settings, level, renderer)

The template context follows docs/INTERFACES.md: one section per currency with its invoices and subtotal,
statutory interest and compensation where the level adds them, the customer's credits applied, the amount due,
the account's other open items, the earlier reminders about these invoices, and the total in the base currency.
Money enters the context as `Decimal`, rounded half up to each currency's minor unit.

**The amount due** of a section (one currency) is computed here, never in a template:
``subtotal + interest + compensation − credit applied``, where *credit applied* is the customer's credit notes and
unapplied payments in that currency, up to the subtotal (the principal of the invoices this reminder chases).
Credits are never applied across currencies and never make an amount due negative: what is left of them is shown
as credit carried forward (`credit_carried`). The planner (`engine.dunning`) applies the same rule to decide that
credits cover a reminder and hold it, so a reminder that goes out always asks for more than nothing.

`context` and `compose` take one reminder's invoices and credits as DataFrames (a single reminder, tests); a run
uses `Records`, which turns the invoices, credits and customers into plain records once, so that each reminder
costs dictionary look-ups rather than pandas operations on two-row frames. Both give the same context.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from email.headerregistry import Address
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, get_decimal_symbol

from arcollect.engine import dunning, law, pricing
from arcollect.engine.law import claims
from arcollect.engine.money import minor_units, to_decimal
from arcollect.mail.message import Attachment, Reminder, idempotency_key
from arcollect.mail.render import Renderer
from arcollect.schema import Aging, Customers, Invoices, Log, Queue

FALLBACK_SENDER = "reminders@arcollect.invalid"
_NO_CHARGES = {"interest": Decimal(0), "compensation": Decimal(0), "paid_to_charges": Decimal(0)}
_NO_LAW = {
    "interest": None, "kind": None, "rule": None, "compensation": None, "allocation": None, "notice": None,
    "notice_costs": [],
}  # fmt: skip
# The columns a reminder's context reads (`_Item.of`, `_context`, `_credit_rows`): records hold only these.
_ITEM_COLUMNS = (
    Invoices.NUMBER, Invoices.CURRENCY, Invoices.INVOICE_DATE, Invoices.DUE_DATE, Invoices.OPEN_AMOUNT,
    Invoices.PAYMENT_LINK, Invoices.PO_NUMBER, Aging.DAYS_PAST_DUE, Aging.BASE_OPEN_AMOUNT, Aging.DISCOUNT_AVAILABLE,
    Aging.DISCOUNT_DEADLINE, Aging.LATE_INTEREST, Aging.FIXED_COMPENSATION, Aging.PAID_TO_CHARGES, claims.KIND,
    claims.GOVERNING, claims.CONSUMER, claims.LATE_CHARGE, claims.NOTICE_COSTS, Invoices.PAID_DATE,
)  # fmt: skip
# What the statement section shows of the account's other open items.
_ACCOUNT_COLUMNS = (
    Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.CURRENCY, Invoices.DUE_DATE, Invoices.OPEN_AMOUNT,
    Aging.DAYS_PAST_DUE, Invoices.STATUS, Invoices.PROMISE_DATE, Invoices.PLAN_NEXT_DATE,
)  # fmt: skip
_CREDIT_COLUMNS = (Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.CURRENCY, Invoices.OPEN_AMOUNT)
_CUSTOMER_COLUMNS = (Customers.ID, Customers.NAME, Customers.CURRENCY, dunning.COUNTRY, pricing.JURISDICTION)
_HISTORY_COLUMNS = (Log.CUSTOMER_ID, Log.LEVEL, Invoices.NUMBER, Log.SENT_AT)


class Records:
    """A run's invoices, credit notes and customers as plain records, converted to context values on first use.

    `items` are the invoices reminders list (the first row of a repeated number wins, as the run's look-up does);
    `credits` the credit notes and unapplied payments, by customer. `reminders`, the queue rows to be composed,
    limits the records to their invoices and customers. `accounts` are the open items of every customer (the
    statement section lists those a reminder does not chase; default: none) and
    `history` the sent reminders, one row per (reminder, invoice) as `run` hands them to the planner, with
    `level_names` naming their levels (only those levels are cited as earlier reminders). A record's money and
    dates are converted once per run, not once per reminder; a value that cannot be converted (an unknown
    currency) raises when a reminder uses it, so only that reminder fails.
    """

    def __init__(
        self,
        items: pd.DataFrame,
        credits: pd.DataFrame,
        customers: pd.DataFrame | None = None,
        *,
        reminders: pd.DataFrame | None = None,
        accounts: pd.DataFrame | None = None,
        history: pd.DataFrame | None = None,
        level_names: Mapping[int, str] | None = None,
    ) -> None:
        unique = items.drop_duplicates(Invoices.NUMBER)
        people = customers.drop_duplicates(Customers.ID) if customers is not None else None
        if accounts is None:
            accounts = unique.iloc[0:0]
        else:
            accounts = accounts[accounts[Invoices.OPEN_AMOUNT] > 0].drop_duplicates(Invoices.NUMBER)
        if reminders is not None:  # only what these queue rows name: their invoices, customers and credits
            named = reminders[dunning.INVOICE_LIST].explode().dropna()
            unique = unique[unique[Invoices.NUMBER].isin(named)]
            credits = credits[credits[Invoices.CUSTOMER_ID].isin(reminders[Queue.CUSTOMER_ID])]
            accounts = accounts[accounts[Invoices.CUSTOMER_ID].isin(reminders[Queue.CUSTOMER_ID])]
            people = people[people[Customers.ID].isin(reminders[Queue.CUSTOMER_ID])] if people is not None else None
            if history is not None and not history.empty:
                history = history[history[Invoices.NUMBER].isin(named)]
        self._items = dict(zip(unique[Invoices.NUMBER].tolist(), _records(unique, _ITEM_COLUMNS), strict=True))
        self._credit_records = _records(credits, _CREDIT_COLUMNS)
        self._credit_rows = credits.groupby(Invoices.CUSTOMER_ID, sort=False).indices
        accounts = _by_due_date(accounts)
        self._account_records = _records(accounts, _ACCOUNT_COLUMNS)
        self._account_rows = accounts.groupby(Invoices.CUSTOMER_ID, sort=False).indices
        self.customers: dict[Any, dict[str, Any]] = {}
        if people is not None:
            self.customers = dict(zip(people[Customers.ID].tolist(), _records(people, _CUSTOMER_COLUMNS), strict=True))
        self._history = _history_by_invoice(history, level_names)
        self._level_names = dict(level_names or {})
        self._invoices: dict[Any, _Item] = {}
        self._credits: dict[Any, list[dict[str, Any]]] = {}
        self._accounts: dict[Any, list[dict[str, Any]]] = {}

    def invoices(self, numbers: Sequence[Any]) -> list[_Item]:
        """The converted invoices named `numbers`, in that order; KeyError for a number not in the run."""
        found = []
        for number in numbers:
            item = self._invoices.get(number)
            if item is None:
                item = self._invoices[number] = _Item.of(self._items[number])
            found.append(item)
        return found

    def credits(self, customer_id: Any) -> list[dict[str, Any]]:
        """The customer's credit notes and unapplied payments as context rows (a new list each time)."""
        rows = self._credits.get(customer_id)
        if rows is None:
            positions = self._credit_rows.get(customer_id, ())
            rows = self._credits[customer_id] = _credit_rows(self._credit_records[i] for i in positions)
        return list(rows)

    def others(self, customer_id: Any, chased: Iterable[Any]) -> list[dict[str, Any]]:
        """The customer's open items that a reminder chasing `chased` does not list, oldest due date first."""
        rows = self._accounts.get(customer_id)
        if rows is None:
            positions = self._account_rows.get(customer_id, ())
            rows = self._accounts[customer_id] = [_account_row(self._account_records[i]) for i in positions]
        skip = {str(number) for number in chased}
        return [row for row in rows if row["number"] not in skip]

    def history(self, numbers: Iterable[Any], zone: Any = None) -> list[dict[str, Any]]:
        """The earlier reminders about `numbers` (of the levels named), one per day and level, oldest first."""
        sent: set[tuple[dt.datetime, int]] = set()
        for number in numbers:
            sent.update(self._history.get(str(number), ()))
        return _history_rows(sent, self._level_names, zone)

    def reminded(self, numbers: Iterable[Any], zone: Any = None) -> dict[str, list[dt.date]]:
        """Per invoice of `numbers`, the local days of the earlier reminders about it (as `history` cites them)."""
        return _reminded_days({str(number): self._history.get(str(number), ()) for number in numbers}, zone)


def _by_due_date(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or Invoices.DUE_DATE not in frame.columns:
        return frame
    return frame.sort_values([Invoices.DUE_DATE, Invoices.NUMBER], kind="stable", na_position="last")


def _history_by_invoice(
    history: pd.DataFrame | None, level_names: Mapping[int, str] | None
) -> dict[str, list[tuple[dt.datetime, int]]]:
    if history is None or history.empty or not level_names:
        return {}
    wanted = history[history[Log.LEVEL].isin(list(level_names))]
    moments = pd.to_datetime(wanted[Log.SENT_AT], utc=True).dt.to_pydatetime()
    found: dict[str, list[tuple[dt.datetime, int]]] = {}
    for number, level, moment in zip(wanted[Invoices.NUMBER].astype(str), wanted[Log.LEVEL], moments, strict=True):
        if moment is not None and not pd.isna(moment):
            found.setdefault(number, []).append((moment, int(level)))
    return found


def _history_rows(sent: Iterable[tuple[dt.datetime, int]], names: Mapping[int, str], zone: Any) -> list[dict]:
    """One row per (local day, level), oldest first: what the templates cite ("we wrote to you on …")."""
    where = _zone(zone)
    days = sorted({(moment.astimezone(where).date(), level) for moment, level in sent})
    return [{"date": day, "level": level, "name": names.get(level, "")} for day, level in days]


def _reminded_days(sent: Mapping[str, Iterable[tuple[dt.datetime, int]]], zone: Any) -> dict[str, list[dt.date]]:
    where = _zone(zone)
    return {number: sorted({moment.astimezone(where).date() for moment, _ in rows}) for number, rows in sent.items()}


def _history_groups(numbers: Sequence[str], reminded: Mapping[str, list[dt.date]]) -> tuple[list[dict], list[str]]:
    """What the letter may say about its invoices' history, true for each invoice it names: the invoices that were
    reminded on the same days, one group per set of days (oldest first), and the invoices never reminded."""
    groups: dict[tuple[dt.date, ...], list[str]] = {}
    never: list[str] = []
    for number in numbers:
        days = tuple(reminded.get(number) or ())
        if days:
            groups.setdefault(days, []).append(number)
        else:
            never.append(number)
    ordered = sorted(groups.items(), key=lambda group: (group[0][0], -len(group[0]), group[0]))
    return [{"dates": list(days), "numbers": members} for days, members in ordered], never


@functools.lru_cache(maxsize=256)
def _zone_named(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.UTC


def _zone(zone: Any) -> dt.tzinfo:
    return dt.UTC if _missing(zone) or not str(zone).strip() else _zone_named(str(zone).strip())


class _Item:
    """One invoice converted for the template context, with what sections and totals need beside it.

    `basis` is (kind, governing law, consumer, contractual rule text) of its late charges: what the letter cites.
    """

    __slots__ = ("base_amount", "basis", "currency", "invoice", "link", "notice_costs", "open_amount")

    def __init__(
        self,
        invoice: dict[str, Any],
        currency: Any,
        base_amount: Any,
        link: Any,
        open_amount: Any,
        basis: tuple[str, str, bool, str] = ("", "", False, ""),
        notice_costs: Decimal = Decimal(0),
    ) -> None:
        self.invoice, self.currency, self.base_amount, self.link = invoice, currency, base_amount, link
        self.open_amount, self.basis, self.notice_costs = open_amount, basis, notice_costs

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> _Item:
        currency = record.get(Invoices.CURRENCY)
        grouped = not _missing(currency)
        digits = _minor_units(str(currency)) if grouped else 2
        invoice = _invoice(record, digits, True) if grouped else {}
        link, open_amount = record.get(Invoices.PAYMENT_LINK), record.get(Invoices.OPEN_AMOUNT)
        basis = (
            str(record.get(claims.KIND) or ""),
            str(record.get(claims.GOVERNING) or ""),
            bool(record.get(claims.CONSUMER) or False),
            str(record.get(claims.LATE_CHARGE) or ""),
        )
        notice = record.get(claims.NOTICE_COSTS)
        notice_costs = to_decimal(float(notice), digits) if grouped and not _missing(notice) else Decimal(0)
        return cls(
            invoice, currency if grouped else None, record[Aging.BASE_OPEN_AMOUNT], link, open_amount, basis,
            notice_costs,
        )  # fmt: skip

    def for_level(self, with_interest: bool) -> dict[str, Any]:
        """The invoice as this level shows it: with charges, the principal the law still counts as owed."""
        if not with_interest:
            return {**self.invoice, **_NO_CHARGES}
        shown = dict(self.invoice)
        if shown.get("paid_to_charges"):
            shown["open_amount"] = shown["open_amount"] + shown["paid_to_charges"]
        return shown


def key_for(row: Mapping[str, Any]) -> str:
    """The idempotency key of a queue row: customer, level, its invoices and the customer's local date."""
    return idempotency_key(
        row[Queue.CUSTOMER_ID], int(row[Queue.LEVEL]), row[dunning.INVOICE_LIST], pd.Timestamp(row[dunning.LOCAL_DATE])
    )


def sender(settings: Any) -> str:
    """The From address: ``SenderName <SenderMailbox>`` (the name only where one is set)."""
    mailbox = str(getattr(settings, "sender_mailbox", "") or "").strip() or FALLBACK_SENDER
    name = str(getattr(settings, "sender_name", "") or "").strip()
    if not name:
        return mailbox
    local, _, domain = mailbox.rpartition("@")
    return str(Address(display_name=name, username=local, domain=domain))


def context(
    row: Mapping[str, Any],
    items: pd.DataFrame,
    credits: pd.DataFrame,
    customer: Mapping[str, Any],
    settings: Any,
    level: Any,
    *,
    accounts: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    level_names: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """The template context of one reminder: `items` are its invoices, `credits` the customer's credit notes,
    `accounts` the customer's open items (the statement lists those not in `items`), `history` the sent
    reminders (one row per invoice) and `level_names` the levels they may cite (as `Records`)."""
    invoices = [_Item.of(record) for record in items.to_dict("records")]
    chased = [str(number) for number in items[Invoices.NUMBER]]
    others: list[dict[str, Any]] = []
    if accounts is not None:
        mine = _by_due_date(accounts[accounts[Invoices.OPEN_AMOUNT] > 0].drop_duplicates(Invoices.NUMBER))
        others = [_account_row(record) for record in _records(mine, _ACCOUNT_COLUMNS)]
        others = [other for other in others if other["number"] not in set(chased)]
    sent: set[tuple[dt.datetime, int]] = set()
    own: dict[str, list[tuple[dt.datetime, int]]] = {}
    if history is not None and not history.empty:
        own = _history_by_invoice(history[history[Invoices.NUMBER].astype(str).isin(chased)], level_names)
        sent = {entry for rows in own.values() for entry in rows}
    cited = _history_rows(sent, level_names or {}, row.get(dunning.TIME_ZONE))
    reminded = _reminded_days({number: own.get(number, ()) for number in chased}, row.get(dunning.TIME_ZONE))
    credit_rows = _credit_rows(credits.to_dict("records"))
    return _context(row, invoices, credit_rows, customer, settings, level, others, cited, (chased, reminded))


def context_from(row: Mapping[str, Any], records: Records, settings: Any, level: Any) -> dict[str, Any]:
    """The template context of the reminder of queue `row`, from the run's `records` (same as `context`)."""
    customer_id = row[Queue.CUSTOMER_ID]
    numbers = row[dunning.INVOICE_LIST]
    invoices = records.invoices(numbers)
    others = records.others(customer_id, numbers)
    cited = records.history(numbers, row.get(dunning.TIME_ZONE))
    reminded = records.reminded(numbers, row.get(dunning.TIME_ZONE))
    customer = records.customers[customer_id]
    chased = ([str(number) for number in numbers], reminded)
    return _context(row, invoices, records.credits(customer_id), customer, settings, level, others, cited, chased)


def compose(
    row: Mapping[str, Any],
    items: pd.DataFrame,
    credits: pd.DataFrame,
    customer: Mapping[str, Any],
    settings: Any,
    level: Any,
    renderer: Renderer,
    *,
    payments: Payments | None = None,
    **options: Any,
) -> Reminder:
    """Render the reminder of one queue row; raises `RenderError` when its template fails. `options` are
    `context`'s keywords (accounts, history, level_names); `payments` as for `compose_from`."""
    values = context(row, items, credits, customer, settings, level, **options)
    return _compose(row, values, settings, level, renderer, payments)


def compose_from(
    row: Mapping[str, Any],
    records: Records,
    settings: Any,
    level: Any,
    renderer: Renderer,
    *,
    payments: Payments | None = None,
) -> Reminder:
    """`compose` for a run: the reminder of queue `row` from the run's `records`; raises `RenderError` likewise.

    `payments` (the run passes `bank.letters.Payments`) adds the payment block ``pay`` to the context — its
    amounts are the sections' ``amount_due`` — and gives the attachments: the inline QR codes and, where the level
    attaches a statement, the PDF statement. Without it a level that attaches a statement gets the CSV one
    (`statement`).
    """
    return _compose(row, context_from(row, records, settings, level), settings, level, renderer, payments)


class Payments(Protocol):
    """What `compose` asks of the payment block (`arcollect.bank.letters.Payments`)."""

    def block(self, values: Mapping[str, Any]) -> dict[str, Any]: ...

    def attachments(
        self, values: Mapping[str, Any], level: Any, language: str, renderer: Renderer
    ) -> tuple[Attachment, ...]: ...


def _compose(
    row: Mapping[str, Any],
    values: dict[str, Any],
    settings: Any,
    level: Any,
    renderer: Renderer,
    payments: Payments | None = None,
) -> Reminder:
    if payments is not None:
        values = {**values, "pay": payments.block(values)}
    rendered = renderer.render(str(row[Queue.TEMPLATE]), str(row[Queue.LANGUAGE]), values)
    if payments is not None:
        attachments = payments.attachments(values, level, rendered.language, renderer)
    else:
        attachments = (statement(values, rendered.language, renderer),) if level.attach_statement else ()
    send_at = row[Queue.SEND_AT_UTC]
    return Reminder(
        key=key_for(row),
        customer_id=str(row[Queue.CUSTOMER_ID]),
        level=int(row[Queue.LEVEL]),
        template=str(row[Queue.TEMPLATE]),
        language=rendered.language,
        sender=sender(settings),
        to=tuple(_split(row[Queue.TO])),
        cc=tuple(_split(row[Queue.CC])),
        reply_to=settings.reply_to or None,
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        attachments=attachments,
        invoices=tuple(row[dunning.INVOICE_LIST]),
        variant=str(row[Queue.TEMPLATE]) if len(getattr(level, "templates", ())) > 1 else None,
        send_at=pd.Timestamp(send_at).to_pydatetime() if pd.notna(send_at) else None,
    )


def _context(
    row: Mapping[str, Any],
    items: list[_Item],
    credit_rows: list[dict[str, Any]],
    customer: Mapping[str, Any],
    settings: Any,
    level: Any,
    others: list[dict[str, Any]] | None = None,
    cited: list[dict[str, Any]] | None = None,
    chased: tuple[list[str], Mapping[str, list[dt.date]]] | None = None,
) -> dict[str, Any]:
    numbers, reminded = chased if chased is not None else ([], {})
    groups, never = _history_groups(numbers, reminded) if cited else ([], [])
    by_currency: dict[Any, list[_Item]] = {}
    for item in items:  # one section per currency, sorted by code, invoices in the reminder's order
        if item.currency is not None:
            by_currency.setdefault(item.currency, []).append(item)
    sections = [
        _section(str(currency), by_currency[currency], credit_rows, level.add_interest)
        for currency in sorted(by_currency)
    ]
    link = next((item.link for item in items if not _missing(item.link)), None)
    base_digits = _minor_units(settings.base_currency)
    charges = _law_context(items, str(row[Queue.LANGUAGE]), sections, level.add_interest)
    return {
        "customer": {
            "id": str(customer[Customers.ID]),
            "name": str(customer[Customers.NAME]),
            "email": str(row[Queue.TO]),
            "country": str(customer.get(dunning.COUNTRY) or ""),
            "language": str(row[Queue.LANGUAGE]),
            "currency": str(customer.get(Customers.CURRENCY) or settings.base_currency),
        },
        "company": {
            "name": settings.company_name,
            "bank_details": settings.bank_details,
            "reply_to": settings.reply_to,
            "sender": settings.sender_mailbox,
            "sender_name": str(getattr(settings, "sender_name", "") or ""),
        },
        "level": {"number": int(level.level), "name": level.name, "tone": level.tone},
        "as_of": pd.Timestamp(row[dunning.LOCAL_DATE]).date(),
        "sections": sections,
        "credits": credit_rows,
        "total_base": to_decimal(_total_base(sections, by_currency), base_digits),
        "base_currency": settings.base_currency,
        "payment_link": str(link) if link is not None else None,
        "interest_law": charges["interest"],
        "law": charges,
        "discount_available": any(invoice["discount"] for section in sections for invoice in section["invoices"]),
        "other_items": list(others or ()),
        "history": list(cited or ()),
        # Which invoices the earlier reminders were about: one group per set of days, and those never reminded
        # (an escalation lists everything overdue, also invoices no reminder named): the letter says each truly.
        "history_groups": groups,
        "not_reminded": never,
        "pay": None,  # the payment block (bank.letters) when the run adds it
    }


def _section(currency: str, items: list[_Item], credit_rows: list[dict[str, Any]], with_interest: bool) -> dict:
    """One currency of a reminder: its invoices, totals, the credits applied (never beyond the principal) and the
    amount due — see the module docstring for the rule."""
    invoices = [item.for_level(with_interest) for item in items]
    subtotal = sum((invoice["open_amount"] for invoice in invoices), Decimal(0))
    interest = sum((invoice["interest"] for invoice in invoices), Decimal(0))
    compensation = sum((invoice["compensation"] for invoice in invoices), Decimal(0))
    discount = sum((invoice["discount"] or Decimal(0) for invoice in invoices), Decimal(0))
    to_charges = sum((invoice.get("paid_to_charges") or Decimal(0) for invoice in invoices), Decimal(0))
    credit = sum((abs(row["open_amount"]) for row in credit_rows if row["currency"] == currency), Decimal(0))
    applied = min(credit, max(subtotal, Decimal(0)))
    return {
        "currency": currency,
        "invoices": invoices,
        "subtotal": subtotal,
        "discount_total": discount,
        "interest_total": interest,
        "compensation_total": compensation,
        "paid_to_charges_total": to_charges,
        "total_with_charges": subtotal + interest + compensation,
        "credit_total": credit,
        "credit_applied": applied,
        "credit_carried": credit - applied,
        "amount_due": max(subtotal + interest + compensation - applied, Decimal(0)),
    }


def _total_base(sections: list[dict[str, Any]], items: Mapping[Any, list[_Item]]) -> float:
    """The amounts due in the base currency, each currency at the rate its invoices were converted with."""
    total = 0.0
    for section in sections:
        chased = items[section["currency"]]
        open_total = _total(item.open_amount for item in chased)
        base_total = _total(item.base_amount for item in chased)
        if open_total and section["amount_due"] == section["subtotal"]:
            total += base_total  # the common case: nothing added or taken off, the base amounts as converted
        elif open_total:
            total += float(section["amount_due"]) * base_total / open_total
    return total


def _law_context(
    items: list[_Item], language: str, sections: list[dict[str, Any]], with_interest: bool
) -> dict[str, Any]:
    """What the letter cites, in its language: the basis of the interest, of the compensation, of the allocation
    of payments, and NL's 14-day notice with the collection costs it announces (any level, until it has run).

    Only invoices whose charges are shown count; `sections` give the currency of each notice amount.
    """
    result: dict[str, Any] = dict(_NO_LAW)
    notices = [(item.currency, item.notice_costs) for item in items if item.notice_costs and item.currency]
    if notices:
        code = next(item.basis[1] for item in items if item.notice_costs)
        governing = law.LAWS.get(code)
        if governing is not None and governing.consumer_notice is not None:
            result["notice"] = law.cite(governing.consumer_notice, code, language)
            totals: dict[str, Decimal] = {}
            for currency, amount in notices:
                totals[str(currency)] = totals.get(str(currency), Decimal(0)) + amount
            result["notice_costs"] = [{"currency": c, "amount": a} for c, a in sorted(totals.items())]
    if not with_interest:
        return result
    shown = [item for item in items if item.basis[1]]
    kinds = {item.basis for item in shown if item.basis[0]}
    if kinds:
        kind, code, consumer, rule_text = sorted(kinds)[0]
        governing = law.LAWS.get(code)
        if kind == claims.CONTRACT and rule_text:
            result["kind"], result["rule"] = "contract", law.parse_contract(rule_text).describe(language)
            result["interest"] = result["rule"]
        elif kind == claims.STATUTE and governing is not None:
            regimes = governing.consumer if consumer else governing.business
            result["kind"], result["interest"] = "statute", law.cite(regimes[-1].provision, code, language)
    charged = [item for item in shown if item.invoice.get("compensation") or item.invoice.get("paid_to_charges")]
    if charged:
        code, consumer = charged[0].basis[1], charged[0].basis[2]
        governing = law.LAWS.get(code)
        if governing is not None:
            compensation = governing.consumer_compensation if consumer else governing.compensation
            if compensation is not None:
                result["compensation"] = law.cite(compensation.provision, code, language)
            paid = any(invoice.get("paid_to_charges") for section in sections for invoice in section["invoices"])
            if paid and governing.allocation_provision is not None:
                result["allocation"] = law.cite(governing.allocation_provision, code, language)
    return result


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """`frame`'s rows as dicts of those of `columns` it has (a missing column reads as absent, as before)."""
    return frame[[column for column in columns if column in frame.columns]].to_dict("records")


def _total(amounts: Iterable[Any]) -> float:
    """The sum pandas' `Series.sum` gives (missing amounts skipped, numpy's summation order), as a float."""
    values = np.fromiter((np.nan if value is None else value for value in amounts), dtype="float64")
    return float(np.where(np.isnan(values), 0.0, values).sum())


def _credit_rows(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "number": record[Invoices.NUMBER],
            "currency": record[Invoices.CURRENCY],
            "open_amount": to_decimal(record[Invoices.OPEN_AMOUNT], _minor_units(record[Invoices.CURRENCY])),
        }
        for record in records
    ]


def _account_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One open item of the statement section: what it is, how much, and why this reminder does not chase it."""
    currency = str(record.get(Invoices.CURRENCY) or "")
    digits = _minor_units(currency) if currency else 2
    days = record.get(Aging.DAYS_PAST_DUE)
    status = str(record.get(Invoices.STATUS) or "Open")
    return {
        "number": str(record[Invoices.NUMBER]),
        "currency": currency,
        "due_date": _date(record.get(Invoices.DUE_DATE)),
        "days_past_due": None if _missing(days) else int(days),
        "open_amount": to_decimal(float(record[Invoices.OPEN_AMOUNT]), digits),
        "status": status,
        "promise_date": _date(record.get(Invoices.PROMISE_DATE)),
        "plan_date": _date(record.get(Invoices.PLAN_NEXT_DATE)),
    }


@functools.lru_cache(maxsize=256)
def _minor_units(currency: str) -> int:
    return minor_units(currency)


def _invoice(record: Mapping[str, Any], digits: int, with_interest: bool) -> dict[str, Any]:
    def money(key: str) -> Decimal | None:
        value = record.get(key)
        return None if value is None or pd.isna(value) else to_decimal(float(value), digits)

    deadline = record.get(Aging.DISCOUNT_DEADLINE)
    discount = money(Aging.DISCOUNT_AVAILABLE)
    return {
        "number": str(record[Invoices.NUMBER]),
        "invoice_date": _date(record.get(Invoices.INVOICE_DATE)),
        "due_date": _date(record.get(Invoices.DUE_DATE)),
        "days_past_due": int(record[Aging.DAYS_PAST_DUE]),
        "open_amount": money(Invoices.OPEN_AMOUNT) or Decimal(0),
        "discount": discount if discount else None,
        "discount_deadline": _date(deadline) if discount else None,
        "interest": (money(Aging.LATE_INTEREST) or Decimal(0)) if with_interest else Decimal(0),
        "compensation": (money(Aging.FIXED_COMPENSATION) or Decimal(0)) if with_interest else Decimal(0),
        "paid_to_charges": (money(Aging.PAID_TO_CHARGES) or Decimal(0)) if with_interest else Decimal(0),
        "payment_link": _text(record.get(Invoices.PAYMENT_LINK)),
        "po_number": _text(record.get(Invoices.PO_NUMBER)),
        "paid_date": _date(record.get(Invoices.PAID_DATE)),
    }


# ---- the statement attachment ---------------------------------------------------------------------------------

_STATEMENT_WORDS = {  # English, for a user's own _strings.j2 that lacks a word
    "col_invoice": "Invoice", "col_invoice_date": "Invoice date", "col_due_date": "Due date",
    "col_days": "Days overdue", "col_currency": "Currency", "col_amount": "Amount",
    "subtotal": "Subtotal {currency}", "interest_total": "Late-payment interest",
    "compensation_total": "Fixed compensation for recovery costs", "credit": "Credit {number}",
    "credit_carried": "Remaining credit, carried forward", "balance": "Balance due ({currency})",
}  # fmt: skip


def statement(values: Mapping[str, Any], language: str, renderer: Renderer) -> Attachment:
    """The reminder's statement as a CSV file in the customer's language and number format.

    Headers and row labels come from the language's ``_strings.j2`` (the words the email uses), dates and amounts
    are formatted in the customer's locale, and the separator is ``;`` where the decimal mark is a comma (as
    Excel expects there). The rows add up to the same amount due, per currency, as the letter.
    """
    words = _words(renderer, language)
    country = str(values["customer"].get("country") or "")
    locale = _locale(language, country)
    separator = ";" if get_decimal_symbol(locale) == "," else ","
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    headers = ("col_invoice", "col_invoice_date", "col_due_date", "col_days", "col_currency", "col_amount")
    writer.writerow([words[key] for key in headers])
    for section in values["sections"]:
        currency = section["currency"]

        def amount(value: Decimal, currency: str = currency) -> str:
            return _number(value, currency, locale)

        def total(label: str, value: Decimal, currency: str = currency) -> None:
            writer.writerow([label, "", "", "", currency, amount(value)])

        for invoice in section["invoices"]:
            writer.writerow(
                [
                    invoice["number"],
                    _local_date(invoice["invoice_date"], locale),
                    _local_date(invoice["due_date"], locale),
                    max(int(invoice["days_past_due"]), 0),
                    currency,
                    amount(invoice["open_amount"]),
                ]
            )
        total(words["subtotal"].format(currency=currency), section["subtotal"])
        if section["interest_total"]:
            total(words["interest_total"], section["interest_total"])
        if section["compensation_total"]:
            total(words["compensation_total"], section["compensation_total"])
        for credit in values["credits"]:
            if credit["currency"] == currency:
                total(words["credit"].format(number=credit["number"]), -abs(credit["open_amount"]))
        if section["credit_carried"]:
            total(words["credit_carried"], section["credit_carried"])
        total(words["balance"].format(currency=currency), section["amount_due"])
    name = f"statement-{values['customer']['id']}-{values['as_of']:%Y-%m-%d}.csv"
    return Attachment(name, ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv")


def _words(renderer: Renderer, language: str) -> dict[str, str]:
    try:
        module = renderer.environment.get_template(f"{language}/_strings.j2").module
    except Exception:  # a user's folder without the file: the built-in English words
        module = None
    return {key: str(getattr(module, key, default)) for key, default in _STATEMENT_WORDS.items()}


@functools.lru_cache(maxsize=256)
def _locale(language: str, country: str) -> Locale:
    for identifier in (f"{language}_{country}" if country else "", language, "en"):
        try:
            return Locale.parse(identifier) if identifier else Locale.parse("en")
        except (ValueError, LookupError):
            continue
    return Locale.parse("en")


def _number(value: Decimal, currency: str, locale: Locale) -> str:
    digits = _minor_units(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale, decimal_quantization=False)


def _local_date(value: dt.date | None, locale: Locale) -> str:
    return "" if value is None else format_date(value, format="short", locale=locale)


def _date(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) or str(value).strip() == "" else str(value)


def _split(addresses: Any) -> list[str]:
    return [part.strip() for part in str(addresses or "").replace(",", ";").split(";") if part.strip()]
