"""Every sheet, table and column of the workbook: the single place where they are named and typed.

    >>> from arcollect.schema import Invoices, TABLES
    >>> TABLES["Invoices"].column(Invoices.DUE_DATE).header
    'Due date'

Code refers to a column through the enums (`Invoices.DUE_DATE`), never through a string literal, so a rename is
one edit here. Each enum member is a `str`: ``df[Invoices.OPEN_AMOUNT]`` works directly. DataFrames use the
keys; the workbook shows the headers. `Table` records carry what the template, the reader and the writer need:
header, kind, required, allowed values and a one-line description for the README sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "ja", "zh")
STATUSES = ("Open", "Disputed", "Promised", "Plan", "Paid")
TONES = ("incentive", "friendly", "firm", "final", "escalation", "thanks", "statement")
AGING_BASES = ("due", "invoice")
CUSTOMER_TYPES = ("Business", "Consumer")
TRANSPORTS = ("outbox", "smtp", "ews", "graph")
TOTAL = "Total"
MAX_TEXT = 32_767  # Excel's limit for the text of one cell


class Kind(StrEnum):
    """How a column's cells are read, validated and formatted."""

    TEXT = "text"
    CODE = "code"  # upper-cased identifier: currency, country
    EMAIL = "email"  # one or more addresses separated by ; or , kept as one text ("a@x.example; b@x.example")
    EMAILS = "emails"  # addresses separated by ; or ,
    DATE = "date"
    DATETIME = "datetime"
    MONEY = "money"
    NUMBER = "number"
    INTEGER = "integer"
    BOOL = "bool"
    PERCENT = "percent"  # a share 0..1 shown as a percentage; output sheets only
    LINK = "link"  # a cell reference such as "Invoices!D12", written as a link to that cell; output sheets only


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = Kind.TEXT
    required: bool = False
    allowed: tuple[str, ...] = ()
    doc: str = ""
    width: int = 14
    wrap: bool = False  # output sheets: long text wraps in its cell instead of being cut off
    fit: bool = True  # output sheets: the column widens to its values (not for keys nobody reads whole)


@dataclass(frozen=True)
class Table:
    """An Excel Table (ListObject) on a sheet of the same name."""

    name: str
    columns: tuple[Column, ...]
    doc: str
    output: bool = False
    unique: tuple[str, ...] = ()
    _by_key: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({column.key: column for column in self.columns})

    def column(self, key: str) -> Column:
        return self._by_key[key]

    @property
    def keys(self) -> list[str]:
        return [column.key for column in self.columns]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    @property
    def sheet(self) -> str:
        return self.name


# ---- column keys -------------------------------------------------------------------------------------------


class Customers(StrEnum):
    ID = "customer_id"
    NAME = "name"
    EMAIL = "email"
    CC = "cc"
    COUNTRY = "country"
    SUBDIVISION = "subdivision"
    LANGUAGE = "language"
    CURRENCY = "currency"
    TIME_ZONE = "time_zone"
    TERMS = "terms"
    CREDIT_LIMIT = "credit_limit"
    ACCOUNT_MANAGER = "account_manager_email"
    DO_NOT_CONTACT = "do_not_contact"
    AUTO_PAY = "auto_pay"
    JURISDICTION = "jurisdiction"
    ENTITY = "entity"
    CREDIT_HOLD = "credit_hold"
    CUSTOMER_TYPE = "customer_type"
    LATE_CHARGE = "late_charge"


class Invoices(StrEnum):
    NUMBER = "invoice_number"
    CUSTOMER_ID = "customer_id"
    INVOICE_DATE = "invoice_date"
    DUE_DATE = "due_date"
    CURRENCY = "currency"
    AMOUNT = "amount"
    OPEN_AMOUNT = "open_amount"
    TERMS = "terms"
    STATUS = "status"
    PROMISE_DATE = "promise_date"
    DISPUTE_REASON = "dispute_reason"
    PLAN_NEXT_DATE = "plan_next_date"
    PAYMENT_LINK = "payment_link"
    PO_NUMBER = "po_number"
    PAID_DATE = "paid_date"  # derived from Payments: the date the invoice became fully paid
    DAYS_LATE = "days_late"  # derived: paid date minus due date, early counts as 0


class Payments(StrEnum):
    DATE = "payment_date"
    CUSTOMER_ID = "customer_id"
    INVOICE_NUMBER = "invoice_number"
    AMOUNT = "amount"
    CURRENCY = "currency"
    METHOD = "method"
    REFERENCE = "reference"
    BANK_ENTRY = "bank_entry"  # the bank's key of the statement entry the payment came from (bank/ import)
    MATCHED_BY = "matched_by"  # the rule that matched it to the invoice (bank/matching)


