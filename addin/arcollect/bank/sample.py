"""A camt.053.001.02 statement written from a list of credits: the demo's day of payments, and test files.

    xml = sample.camt053(account="DE89370400440532013000", day=date(2026, 11, 24), credits=[
        SampleCredit(amount=Decimal("1000.00"), currency="EUR", payer="Customer C1 GmbH", reference="RF42C1UQBKHYIB"),
    ])

The layout follows the ISO 20022 message definition of BankToCustomerStatementV02 and the EPC's SEPA usage
(one ``TxDtls`` per entry, the creditor reference in ``RmtInf/Strd/CdtrRefInf/Ref``, free text in ``Ustrd``),
as a bank's end-of-day statement of one account carries it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


@dataclass(frozen=True)
class SampleCredit:
    amount: Decimal
    currency: str
    payer: str
    reference: str = ""
    text: str = ""
    payer_account: str = ""


def camt053(*, account: str, day: dt.date, credits: Sequence[SampleCredit], message_id: str = "") -> bytes:
    """The statement of `account` for `day` with these credits booked, balances that add up, as UTF-8 XML."""
    message_id = message_id or f"ARCOLLECT-DEMO-{day:%Y%m%d}"
    currency = credits[0].currency if credits else "EUR"
    opening = Decimal("25000.00")
    closing = opening + sum((credit.amount for credit in credits if credit.currency == currency), Decimal(0))
    entries = "".join(_entry(credit, day, number) for number, credit in enumerate(credits, start=1))
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NAMESPACE}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{day}T18:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{message_id}-1</Id>
      <ElctrncSeqNb>{day:%j}</ElctrncSeqNb>
      <CreDtTm>{day}T18:00:00+01:00</CreDtTm>
      <Acct><Id><IBAN>{account}</IBAN></Id><Ccy>{currency}</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{opening}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{closing}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>
      <TxsSummry><TtlCdtNtries><NbOfNtries>{len(credits)}</NbOfNtries></TtlCdtNtries></TxsSummry>
{entries}    </Stmt>
  </BkToCstmrStmt>
</Document>
"""
    return text.encode("utf-8")


def _entry(credit: SampleCredit, day: dt.date, number: int) -> str:
    reference = f"{day:%Y%m%d}-{number:05d}"
    structured = (
        f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{escape(credit.reference)}</Ref>"
        "</CdtrRefInf></Strd>"
        if credit.reference
        else ""
    )
    unstructured = f"<Ustrd>{escape(credit.text)}</Ustrd>" if credit.text else ""
    remittance = f"<RmtInf>{unstructured}{structured}</RmtInf>" if structured or unstructured else ""
    account = credit.payer_account
    debtor_account = f"<DbtrAcct><Id><IBAN>{account}</IBAN></Id></DbtrAcct>" if account else ""
    return f"""      <Ntry>
        <NtryRef>{reference}</NtryRef>
        <Amt Ccy="{credit.currency}">{credit.amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>BANK-{reference}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="{credit.currency}">{credit.amount}</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>{escape(credit.payer)}</Nm></Dbtr>{debtor_account}</RltdPties>
          {remittance}
        </TxDtls></NtryDtls>
      </Ntry>
"""


# ---- the demo's day of payments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDay:
    """The statement written for the demo and what each of its credits is meant to do."""

    path: Path
    credits: tuple[SampleCredit, ...]
    stops: frozenset[str]  # customers whose planned reminder the statement pays in full
    smaller: frozenset[str]  # customers who pay part of it
    unknown: int  # credits from payers no rule can recognise


def demo_day(workbook: Path, queue: pd.DataFrame, invoices: pd.DataFrame, customers: pd.DataFrame, *,
             now: dt.datetime, account: str) -> DemoDay:  # fmt: skip
    """Write ``bank/camt053-<day>.xml`` beside the workbook: a morning's payments from customers with a reminder
    planned today — 5 pay everything it chases naming the invoices (one or several), 3 quote the RF reference of
    their reminder, 2 pay part, 2 pay one invoice's exact amount without any reference — and 2 unknown payers."""
    from arcollect.bank import references
    from arcollect.bank.store import Store, path_for
    from arcollect.engine import dunning
    from arcollect.schema import Customers, Invoices, Queue

    going = queue[queue[Queue.STATE].isin([dunning.DUE, dunning.SCHEDULED])]
    # customers with one reminder planned, and due now: the payment stops (or shrinks) exactly that one
    once = (going.groupby(Queue.CUSTOMER_ID)[Queue.LEVEL].transform("size") == 1) & (going[Queue.STATE] == dunning.DUE)
    open_amount = invoices[Invoices.OPEN_AMOUNT].fillna(invoices[Invoices.AMOUNT])
    info = invoices.assign(_open=open_amount).drop_duplicates(Invoices.NUMBER).set_index(Invoices.NUMBER)
    names = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)[Customers.NAME]
    picked: list[tuple[str, list[str]]] = []
    for row in going[once].sort_values(Queue.CUSTOMER_ID).to_dict("records"):
        numbers = [str(n) for n in row[dunning.INVOICE_LIST]]
        if all(n in info.index and info.at[n, Invoices.CURRENCY] == "EUR" and info.at[n, "_open"] > 0 for n in numbers):
            picked.append((str(row[Queue.CUSTOMER_ID]), numbers))
    credits: list[SampleCredit] = []
    stops: set[str] = set()
    smaller: set[str] = set()
    issued = {}

    def total(numbers: list[str]) -> Decimal:
        return sum((Decimal(str(round(float(info.at[n, "_open"]), 2))) for n in numbers), Decimal(0))

    for customer, numbers in picked[:5]:
        credits.append(SampleCredit(total(numbers), "EUR", str(names[customer]), text="Invoices " + ", ".join(numbers)))
        stops.add(customer)
    for customer, numbers in picked[5:8]:
        reference = references.creditor_reference(customer, numbers)
        issued[reference] = (customer, numbers)
        credits.append(SampleCredit(total(numbers), "EUR", str(names[customer]), reference=reference))
        stops.add(customer)
    for customer, numbers in picked[8:10]:
        half = (total(numbers[:1]) / 2).quantize(Decimal("0.01"))
        credits.append(SampleCredit(half, "EUR", str(names[customer]), text=f"Part payment {numbers[0]}"))
        smaller.add(customer)
    exact = 0
    for customer, numbers in picked[10:]:
        if exact == 2:
            break
        mine = info[(info[Invoices.CUSTOMER_ID] == customer) & (info[Invoices.CURRENCY] == "EUR") & (info["_open"] > 0)]
        if len(numbers) != 1 or (mine["_open"].round(2) == round(float(info.at[numbers[0], "_open"]), 2)).sum() != 1:
            continue
        credits.append(SampleCredit(total(numbers), "EUR", str(names[customer]), text="Payment"))
        stops.add(customer)
        exact += 1
    credits += [
        SampleCredit(Decimal("149.00"), "EUR", "Hansen Consulting ApS", text="Subscription"),
        SampleCredit(Decimal("2310.75"), "EUR", "J. Doe", text="Thank you"),
    ]
    with Store(path_for(workbook)) as store:  # the references earlier reminders carried (their ledger's view)
        store.remember_references(issued, now=now)
    folder = workbook.parent / "bank"
    folder.mkdir(exist_ok=True)
    path = folder / f"camt053-{now:%Y-%m-%d}.xml"
    path.write_bytes(camt053(account=account, day=now.date(), credits=credits))
    return DemoDay(path, tuple(credits), frozenset(stops), frozenset(smaller), 2)
