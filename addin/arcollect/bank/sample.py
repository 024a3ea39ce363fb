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
from xml.sax.saxutils import escape

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