class Unmatched(StrEnum):
    """Unmatched: booked credits of imported bank statements that no rule could apply with certainty."""

    BOOKING_DATE = "booking_date"
    AMOUNT = "amount"
    CURRENCY = "currency"
    PAYER = "payer"
    PAYER_ACCOUNT = "payer_account"
    REMITTANCE = "remittance"
    REASON = "reason"
    CANDIDATES = "candidates"
    ENTRY = "bank_entry"
    SOURCE = "source"


class FX(StrEnum):
    """One row per currency (optionally per date): 1 unit of CURRENCY = RATE units of the base currency."""

    CURRENCY = "currency"
    RATE = "rate"
    DATE = "rate_date"


class SettingsSheet(StrEnum):
    KEY = "key"
    VALUE = "value"
    DESCRIPTION = "description"


class DunningLevels(StrEnum):
    LEVEL = "level"
    NAME = "name"
    DAYS_OFFSET = "days_offset"
    TEMPLATE = "template"
    TONE = "tone"
    MIN_DAYS_SINCE_PREVIOUS = "min_days_since_previous"
    CC_ACCOUNT_MANAGER = "cc_account_manager"
    ATTACH_STATEMENT = "attach_statement"
    ADD_INTEREST = "add_interest"
    ESCALATE = "escalate"
    REPEAT_EVERY_DAYS = "repeat_every_days"


class Aging(StrEnum):
    """Columns the engine adds to invoices when it ages and prices them (the Aging sheet)."""

    DAYS_PAST_DUE = "days_past_due"
    BUCKET = "bucket"
    BASE_OPEN_AMOUNT = "base_open_amount"
    DISCOUNT_AVAILABLE = "discount_available"
    DISCOUNT_DEADLINE = "discount_deadline"
    LATE_INTEREST = "late_interest"
    FIXED_COMPENSATION = "fixed_compensation"
    NOT_IN_TOTALS = "not_in_totals"  # why an open item is left out of the totals (no FX rate, no due date)
    INTEREST_FROM = "interest_from"  # first day of interest: the day after the due date, moved where the law moves it
    PAID_TO_CHARGES = "paid_to_charges"  # payments the governing law applied to costs and interest first
    CHARGE_BASIS = "charge_basis"  # the statute and section, or the contract, the charges rest on


class Queue(StrEnum):
    """ReminderQueue: what would go out, when, or why it is held."""

    KEY = "idempotency_key"
    CUSTOMER_ID = "customer_id"
    CUSTOMER_NAME = "customer_name"
    LEVEL = "level"
    LEVEL_NAME = "level_name"
    TEMPLATE = "template"
    LANGUAGE = "language"
    TO = "to"
    CC = "cc"
    INVOICES = "invoices"
    AMOUNT = "amount_text"
    BASE_AMOUNT = "base_amount"
    SEND_AT_LOCAL = "send_at_local"
    SEND_AT_UTC = "send_at_utc"
    STATE = "state"
    REASON = "reason"
    APPROVE = "approve"


class Log(StrEnum):
    """ReminderLog: the ledger's view, one row per reminder ever planned for sending."""

    KEY = "idempotency_key"
    CUSTOMER_ID = "customer_id"
    LEVEL = "level"
    TEMPLATE = "template"
    STATE = "state"
    SUBJECT = "subject"
    TO = "to"
    CC = "cc"
    INVOICES = "invoices"
    TRANSPORT = "transport"
    MESSAGE_ID = "message_id"
    PLANNED_AT = "planned_at"
    SENT_AT = "sent_at"
    ERROR = "error"


class PaymentBehaviour(StrEnum):
    """Per-customer payment behaviour (engine/metrics.payment_behaviour)."""

    PAID_COUNT = "paid_count"
    ON_TIME_SHARE = "on_time_share"
    AVERAGE_DAYS_LATE = "average_days_late"
    WEIGHTED_DAYS_LATE = "weighted_days_late"
    DAYS_LATE_TREND = "days_late_trend"


class ExceptionsSheet(StrEnum):
    SHEET = "sheet"
    ROW = "row"
    COLUMN = "column"
    VALUE = "value"
    REASON = "reason"
    AFFECTS = "rows_affected"
    CELL = "cell"


class Queued(StrEnum):
    """ReminderQueue columns shaped for reading (run's output): the amount due as a number in its currency."""

    CURRENCY = "queue_currency"
    AMOUNT_DUE = "amount_due"


