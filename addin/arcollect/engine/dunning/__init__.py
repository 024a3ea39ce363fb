"""The dunning policy applied to the open items: who gets which reminder, when, or why not.

    plan = dunning.plan(invoices, customers, policy, now=now_utc, history=sent_per_invoice, credits=credit_rows)

One row of the result is one reminder — a customer at a dunning level, covering the invoices of that customer
that stand at that level (statement style) — or a group of invoices held for one reason. The rules, in order:

1. **Which level: one step at a time.** An invoice's days past due are counted in the customer's own time zone (its
   local date at `now`). The pre-due level (negative offset, tone ``incentive``) covers invoices due within
   ``-offset`` days; each later level is *reachable* from its offset plus the grace days. An invoice climbs the
   dunning levels one at a time: it gets level n+1 only after the ledger (`history`) shows level n went out for it,
   so an invoice never reminded starts at the first level after the due date however late it is (a 98-days-late
   backlog gets the friendly reminder first). The pre-due nudge is not a step. `catch_up_days` (Settings
   ``CatchUpDays``, off by default) lets an invoice never reminded and more than that many days past due start at
   the second post-due level instead — never at an escalating level. Credit notes are never dunned; they only
   count towards the customer's balance.
2. **Invoice holds.** Disputed invoices; a promise to pay whose date has not passed; a payment plan whose next
   instalment is not yet due. A *broken* promise moves the invoice one level above the highest it has already had
   (still one step). An invoice already reminded at its level is not reminded again — unless the level repeats
   (``repeat_every_days``) and that many days have gone by.
3. **An escalation takes the whole account.** When a customer's invoice is due for a level marked Escalate, every
   overdue invoice of that customer that is not disputed, promised or on a payment plan joins that reminder: the
   account is handed over with everything overdue, not a part of it.
4. **Customer holds** (the first that applies is the reason): customer ID not in Customers, do-not-contact, credit
   hold (the Customers sheet's Credit hold, or an escalation the ledger shows sent: `escalated`) for every level
   below an escalating one, auto-pay (direct debit), no valid email address, an open item in a currency without an FX
   rate (the balance is unknown), an unapplied payment in a currency without an FX rate (it cannot be counted, so
   the balance is unknown too: `uncounted_cash`), credit notes and unapplied cash cover the account's open amount,
   they cover the amount this reminder chases (see *amounts*), the reminder's amount below the minimum amount, and the
   policy's minimum days since the customer's previous reminder of any dunning level (a thank-you or a
   collection-failed notice does not count: it must not delay a reminder). A customer gets at most one message per
   run: when invoices stand at several levels, the highest level goes out and the lower ones wait (the minimum-days
   rule then spaces them).
5. **Direct debit.** Auto-pay customers are never dunned: we collect from them. An invoice of theirs still open
   more than the grace days + `DIRECT_DEBIT_SETTLE_DAYS` after its due date means the debit did not go through;
   those invoices get one `COLLECTION_FAILED` notice (template ``collection_failed``, friendly: check the
   mandate or pay by transfer), each invoice at most once, with the invoice holds and the other customer holds
   above. Until then they are held as auto-pay.
6. **When.** A reminder that is not held goes out at the next moment inside the customer's local business hours
   on a local business day (`calendar.next_send_time`): state ``due`` if that moment has come, ``scheduled``
   otherwise. (`arcollect.run` then marks the escalating ones ``awaiting approval`` until a person approves.)

**Amounts.** A reminder's amount (`Queue.AMOUNT` per currency, `Queue.BASE_AMOUNT` in the base currency) is what
the customer owes on the invoices it chases, less the customer's credit notes and unapplied payments in the same
currency (`credits`), never below zero — the rule `arcollect.mail.compose` applies to the letter's amount due.

The thank-you level is planned apart, by `thanks`, the interest statement by `statements` (see there), and
`combine` adds their rows to the queue.

**Where each part lives.** `planning` (`plan`: levels one step at a time, invoice holds, an escalation taking the
account), `grouping` (one row per reminder, its amounts net of credit, a credit counted once), `holds` (the
customer holds, one message per run, addresses and templates), `timing` (local dates, time zones, send times),
`notices` (thank-yous, interest statements, `combine`), `queue` (the states and columns of a queue row, `Level`,
the direct-debit notice). Callers import this package: ``from arcollect.engine import dunning``.

The engine does not read the clock or the ledger: `now` and the per-invoice history of sent reminders
(`history`: customer ID, level, invoice number, sent-at UTC) are passed in.
"""

from arcollect.engine.dunning.notices import THANKS_WINDOW_DAYS, combine, paid_on_time, statements, thanks
from arcollect.engine.dunning.planning import plan
from arcollect.engine.dunning.queue import (
    AWAITING_APPROVAL,
    COLLECTION_FAILED,
    COUNTRY,
    DIRECT_DEBIT_SETTLE_DAYS,
    DUE,
    HELD,
    INVOICE_LIST,
    LOCAL_DATE,
    SCHEDULED,
    SUBDIVISION,
    TIME_ZONE,
    Level,
)
from arcollect.engine.dunning.timing import time_zones

__all__ = [
    "AWAITING_APPROVAL",
    "COLLECTION_FAILED",
    "COUNTRY",
    "DIRECT_DEBIT_SETTLE_DAYS",
    "DUE",
    "HELD",
    "INVOICE_LIST",
    "LOCAL_DATE",
    "SCHEDULED",
    "SUBDIVISION",
    "THANKS_WINDOW_DAYS",
    "TIME_ZONE",
    "Level",
    "combine",
    "paid_on_time",
    "plan",
    "statements",
    "thanks",
    "time_zones",
]
