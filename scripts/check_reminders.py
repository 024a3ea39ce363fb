"""Count, over every rendered reminder, the sentences a customer must never read.

    python scripts/check_reminders.py demo/arcollect-demo.xlsx demo/outbox demo/preview
    python scripts/check_reminders.py BOOK FOLDER … --json      # the counts as JSON (the tests read this)

Each `.eml` in the folders (an outbox, a preview) is matched to the reminder it is — customer, level and invoices
— through its ``X-Arcollect-Key`` header: the workbook's ledger knows the sent ones, the ReminderQueue sheet the
previewed ones, and the key itself tells the customer's local date it was planned for. Then four things are
counted, each from the workbook's own rows and not from what the planner or the templates computed:

- **negative**: a reminder showing a negative amount anywhere but on a credit line (a credit note or unapplied
  payment, which is minus by nature);
- **short escalation**: an escalation that does not list every overdue invoice of the customer — open, past its
  due date on that local date, not disputed, no promise or payment-plan date still ahead;
- **lower level after escalation**: any other dunning reminder to a customer the ledger shows escalated before it,
  or whose Credit hold is ticked (a thank-you is not a reminder);
- **discount claim without a discount**: a pre-due reminder whose subject or text offers an early-payment discount
  when none of its invoices still has one on that day (from the invoice's or the customer's payment terms).

Prints the counts and the reminders checked per level and language; exits 1 when any count is not zero.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import json
import re
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from arcollect.book import read, settings
from arcollect.book.schema import Customers, Invoices, Queue
from arcollect.engine import calendar, terms
from arcollect.mail.message import KEY_HEADER, idempotency_key
from arcollect.mail.render import Renderer

_NEGATIVE = re.compile(r"(?:^|[\s(])[-−]\s?(?:[^\w\s]{1,3}\s?)?\d")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument("folders", type=Path, nargs="+", help="folders of .eml files (outbox, preview)")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args(argv)
    result = check(args.workbook, args.folders)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True, default=str))
    else:
        print(f"Reminders checked: {result['checked']} ({', '.join(f'{k}: {v}' for k, v in result['levels'].items())})")
        print(f"Languages: {', '.join(f'{k}: {v}' for k, v in result['languages'].items())}")
        for name in ("negative", "short_escalation", "lower_level_after_escalation", "discount_claim_without_discount"):
            print(f"{name.replace('_', ' ')}: {result[name]}")
        for problem in result["problems"][:40]:
            print("  ", problem)
    failures = sum(result[name] for name in ("negative", "short_escalation", "lower_level_after_escalation",
                                             "discount_claim_without_discount"))  # fmt: skip
    return 1 if failures else 0


def check(workbook: Path, folders: list[Path]) -> dict[str, Any]:
    tables, _ = read.read(workbook)
    config, _ = settings.parse_settings(tables["Settings"])
    policy, _ = settings.parse_policy(tables["DunningLevels"])
    escalating = {level.level for level in policy if level.escalate}
    pre_due = {level.level for level in policy if level.is_pre_due}
    thanks = {level.level for level in policy if level.is_thanks}
    customers = tables["Customers"].drop_duplicates(Customers.ID).set_index(Customers.ID, drop=False)
    invoices = tables["Invoices"].drop_duplicates(Invoices.NUMBER)
    known = _known_reminders(workbook, config)
    escalated_on = _escalated(workbook, config, escalating)
    held = set(customers.index[customers[Customers.CREDIT_HOLD].astype("boolean").fillna(False).to_numpy(bool)])
    renderer = Renderer()
    result: dict[str, Any] = {
        "checked": 0, "levels": Counter(), "languages": Counter(), "negative": 0, "short_escalation": 0,
        "lower_level_after_escalation": 0, "discount_claim_without_discount": 0, "problems": [],
        "escalations": 0, "pre_due": 0, "pre_due_with_discount": 0,
    }  # fmt: skip
    for folder in folders:
        for path in sorted(Path(folder).glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            key = str(message[KEY_HEADER] or "")
            reminder = known.get(key)
            if reminder is None:
                result["problems"].append(f"{path.name}: no reminder with key {key[:12]} in the ledger or queue")
                continue
            customer_id, level, numbers = reminder
            customer = customers.loc[customer_id] if customer_id in customers.index else None
            zone = _zone(customer)
            sent = email.utils.parsedate_to_datetime(str(message["Date"]))
            as_of = _cycle_date(key, customer_id, level, numbers, sent.astimezone(zone).date())
            text = message.get_body(preferencelist=("plain",)).get_content()
            language = str(message["Content-Language"] or "en")
            words = _words(renderer, language)
            result["checked"] += 1
            result["levels"][str(level)] += 1
            result["languages"][language] += 1
            where = f"{path.parent.name}/{path.name}"

            credit_prefix = words["credit"].split("{")[0].strip()
            negative = [
                line for line in text.splitlines()
                if _NEGATIVE.search(line) and not (credit_prefix and line.strip().startswith(credit_prefix))
            ]  # fmt: skip
            if negative:
                result["negative"] += 1
                result["problems"].append(f"{where}: negative amount: {negative[0].strip()!r}")

            if level in escalating:
                result["escalations"] += 1
                expected = _overdue(invoices, customer_id, as_of)
                missing = sorted(set(expected) - set(numbers))
                if missing:
                    result["short_escalation"] += 1
                    result["problems"].append(f"{where}: escalation of {customer_id} leaves out {missing}")
            elif level not in thanks:
                before = escalated_on.get(customer_id)
                if customer_id in held or (before is not None and before < sent):
                    result["lower_level_after_escalation"] += 1
                    result["problems"].append(f"{where}: level {level} to {customer_id}, escalated/on credit hold")

            if level in pre_due:
                result["pre_due"] += 1
                claims = _claims_discount(message, text, words, customer_id)
                available = _discounts(invoices, customer, numbers, as_of)
                result["pre_due_with_discount"] += bool(available)
                if claims and not available:
                    result["discount_claim_without_discount"] += 1
                    result["problems"].append(f"{where}: offers a discount, none of {numbers} has one on {as_of}")
    result["levels"] = dict(sorted(result["levels"].items(), key=lambda item: int(item[0])))
    result["languages"] = dict(sorted(result["languages"].items()))
    return result


# ---- the reminders and the ledger -----------------------------------------------------------------------------


def _known_reminders(workbook: Path, config: Any) -> dict[str, tuple[str, int, tuple[str, ...]]]:
    """key → (customer, level, invoices) from the ledger (every reminder it holds) and the ReminderQueue sheet."""
    known: dict[str, tuple[str, int, tuple[str, ...]]] = {}
    ledger = config.ledger_file(workbook)
    if ledger.exists():
        with sqlite3.connect(ledger) as db:
            for key, customer_id, level, numbers in db.execute(
                "SELECT key, customer_id, level, invoices FROM reminders"
            ):
                known[key] = (str(customer_id), int(level), tuple(json.loads(numbers)))
    queue = read.read_output(workbook, "ReminderQueue")
    for row in queue.to_dict("records"):
        key = row.get(Queue.KEY)
        if key and not pd.isna(key) and key not in known:
            numbers = tuple(part.strip() for part in str(row[Queue.INVOICES] or "").split(",") if part.strip())
            known[str(key)] = (str(row[Queue.CUSTOMER_ID]), int(row[Queue.LEVEL]), numbers)
    return known


def _escalated(workbook: Path, config: Any, escalating: set[int]) -> dict[str, dt.datetime]:
    """Customer → when the ledger first shows an escalation sent to it."""
    ledger = config.ledger_file(workbook)
    found: dict[str, dt.datetime] = {}
    if not ledger.exists() or not escalating:
        return found
    marks = ",".join("?" * len(escalating))
    with sqlite3.connect(ledger) as db:
        rows = db.execute(
            f"SELECT customer_id, MIN(sent_at) FROM reminders WHERE state = 'sent' AND level IN ({marks}) "
            "GROUP BY customer_id",
            tuple(escalating),
        ).fetchall()
    for customer_id, sent_at in rows:
        found[str(customer_id)] = dt.datetime.fromisoformat(sent_at)
    return found


def _cycle_date(key: str, customer_id: str, level: int, numbers: tuple[str, ...], near: dt.date) -> dt.date:
    """The customer's local date the reminder was planned for: the one its key was made with."""
    for offset in (0, -1, 1, -2, 2, -3, 3):
        day = near + dt.timedelta(days=offset)
        if idempotency_key(customer_id, level, numbers, day) == key:
            return day
    return near