class NextAction(StrEnum):
    """NextActions: one row per customer with open items — what happens next, or why nothing does."""

    CUSTOMER_ID = "customer_id"
    CUSTOMER_NAME = "customer_name"
    ACTION = "next_action"
    WHEN = "when_local"
    OPEN_BASE = "open_base"
    OVERDUE_BASE = "overdue_base"
    INVOICES = "open_invoices"
    OLDEST = "oldest_days_past_due"
    WHERE = "where_to_look"


class Kpi(StrEnum):
    """Month-end collections KPIs (engine/analytics.kpis): one row per month end, amounts in the base currency."""

    MONTH_END = "month_end"
    DAYS = "days_in_month"
    CREDIT_SALES = "credit_sales"
    BEGINNING_RECEIVABLES = "beginning_receivables"
    RECEIVABLES = "receivables"
    CURRENT_RECEIVABLES = "current_receivables"
    OVERDUE_RECEIVABLES = "overdue_receivables"
    DSO = "dso"
    DSO_COUNTBACK = "dso_countback"
    BEST_POSSIBLE_DSO = "best_possible_dso"
    ADD = "add"
    CEI = "cei"


class Headline(StrEnum):
    """Keys of the KPI tiles (engine/analytics.kpis headline dict)."""

    AS_OF = "as_of"
    MONTH_END = "month_end"
    DSO = "dso"
    DSO_COUNTBACK = "dso_countback"
    BEST_POSSIBLE_DSO = "best_possible_dso"
    ADD = "add"
    CEI = "cei"
    OPEN_TOTAL = "open_total"
    OVERDUE_TOTAL = "overdue_total"
    OVERDUE_PERCENT = "overdue_percent"
    OVERDUE_BY_BUCKET = "overdue_by_bucket"
    OVERDUE_BY_CURRENCY = "overdue_by_currency"
    TOP_DEBTORS = "top_debtors"
    PROBLEMS = "problems"


class Debtors(StrEnum):
    """Top debtors table (customer id is `Invoices.CUSTOMER_ID`), base currency."""

    OPEN_BASE = "open_base"
    OVERDUE_BASE = "overdue_base"
    CREDIT_LIMIT_BASE = "credit_limit_base"
    LIMIT_USED = "credit_limit_used"


class Risk(StrEnum):
    """Per-customer risk score and its named features (engine/analytics.risk)."""

    SCORE = "risk_score"
    REASONS = "risk_reasons"
    WEIGHTED_DAYS_LATE = "recent_weighted_days_late"
    DAYS_LATE_TREND = "days_late_trend"
    LATE_SHARE = "late_share"
    BROKEN_PROMISES = "broken_promises"
    OVERDUE_SHARE = "overdue_share"
    PREDICTED_PAY_DATE = "predicted_pay_date"
    NEXT_PAY_DATE = "next_predicted_pay_date"


class Calibration(StrEnum):
    """Keys of the holdout calibration report (engine/analytics.calibration)."""

    FIT_COUNT = "fit_count"
    HOLDOUT_COUNT = "holdout_count"
    MAE_DAYS = "mae_days"
    WITHIN_7_SHARE = "within_7_share"
    BASELINE_MAE_DAYS = "baseline_mae_days"
    BASELINE_WITHIN_7_SHARE = "baseline_within_7_share"


class Effectiveness(StrEnum):
    """Reminder effectiveness per level, template and language (engine/analytics.effectiveness)."""

    LEVEL = "level"
    TEMPLATE = "template"
    LANGUAGE = "language"
    REMINDERS = "reminders"
    INVOICES = "invoices"
    PAID_7_SHARE = "paid_7_share"
    PAID_14_SHARE = "paid_14_share"
    PAID_30_SHARE = "paid_30_share"
    PAID_14_COUNT = "paid_14_count"
    PAID_14_BASE = "paid_14_base"
    MEDIAN_DAYS_TO_PAY = "median_days_to_pay"


class EffectivenessSheet(StrEnum):
    """Columns the Effectiveness sheet adds to `Effectiveness`."""

    VERDICT = "ab_verdict"


# ---- tables ------------------------------------------------------------------------------------------------

