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
  when none of its invoices still has one on that day (from the invoice's or the customer's payment terms);
- **untrue history**: a reminder whose sentences about earlier reminders are not true for the invoices they speak
  of, against the ledger's sent reminders before it (in the customer's local days): "we wrote to you about the
  invoices below on …" needs every invoice below reminded on exactly those days (the last of them, for "on …"
  alone), "we wrote to you about invoices A and B on …" needs A and B reminded on exactly those days, and "invoice
  C is also overdue; this is our first reminder about it" needs C never reminded. The sentences are found with
  the language's own words (its _strings.j2), the days written with the letter's locale.

Prints the counts and the reminders checked per level and language; exits 1 when any count is not zero.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import html as html_text
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
from arcollect.engine import calendar, terms
from arcollect.engine.policy import parse_policy
from arcollect.mail.formats import date, date_list, format_list, letter_formats
from arcollect.mail.message import KEY_HEADER, idempotency_key
from arcollect.mail.render import Renderer
from arcollect.schema import Customers, Invoices, Queue

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
        for name in _COUNTS:
            print(f"{name.replace('_', ' ')}: {result[name]}")
        for problem in result["problems"][:40]:
            print("  ", problem)
    failures = sum(result[name] for name in _COUNTS)
    return 1 if failures else 0


_COUNTS = ("negative", "short_escalation", "lower_level_after_escalation", "discount_claim_without_discount",
           "untrue_history")  # fmt: skip