def _zone(customer: pd.Series | None) -> ZoneInfo:
    if customer is None:
        return ZoneInfo("UTC")
    own = customer.get(Customers.TIME_ZONE)
    if own is not None and not pd.isna(own) and str(own).strip():
        return ZoneInfo(str(own).strip())
    return ZoneInfo(str(calendar.default_time_zone(str(customer[Customers.COUNTRY]))))


# ---- what the customer owes and may deduct, from the workbook's rows --------------------------------------------


def _terms_of(invoice: pd.Series, customer: pd.Series | None) -> str:
    own = invoice.get(Invoices.TERMS)
    if own is not None and not pd.isna(own) and str(own).strip():
        return str(own)
    return str(customer.get(Customers.TERMS) or "net 30") if customer is not None else "net 30"


def _due(invoice: pd.Series, customer: pd.Series | None) -> dt.date:
    due = invoice.get(Invoices.DUE_DATE)
    if due is not None and not pd.isna(due):
        return pd.Timestamp(due).date()
    parsed = terms.parse(_terms_of(invoice, customer))
    return pd.Timestamp(terms.due_date(parsed, pd.Timestamp(invoice[Invoices.INVOICE_DATE]).date())).date()


def _open(invoice: pd.Series) -> float:
    amount = invoice.get(Invoices.OPEN_AMOUNT)
    if amount is None or pd.isna(amount):
        amount = invoice.get(Invoices.AMOUNT)
    return 0.0 if amount is None or pd.isna(amount) else float(amount)