C = Column
CUSTOMERS = Table(
    "Customers",
    (
        C(Customers.ID, "Customer ID", Kind.TEXT, True, doc="Your customer number; links invoices and payments"),
        C(Customers.NAME, "Name", Kind.TEXT, True, width=30),
        C(
            Customers.EMAIL,
            "Email",
            Kind.EMAIL,
            doc="Where reminders go (accounts payable); several addresses separated by ; all receive them",
            width=28,
        ),
        C(Customers.CC, "Cc", Kind.EMAILS, doc="Further addresses, separated by ;", width=24),
        C(Customers.COUNTRY, "Country", Kind.CODE, True, doc="ISO code: DE, FR, GB, US, JP …", width=9),
        C(Customers.SUBDIVISION, "Subdivision", Kind.CODE, doc="State/region for public holidays (BY, ENG, CA)"),
        C(Customers.LANGUAGE, "Language", Kind.CODE, allowed=LANGUAGES, doc="Reminder language; blank = English"),
        C(Customers.CURRENCY, "Currency", Kind.CODE, doc="Billing currency (ISO 4217)", width=9),
        C(Customers.TIME_ZONE, "Time zone", Kind.TEXT, doc="IANA zone (Europe/Berlin); blank = country's main zone"),
        C(Customers.TERMS, "Payment terms", Kind.TEXT, doc="e.g. net 30, 2/10 net 30, net 30 EOM", width=18),
        C(
            Customers.CREDIT_LIMIT,
            "Credit limit",
            Kind.MONEY,
            doc="In the customer's Currency (blank Currency: the base currency); the Dashboard flags who is over it",
        ),
        C(Customers.ACCOUNT_MANAGER, "Account manager email", Kind.EMAIL, width=28),
        C(Customers.DO_NOT_CONTACT, "Do not contact", Kind.BOOL, doc="TRUE: never send reminders"),
        C(Customers.AUTO_PAY, "Auto-pay", Kind.BOOL, doc="TRUE: pays by direct debit; no dunning"),
        C(
            Customers.JURISDICTION,
            "Jurisdiction",
            Kind.CODE,
            doc="Law governing the contract (DE, FR, GB, US …); blank = Settings GoverningLaw",
        ),
        C(Customers.ENTITY, "Entity", Kind.TEXT, doc="Your selling company, if several"),
        C(Customers.CREDIT_HOLD, "Credit hold", Kind.BOOL, doc="Set by an escalation level"),
        C(
            Customers.CUSTOMER_TYPE,
            "Customer type",
            Kind.TEXT,
            allowed=CUSTOMER_TYPES,
            doc="Business (B2B) or Consumer (B2C); blank = Business",
        ),
        C(
            Customers.LATE_CHARGE,
            "Late charge",
            Kind.TEXT,
            doc="Contractual late interest, e.g. 1.5 % per month; blank = Settings LateCharge, else the law's",
            width=18,
        ),
    ),
    "One row per customer: contacts, country, language, currency and terms.",
    unique=(Customers.ID,),
)
INVOICES = Table(
    "Invoices",
    (
        C(Invoices.NUMBER, "Invoice", Kind.TEXT, True, doc="Invoice or credit note number", width=17),
        C(Invoices.CUSTOMER_ID, "Customer ID", Kind.TEXT, True),
        C(Invoices.INVOICE_DATE, "Invoice date", Kind.DATE, True, width=12),
        C(Invoices.DUE_DATE, "Due date", Kind.DATE, doc="Blank = from the payment terms", width=12),
        C(Invoices.CURRENCY, "Currency", Kind.CODE, True, width=9),
        C(Invoices.AMOUNT, "Amount", Kind.MONEY, True, doc="Invoice total; negative for a credit note"),
        C(Invoices.OPEN_AMOUNT, "Open amount", Kind.MONEY, doc="Still unpaid; blank = Amount"),
        C(Invoices.TERMS, "Terms override", Kind.TEXT, doc="Blank = the customer's payment terms", width=16),
        C(Invoices.STATUS, "Status", Kind.TEXT, allowed=STATUSES, doc="Open, Disputed, Promised, Plan or Paid"),
        C(Invoices.PROMISE_DATE, "Promise date", Kind.DATE, doc="Promised payment date (Status Promised)", width=12),
        C(Invoices.DISPUTE_REASON, "Dispute reason", Kind.TEXT, width=24),
        C(Invoices.PLAN_NEXT_DATE, "Plan next instalment", Kind.DATE, doc="Next payment-plan date (Status Plan)"),
        C(Invoices.PAYMENT_LINK, "Payment link", Kind.TEXT, width=24),
        C(Invoices.PO_NUMBER, "PO number", Kind.TEXT),
    ),
    "One row per open invoice or credit note.",
    unique=(Invoices.NUMBER,),
)
PAYMENTS = Table(
    "Payments",
    (
        C(Payments.DATE, "Date", Kind.DATE, True, width=12),
        C(Payments.CUSTOMER_ID, "Customer ID", Kind.TEXT, True),
        C(Payments.INVOICE_NUMBER, "Invoice", Kind.TEXT, doc="Blank = unapplied cash", width=17),
        C(Payments.AMOUNT, "Amount", Kind.MONEY, True),
        C(Payments.CURRENCY, "Currency", Kind.CODE, True, width=9),
        C(Payments.METHOD, "Method", Kind.TEXT),
        C(Payments.REFERENCE, "Reference", Kind.TEXT, width=20),
        C(Payments.BANK_ENTRY, "Bank entry", Kind.TEXT, doc="Set by a bank import: the entry key", width=20),
        C(Payments.MATCHED_BY, "Matched by", Kind.TEXT, doc="Set by a bank statement import: the rule that matched"),
    ),
    "Payments received: history for analytics and partial payments for interest.",
)
FX_TABLE = Table(
    "FX",
    (
        C(FX.CURRENCY, "Currency", Kind.CODE, True, width=9),
        C(FX.RATE, "Rate to base", Kind.NUMBER, True, doc="1 unit of Currency = Rate units of the base currency"),
        C(FX.DATE, "Rate date", Kind.DATE, doc="Blank = valid for every date", width=12),
    ),
    "Exchange rates to the base currency (Settings: BaseCurrency).",
)
SETTINGS = Table(
    "Settings",
    (
        C(SettingsSheet.KEY, "Key", Kind.TEXT, True, width=22),
        C(SettingsSheet.VALUE, "Value", Kind.TEXT, width=34),
        C(SettingsSheet.DESCRIPTION, "Description", Kind.TEXT, width=110),  # the longest on one line, printed too
    ),
    "Key/value settings: base currency, aging, sender, transport, send window. No passwords here.",
    unique=(SettingsSheet.KEY,),
)
DUNNING_LEVELS = Table(
    "DunningLevels",
    (
        C(DunningLevels.LEVEL, "Level", Kind.INTEGER, True, width=7),
        C(DunningLevels.NAME, "Name", Kind.TEXT, True, width=18),
        C(DunningLevels.DAYS_OFFSET, "Days after due", Kind.INTEGER, True, doc="Negative = before the due date"),
        C(DunningLevels.TEMPLATE, "Template", Kind.TEXT, True, doc="Template name; two separated by | for A/B"),
        C(DunningLevels.TONE, "Tone", Kind.TEXT, allowed=TONES),
        C(DunningLevels.MIN_DAYS_SINCE_PREVIOUS, "Min days since previous", Kind.INTEGER),
        C(DunningLevels.CC_ACCOUNT_MANAGER, "Cc account manager", Kind.BOOL),
        C(DunningLevels.ATTACH_STATEMENT, "Attach statement", Kind.BOOL),
        C(DunningLevels.ADD_INTEREST, "Add interest", Kind.BOOL, doc="Show statutory interest and compensation"),
        C(DunningLevels.ESCALATE, "Escalate", Kind.BOOL, doc="Credit hold and agency case file"),
        C(DunningLevels.REPEAT_EVERY_DAYS, "Repeat every days", Kind.INTEGER, doc="Final level: repeat until paid"),
    ),
    "The dunning policy: which reminder goes out how many days after the due date.",
    unique=(DunningLevels.LEVEL,),
)
AGING = Table(
    "Aging",
    (
        C(Invoices.NUMBER, "Invoice"),
        C(Invoices.CUSTOMER_ID, "Customer ID"),
        C(Queue.CUSTOMER_NAME, "Customer", width=28),
        C(Invoices.INVOICE_DATE, "Invoice date", Kind.DATE, width=12),
        C(Invoices.DUE_DATE, "Due date", Kind.DATE, width=12),
        C(Invoices.STATUS, "Status"),
        C(Invoices.CURRENCY, "Currency", Kind.CODE, width=9),
        C(Invoices.OPEN_AMOUNT, "Open amount (invoice currency)", Kind.MONEY),
        C(Aging.DAYS_PAST_DUE, "Days past due", Kind.INTEGER, width=8),
        C(Aging.BUCKET, "Bucket", width=9),
        C(Aging.BASE_OPEN_AMOUNT, "Open (base)", Kind.MONEY),
        C(Aging.DISCOUNT_AVAILABLE, "Discount if paid today (invoice currency)", Kind.MONEY),
        C(Aging.DISCOUNT_DEADLINE, "Discount deadline", Kind.DATE, width=12),
        C(Aging.LATE_INTEREST, "Late interest (invoice currency)", Kind.MONEY),
        C(Aging.FIXED_COMPENSATION, "Fixed compensation (invoice currency)", Kind.MONEY),
        C(Aging.INTEREST_FROM, "Interest from", Kind.DATE, width=12, doc="Due date moved where the law moves it, + 1"),
        C(
            Aging.PAID_TO_CHARGES,
            "Paid towards charges (invoice currency)",
            Kind.MONEY,
            doc="Payments the law applies to costs first",
        ),
        C(Aging.CHARGE_BASIS, "Basis of charges", width=40, doc="Statute and section, or the contract", wrap=True),
        C(
            Risk.PREDICTED_PAY_DATE,
            "Predicted pay date",
            Kind.DATE,
            width=14,
            doc="From the customer's payment history; 'overdue — no prediction' once that date has passed",
        ),
        C(Aging.NOT_IN_TOTALS, "Not in totals because", width=30, wrap=True),
    ),
    "Every open invoice aged and priced as of the run date, with the date the customer's history says it gets paid. "
    "Open (base) adds up to the total on AgingSummary, CustomerRisk and the Dashboard; a row left out of that total "
    "says why in the last column.",
    output=True,
)
AGING_SUMMARY = Table(
    "AgingSummary",
    (
        C(Invoices.CUSTOMER_ID, "Customer ID"),
        C(Queue.CUSTOMER_NAME, "Customer", width=28),
    ),
    "Open amounts in the base currency per customer and aging bucket (bucket columns follow BucketEdges; each "
    "header names the base currency, e.g. Current (EUR)).",
    output=True,
)
REMINDER_QUEUE = Table(
    "ReminderQueue",
    (
        C(Queue.CUSTOMER_ID, "Customer ID"),
        C(Queue.CUSTOMER_NAME, "Customer", width=28),
        C(Queue.LEVEL, "Level", Kind.INTEGER, width=7),
        C(Queue.LEVEL_NAME, "Level name", width=16),
        C(Queue.TEMPLATE, "Template", width=16),
        C(Queue.LANGUAGE, "Language", width=9),
        C(Queue.TO, "To", width=28),
        C(Queue.CC, "Cc", width=24, wrap=True),
        C(Queue.INVOICES, "Invoices", width=30, wrap=True),
        C(Queued.CURRENCY, "Currency", width=9),
        C(
            Queued.AMOUNT_DUE,
            "Amount due (invoice currency)",
            Kind.MONEY,
            doc="In the Currency beside it; several currencies are listed as text",
        ),
        C(Queue.BASE_AMOUNT, "Amount (base)", Kind.MONEY),
        C(Queue.SEND_AT_LOCAL, "Send at (customer time)", width=22),
        C(Queue.SEND_AT_UTC, "Send at (UTC)", Kind.DATETIME, width=18),
        C(Queue.STATE, "State", width=10),
        C(
            Queue.APPROVE,
            "Approve",
            width=14,
            doc="Escalations awaiting approval: type your name here, save, then send — the next run records it",
        ),
        C(Queue.REASON, "Reason", width=50, wrap=True),
        C(Queue.KEY, "Key", width=18, fit=False),
    ),
    "What the next send would do: each reminder with its send time, or why it is held (or awaits approval).",
    output=True,
)
REMINDER_LOG = Table(
    "ReminderLog",
    (
        C(Log.KEY, "Key", width=18, fit=False),
        C(Log.CUSTOMER_ID, "Customer ID"),
        C(Log.LEVEL, "Level", Kind.INTEGER, width=7),
        C(Log.TEMPLATE, "Template", width=16),
        C(Log.STATE, "State", width=10),
        C(Log.SUBJECT, "Subject", width=40, wrap=True),
        C(Log.TO, "To", width=28),
        C(Log.CC, "Cc", width=24, wrap=True),
        C(Log.INVOICES, "Invoices", width=30, wrap=True),
        C(Log.TRANSPORT, "Transport", width=10),
        C(Log.MESSAGE_ID, "Message-ID", width=30, fit=False),
        C(Log.PLANNED_AT, "Planned (UTC)", Kind.DATETIME, width=18),
        C(Log.SENT_AT, "Sent (UTC)", Kind.DATETIME, width=18),
        C(Log.ERROR, "Error", width=40),
    ),
    "Every reminder the ledger knows: sent, failed or waiting, with times and message IDs.",
    output=True,
)
EXCEPTIONS = Table(
    "Exceptions",
    (
        C(ExceptionsSheet.SHEET, "Sheet"),
        C(ExceptionsSheet.ROW, "Row", Kind.INTEGER, width=7),
        C(ExceptionsSheet.COLUMN, "Column", width=18),
        C(ExceptionsSheet.VALUE, "Value", width=24),
        C(ExceptionsSheet.REASON, "Reason", width=80, doc="What is wrong, what it costs, and how to fix it", wrap=True),
        C(ExceptionsSheet.AFFECTS, "Rows affected", Kind.INTEGER, width=9),
        C(ExceptionsSheet.CELL, "Go to", Kind.LINK, width=16, doc="A link to the cell to fix"),
    ),
    "Every value the last run could not use, once, at the cell it comes from: where it is, why, what it costs "
    "(Rows affected: the invoices it keeps out of totals or reminders) and a link to the cell. Sorted by sheet "
    "and row. Fix the cell and refresh.",
    output=True,
)
CUSTOMER_RISK = Table(
    "CustomerRisk",
    (
        C(Invoices.CUSTOMER_ID, "Customer ID"),
        C(Queue.CUSTOMER_NAME, "Customer", width=28),
        C(
            Risk.SCORE,
            "Risk score",
            Kind.INTEGER,
            width=8,
            doc="0 = no warning signs, 100 = every sign at its worst; 'no payment history' when nothing was paid yet",
        ),
        C(Risk.REASONS, "Why", width=60, doc="The features that add the most points, largest first", wrap=True),
        C(Debtors.OPEN_BASE, "Open (base)", Kind.MONEY),
        C(Debtors.OVERDUE_BASE, "Overdue (base)", Kind.MONEY),
        C(Debtors.CREDIT_LIMIT_BASE, "Credit limit (base)", Kind.MONEY),
        C(Debtors.LIMIT_USED, "Credit limit used", Kind.PERCENT, width=9, doc="Open (base) / Credit limit (base)"),
        C(
            Risk.NEXT_PAY_DATE,
            "Next predicted payment",
            Kind.DATE,
            width=14,
            doc="The earliest predicted pay date; or why there is none (no payment history, overdue)",
        ),
        C(PaymentBehaviour.PAID_COUNT, "Invoices paid", Kind.INTEGER, width=9),
        C(PaymentBehaviour.ON_TIME_SHARE, "Paid on time", Kind.PERCENT, width=9),
        C(Risk.WEIGHTED_DAYS_LATE, "Days late (recent-weighted)", Kind.NUMBER, width=12),
        C(Risk.DAYS_LATE_TREND, "Trend (days)", Kind.NUMBER, width=9, doc="Last quarter minus the one before"),
        C(Risk.BROKEN_PROMISES, "Broken promises", Kind.INTEGER, width=9),
        C(Customers.CREDIT_HOLD, "Credit hold", Kind.BOOL, width=9),
    ),
    "Every customer with invoices, riskiest first: an explainable 0–100 score with its reasons in words, "
    "payment behaviour and the next predicted payment. Rank 1–10 by open balance is the Dashboard's top debtors.",
    output=True,
)
EFFECTIVENESS = Table(
    "Effectiveness",
    (
        C(Effectiveness.LEVEL, "Level", Kind.INTEGER, width=7),
        C(Effectiveness.TEMPLATE, "Template", width=16),
        C(Effectiveness.LANGUAGE, "Language", width=9),
        C(Effectiveness.REMINDERS, "Reminders", Kind.INTEGER, width=10),
        C(Effectiveness.INVOICES, "Invoices", Kind.INTEGER, width=9),
        C(Effectiveness.PAID_7_SHARE, "Paid ≤ 7 days", Kind.PERCENT, width=10),
        C(Effectiveness.PAID_14_SHARE, "Paid ≤ 14 days", Kind.PERCENT, width=10),
        C(Effectiveness.PAID_30_SHARE, "Paid ≤ 30 days", Kind.PERCENT, width=10),
        C(Effectiveness.MEDIAN_DAYS_TO_PAY, "Median days to pay", Kind.NUMBER, width=10),
        C(EffectivenessSheet.VERDICT, "A/B verdict", width=70, doc="For a level with two templates", wrap=True),
    ),
    "Which reminders work: per level, template and language, the share of invoices paid within 7, 14 and 30 "
    "days of the reminder (only reminders that old count in each window) and, for A/B levels, a verdict.",
    output=True,
)
UNMATCHED = Table(
    "Unmatched",
    (
        C(Unmatched.BOOKING_DATE, "Booking date", Kind.DATE, width=12),
        C(Unmatched.AMOUNT, "Amount (statement currency)", Kind.MONEY, doc="In the Currency beside it"),
        C(Unmatched.CURRENCY, "Currency", Kind.CODE, width=9),
        C(Unmatched.PAYER, "Payer", width=28),
        C(Unmatched.PAYER_ACCOUNT, "Payer account", width=26),
        C(Unmatched.REMITTANCE, "Remittance information", width=40),
        C(Unmatched.REASON, "Why not matched", width=50),
        C(Unmatched.CANDIDATES, "Could be", width=40, doc="Open items that fit in part; never applied automatically"),
        C(Unmatched.ENTRY, "Bank entry", width=20, doc="Put this in a Payments row's Bank entry to settle it by hand"),
        C(Unmatched.SOURCE, "Statement file", width=24),
    ),
    "Credits from imported bank statements that no rule matched with certainty: for a person to apply. Add a "
    "Payments row with the entry's Bank entry (or run arcollect bank BOOK --assign ENTRY INVOICE…) to settle one.",
    output=True,
)
NEXT_ACTIONS = Table(
    "NextActions",
    (
        C(NextAction.CUSTOMER_ID, "Customer ID"),
        C(NextAction.CUSTOMER_NAME, "Customer", width=28),
        C(NextAction.ACTION, "Next action", width=60, wrap=True),
        C(NextAction.WHEN, "When (customer time)", width=18),
        C(NextAction.OPEN_BASE, "Open (base)", Kind.MONEY),
        C(NextAction.OVERDUE_BASE, "Overdue (base)", Kind.MONEY),
        C(NextAction.INVOICES, "Open invoices", Kind.INTEGER, width=9),
        C(NextAction.OLDEST, "Oldest (days past due)", Kind.INTEGER, width=10),
        C(NextAction.WHERE, "Where to look", width=34),
    ),
    "One row per customer with open items, most overdue first: the reminder that goes out next and when, or why "
    "nothing goes out. ReminderQueue beside it has every planned and held reminder in detail.",
    output=True,
)
INTEREST_STATEMENT = Table(
    "InterestStatement",
    (
        C(Invoices.CUSTOMER_ID, "Customer ID"),
        C(Queue.CUSTOMER_NAME, "Customer", width=28),
        C(Invoices.NUMBER, "Invoice"),
        C(Invoices.CURRENCY, "Currency", Kind.CODE, width=9),
        C(Invoices.AMOUNT, "Amount (invoice currency)", Kind.MONEY),
        C(Invoices.DUE_DATE, "Due date", Kind.DATE, width=12),
        C(Aging.INTEREST_FROM, "Interest from", Kind.DATE, width=12),
        C(Invoices.PAID_DATE, "Paid in full", Kind.DATE, width=12),
        C(Invoices.DAYS_LATE, "Days of interest", Kind.INTEGER, width=9),
        C(Aging.LATE_INTEREST, "Interest (invoice currency)", Kind.MONEY),
        C(Aging.FIXED_COMPENSATION, "Fixed compensation (invoice currency)", Kind.MONEY),
        C(Aging.CHARGE_BASIS, "Basis of charges", width=40, wrap=True),
    ),
    "Invoices paid in full but late in Settings InterestStatementPeriod: the interest and compensation still "
    "claimable on them, per customer (the interest statement, Zinsrechnung).",
    output=True,
)
del C

