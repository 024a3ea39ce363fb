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

Where the parts live: this module holds `Settings` and reads, writes and checks the sheet as a whole;
`book.settings_keys` is the table of keys (name, field, parser, description), how a typed key is matched and which
keys are secrets; `book.settings_values` holds the value parsers. The DunningLevels sheet (the dunning policy) is
read by `arcollect.engine.policy`; both sheets read cells the same way (`arcollect.cell_values`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from arcollect.book import settings_keys as keys
from arcollect.book.files import real_path
from arcollect.cell_values import BLANK, MISSING, canonical, text_of
from arcollect.errors import ConfigError
from arcollect.problems import Problem
from arcollect.schema import SETTINGS, SettingsSheet

logger = logging.getLogger(__name__)


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


DERIVED_FIELDS = ("currency_values", "unusable")
_DEFAULTS = Settings()


def _parse_one(spec: keys.Key, value: Any) -> Any:
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


def _shown(spec: keys.Key, value: Any) -> str:
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
    name = keys.canonical_key(key)
    spec = keys.find(name) or keys.per_currency(name)[0]  # type: ignore[index]
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
        if keys.is_secret(name):
            problems.append(Problem(SETTINGS.sheet, row, value_header, keys.HIDDEN, keys.secret_reason(name)))
            logger.warning("Settings row %s: secret-looking key %r ignored (value %s)", row, name, keys.HIDDEN)
            continue
        spec = keys.find(name)
        suffixed = None if spec is not None else keys.per_currency(name)
        if suffixed is not None:
            spec = suffixed[0]
        if spec is None:
            problems.append(Problem(SETTINGS.sheet, row, key_header, name, keys.unknown_reason(name)))
            continue
        slot = (spec.field, suffixed[1] if suffixed else "")
        shown = f"{spec.name}.{suffixed[1]}" if suffixed else spec.name
        renamed = keys.RENAMED.get(keys.normal(name))
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
    fields = {spec.field: spec for spec in keys.TABLE}
    extra = [(f"{fields[field].name}.{code}", value) for field, code, value in settings.currency_values]
    return pd.DataFrame(
        {
            SettingsSheet.KEY: [*keys.KEYS, *(key for key, _value in extra)],
            SettingsSheet.VALUE: [
                *(canonical(getattr(settings, spec.field)) for spec in keys.TABLE),
                *(canonical(value) for _key, value in extra),
            ],
            SettingsSheet.DESCRIPTION: [
                *(spec.doc for spec in keys.TABLE),
                *(keys.describe(key) for key, _value in extra),
            ],
        }
    )


def default_settings_rows() -> pd.DataFrame:
    """The Settings rows of a new workbook: every key with its default; company and sender are left to the user."""
    return settings_rows(Settings())
