"""The ledger's tables, written once for both stores (SQLite and PostgreSQL), and the hook for more tables.

    from arcollect.mail.ledger import schema
    schema.register("approvals", '''CREATE TABLE IF NOT EXISTS approvals (
        key TEXT PRIMARY KEY, customer_id TEXT NOT NULL, level INTEGER NOT NULL, by_whom TEXT NOT NULL, at TEXT NOT NULL
    )''')

Statements use the SQL both stores understand (TEXT, INTEGER, ``ON CONFLICT``); ``{serial}`` stands for an
auto-numbered integer primary key (``INTEGER PRIMARY KEY AUTOINCREMENT`` in SQLite, an identity column in
PostgreSQL). Registered statements must be idempotent (``CREATE TABLE IF NOT EXISTS``): every store runs them each
time it is opened, after its own tables, so a module that registers a table also migrates old ledgers to it.
Times are stored as UTC ISO-8601 text (`utc_text`), which sorts as time does in both stores.
"""

from __future__ import annotations

STATES = ("planned", "sending", "sent", "failed", "unknown")
VERSION = 2  # 1: reminders, transitions (+ tombstones); 2: attempt owner/host, meta, sequence, lease

_STATE_CHECK = ", ".join(f"'{state}'" for state in STATES)
CORE: tuple[str, ...] = (
    f"""CREATE TABLE IF NOT EXISTS reminders (
    key          TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL,
    level        INTEGER NOT NULL,
    template     TEXT NOT NULL,
    variant      TEXT,
    language     TEXT NOT NULL,
    recipients   TEXT NOT NULL,
    cc           TEXT NOT NULL,
    subject      TEXT NOT NULL,
    invoices     TEXT NOT NULL,
    amount_text  TEXT,
    cycle_date   TEXT,
    state        TEXT NOT NULL CHECK (state IN ({_STATE_CHECK})),
    retryable    INTEGER NOT NULL DEFAULT 0 CHECK (retryable IN (0, 1)),
    transport    TEXT NOT NULL,
    message_id   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    planned_at   TEXT NOT NULL,
    sending_at   TEXT,
    sent_at      TEXT,
    error        TEXT,
    body         TEXT,
    owner        TEXT,
    machine      TEXT,
    checked_by   TEXT,
    checked_at   TEXT
)""",
    "CREATE INDEX IF NOT EXISTS reminders_by_state ON reminders (state, sent_at)",
    "CREATE INDEX IF NOT EXISTS reminders_by_customer ON reminders (customer_id, level)",
    """CREATE TABLE IF NOT EXISTS transitions (
    id          {serial},
    key         TEXT NOT NULL REFERENCES reminders (key),
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    at          TEXT NOT NULL,
    note        TEXT
)""",
    "CREATE INDEX IF NOT EXISTS transitions_by_key ON transitions (key, id)",
    """CREATE TABLE IF NOT EXISTS tombstones (
    key      TEXT PRIMARY KEY,
    sent_at  TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS meta (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS sequence (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    value  BIGINT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS lease (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    token         TEXT,
    host          TEXT,
    machine       TEXT,
    pid           INTEGER,
    purpose       TEXT,
    acquired_at   TEXT,
    heartbeat_at  TEXT,
    beats         BIGINT NOT NULL DEFAULT 0,
    ttl_seconds   REAL,
    released_at   TEXT
)""",
)
# Columns a version-1 SQLite ledger gains when it is opened (ALTER TABLE … ADD COLUMN).
ADDED_IN_2 = ("owner TEXT", "machine TEXT", "checked_by TEXT", "checked_at TEXT")

_EXTRA: dict[str, str] = {}


def register(name: str, statement: str) -> None:
    """Add an idempotent statement (``CREATE TABLE IF NOT EXISTS …``) that every ledger runs when opened.

    `name` identifies it (registering the same name again replaces it). Use the SQL both stores accept;
    ``{serial}`` is an auto-numbered primary key.
    """
    _EXTRA[name] = statement


def statements(serial: str) -> list[str]:
    """Every statement a store runs on open, ``{serial}`` replaced by the store's auto-numbered key type."""
    return [statement.replace("{serial}", serial) for statement in (*CORE, *_EXTRA.values())]
