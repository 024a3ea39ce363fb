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

`Records` (`mail.records`) turns a run's invoices, credits and customers into plain records once, so that each
reminder costs dictionary look-ups rather than pandas operations on two-row frames; the CSV statement attachment
is `mail.statement`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from email.headerregistry import Address
from typing import Any, Protocol

import numpy as np
import pandas as pd

from arcollect.engine import dunning, interest, law
from arcollect.engine.law import claims
from arcollect.engine.money import to_decimal
from arcollect.mail.message import Attachment, Reminder, idempotency_key
from arcollect.mail.records import Item, Records, minor_digits, missing
from arcollect.mail.render import Renderer
from arcollect.mail.statement import statement
from arcollect.schema import Customers, Queue

FALLBACK_SENDER = "reminders@arcollect.invalid"
_NO_LAW = {
    "interest": None, "kind": None, "rule": None, "compensation": None, "allocation": None, "notice": None,
    "notice_costs": [],
}  # fmt: skip


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
    items: list[Item],
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
    items = _on_the_claim(items)
    by_currency: dict[Any, list[Item]] = {}
    for item in items:  # one section per currency, sorted by code, invoices in the reminder's order
        if item.currency is not None:
            by_currency.setdefault(item.currency, []).append(item)
    sections = [
        _section(str(currency), by_currency[currency], credit_rows, level.add_interest)
        for currency in sorted(by_currency)
    ]
    link = next((item.link for item in items if not missing(item.link)), None)
    base_digits = minor_digits(settings.base_currency)
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


def _on_the_claim(items: list[Item]) -> list[Item]:
    """The letter's invoices with a scale of collection costs applied to what the letter claims, not to each invoice.

    NL: the Besluit vergoeding voor buitengerechtelijke incassokosten (Stb. 2012, 141) sets the costs by "de
    hoofdsom van de vordering"; a letter that claims several invoices claims one debt — the costs are the scale of
    their summed principal (15 % of the first € 2,500 …, at least € 40, at most € 6,775 for the whole claim), as DAS
    (das.nl, "Hoe gaat u om met meerdere vorderingen?") and collection practice (ruebincasso.nl, "Incassokosten bij
    meerdere vorderingen") state: "de hoofdsommen bij elkaar opgeteld … de incassokosten over dit totaalbedrag".
    So per law and debtor type, separately for the costs charged and the costs a 14-day letter announces, the
    scale is applied to the sum of the invoices' debts (in the statute's currency, `claims.COST_DEBT`) and shared
    out over the invoices in proportion to their debts, each share in its invoice's currency. An invoice whose
    payments already went towards its costs keeps its own figure (those payments were set against it). Returns new
    items where something changed: a run's `Records` share theirs between letters.
    """
    pools: dict[tuple[str, bool, str], list[int]] = {}
    for index, item in enumerate(items):
        debt, rate = item.cost
        if np.isnan(debt) or np.isnan(rate) or debt <= 0 or item.currency is None:
            continue
        if item.notice_costs:
            pools.setdefault((item.basis[1], item.basis[2], "notice"), []).append(index)
        elif item.invoice.get("compensation") and not item.invoice.get("paid_to_charges"):
            pools.setdefault((item.basis[1], item.basis[2], "charged"), []).append(index)
    pools = {key: members for key, members in pools.items() if len(members) > 1}
    if not pools:
        return items
    result = list(items)
    for (code, consumer, kind), members in pools.items():
        governing = law.LAWS.get(code)
        rule = None if governing is None else governing.consumer_compensation if consumer else governing.compensation
        if rule is None or not rule.scale:
            continue
        debts = np.array([items[i].cost[0] for i in members])
        total = float(interest.compensation_sums(rule, np.array([round(float(debts.sum()), 2)]))[0])
        for i, debt in zip(members, debts, strict=True):
            item = items[i]
            digits = minor_digits(str(item.currency))
            share = to_decimal(total * debt / debts.sum() * item.cost[1], digits)
            if kind == "notice":
                result[i] = Item(item.invoice, item.currency, item.base_amount, item.link, item.open_amount,
                                  item.basis, share, item.cost)  # fmt: skip
            else:
                invoice = {**item.invoice, "compensation": share}
                result[i] = Item(invoice, item.currency, item.base_amount, item.link, item.open_amount, item.basis,
                                  item.notice_costs, item.cost)  # fmt: skip
        _settle_cents([result[i] for i in members], kind, to_decimal(total, 2), rule.sum_currency or rule.currency)
    return result


def _settle_cents(members: list[Item], kind: str, total: Decimal, currency: str) -> None:
    """Shares in the statute's own currency add up to the scale's figure to the cent: the rounding difference goes
    to the largest share (other currencies are converted, so their shares add up only within a cent each)."""
    same = [item for item in members if str(item.currency) == currency]
    if len(same) != len(members):
        return
    amount = (lambda item: item.notice_costs) if kind == "notice" else (lambda item: item.invoice["compensation"])
    difference = total - sum((amount(item) for item in members), Decimal(0))
    if not difference:
        return
    largest = max(members, key=amount)
    if kind == "notice":
        largest.notice_costs += difference
    else:
        largest.invoice["compensation"] += difference


def _section(currency: str, items: list[Item], credit_rows: list[dict[str, Any]], with_interest: bool) -> dict:
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


def _total_base(sections: list[dict[str, Any]], items: Mapping[Any, list[Item]]) -> float:
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
    items: list[Item], language: str, sections: list[dict[str, Any]], with_interest: bool
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


def _total(amounts: Iterable[Any]) -> float:
    """The sum pandas' `Series.sum` gives (missing amounts skipped, numpy's summation order), as a float."""
    values = np.fromiter((np.nan if value is None else value for value in amounts), dtype="float64")
    return float(np.where(np.isnan(values), 0.0, values).sum())


def _split(addresses: Any) -> list[str]:
    return [part.strip() for part in str(addresses or "").replace(",", ";").split(";") if part.strip()]
