"""Settings and DunningLevels sheets: typed values, defaults kept on bad rows, secrets refused, the policy."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from arcollect.book import settings as settings_module
from arcollect.book.settings import (
    Settings,
    default_settings_rows,
    parse_settings,
    set_value,
    settings_rows,
)
from arcollect.book.settings_keys import KEYS, canonical_key
from arcollect.engine.policy import DunningLevel, default_policy_rows, parse_policy
from arcollect.errors import ConfigError
from arcollect.schema import DUNNING_LEVELS, SETTINGS, DunningLevels, SettingsSheet


def _sheet(*rows: tuple[object, object], start: int = 2) -> pd.DataFrame:
    keys, values = zip(*rows, strict=True)
    index = pd.RangeIndex(start, start + len(rows))
    return pd.DataFrame({SettingsSheet.KEY: list(keys), SettingsSheet.VALUE: list(values)}, index=index)


# ---- settings ---------------------------------------------------------------------------------------------------


def test_default_rows_hold_every_key_with_a_description_and_parse_to_the_defaults():
    rows = default_settings_rows()
    assert list(rows.columns) == SETTINGS.keys
    assert list(rows[SettingsSheet.KEY]) == list(KEYS)
    assert rows[SettingsSheet.DESCRIPTION].str.len().gt(10).all()
    settings, problems = parse_settings(rows)
    assert settings == Settings() and problems == []


def test_defaults_follow_the_design():
    settings = Settings()
    assert settings.base_currency == "EUR" and settings.aging_basis == "due"
    assert settings.bucket_edges == (0, 30, 60, 90, 120)
    assert settings.send_window == ("09:00", "17:00") and settings.send_rate_per_minute == 30
    assert settings.transport == "outbox" and settings.smtp_port == 587 and settings.smtp_security == "starttls"
    assert settings.graph_authority == "https://login.microsoftonline.com"
    assert settings.graph_endpoint == "https://graph.microsoft.com/v1.0"
    assert settings.verify_tls is True and settings.schedule_every == 15 and settings.failure_alert_after == 3
    assert settings.minimum_amount == Decimal(0) and settings.thank_you is False and settings.store_bodies is False
    assert settings.ledger_path is None and settings.outbox_dir is None and settings.template_dir is None


def test_every_settings_field_has_a_key():
    assert len(KEYS) + len(settings_module.DERIVED_FIELDS) == len(Settings.__dataclass_fields__)


def test_keys_match_case_insensitively_and_typed_cells_are_accepted():
    table = _sheet(
        ("basecurrency", " chf "),
        ("BUCKETEDGES", "0, 15, 45"),
        ("Send Window", "8:30 – 18:00"),
        ("SmtpPort", 465.0),
        ("VerifyTls", False),
        ("MinimumAmount", "1,250.50"),
        ("GraceDays", 3),
        ("Transport", "SMTP"),
        ("CompanyName", "Northwind Components GmbH"),
        ("ThankYou", "yes"),
        ("LedgerPath", "ledger/ar.sqlite"),
    )
    settings, problems = parse_settings(table)
    assert problems == []
    assert settings.base_currency == "CHF" and settings.bucket_edges == (0, 15, 45)
    assert settings.send_window == ("08:30", "18:00") and settings.smtp_port == 465
    assert settings.verify_tls is False and settings.minimum_amount == Decimal("1250.50")
    assert settings.grace_days == 3 and settings.transport == "smtp" and settings.thank_you is True
    assert settings.ledger_file("/books/ar.xlsx") == Path("/books/ledger/ar.sqlite")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("1.234,50", "1234.50"), ("1,234.50", "1234.50"), ("49,90", "49.90"), ("1 234,50", "1234.50"), ("1'250", "1250")],
)
def test_an_amount_setting_reads_its_separators_as_the_invoices_amounts_are_read(typed, amount):
    """MinimumAmount typed the German way was 1.2345 (every comma dropped when a dot appeared): Settings' amounts
    follow the reader's one rule (book.values: the last of . and , is the decimal mark), exactly, as a Decimal."""
    settings, problems = parse_settings(_sheet(("MinimumAmount", typed)))
    assert problems == [] and settings.minimum_amount == Decimal(amount)


def test_blank_paths_resolve_beside_the_workbook():
    settings = Settings()
    assert settings.ledger_file("/books/ar.xlsx") == Path("/books/ar.ledger.sqlite")
    assert settings.outbox_folder("/books/ar.xlsx") == Path("/books/outbox")
    assert settings.template_folder("/books/ar.xlsx") is None


