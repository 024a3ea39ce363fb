"""The Settings keys: their names, which `Settings` field and value parser each has, and their descriptions;
how a key typed by a person is matched; which keys are secrets that do not belong in a workbook.

    >>> canonical_key("smtp_port"), canonical_key("iban chf"), find("Send Window").field
    ('SmtpPort', 'IBAN.CHF', 'send_window')
    >>> is_secret("SmtpPassword"), is_secret("SmtpUser")
    (True, False)
    >>> describe("BIC.USD")
    "BIC for payments in USD (instead of the base currency's)"

Keys are matched case-insensitively and ignoring spaces, ``_`` and ``-`` (`normal`). The bank keys in
`PER_CURRENCY` also come per currency ("IBAN.CHF"); a key in `RENAMED` is read as its new name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel.numbers import list_currencies

from arcollect.book import settings_values as parse
from arcollect.cell_values import text_of, whole_number, yes_no
from arcollect.errors import ConfigError
from arcollect.schema import AGING_BASES, TRANSPORTS

SMTP_SECURITIES = ("starttls", "tls", "none")
EWS_AUTHS = ("ntlm", "basic", "oauth2")
SECRET_ENVIRONMENT = {
    "smtp": "ARCOLLECT_SMTP_PASSWORD",
    "ews": "ARCOLLECT_EWS_PASSWORD",
    "graph": "ARCOLLECT_GRAPH_CLIENT_SECRET",
}
HIDDEN = "***"
_SECRET_WORDS = re.compile(r"pass(word|wd|phrase)?|pwd|secret|token|credential|api.?key|private.?key", re.IGNORECASE)


@dataclass(frozen=True)
class Key:
    """One Settings key: its name on the sheet, the `Settings` field, its value parser and its description."""

    name: str
    field: str
    parse: Callable[[Any], Any]
    doc: str


TABLE: tuple[Key, ...] = (
    Key(
        "BaseCurrency",
        "base_currency",
        parse.currency,
        "Currency of totals, the dashboard and MinimumAmount (e.g. EUR)",
    ),
    Key("AgingBasis", "aging_basis", parse.choice(AGING_BASES), "Age invoices by due date (due) or invoice date"),
    Key("BucketEdges", "bucket_edges", parse.edges, "Aging bucket limits in days: 0,30,60,90,120 gives 1-30 … 120+"),
    Key("CompanyName", "company_name", text_of, "Your company name as it appears in reminders"),
    Key(
        "SenderName",
        "sender_name",
        parse.display_name,
        "The name shown as the sender (From); blank = the mailbox alone",
    ),
    Key("SenderMailbox", "sender_mailbox", parse.email, "The mailbox reminders are sent from"),
    Key("ReplyTo", "reply_to", parse.email, "Where customers' replies go; blank = the sender mailbox"),
    Key(
        "GoverningLaw",
        "governing_law",
        parse.governing_law,
        "Country whose law governs your sales contracts (your company's, e.g. DE); a customer's Jurisdiction overrides",
    ),
    Key(
        "LateCharge",
        "late_charge",
        parse.late_charge,
        "Late interest your standard terms set, e.g. 1.5 % per month; blank = the governing law's statutory rate",
    ),
    Key(
        "EomCutoffDay",
        "eom_cutoff_day",
        parse.cutoff_day,
        "EOM/prox invoices dated after this day count from the next month (25 = the 26th-of-the-month rule)",
    ),
    Key(
        "InterestStatementPeriod",
        "interest_statement_period",
        parse.period,
        "Invoices paid late in this period get an interest statement, e.g. 2026-07-01..2026-09-30; blank = none",
    ),
    Key("SendWindow", "send_window", parse.window, "Hours in the customer's local time when reminders may go out"),
    Key("SendRatePerMinute", "send_rate_per_minute", whole_number(1, 10_000), "Most emails sent per minute"),
    Key("LedgerPath", "ledger_path", parse.path, "File that records every reminder; blank = beside the workbook"),
    Key(
        "LedgerUrl",
        "ledger_url",
        parse.ledger_url,
        "A team's shared ledger on PostgreSQL, postgresql://user@host/db (password: ARCOLLECT_LEDGER_PASSWORD)",
    ),
    Key("TemplateDir", "template_dir", parse.path, "Folder of your own email templates; blank = the built-in ones"),
    Key(
        "OutboxDir",
        "outbox_dir",
        parse.path,
        "Folder for emails when Transport is outbox; blank = an 'outbox' folder beside the workbook",
    ),
    Key("Transport", "transport", parse.choice(TRANSPORTS), "outbox (write files, send nothing), smtp, ews or graph"),
    Key("SmtpHost", "smtp_host", parse.word, "Mail server name for Transport smtp"),
    Key("SmtpPort", "smtp_port", whole_number(1, 65_535), "Mail server port: 587 (starttls), 465 (tls) or 25"),
    Key("SmtpSecurity", "smtp_security", parse.choice(SMTP_SECURITIES), "Encryption: starttls, tls or none"),
    Key("SmtpUser", "smtp_user", text_of, "Sign-in name for the mail server; password: ARCOLLECT_SMTP_PASSWORD"),
    Key("EwsEndpoint", "ews_endpoint", parse.url, "Exchange Web Services address (https://…/EWS/Exchange.asmx)"),
    Key("EwsAuth", "ews_auth", parse.choice(EWS_AUTHS), "Exchange sign-in method: ntlm, basic or oauth2"),
    Key("EwsUser", "ews_user", text_of, "Exchange sign-in name; password: ARCOLLECT_EWS_PASSWORD"),
    Key("GraphTenantId", "graph_tenant_id", parse.word, "Microsoft 365 tenant (directory) ID for Transport graph"),
    Key("GraphClientId", "graph_client_id", parse.word, "App (client) ID; secret: ARCOLLECT_GRAPH_CLIENT_SECRET"),
    Key("GraphAuthority", "graph_authority", parse.url, "Microsoft sign-in address; change only when told to"),
    Key("GraphEndpoint", "graph_endpoint", parse.url, "Microsoft Graph address; change only when told to"),
    Key("VerifyTls", "verify_tls", yes_no, "Check the mail server's certificate; keep true"),
    Key("ScheduleEvery", "schedule_every", whole_number(1, 1440, "minutes"), "Minutes between unattended runs"),
    Key("GraceDays", "grace_days", whole_number(0, 3650, "days"), "Extra days after a level's date before it is sent"),
    Key(
        "CatchUpDays",
        "catch_up_days",
        whole_number(0, 3650, "days"),
        "0 = off. An invoice never reminded and more than this many days overdue starts at the second level",
    ),
    Key(
        "MinimumAmount", "minimum_amount", parse.money, "Customers owing less than this (base currency) are not chased"
    ),
    Key(
        "BankDetails",
        "bank_details",
        text_of,
        "Bank name and other details shown with the base-currency account; BankDetails.USD … per currency",
    ),
    Key("FinanceContact", "finance_contact", parse.email, "Who receives the daily digest and failure alerts"),
    Key(
        "FinanceLanguage",
        "finance_language",
        parse.language_tag,
        "Language (and formats) of the digest and failure alerts to FinanceContact: en, de, fr, de-CH …",
    ),
    Key(
        "DigestLeadMinutes",
        "digest_lead_minutes",
        whole_number(0, 1440, "minutes"),
        "Email FinanceContact a digest this many minutes before reminders go out; 0 = off",
    ),
    Key(
        "FailureAlertAfter",
        "failure_alert_after",
        whole_number(0, 10_000),
        "Alert after this many failed sends; 0 = never",
    ),
    Key("StoreBodies", "store_bodies", yes_no, "Keep the full text of each email in the ledger (true/false)"),
    Key("ThankYou", "thank_you", yes_no, "Thank customers who paid in full on time (needs a 'thanks' level)"),
    Key(
        "IBAN",
        "iban",
        parse.iban,
        "Your account for payments in the base currency (QR codes, references); IBAN.CHF, IBAN.USD … for others",
    ),
    Key("BIC", "bic", parse.bic, "The BIC (SWIFT code) of that account; BIC.CHF … per currency"),
    Key("AccountHolder", "account_holder", text_of, "Name on the account; blank = CompanyName"),
    Key(
        "CompanyAddress",
        "company_address",
        parse.address,
        "Street and number, postcode and town, country code (needed for Swiss QR-bills)",
    ),
    Key(
        "ReferencePattern",
        "reference_pattern",
        parse.pattern(("customer", "invoices", "digest")),
        "Your own RF payment reference, e.g. {customer}{invoices}; blank = customer + a code for the invoices",
    ),
    Key(
        "PaymentLinkPattern",
        "payment_link_pattern",
        parse.pattern(("customer", "amount", "currency", "reference"), web=True),
        "Statement-level pay link of your payment provider, e.g. https://pay.example/{customer}?amount={amount}",
    ),
    Key(
        "BankFolder", "bank_folder", parse.path, "Folder of bank statements (camt.053, MT940, CSV) read before each run"
    ),
    Key(
        "DateOrder",
        "date_order",
        parse.date_order,
        "How slash dates such as 03/04/2026 are read: DMY (3 April) or MDY (4 March); blank = only unambiguous ones",
    ),
    Key(
        "ImportCloseLimit",
        "import_close_limit",
        parse.percent,
        "A full import refuses to mark more than this % of the open invoices Paid unless --force is given",
    ),
)
PER_CURRENCY = ("BankDetails", "IBAN", "BIC", "AccountHolder", "PaymentLinkPattern")
KEYS: tuple[str, ...] = tuple(key.name for key in TABLE)
_BY_NAME = {re.sub(r"[\s_-]", "", key.name).lower(): key for key in TABLE}
#: Keys a workbook may still hold under an earlier name: read as the new key, and reported so it can be renamed.
RENAMED = {"defaultjurisdiction": ("DefaultJurisdiction", "GoverningLaw")}
for _old, (_, _new) in RENAMED.items():
    _BY_NAME[_old] = _BY_NAME[_new.lower()]


def normal(key: Any) -> str:
    """`key` as keys are compared: lower case, without spaces, ``_`` and ``-`` ("Send_Window" → "sendwindow")."""
    return re.sub(r"[\s_-]", "", text_of(key)).lower()


_PER_CURRENCY = re.compile(rf"^({'|'.join(key.lower() for key in PER_CURRENCY)})\.?([a-z]{{3}})$")


def per_currency(key: Any) -> tuple[Key, str] | None:
    """("IBAN" spec, "CHF") for "IBAN.CHF", "iban chf" or "IBAN_CHF"; None when `key` is no per-currency key."""
    match = _PER_CURRENCY.match(normal(key))
    if not match or match[2].upper() not in list_currencies():
        return None
    return _BY_NAME[match[1]], match[2].upper()


def is_secret(key: str) -> bool:
    """Whether `key` looks like a password, secret or token (and is no key of ours): never read, never shown."""
    return normal(key) not in _BY_NAME and per_currency(key) is None and bool(_SECRET_WORDS.search(key))


def secret_reason(key: str) -> str:
    """Why a secret-looking key is refused, naming the environment variable to use instead."""
    families = [variable for family, variable in SECRET_ENVIRONMENT.items() if family in key.lower()]
    variables = " or ".join(families or SECRET_ENVIRONMENT.values())
    return (
        f"'{key}' looks like a password or secret, and secrets do not belong in the workbook: delete this row and "
        f"set the environment variable {variables} or store it in the OS keyring instead"
    )


def unknown_reason(key: str) -> str:
    """Why an unknown key is not used, with the nearest known key as a suggestion."""
    near = difflib.get_close_matches(normal(key), list(_BY_NAME), n=1, cutoff=0.6)
    if near:
        return f"unknown setting '{key}' — did you mean '{_BY_NAME[near[0]].name}'?"
    return f"unknown setting '{key}' — the README sheet lists the settings arcollect knows"


def canonical_key(key: str) -> str:
    """The Settings-sheet spelling of `key` (matched case-insensitively); `ConfigError` if it is not a setting."""
    if is_secret(str(key)):
        raise ConfigError(secret_reason(str(key)))
    found = find(key)
    if found is None:
        suffixed = per_currency(key)
        if suffixed is not None:
            return f"{suffixed[0].name}.{suffixed[1]}"
        raise ConfigError(unknown_reason(str(key)))
    return found.name


def describe(key: str) -> str:
    """The one-line description of `key` shown in the Settings sheet."""
    name = canonical_key(key)
    suffixed = per_currency(name)
    if suffixed is not None:
        return f"{suffixed[0].name} for payments in {suffixed[1]} (instead of the base currency's)"
    return _BY_NAME[normal(name)].doc


def find(key: Any) -> Key | None:
    """The key `key` names (matched as `normal` does; an old name in `RENAMED` finds the new key), or None."""
    return _BY_NAME.get(normal(key))
