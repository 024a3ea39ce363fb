"""The Settings sheet as typed, validated Python values.

    >>> import pandas as pd
    >>> from arcollect.schema import SettingsSheet
    >>> from arcollect.book.settings import parse_settings, set_value
    >>> rows = {SettingsSheet.KEY: ["basecurrency", "BucketEdges"], SettingsSheet.VALUE: ["chf", "0,30,60"]}
    >>> table = pd.DataFrame(rows)
    >>> settings, problems = parse_settings(table)
    >>> settings.base_currency, settings.bucket_edges, settings.transport, problems
    ('CHF', (0, 30, 60), 'outbox', [])
    >>> set_value("SendWindow", "8:30 - 18:00")
    '08:30-18:00'

Rules:

- Keys are matched case-insensitively and ignoring spaces, ``_`` and ``-``; a blank value means the key's default.
- A bad value never stops a run: it becomes a `Problem` (key, value, the expected form) and the default is used.
  Addresses (SenderMailbox, ReplyTo, FinanceContact) are checked with email-validator, syntax only (no DNS).
  An unknown key is reported with the nearest known key as a suggestion; a key given twice uses its first row.
- Secrets are not settings. A key that looks like a password, secret or token is reported with the environment
  variable / OS keyring to use instead, and its value is never repeated: problems and logs show ``***``.

The DunningLevels sheet (the dunning policy) is read by `arcollect.engine.policy`; both read cells the same way
(`arcollect.cell_values`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import logging
import math
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from babel import Locale
from babel.numbers import list_currencies
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from arcollect.book.dates import DATE_ORDERS
from arcollect.book.files import real_path
from arcollect.book.validate import address_problem
from arcollect.cell_values import BLANK, MISSING, canonical, text_of, whole_number, yes_no
from arcollect.errors import ConfigError, InputError
from arcollect.problems import Problem
from arcollect.schema import (
    AGING_BASES,
    SETTINGS,
    TRANSPORTS,
    SettingsSheet,
)

logger = logging.getLogger(__name__)

SMTP_SECURITIES = ("starttls", "tls", "none")
EWS_AUTHS = ("ntlm", "basic", "oauth2")
SECRET_ENVIRONMENT = {
    "smtp": "ARCOLLECT_SMTP_PASSWORD",
    "ews": "ARCOLLECT_EWS_PASSWORD",
    "graph": "ARCOLLECT_GRAPH_CLIENT_SECRET",
}
HIDDEN = "***"
_SECRET_WORDS = re.compile(r"pass(word|wd|phrase)?|pwd|secret|token|credential|api.?key|private.?key", re.IGNORECASE)
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Settings:
    """Every Settings key, typed. Paths left blank are `None` and resolved beside the workbook by the methods."""

    base_currency: str = "EUR"
    aging_basis: str = "due"
    bucket_edges: tuple[int, ...] = (0, 30, 60, 90, 120)
    company_name: str = ""
    sender_name: str = ""
    sender_mailbox: str = ""
    reply_to: str = ""
    governing_law: str = ""
    late_charge: str = ""
    eom_cutoff_day: int | None = None
    interest_statement_period: tuple[dt.date, dt.date] | None = None
    send_window: tuple[str, str] = ("09:00", "17:00")
    send_rate_per_minute: int = 30
    ledger_path: Path | None = None
    ledger_url: str = ""
    template_dir: Path | None = None
    outbox_dir: Path | None = None
    transport: str = "outbox"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    ews_endpoint: str = ""
    ews_auth: str = "ntlm"
    ews_user: str = ""
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_authority: str = "https://login.microsoftonline.com"
    graph_endpoint: str = "https://graph.microsoft.com/v1.0"
    verify_tls: bool = True
    schedule_every: int = 15
    grace_days: int = 0
    catch_up_days: int = 0
    minimum_amount: Decimal = Decimal(0)
    bank_details: str = ""
    finance_contact: str = ""
    finance_language: str = "en"
    digest_lead_minutes: int = 0
    failure_alert_after: int = 3
    store_bodies: bool = False
    thank_you: bool = False
    date_order: str = ""
    import_close_limit: Decimal = Decimal(50)
    iban: str = ""
    bic: str = ""
    account_holder: str = ""
    company_address: str = ""
    reference_pattern: str = ""
    payment_link_pattern: str = ""
    bank_folder: Path | None = None
    # Not keys of their own (DERIVED_FIELDS): per-currency values of the keys in PER_CURRENCY ("IBAN.CHF",
    # "BankDetails USD") as (field, currency, value), and the keys whose value was given but could not be used.
    currency_values: tuple[tuple[str, str, Any], ...] = ()
    unusable: tuple[str, ...] = field(default=(), compare=False)

    def for_currency(self, field: str, currency: str) -> Any:
        """The value of `field` for payments in `currency`: its own ("IBAN.USD"), else the plain key's.

        The plain bank keys (BankDetails, IBAN, BIC, AccountHolder) are the account for the base currency only —
        a EUR account is never offered to a customer billed in USD; PaymentLinkPattern, whose link names the
        currency itself, serves every currency without its own.
        """
        for name, code, value in self.currency_values:
            if name == field and code == currency:
                return value
        if field == "payment_link_pattern" or currency == self.base_currency:
            return getattr(self, field)
        return getattr(_DEFAULTS, field)

    def bank_folder_path(self, workbook: Path | str) -> Path | None:
        """The watched folder of bank statements (BankFolder, relative to the workbook's folder), or None."""
        return _beside(Path(workbook), self.bank_folder)

    @property
    def default_jurisdiction(self) -> str:
        """The founding name of `governing_law` (Settings DefaultJurisdiction), kept for callers not yet renamed."""
        return self.governing_law

    def ledger_file(self, workbook: Path | str) -> Path:
        """The ledger database: LedgerPath (relative to the workbook's folder), else ``<workbook>.ledger.sqlite``.

        A workbook reached through a symbolic link has its ledger beside the real file: one workbook, one ledger.
        """
        workbook = real_path(Path(workbook))
        return _beside(workbook, self.ledger_path) or workbook.parent / f"{workbook.stem}.ledger.sqlite"

    def outbox_folder(self, workbook: Path | str) -> Path:
        """Where the outbox transport writes: OutboxDir (relative to the workbook's folder), else ``outbox``."""
        workbook = real_path(Path(workbook))
        return _beside(workbook, self.outbox_dir) or workbook.parent / "outbox"

    def template_folder(self, workbook: Path | str) -> Path | None:
        """The user's own templates (relative to the workbook's folder), or None for the built-in ones."""
        return _beside(real_path(Path(workbook)), self.template_dir)


def _beside(workbook: Path, path: Path | None) -> Path | None:
    if path is None:
        return None
    path = path.expanduser()
    return path if path.is_absolute() else workbook.parent / path


# ---- value parsers: text or a cell value in, typed value out; ValueError(expected form) on a bad value ----------


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = text_of(value).lower()
        if text not in options:
            near = difflib.get_close_matches(text, options, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise ValueError(f"one of {', '.join(options)}{hint}")
        return text

    return parse


def _currency(value: Any) -> str:
    code = text_of(value).upper()
    if code not in list_currencies():
        raise ValueError("an ISO 4217 currency code such as EUR, USD, GBP")
    return code


def _governing_law(value: Any) -> str:
    code = text_of(value).upper()
    if code == "EU":
        raise ValueError(
            "the ISO code of a country whose law governs your contracts, e.g. DE — 'EU' is not a law: the Late "
            "Payment Directive binds the member states, not your customers (a contract can still adopt its rate: "
            "LateCharge '8 points over ECB')"
        )
    if not (len(code) == 2 and code.isalpha() and code in Locale("en").territories):
        raise ValueError("the ISO code of the country whose law governs your contracts, e.g. DE, FR, GB, US")
    return code


def _late_charge(value: Any) -> str:
    from arcollect.engine.law import contract  # the engine's grammar; imported here, when the key is set

    text = text_of(value)
    try:
        contract.parse(text)
    except InputError as error:
        raise ValueError(str(error).split(" — ", 1)[-1]) from None
    return text


def _cutoff_day(value: Any) -> int:
    return whole_number(1, 28, unit="the month")(value)


def _period(value: Any) -> tuple[dt.date, dt.date]:
    expected = "two dates, e.g. 2026-07-01..2026-09-30"
    parts = [part for part in re.split(r"\s*(?:\.\.|–|—|\bto\b|/)\s*", text_of(value)) if part]
    if len(parts) != 2:
        raise ValueError(expected)
    try:
        start, end = (dt.date.fromisoformat(part.strip()) for part in parts)
    except ValueError:
        raise ValueError(expected) from None
    if end < start:
        raise ValueError(expected + " (the first one first)")
    return start, end


def _edges(value: Any) -> tuple[int, ...]:
    expected = "increasing whole numbers of days separated by commas, e.g. 0,30,60,90,120"
    parts = [part for part in re.split(r"[,;\s]+", text_of(value)) if part]
    try:
        edges = tuple(whole_number(0)(part) for part in parts)
    except ValueError:
        raise ValueError(expected) from None
    if not edges or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValueError(expected)
    return edges


def _window(value: Any) -> tuple[str, str]:
    expected = "a start and an end time of day, e.g. 09:00-17:00"
    bounds = re.split(r"\s*[-–—]\s*", text_of(value))
    if len(bounds) != 2:
        raise ValueError(expected)
    minutes = []
    for bound in bounds:
        match = _TIME.match(bound)
        if not match or int(match[1]) > 24 or int(match[2]) > 59:
            raise ValueError(expected)
        minutes.append(int(match[1]) * 60 + int(match[2]))
    if not minutes[0] < minutes[1] <= 24 * 60:
        raise ValueError(expected + " (starting before it ends, on the same day)")
    start, end = (f"{m // 60:02d}:{m % 60:02d}" for m in minutes)
    return start, end


def _email(value: Any) -> str:
    text = text_of(value)
    why = address_problem(text)
    if why:
        raise ValueError(f"one email address, e.g. ar@yourcompany.example ({why})")
    return text


def _display_name(value: Any) -> str:
    text = text_of(value)
    if re.search(r"[\x00-\x1f\x7f\u2028\u2029<>@]", text) or len(text) > 100:
        raise ValueError("a name on one line without < > or @, at most 100 characters, e.g. Northwind Accounts")
    return text


def _url(value: Any) -> str:
    text = text_of(value).rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc or " " in text:
        raise ValueError("a web address starting with https://")
    return text


def _word(value: Any) -> str:
    text = text_of(value)
    if re.search(r"[\s/\\]", text):
        raise ValueError("a name without spaces or slashes, e.g. smtp.yourcompany.example")
    return text


def _language_tag(value: Any) -> str:
    text = text_of(value).replace("_", "-")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", text):
        raise ValueError("a language code such as en, de, fr or de-CH")
    primary, _, rest = text.partition("-")
    return primary.lower() + ("-" + (rest.upper() if len(rest) == 2 else rest) if rest else "")


def _path(value: Any) -> Path:
    text = text_of(value)
    if "\x00" in text or len(text) > 1000:
        raise ValueError("a file or folder path")
    return Path(text)


def _ledger_url(value: Any) -> str:
    from arcollect.ledger_url import check_url

    return check_url(text_of(value))


def _iban(value: Any) -> str:
    text = text_of(value)
    try:
        return stdnum_iban.format(stdnum_iban.validate(text))
    except ValidationError as error:
        raise ValueError(f"an IBAN such as DE89 3704 0044 0532 0130 00 ({error.message.lower().rstrip('.')})") from None


def _bic(value: Any) -> str:
    try:
        return stdnum_bic.validate(text_of(value))
    except ValidationError as error:
        raise ValueError(
            f"a BIC (SWIFT code) of 8 or 11 characters such as COBADEFFXXX ({error.message.lower().rstrip('.')})"
        ) from None


def _pattern(placeholders: tuple[str, ...], *, web: bool = False) -> Callable[[Any], str]:
    """A text with `{placeholder}` fields from `placeholders` only (and, for a link, an https:// address)."""
    names = ", ".join("{" + name + "}" for name in placeholders)
    expected = f"a pattern using {names}" + (", starting with https://" if web else "")

    def parse(value: Any) -> str:
        text = text_of(value)
        try:
            fields = {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
        except ValueError:
            raise ValueError(expected) from None
        if not fields or not fields <= set(placeholders):
            raise ValueError(expected)
        if web:
            _url(text.split("{", 1)[0] or "no address")  # the address part before the first placeholder
        return text

    return parse


def _address(value: Any) -> str:
    """'Street and number, postcode town, country code' — the creditor address a Swiss QR-bill must carry."""
    parts = [part.strip() for part in text_of(value).replace("\n", ",").split(",")]
    parts = [part for part in parts if part]
    expected = "street and number, postcode and town, country code — e.g. Bahnhofstrasse 1, 8001 Zürich, CH"
    if len(parts) != 3 or not re.fullmatch(r"[A-Za-z]{2}", parts[2]) or not re.match(r"\S+\s+\S", parts[1]):
        raise ValueError(expected)
    return ", ".join([parts[0], parts[1], parts[2].upper()])


def _money(value: Any) -> Decimal:
    expected = "an amount ≥ 0 in the base currency, e.g. 50 or 49.90"
    if isinstance(value, bool):
        raise ValueError(expected)
    text = re.sub(r"[\s'_]", "", text_of(value))
    text = text.replace(",", "") if "." in text else text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(expected) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(expected)
    return amount


def _date_order(value: Any) -> str:
    text = re.sub(r"[\s/.-]", "", text_of(value)).upper()
    if text not in DATE_ORDERS:
        raise ValueError("DMY (day first, 31/12/2026) or MDY (month first, 12/31/2026)")
    return text


def _percent(value: Any) -> Decimal:
    expected = "a percentage from 0 to 100, e.g. 50 or 50%"
    if isinstance(value, bool):
        raise ValueError(expected)
    text = text_of(value).replace("%", "").replace(",", ".").strip()
    try:
        share = Decimal(text)
    except InvalidOperation:
        raise ValueError(expected) from None
    if isinstance(value, float) and 0 < value <= 1 and "%" not in text_of(value):  # a cell formatted as percent
        share = share * 100
    if not share.is_finite() or not 0 <= share <= 100:
        raise ValueError(expected)
    return share


# ---- the keys --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    name: str
    field: str
    parse: Callable[[Any], Any]
    doc: str


_KEYS: tuple[_Key, ...] = (
    _Key("BaseCurrency", "base_currency", _currency, "Currency of totals, the dashboard and MinimumAmount (e.g. EUR)"),
    _Key("AgingBasis", "aging_basis", _choice(AGING_BASES), "Age invoices by due date (due) or invoice date"),
    _Key("BucketEdges", "bucket_edges", _edges, "Aging bucket limits in days: 0,30,60,90,120 gives 1-30 … 120+"),
    _Key("CompanyName", "company_name", text_of, "Your company name as it appears in reminders"),
    _Key("SenderName", "sender_name", _display_name, "The name shown as the sender (From); blank = the mailbox alone"),
    _Key("SenderMailbox", "sender_mailbox", _email, "The mailbox reminders are sent from"),
    _Key("ReplyTo", "reply_to", _email, "Where customers' replies go; blank = the sender mailbox"),
    _Key(
        "GoverningLaw",
        "governing_law",
        _governing_law,
        "Country whose law governs your sales contracts (your company's, e.g. DE); a customer's Jurisdiction overrides",
    ),
    _Key(
        "LateCharge",
        "late_charge",
        _late_charge,
        "Late interest your standard terms set, e.g. 1.5 % per month; blank = the governing law's statutory rate",
    ),
    _Key(
        "EomCutoffDay",
        "eom_cutoff_day",
        _cutoff_day,
        "EOM/prox invoices dated after this day count from the next month (25 = the 26th-of-the-month rule)",
    ),
    _Key(
        "InterestStatementPeriod",
        "interest_statement_period",
        _period,
        "Invoices paid late in this period get an interest statement, e.g. 2026-07-01..2026-09-30; blank = none",
    ),
    _Key("SendWindow", "send_window", _window, "Hours in the customer's local time when reminders may go out"),
    _Key("SendRatePerMinute", "send_rate_per_minute", whole_number(1, 10_000), "Most emails sent per minute"),
    _Key("LedgerPath", "ledger_path", _path, "File that records every reminder; blank = beside the workbook"),
    _Key(
        "LedgerUrl",
        "ledger_url",
        _ledger_url,
        "A team's shared ledger on PostgreSQL, postgresql://user@host/db (password: ARCOLLECT_LEDGER_PASSWORD)",
    ),
    _Key("TemplateDir", "template_dir", _path, "Folder of your own email templates; blank = the built-in ones"),
    _Key(
        "OutboxDir",
        "outbox_dir",
        _path,
        "Folder for emails when Transport is outbox; blank = an 'outbox' folder beside the workbook",
    ),
    _Key("Transport", "transport", _choice(TRANSPORTS), "outbox (write files, send nothing), smtp, ews or graph"),
    _Key("SmtpHost", "smtp_host", _word, "Mail server name for Transport smtp"),
    _Key("SmtpPort", "smtp_port", whole_number(1, 65_535), "Mail server port: 587 (starttls), 465 (tls) or 25"),
    _Key("SmtpSecurity", "smtp_security", _choice(SMTP_SECURITIES), "Encryption: starttls, tls or none"),
    _Key("SmtpUser", "smtp_user", text_of, "Sign-in name for the mail server; password: ARCOLLECT_SMTP_PASSWORD"),
    _Key("EwsEndpoint", "ews_endpoint", _url, "Exchange Web Services address (https://…/EWS/Exchange.asmx)"),
    _Key("EwsAuth", "ews_auth", _choice(EWS_AUTHS), "Exchange sign-in method: ntlm, basic or oauth2"),
    _Key("EwsUser", "ews_user", text_of, "Exchange sign-in name; password: ARCOLLECT_EWS_PASSWORD"),
    _Key("GraphTenantId", "graph_tenant_id", _word, "Microsoft 365 tenant (directory) ID for Transport graph"),
    _Key("GraphClientId", "graph_client_id", _word, "App (client) ID; secret: ARCOLLECT_GRAPH_CLIENT_SECRET"),
    _Key("GraphAuthority", "graph_authority", _url, "Microsoft sign-in address; change only when told to"),
    _Key("GraphEndpoint", "graph_endpoint", _url, "Microsoft Graph address; change only when told to"),
    _Key("VerifyTls", "verify_tls", yes_no, "Check the mail server's certificate; keep true"),
    _Key("ScheduleEvery", "schedule_every", whole_number(1, 1440, "minutes"), "Minutes between unattended runs"),
    _Key("GraceDays", "grace_days", whole_number(0, 3650, "days"), "Extra days after a level's date before it is sent"),
    _Key(
        "CatchUpDays",
        "catch_up_days",
        whole_number(0, 3650, "days"),
        "0 = off. An invoice never reminded and more than this many days overdue starts at the second level",
    ),
    _Key("MinimumAmount", "minimum_amount", _money, "Customers owing less than this (base currency) are not chased"),
    _Key(
        "BankDetails",
        "bank_details",
        text_of,
        "Bank name and other details shown with the base-currency account; BankDetails.USD … per currency",
    ),
    _Key("FinanceContact", "finance_contact", _email, "Who receives the daily digest and failure alerts"),
    _Key(
        "FinanceLanguage",
        "finance_language",
        _language_tag,
        "Language (and formats) of the digest and failure alerts to FinanceContact: en, de, fr, de-CH …",
    ),
    _Key(
        "DigestLeadMinutes",
        "digest_lead_minutes",
        whole_number(0, 1440, "minutes"),
        "Email FinanceContact a digest this many minutes before reminders go out; 0 = off",
    ),
    _Key(
        "FailureAlertAfter",
        "failure_alert_after",
        whole_number(0, 10_000),
        "Alert after this many failed sends; 0 = never",
    ),
    _Key("StoreBodies", "store_bodies", yes_no, "Keep the full text of each email in the ledger (true/false)"),
    _Key("ThankYou", "thank_you", yes_no, "Thank customers who paid in full on time (needs a 'thanks' level)"),
    _Key(
        "IBAN",
        "iban",
        _iban,
        "Your account for payments in the base currency (QR codes, references); IBAN.CHF, IBAN.USD … for others",
    ),
    _Key("BIC", "bic", _bic, "The BIC (SWIFT code) of that account; BIC.CHF … per currency"),
    _Key("AccountHolder", "account_holder", text_of, "Name on the account; blank = CompanyName"),
    _Key(
        "CompanyAddress",
        "company_address",
        _address,
        "Street and number, postcode and town, country code (needed for Swiss QR-bills)",
    ),
    _Key(
        "ReferencePattern",
        "reference_pattern",
        _pattern(("customer", "invoices", "digest")),
        "Your own RF payment reference, e.g. {customer}{invoices}; blank = customer + a code for the invoices",
    ),
    _Key(
        "PaymentLinkPattern",
        "payment_link_pattern",
        _pattern(("customer", "amount", "currency", "reference"), web=True),
        "Statement-level pay link of your payment provider, e.g. https://pay.example/{customer}?amount={amount}",
    ),
    _Key("BankFolder", "bank_folder", _path, "Folder of bank statements (camt.053, MT940, CSV) read before each run"),
    _Key(
        "DateOrder",
        "date_order",
        _date_order,
        "How slash dates such as 03/04/2026 are read: DMY (3 April) or MDY (4 March); blank = only unambiguous ones",
    ),
    _Key(
        "ImportCloseLimit",
        "import_close_limit",
        _percent,
        "A full import refuses to mark more than this % of the open invoices Paid unless --force is given",
    ),
)
PER_CURRENCY = ("BankDetails", "IBAN", "BIC", "AccountHolder", "PaymentLinkPattern")
DERIVED_FIELDS = ("currency_values", "unusable")
KEYS: tuple[str, ...] = tuple(key.name for key in _KEYS)
_BY_NAME = {re.sub(r"[\s_-]", "", key.name).lower(): key for key in _KEYS}
#: Keys a workbook may still hold under an earlier name: read as the new key, and reported so it can be renamed.
RENAMED = {"defaultjurisdiction": ("DefaultJurisdiction", "GoverningLaw")}
for _old, (_, _new) in RENAMED.items():
    _BY_NAME[_old] = _BY_NAME[_new.lower()]
_DEFAULTS = Settings()


def _normal(key: Any) -> str:
    return re.sub(r"[\s_-]", "", text_of(key)).lower()


_PER_CURRENCY = re.compile(rf"^({'|'.join(key.lower() for key in PER_CURRENCY)})\.?([a-z]{{3}})$")


def _suffixed(key: Any) -> tuple[_Key, str] | None:
    """("IBAN" spec, "CHF") for "IBAN.CHF", "iban chf" or "IBAN_CHF"; None when `key` is no per-currency key."""
    match = _PER_CURRENCY.match(_normal(key))
    if not match or match[2].upper() not in list_currencies():
        return None
    return _BY_NAME[match[1]], match[2].upper()


def _is_secret(key: str) -> bool:
    return _normal(key) not in _BY_NAME and _suffixed(key) is None and bool(_SECRET_WORDS.search(key))


def _secret_reason(key: str) -> str:
    families = [variable for family, variable in SECRET_ENVIRONMENT.items() if family in key.lower()]
    variables = " or ".join(families or SECRET_ENVIRONMENT.values())
    return (
        f"'{key}' looks like a password or secret, and secrets do not belong in the workbook: delete this row and "
        f"set the environment variable {variables} or store it in the OS keyring instead"
    )


def _unknown_reason(key: str) -> str:
    near = difflib.get_close_matches(_normal(key), list(_BY_NAME), n=1, cutoff=0.6)
    if near:
        return f"unknown setting '{key}' — did you mean '{_BY_NAME[near[0]].name}'?"
    return f"unknown setting '{key}' — the README sheet lists the settings arcollect knows"


def canonical_key(key: str) -> str:
    """The Settings-sheet spelling of `key` (matched case-insensitively); `ConfigError` if it is not a setting."""
    if _is_secret(str(key)):
        raise ConfigError(_secret_reason(str(key)))
    found = _BY_NAME.get(_normal(key))
    if found is None:
        suffixed = _suffixed(key)
        if suffixed is not None:
            return f"{suffixed[0].name}.{suffixed[1]}"
        raise ConfigError(_unknown_reason(str(key)))
    return found.name


def describe(key: str) -> str:
    """The one-line description of `key` shown in the Settings sheet."""
    name = canonical_key(key)
    suffixed = _suffixed(name)
    if suffixed is not None:
        return f"{suffixed[0].name} for payments in {suffixed[1]} (instead of the base currency's)"
    return _BY_NAME[_normal(name)].doc


def _parse_one(spec: _Key, value: Any) -> Any:
    """A typed value, the default for a blank cell; ValueError with the reason for a bad one.

    "none" or "null" typed into a cell is a value (SmtpSecurity none), not a blank: it is parsed like any other,
    and only where it cannot be a value of the key does it mean "the default", as it always did.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or text_of(value).lower() in BLANK:
        return getattr(_DEFAULTS, spec.field)
    if text_of(value).lower() in MISSING:
        try:
            return spec.parse(value)
        except ValueError:
            return getattr(_DEFAULTS, spec.field)
    try:
        return spec.parse(value)
    except ValueError as exc:
        raise ValueError(f"{spec.name} '{_shown(spec, value)}' is not usable — expected {exc}") from None


def _shown(spec: _Key, value: Any) -> str:
    """The value as a message may repeat it: a LedgerUrl without any password typed into it."""
    if spec.field == "ledger_url":
        from arcollect.ledger_url import safe_url

        return safe_url(text_of(value))
    return text_of(value)


def set_value(key: str, text: str) -> str:
    """Validate one value for ``arcollect config PATH KEY VALUE``; the canonical text to write in the sheet.

    Blank text means "back to the default" and returns ''. Raises `ConfigError` naming the key, the value and the
    expected form; secret-looking keys are refused with the environment variable to use instead.
    """
    name = canonical_key(key)
    spec = _BY_NAME.get(_normal(name)) or _suffixed(name)[0]  # type: ignore[index]
    if text_of(text).lower() in BLANK:
        return ""
    try:
        value = spec.parse(text)
    except ValueError as exc:
        raise ConfigError(f"{spec.name} '{_shown(spec, text)}' is not usable — expected {exc}") from None
    return canonical(value)


def parse_settings(table: pd.DataFrame) -> tuple[Settings, list[Problem]]:
    """The `Settings` from a table with `SettingsSheet` columns, and a problem for every row that was not used.

    Never raises for a bad row: its key keeps the default. Values may be text or typed cells (int, float, bool,
    date). The row label in a problem is the table's index label (the Excel row number from the reader).
    """
    key_header = SETTINGS.column(SettingsSheet.KEY).header
    value_header = SETTINGS.column(SettingsSheet.VALUE).header
    values: dict[str, Any] = {}
    per_currency: list[tuple[str, str, Any]] = []
    unusable: list[str] = []
    problems: list[Problem] = []
    if SettingsSheet.KEY not in table.columns:
        return Settings(), problems
    cells = table[SettingsSheet.VALUE] if SettingsSheet.VALUE in table.columns else pd.Series(None, index=table.index)
    seen: dict[Any, Any] = {}
    renamed_rows: set[Any] = set()  # slots set by a row under an old key name
    for row, key, value in zip(table.index, table[SettingsSheet.KEY], cells, strict=True):
        name = "" if key is None or (isinstance(key, float) and math.isnan(key)) else text_of(key)
        if name.lower() in MISSING:
            continue
        if _is_secret(name):
            problems.append(Problem(SETTINGS.sheet, row, value_header, HIDDEN, _secret_reason(name)))
            logger.warning("Settings row %s: secret-looking key %r ignored (value %s)", row, name, HIDDEN)
            continue
        spec = _BY_NAME.get(_normal(name))
        suffixed = None if spec is not None else _suffixed(name)
        if suffixed is not None:
            spec = suffixed[0]
        if spec is None:
            problems.append(Problem(SETTINGS.sheet, row, key_header, name, _unknown_reason(name)))
            continue
        slot = (spec.field, suffixed[1] if suffixed else "")
        shown = f"{spec.name}.{suffixed[1]}" if suffixed else spec.name
        renamed = RENAMED.get(_normal(name))
        if renamed is not None:
            old, new = renamed
            if text_of(value).upper() == "EU" or slot in seen:
                why = (
                    f"'EU' is not a law (the Late Payment Directive binds member states, not customers), so it is "
                    f"not used: set {new} to your company's country, e.g. DE"
                    if text_of(value).upper() == "EU"
                    else f"{new} is also set, and it wins"
                )
                problems.append(Problem(SETTINGS.sheet, row, key_header, name, f"{old} is now called {new}; {why}"))
                continue
            problems.append(
                Problem(
                    SETTINGS.sheet, row, key_header, name,
                    f"{old} is now called {new}: its value {text_of(value)!r} is used as {new} — rename the row",
                )
            )  # fmt: skip
        if slot in seen:
            if renamed is None and slot in renamed_rows:  # the old key's row gives way to the new key
                values.pop(spec.field, None)
                renamed_rows.discard(slot)
            else:
                reason = f"{shown} is set twice — the row {seen[slot]} value is used; delete one of them"
                problems.append(Problem(SETTINGS.sheet, row, key_header, name, reason))
                continue
        seen[slot] = row
        if renamed is not None:
            renamed_rows.add(slot)
        try:
            parsed = _parse_one(spec, value)
        except ValueError as exc:
            default = canonical(getattr(_DEFAULTS, spec.field)) or "blank"
            reason = str(exc).replace(f"{spec.name} '", f"{shown} '", 1)
            cell = _shown(spec, value) if spec.field == "ledger_url" else value
            problems.append(Problem(SETTINGS.sheet, row, value_header, cell, f"{reason}; using {default!r}"))
            unusable.append(shown)
            continue
        if suffixed:
            per_currency.append((spec.field, suffixed[1], parsed))
        else:
            values[spec.field] = parsed
    return Settings(**values, currency_values=tuple(per_currency), unusable=tuple(unusable)), problems


def settings_rows(settings: Settings) -> pd.DataFrame:
    """`settings` as Settings-sheet rows (key, canonical value text, description): the inverse of `parse_settings`."""
    fields = {spec.field: spec for spec in _KEYS}
    extra = [(f"{fields[field].name}.{code}", value) for field, code, value in settings.currency_values]
    return pd.DataFrame(
        {
            SettingsSheet.KEY: [*KEYS, *(key for key, _value in extra)],
            SettingsSheet.VALUE: [
                *(canonical(getattr(settings, spec.field)) for spec in _KEYS),
                *(canonical(value) for _key, value in extra),
            ],
            SettingsSheet.DESCRIPTION: [*(spec.doc for spec in _KEYS), *(describe(key) for key, _value in extra)],
        }
    )


def default_settings_rows() -> pd.DataFrame:
    """The Settings rows of a new workbook: every key with its default; company and sender are left to the user."""
    return settings_rows(Settings())