def test_bad_values_become_problems_and_keep_the_defaults():
    table = _sheet(
        ("BaseCurrency", "EURO"),
        ("SmtpPort", "five hundred"),
        ("SendWindow", "17:00-09:00"),
        ("BucketEdges", "0,60,30"),
        ("Transport", "pigeon"),
        ("VerifyTls", "maybe"),
        ("SenderMailbox", "ar(at)northwind.example"),
        ("GraphEndpoint", "graph.microsoft.com"),
        ("ScheduleEvery", dt.date(2026, 1, 1)),
    )
    settings, problems = parse_settings(table)
    assert settings == Settings()
    assert len(problems) == 9
    first = problems[0]
    assert (first.sheet, first.row, first.column, first.value) == ("Settings", 2, "Value", "EURO")
    assert "BaseCurrency" in first.reason and "ISO 4217" in first.reason and "'EUR'" in first.reason
    assert "one of outbox, smtp, ews, graph" in problems[4].reason


def test_unknown_key_suggests_the_nearest_one():
    settings, problems = parse_settings(_sheet(("BaseCurrencey", "USD"), ("Colour", "blue")))
    assert settings == Settings()
    assert problems[0].reason == "unknown setting 'BaseCurrencey' — did you mean 'BaseCurrency'?"
    assert problems[0].column == "Key"
    assert "unknown setting 'Colour'" in problems[1].reason and "did you mean" not in problems[1].reason


def test_secret_looking_key_is_refused_without_echoing_its_value(caplog):
    table = _sheet(("SmtpPassword", "hunter2-secret"), ("GraphClientSecret", "s3cr3t"), ("ApiToken", "tok"))
    settings, problems = parse_settings(table)
    assert settings == Settings() and len(problems) == 3
    assert all(problem.value == "***" for problem in problems)
    assert "ARCOLLECT_SMTP_PASSWORD" in problems[0].reason and "keyring" in problems[0].reason
    assert "ARCOLLECT_GRAPH_CLIENT_SECRET" in problems[1].reason
    text = " ".join(str(problem) for problem in problems) + caplog.text
    assert "hunter2" not in text and "s3cr3t" not in text and "tok'" not in text


def test_a_key_given_twice_uses_the_first_row():
    settings, problems = parse_settings(_sheet(("BaseCurrency", "USD"), ("basecurrency", "GBP")))
    assert settings.base_currency == "USD"
    assert len(problems) == 1 and problems[0].row == 3 and "twice" in problems[0].reason


def test_blank_rows_and_blank_values_are_not_problems():
    settings, problems = parse_settings(_sheet((None, None), ("ReplyTo", ""), ("SmtpPort", float("nan"))))
    assert settings == Settings() and problems == []


def test_settings_rows_is_the_inverse_of_parse():
    settings = Settings(
        base_currency="GBP",
        bucket_edges=(0, 10, 20),
        send_window=("08:00", "16:30"),
        minimum_amount=Decimal("49.90"),
        verify_tls=False,
        outbox_dir=Path("mail/out"),
        company_name="Northwind Components GmbH",
    )
    assert parse_settings(settings_rows(settings)) == (settings, [])


@pytest.mark.parametrize(
    ("key", "text", "canonical"),
    [
        ("sendwindow", "8:30 - 18:00", "08:30-18:00"),
        ("BucketEdges", "0;30;60", "0,30,60"),
        ("VerifyTls", "FALSE", "false"),
        ("BaseCurrency", "usd", "USD"),
        ("MinimumAmount", "50", "50"),
        ("GraphEndpoint", "https://127.0.0.1:8443/v1.0/", "https://127.0.0.1:8443/v1.0"),
        ("ReplyTo", "", ""),
    ],
)
def test_set_value_returns_the_canonical_text(key, text, canonical):
    assert set_value(key, text) == canonical


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("SmtpPort", "70000", "SmtpPort '70000' is not usable — expected a whole number ≥ 1 and ≤ 65535"),
        ("AgingBasis", "dew", "did you mean 'due'?"),
        ("BaseCurency", "EUR", "did you mean 'BaseCurrency'?"),
        ("SmtpPassword", "hunter2", "ARCOLLECT_SMTP_PASSWORD"),
        ("EwsPassword", "hunter2", "ARCOLLECT_EWS_PASSWORD"),
    ],
)
def test_set_value_refuses_bad_values_unknown_keys_and_secrets(key, text, message):
    with pytest.raises(ConfigError, match=None) as raised:
        set_value(key, text)
    assert message in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_canonical_key_gives_the_sheet_spelling():
    assert canonical_key("smtp_host") == "SmtpHost"


