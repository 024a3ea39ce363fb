"""Fuzzing the Settings and DunningLevels sheets: any cells give a `Settings`, a policy and located problems."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from arcollect.book import settings, settings_keys
from arcollect.book.validate import address_problem
from arcollect.engine.policy import DunningLevel, parse_policy
from arcollect.errors import ConfigError
from arcollect.schema import DUNNING_LEVELS, SETTINGS, SettingsSheet
from tests.fuzz.conftest import FUZZ
from tests.fuzz.test_fuzz_values import CELLS

KEYS = st.one_of(
    st.sampled_from(settings_keys.KEYS),
    st.sampled_from([key.lower().replace("e", "E ") for key in settings_keys.KEYS]),
    st.sampled_from(["SmtpPassword", "api key", "GraphClientSecret", "token", "Nonsense", "", None]),
    CELLS,
)
VALUES = st.one_of(
    CELLS,
    st.sampled_from([
        "ar@acme.example", "a..b@acme.example", "ar@localhost", "ar@acme.example; b@c.example", "=HYPERLINK(1)",
        "0,30,60", "60,30", "09:00-17:00", "17:00-09:00", "25:00-26:00", "https://x.example", "http://", "EUR", "XXX",
        "true", "maybe", "-1", "1e400", "65536", "sNaN", "outbox", "smtp ", "../../etc", "\x00",
    ]),
)  # fmt: skip


@FUZZ
@given(st.lists(st.tuples(KEYS, VALUES), max_size=12))
def test_any_settings_rows_give_settings_and_problems_on_their_row(rows: list) -> None:
    table = pd.DataFrame(rows, columns=[SettingsSheet.KEY, SettingsSheet.VALUE], dtype=object)
    table.index = pd.RangeIndex(2, 2 + len(table))
    config, problems = settings.parse_settings(table)
    assert isinstance(config, settings.Settings)
    headers = {SETTINGS.column(SettingsSheet.KEY).header, SETTINGS.column(SettingsSheet.VALUE).header}
    for problem in problems:
        assert problem.sheet == SETTINGS.sheet and problem.row in table.index and problem.column in headers
        assert problem.reason
    for address in (config.sender_mailbox, config.reply_to, config.finance_contact):
        assert address == "" or address_problem(address) is None


@FUZZ
@given(st.sampled_from(settings_keys.KEYS), VALUES)
def test_config_set_value_validates_or_raises_config_error(key: str, value) -> None:
    try:
        text = settings.set_value(key, value if isinstance(value, str) else str(value))
    except ConfigError as error:
        assert key in str(error) or "secret" in str(error)
        return
    assert settings.set_value(key, text) == text  # what it writes reads back the same


@FUZZ
@given(st.lists(st.lists(CELLS, min_size=len(DUNNING_LEVELS.keys), max_size=len(DUNNING_LEVELS.keys)), max_size=6))
def test_any_dunning_levels_rows_give_a_policy_and_problems_on_their_row(rows: list) -> None:
    table = pd.DataFrame(rows, columns=DUNNING_LEVELS.keys, dtype=object)
    table.index = pd.RangeIndex(2, 2 + len(table))
    levels, problems = parse_policy(table)
    assert all(isinstance(level, DunningLevel) for level in levels)
    for problem in problems:
        assert problem.sheet == DUNNING_LEVELS.sheet and problem.row in table.index and problem.column