def check(workbook: Path, folders: list[Path]) -> dict[str, Any]:
    tables, _ = read.read(workbook)
    config, _ = settings.parse_settings(tables["Settings"])
    policy, _ = parse_policy(tables["DunningLevels"])
    escalating = {level.level for level in policy if level.escalate}
    pre_due = {level.level for level in policy if level.is_pre_due}
    thanks = {level.level for level in policy if level.is_thanks}
    customers = tables["Customers"].drop_duplicates(Customers.ID).set_index(Customers.ID, drop=False)
    invoices = tables["Invoices"].drop_duplicates(Invoices.NUMBER)
    known = _known_reminders(workbook, config)
    escalated_on = _escalated(workbook, config, escalating)
    cited_levels = {level.level for level in policy if not level.is_thanks}
    sent_before = _sent_reminders(workbook, config, cited_levels)
    held = set(customers.index[customers[Customers.CREDIT_HOLD].astype("boolean").fillna(False).to_numpy(bool)])
    renderer = Renderer()
    result: dict[str, Any] = {
        "checked": 0, "levels": Counter(), "languages": Counter(), "negative": 0, "short_escalation": 0,
        "lower_level_after_escalation": 0, "discount_claim_without_discount": 0, "problems": [],
        "untrue_history": 0, "history_claims": 0, "escalations": 0, "pre_due": 0, "pre_due_with_discount": 0,
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

            reminded = _reminded(sent_before.get(customer_id, ()), numbers, key, sent, zone)
            page = _page_text(message)
            locale_of = {"language": str(customer[Customers.LANGUAGE] or "") if customer is not None else "",
                         "country": str(customer[Customers.COUNTRY] or "") if customer is not None else ""}  # fmt: skip
            with letter_formats(language.split("-")[0], locale_of):
                claims, untrue = _history_truth(page, numbers, reminded, _words(renderer, language))
            result["history_claims"] += claims
            if untrue:
                result["untrue_history"] += 1
                result["problems"].append(f"{where}: untrue history: {untrue[0]}")

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


def _sent_reminders(
    workbook: Path, config: Any, levels: set[int]
) -> dict[str, list[tuple[str, dt.datetime, tuple[str, ...]]]]:
    """Customer → its sent reminders of the dunning `levels` (key, when sent, invoices), from the ledger."""
    ledger = config.ledger_file(workbook)
    found: dict[str, list[tuple[str, dt.datetime, tuple[str, ...]]]] = {}
    if not ledger.exists():
        return found
    with sqlite3.connect(ledger) as db:
        rows = db.execute("SELECT key, customer_id, level, sent_at, invoices FROM reminders WHERE state = 'sent'")
        for key, customer_id, level, sent_at, numbers in rows:
            if int(level) in levels and sent_at:
                moment = dt.datetime.fromisoformat(sent_at)
                found.setdefault(str(customer_id), []).append((key, moment, tuple(json.loads(numbers))))
    return found


def _reminded(
    earlier: Any, numbers: tuple[str, ...], key: str, sent: dt.datetime, zone: ZoneInfo
) -> dict[str, list[dt.date]]:
    """Per invoice of the letter, the local days of the reminders about it sent before the letter (not itself)."""
    days: dict[str, set[dt.date]] = {number: set() for number in numbers}
    for other, moment, named in earlier:
        if other != key and moment < sent:
            for number in named:
                if number in days:
                    days[number].add(moment.astimezone(zone).date())
    return {number: sorted(found) for number, found in days.items()}


def _page_text(message: Any) -> str:
    """The html part as text, one paragraph (or table cell) per line, spaces as one space."""
    part = message.get_body(preferencelist=("html",))
    if part is None:
        return " ".join(message.get_body(preferencelist=("plain",)).get_content().split())
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", part.get_content())
    text = html_text.unescape(re.sub(r"(?s)<[^>]+>", "\n", markup))
    lines = (" ".join(line.replace("\u00a0", " ").replace("\u202f", " ").split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _pattern(
    template: str, anchored: bool, stops: tuple[str, ...] = (), dates: tuple[str, ...] = ()
) -> re.Pattern[str]:
    """A regex for a sentence of `template` with its history placeholders as groups, others as any text. A group
    never runs into a paragraph's next line, a 。 or the start of one of the `stops` (the other history sentences).
    `dates`: the language's dates_one/_other ("le {dates}", "les {dates}"): {previous} starts with one of their
    articles, which separates it from an {invoices} list just before it."""
    stop = "|".join(_literal(text) for text in stops)
    free = f"(?:(?!{stop})[^\n。])+?" if stop else "[^\n。]+?"
    articles = sorted({_spaces(text).split("{dates}")[0] for text in dates} - {""}, key=len, reverse=True)
    parts = []
    for piece in re.split(r"(\{\w+\})", _spaces(template)):
        if piece == "{previous}" and articles:
            parts.append(f"(?P<previous>(?:{'|'.join(_literal(article) for article in articles)}){free})")
        elif piece in ("{previous}", "{last_reminder}", "{invoices}"):
            parts.append(f"(?P<{piece[1:-1]}>{free})")
        elif re.fullmatch(r"\{\w+\}", piece):
            parts.append("[^\n]+?")
        else:
            parts.append(_literal(piece))
    return re.compile(("^" if anchored else "") + "".join(parts), re.IGNORECASE | re.MULTILINE)


def _literal(text: str) -> str:
    return "".join(r"\s+" if chunk.isspace() else re.escape(chunk) for chunk in re.split(r"(\s+)", text) if chunk)


def _spaces(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _named(text: str, numbers: tuple[str, ...]) -> list[str] | None:
    """The letter's invoices a list in a sentence names, in the letter's order; None if it names anything else."""
    named = [n for n in numbers if re.search(rf"(?<![A-Za-z0-9-]){re.escape(n)}(?![A-Za-z0-9-])", text)]
    return named if named and " ".join(text.split()) == " ".join(format_list(named).split()) else None


def _history_truth(
    page: str, numbers: tuple[str, ...], reminded: dict[str, list[dt.date]], words: dict[str, Any]
) -> tuple[int, list[str]]:
    """(sentences about earlier reminders found, the untrue ones) in a letter's text (see the module docstring)."""
    found, untrue, spans = 0, [], []
    for intro in words["intros"]:  # "… about the invoices below on {previous}": about every invoice of the letter
        for match in _pattern(intro, anchored=True, dates=words["dates"]).finditer(page):
            found += 1
            spans.append(match.span())
            days = {tuple(reminded.get(number, ())) for number in numbers}
            common = next(iter(days)) if len(days) == 1 else ()
            said = " ".join(match.group(0).split())
            if not common:
                untrue.append(f"{said!r} about all of {list(numbers)}, reminded on {reminded}")
            elif "previous" in match.groupdict() and match.group("previous") != _dates(words, common):
                untrue.append(f"{said!r}: the ledger has {[str(day) for day in common]}")
            elif "last_reminder" in match.groupdict() and match.group("last_reminder") != date(common[-1], "long"):
                untrue.append(f"{said!r}: the last reminder was on {common[-1]}")
    stops = tuple(sorted({_spaces(template).split("{")[0].strip() for template, _ in words["groups"]} - {""}))
    for template, reminded_before in words["groups"]:
        for match in _pattern(template, anchored=False, stops=stops, dates=words["dates"]).finditer(page):
            if any(start <= match.start() < end for start, end in spans):
                continue  # the words of the intro above ("the invoices below" in the place of the numbers)
            found += 1
            said = " ".join(match.group(0).split())
            named = _named(match.group("invoices"), numbers)
            if named is None:
                untrue.append(f"{said!r} names invoices this letter does not list")
                continue
            days = {tuple(reminded.get(number, ())) for number in named}
            if not reminded_before:
                if days != {()}:
                    untrue.append(f"{said!r}, but the ledger has reminders about {named}: {reminded}")
            elif len(days) != 1 or not next(iter(days)) or match.group("previous") != _dates(words, next(iter(days))):
                untrue.append(f"{said!r}, but the ledger has {[(n, [str(d) for d in reminded[n]]) for n in named]}")
    return found, untrue


def _dates(words: dict[str, Any], days: Any) -> str:
    """The days as a letter writes {previous}: the date list, after the language's article where it has one
    (`dates_one` / `dates_other`: "le 3 mars 2026", "les 3, 5 et 9 mars 2026")."""
    wrapper = words["dates"][0 if len({day.isoformat()[:10] for day in map(_day, days)}) == 1 else 1]
    return wrapper.format(dates=date_list(days, "long"))


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


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
        tones = [value for value in vars(module).values() if isinstance(value, dict) and value.get("intro")]
        tones += [tone["one"] for tone in tones if isinstance(tone.get("one"), dict) and tone["one"].get("intro")]
        intros = {str(line) for tone in tones for line in tone["intro"][:1]
                  if "{previous}" in str(line) or "{last_reminder}" in str(line)}  # fmt: skip
        groups = sorted({(str(getattr(module, name)), name.startswith("history"))
                         for name in ("history_one", "history_other", "also_overdue_one", "also_overdue_other")
                         if hasattr(module, name)})  # fmt: skip
        dates = (str(getattr(module, "dates_one", "{dates}")), str(getattr(module, "dates_other", "{dates}")))
        _WORDS[language] = {"credit": str(module.credit), "incentive": dict(module.incentive),
                            "intros": sorted(intros), "groups": groups, "dates": dates}  # fmt: skip
    return _WORDS[language]


def _claims_discount(message: Any, text: str, words: dict[str, Any], customer_id: str) -> bool:
    incentive = words["incentive"]
    subject = " ".join(str(message["Subject"] or "").split())
    forms = [incentive, *([incentive["one"]] if isinstance(incentive.get("one"), dict) else [])]  # plural, singular
    offered = {" ".join(str(form.get("subject", incentive["subject"])).format(customer_id=customer_id).split())
               for form in forms}  # fmt: skip
    sentences = {str(form.get("discount", "")).split("{")[0].strip() for form in forms} - {""}
    return subject in offered or any(sentence in " ".join(text.split()) for sentence in sentences)


if __name__ == "__main__":
    sys.exit(main())