# ---- policy -----------------------------------------------------------------------------------------------------


def _policy(*rows: dict[str, object]) -> pd.DataFrame:
    base = {DunningLevels.TONE: None, DunningLevels.NAME: "A level"}
    frame = pd.DataFrame([{**base, **row} for row in rows])
    frame.index = pd.RangeIndex(2, 2 + len(rows))
    return frame


def test_default_policy_parses_to_the_b2b_ladder_with_the_thank_you_and_statement_levels_last():
    rows = default_policy_rows()
    assert list(rows.columns) == DUNNING_LEVELS.keys
    levels, problems = parse_policy(rows)
    assert problems == []
    assert [(level.level, level.days_offset, level.tone) for level in levels] == [
        (0, -5, "incentive"),
        (1, 3, "friendly"),
        (2, 14, "firm"),
        (3, 30, "final"),
        (4, 60, "escalation"),
        (5, 0, "thanks"),
        (6, 0, "statement"),  # the interest statement for invoices paid late (issue #17)
    ]
    assert levels[0].is_pre_due and levels[-2].is_thanks and levels[-1].is_statement
    assert levels[2].cc_account_manager and not levels[1].cc_account_manager
    final = levels[3]
    assert final.min_days_since_previous == 10 and final.attach_statement and final.add_interest
    assert final.repeat_every_days == 14 and not final.escalate
    assert levels[4].escalate and levels[4].add_interest


def test_policy_splits_ab_templates_and_picks_one_per_customer_stably():
    levels, problems = parse_policy(
        _policy({DunningLevels.LEVEL: "1", DunningLevels.DAYS_OFFSET: "7", DunningLevels.TEMPLATE: "friendly | firm"})
    )
    assert problems == []
    (level,) = levels
    assert level.templates == ("friendly", "firm") and level.tone == "friendly"
    picks = {level.template_for(f"C{n}") for n in range(50)}
    assert picks == {"friendly", "firm"}
    assert level.template_for("C10001") == level.template_for("C10001")


_AB_PICKS = """
from arcollect.book.settings_keys import KEYS, canonical_key
from arcollect.engine.policy import DunningLevel
level = DunningLevel(level=1, name="Friendly", days_offset=3, templates=("friendly", "friendly_b"), tone="friendly")
print(",".join(level.template_for(f"C{n}") for n in range(1, 41)))
"""


def test_an_ab_customer_gets_the_same_template_in_every_process_whatever_its_hash_seed():
    """The split must not follow Python's `hash()` of the id, which differs per process (PYTHONHASHSEED): the
    unattended schedule is a new process each tick, and a customer switching templates spoils the A/B test."""
    picks = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", _AB_PICKS], env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        picks.append(done.stdout.strip().split(","))
    assert picks[0] == picks[1]
    assert picks[0][:8] == ["friendly_b"] * 3 + ["friendly"] * 4 + ["friendly_b"]  # C1-C8: crc32 of the id, pinned
    assert 12 <= picks[0].count("friendly") <= 28


def test_duplicate_level_numbers_are_reported_and_the_second_row_left_out():
    levels, problems = parse_policy(
        _policy(
            {DunningLevels.LEVEL: 1, DunningLevels.DAYS_OFFSET: 3, DunningLevels.TEMPLATE: "friendly"},
            {DunningLevels.LEVEL: 1, DunningLevels.DAYS_OFFSET: 14, DunningLevels.TEMPLATE: "firm"},
        )
    )
    assert [level.templates for level in levels] == [("friendly",)]
    assert len(problems) == 1 and problems[0].row == 3 and "twice" in problems[0].reason
    assert problems[0].column == "Level"