INPUT_TABLES: tuple[Table, ...] = (CUSTOMERS, INVOICES, PAYMENTS, FX_TABLE, SETTINGS, DUNNING_LEVELS)
OUTPUT_TABLES: tuple[Table, ...] = (
    AGING,
    AGING_SUMMARY,
    CUSTOMER_RISK,
    NEXT_ACTIONS,
    REMINDER_QUEUE,
    REMINDER_LOG,
    EFFECTIVENESS,
    UNMATCHED,
    INTEREST_STATEMENT,
    EXCEPTIONS,
)
TABLES: dict[str, Table] = {table.name: table for table in (*INPUT_TABLES, *OUTPUT_TABLES)}


# ---- import mappings ---------------------------------------------------------------------------------------


class Mappings(StrEnum):
    """One row per mapped column of an ERP export: which export column fills which Invoices column."""

    NAME = "mapping"
    TARGET = "target_column"
    SOURCE = "source_column"
    FIXED = "fixed_value"


MAPPINGS = Table(
    "Mappings",
    (
        Column(Mappings.NAME, "Mapping", Kind.TEXT, True, doc="Name used with arcollect import/bank --mapping"),
        Column(
            Mappings.TARGET,
            "Target column",
            Kind.TEXT,
            True,
            doc="Invoices header, Customer name, Clearing date; for a bank CSV: Booking date, Amount, Payer, …",
        ),
        Column(Mappings.SOURCE, "Source column", Kind.TEXT, doc="Header of the column in the export", width=24),
        Column(
            Mappings.FIXED,
            "Fixed value or format",
            Kind.TEXT,
            doc="Value used when the source is blank or absent; for dates a format such as %m/%d/%Y",
            width=24,
        ),
    ),
    "Optional: how the columns of your ERP's open-items export fill Invoices, for arcollect import --mapping NAME. "
    "Built in: quickbooks (QuickBooks/Xero aged receivables) and sap_fbl5n (SAP FBL5N line items); rows here with "
    "one of those names change single columns of it, any other name is a new mapping. A mapping with a Booking "
    "date row reads a bank's CSV export for arcollect bank (docs/PAYMENTS.md).",
)
"""Read by `book.importer` only (a refresh ignores it), so it is not in TABLES; the template adds the sheet."""