def _overdue(invoices: pd.DataFrame, customer_id: str, as_of: dt.date) -> list[str]:
    """The customer's invoices an escalation must list: open, past due, not disputed, no promise or plan ahead."""
    mine = invoices[invoices[Invoices.CUSTOMER_ID].astype(str) == customer_id]
    found = []
    for _, invoice in mine.iterrows():
        status = str(invoice.get(Invoices.STATUS) or "Open")
        if status in ("Paid", "Disputed") or _open(invoice) <= 0:
            continue
        promise, plan = invoice.get(Invoices.PROMISE_DATE), invoice.get(Invoices.PLAN_NEXT_DATE)
        if (
            status == "Promised"
            and promise is not None
            and not pd.isna(promise)
            and pd.Timestamp(promise).date() >= as_of
        ):
            continue
        if status == "Plan" and plan is not None and not pd.isna(plan) and pd.Timestamp(plan).date() >= as_of:
            continue
        if _due(invoice, None) < as_of:
            found.append(str(invoice[Invoices.NUMBER]))
    return found


def _discounts(invoices: pd.DataFrame, customer: pd.Series | None, numbers: tuple[str, ...], as_of: dt.date) -> list:
    """The listed invoices whose payment terms still give an early-payment discount on `as_of`."""
    found = []
    for _, invoice in invoices[invoices[Invoices.NUMBER].astype(str).isin(numbers)].iterrows():
        parsed = terms.parse(_terms_of(invoice, customer))
        deadline = terms.discount_deadline(parsed, pd.Timestamp(invoice[Invoices.INVOICE_DATE]).date())
        if deadline is not None and not pd.isna(deadline) and pd.Timestamp(deadline).date() >= as_of:
            found.append(str(invoice[Invoices.NUMBER]))
    return found


# ---- the words of each language ------------------------------------------------------------------------------

_WORDS: dict[str, dict[str, Any]] = {}


def _words(renderer: Renderer, language: str) -> dict[str, Any]:
    if language not in _WORDS:
        module = renderer.environment.get_template(f"{language}/_strings.j2").module
        _WORDS[language] = {"credit": str(module.credit), "incentive": dict(module.incentive)}
    return _WORDS[language]


def _claims_discount(message: Any, text: str, words: dict[str, Any], customer_id: str) -> bool:
    incentive = words["incentive"]
    subject = " ".join(str(message["Subject"] or "").split())
    offered = " ".join(str(incentive["subject"]).format(customer_id=customer_id).split())
    sentence = str(incentive.get("discount", "")).split("{")[0].strip()
    return subject == offered or bool(sentence and sentence in " ".join(text.split()))


if __name__ == "__main__":
    sys.exit(main())