def test_bad_policy_rows_are_reported_and_left_out():
    levels, problems = parse_policy(
        _policy(
            {DunningLevels.LEVEL: 1, DunningLevels.DAYS_OFFSET: "ten", DunningLevels.TEMPLATE: "friendly"},
            {DunningLevels.LEVEL: 2, DunningLevels.DAYS_OFFSET: 14, DunningLevels.TEMPLATE: "firm", "tone": "frim"},
            {DunningLevels.LEVEL: 3, DunningLevels.DAYS_OFFSET: 30, DunningLevels.TEMPLATE: "../../etc/passwd"},
            {DunningLevels.LEVEL: 4, DunningLevels.DAYS_OFFSET: -5, DunningLevels.TEMPLATE: "incentive"},
            {DunningLevels.LEVEL: 5, DunningLevels.DAYS_OFFSET: -2, DunningLevels.TEMPLATE: "incentive"},
            {DunningLevels.LEVEL: 6, DunningLevels.DAYS_OFFSET: 5, DunningLevels.TEMPLATE: "x", "tone": "incentive"},
        )
    )
    assert [level.level for level in levels] == [4]
    reasons = [problem.reason for problem in problems]
    assert "whole days" in reasons[0] and problems[0].column == "Days after due"
    assert "unknown tone 'frim' — did you mean 'firm'?" in reasons[1]
    assert "template name" in reasons[2]
    assert "only one pre-due level" in reasons[3]
    assert "negative days" in reasons[4]


def test_bad_optional_cells_keep_their_defaults():
    levels, problems = parse_policy(
        _policy(
            {
                DunningLevels.LEVEL: 3,
                DunningLevels.DAYS_OFFSET: 30,
                DunningLevels.TEMPLATE: "final",
                DunningLevels.TONE: "final",
                DunningLevels.MIN_DAYS_SINCE_PREVIOUS: "soon",
                DunningLevels.ADD_INTEREST: "perhaps",
                DunningLevels.REPEAT_EVERY_DAYS: 0,
            }
        )
    )
    (level,) = levels
    assert level.min_days_since_previous == 7 and level.add_interest is False and level.repeat_every_days is None
    assert [problem.column for problem in problems] == ["Min days since previous", "Repeat every days", "Add interest"]


def test_levels_are_ordered_by_days_and_a_level_number_out_of_order_is_reported():
    levels, problems = parse_policy(
        _policy(
            {DunningLevels.LEVEL: 2, DunningLevels.DAYS_OFFSET: 3, DunningLevels.TEMPLATE: "friendly"},
            {DunningLevels.LEVEL: 1, DunningLevels.DAYS_OFFSET: 14, DunningLevels.TEMPLATE: "firm"},
        )
    )
    assert [level.level for level in levels] == [2, 1]
    assert len(problems) == 1 and problems[0].row == 3 and "order of their days" in problems[0].reason


def test_dunning_level_defaults():
    level = DunningLevel(level=1, name="Friendly", days_offset=3, templates=("friendly",), tone="friendly")
    assert level.min_days_since_previous == 7 and level.repeat_every_days is None and not level.escalate


# ---- the governing law (issue #17) -------------------------------------------------------------------------------


def test_an_old_workbooks_default_jurisdiction_is_read_as_governing_law_and_reported():
    settings, problems = parse_settings(_sheet(("DefaultJurisdiction", "fr")))
    assert settings.governing_law == "FR" and settings.default_jurisdiction == "FR"
    [problem] = problems
    assert (problem.row, problem.value) == (2, "DefaultJurisdiction")
    assert problem.reason == (
        "DefaultJurisdiction is now called GoverningLaw: its value 'fr' is used as GoverningLaw — rename the row"
    )


def test_an_old_eu_default_is_reported_and_not_used_and_the_new_key_wins_over_the_old():
    settings, problems = parse_settings(_sheet(("DefaultJurisdiction", "EU")))
    assert settings.governing_law == "" and "'EU' is not a law" in problems[0].reason
    settings, problems = parse_settings(_sheet(("DefaultJurisdiction", "FR"), ("GoverningLaw", "DE")))
    assert settings.governing_law == "DE" and len(problems) == 1
    settings, problems = parse_settings(_sheet(("GoverningLaw", "DE"), ("DefaultJurisdiction", "FR")))
    assert settings.governing_law == "DE" and "GoverningLaw is also set, and it wins" in problems[0].reason


def test_governing_law_refuses_eu_and_what_is_not_a_country():
    for value, words in (("EU", "'EU' is not a law"), ("Germany", "ISO code of the country")):
        settings, problems = parse_settings(_sheet(("GoverningLaw", value)))
        assert settings.governing_law == "" and words in problems[0].reason
    with pytest.raises(ConfigError, match="'EU' is not a law"):
        set_value("GoverningLaw", "EU")
    assert set_value("GoverningLaw", "at") == "AT"
