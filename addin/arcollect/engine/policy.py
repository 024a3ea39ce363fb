"""The dunning policy: the DunningLevels sheet as the levels the planner (`engine.dunning`) works through.

    >>> levels, problems = parse_policy(default_policy_rows())
    >>> [(level.level, level.days_offset, level.tone) for level in levels][:3], problems
    ([(0, -5, 'incentive'), (1, 3, 'friendly'), (2, 14, 'firm')], [])
    >>> levels[0].is_pre_due, levels[-1].is_statement
    (True, True)

`parse_policy` keeps the usable levels, ordered as they are used: by days after due, then level number, the
optional thank-you level and the interest statement last. A row that cannot be used is reported (a `Problem` on
the DunningLevels sheet) and left out, so that a typo in one level cannot make a reminder go out with the wrong
tone. The cells are read as the Settings sheet's are (`arcollect.cell_values`).
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
import zlib
from dataclasses import dataclass
from typing import Any

import pandas as pd

from arcollect.cell_values import MISSING, canonical, text_of, whole_number, yes_no
from arcollect.problems import Problem
from arcollect.schema import DUNNING_LEVELS, TONES, DunningLevels

_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class DunningLevel:
    """One row of the DunningLevels sheet.

    `days_offset` counts from the due date; a negative offset is the pre-due nudge (tone ``incentive``), which
    reminds of the early-payment discount still available. The level with tone ``thanks`` is not a reminder: it
    is a thank-you sent when an invoice is paid in full on or before its due date (only when the ThankYou
    setting is true), `days_offset` days after that payment. `templates` holds one name, or two or more for an
    A/B test: `template_for` picks one per customer, always the same for that customer.
    """

    level: int
    name: str
    days_offset: int
    templates: tuple[str, ...]
    tone: str
    min_days_since_previous: int = 7
    cc_account_manager: bool = False
    attach_statement: bool = False
    add_interest: bool = False
    escalate: bool = False
    repeat_every_days: int | None = None

    @property
    def is_pre_due(self) -> bool:
        return self.tone == "incentive"

    @property
    def is_thanks(self) -> bool:
        return self.tone == "thanks"

    @property
    def is_statement(self) -> bool:
        """The interest statement: late charges on invoices paid late in Settings InterestStatementPeriod."""
        return self.tone == "statement"

    def template_for(self, customer_id: str) -> str:
        """The A/B template of this customer: a stable hash of the id, so every run picks the same one."""
        return self.templates[zlib.crc32(str(customer_id).encode("utf-8")) % len(self.templates)]


_POLICY_DEFAULTS = (
    # level, name, offset, template, tone, min days, cc AM, statement, interest, escalate, repeat
    (0, "Pre-due reminder", -5, "incentive", "incentive", 7, False, False, False, False, None),
    (1, "Friendly reminder", 3, "friendly", "friendly", 7, False, False, False, False, None),
    (2, "Second reminder", 14, "firm", "firm", 7, True, False, False, False, None),
    (3, "Final notice", 30, "final", "final", 10, False, True, True, False, 14),
    (4, "Escalation", 60, "escalation", "escalation", 7, False, False, True, True, None),
    (5, "Thank you", 0, "thanks", "thanks", 0, False, False, False, False, None),
    (6, "Interest statement", 0, "interest_statement", "statement", 0, False, True, True, False, None),
)
_BOOL_COLUMNS = (
    DunningLevels.CC_ACCOUNT_MANAGER,
    DunningLevels.ATTACH_STATEMENT,
    DunningLevels.ADD_INTEREST,
    DunningLevels.ESCALATE,
)
_INT_COLUMNS = (
    DunningLevels.LEVEL,
    DunningLevels.DAYS_OFFSET,
    DunningLevels.MIN_DAYS_SINCE_PREVIOUS,
    DunningLevels.REPEAT_EVERY_DAYS,
)


def default_policy_rows() -> pd.DataFrame:
    """The DunningLevels rows of a new workbook: a B2B policy from a pre-due nudge to escalation, plus thank-you.

    The thank-you level (tone ``thanks``) is only used when the ThankYou setting is true; the interest statement
    (tone ``statement``) only when Settings InterestStatementPeriod is set.
    """
    table = pd.DataFrame(list(_POLICY_DEFAULTS), columns=DUNNING_LEVELS.keys)
    for column in _INT_COLUMNS:
        table[column] = table[column].astype("Int64")
    for column in _BOOL_COLUMNS:
        table[column] = table[column].astype(bool)
    return table


def parse_policy(table: pd.DataFrame) -> tuple[tuple[DunningLevel, ...], list[Problem]]:
    """The usable dunning levels, ordered by days after due then level (thank-you last), and the problems.

    A row is left out, with a problem, when its level or days are not whole numbers, its level number repeats an
    earlier row's, its template is missing or not a plain name, its tone is unknown, or it is a second pre-due
    (negative days) level; tone ``incentive`` and negative days go together. A bad optional cell (min days, the
    yes/no columns, repeat) is reported and its default used. Level numbers that do not rise with the days are
    reported: the levels are used in the order of their days after due.
    """
    levels: list[DunningLevel] = []
    problems: list[Problem] = []
    rows = table.reset_index(names="_row").to_dict("records") if len(table.columns) else []
    seen_levels: dict[int, Any] = {}
    for record in rows:
        level, row_problems = _level(record)
        if level is not None and level.level in seen_levels:
            header = DUNNING_LEVELS.column(DunningLevels.LEVEL).header
            reason = f"level {level.level} appears twice — give each level its own number; this row is not used"
            row_problems.append(_policy_problem(record, DunningLevels.LEVEL, reason, header))
            level = None
        elif level is not None and level.is_pre_due and any(other.is_pre_due for other in levels):
            reason = "only one pre-due level (negative days) is used; this second one is not"
            row_problems.append(_policy_problem(record, DunningLevels.DAYS_OFFSET, reason))
            level = None
        problems += row_problems
        if level is not None:
            seen_levels[level.level] = record["_row"]
            levels.append(level)
    levels.sort(key=lambda item: (item.is_thanks or item.is_statement, item.days_offset, item.level))
    reminders = [level for level in levels if not (level.is_thanks or level.is_statement)]
    for earlier, later in itertools.pairwise(reminders):
        if later.level < earlier.level:
            reason = (
                f"level {later.level} ({later.days_offset} days) comes after level {earlier.level} "
                f"({earlier.days_offset} days): levels are used in the order of their days after due"
            )
            header = DUNNING_LEVELS.column(DunningLevels.LEVEL).header
            problems.append(Problem(DUNNING_LEVELS.sheet, seen_levels[later.level], header, later.level, reason))
    return tuple(levels), problems


def _policy_problem(record: dict[str, Any], column: str, reason: str, header: str | None = None) -> Problem:
    header = header or DUNNING_LEVELS.column(column).header
    return Problem(DUNNING_LEVELS.sheet, record["_row"], header, record.get(column), reason)


def _cell(record: dict[str, Any], column: str) -> Any:
    value = record.get(column)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return None if text_of(value).lower() in MISSING else value


def _level(record: dict[str, Any]) -> tuple[DunningLevel | None, list[Problem]]:
    problems: list[Problem] = []
    required: dict[str, int] = {}
    for column, expected in ((DunningLevels.LEVEL, "a whole number"), (DunningLevels.DAYS_OFFSET, "whole days")):
        try:
            required[column] = whole_number(-100_000)(_cell(record, column))
        except (ValueError, TypeError):
            problems.append(_policy_problem(record, column, f"needs {expected}; this row is not used"))
    if problems:
        return None, problems
    number, offset = required[DunningLevels.LEVEL], required[DunningLevels.DAYS_OFFSET]

    template_text = text_of(_cell(record, DunningLevels.TEMPLATE) or "")
    templates = tuple(part.strip() for part in template_text.split("|") if part.strip())
    if not templates or not all(_TEMPLATE_NAME.match(name) for name in templates):
        reason = "needs a template name (letters, digits, - or _), or two separated by | for an A/B test"
        return None, [_policy_problem(record, DunningLevels.TEMPLATE, f"{reason}; this row is not used")]

    tone_cell = _cell(record, DunningLevels.TONE)
    tone = text_of(tone_cell).lower() if tone_cell is not None else ("incentive" if offset < 0 else "friendly")
    if tone not in TONES:
        near = difflib.get_close_matches(tone, TONES, n=1)
        hint = f" — did you mean '{near[0]}'?" if near else f" — use one of {', '.join(TONES)}"
        return None, [_policy_problem(record, DunningLevels.TONE, f"unknown tone '{tone}'{hint}; row not used")]
    if (tone == "incentive") != (offset < 0):
        reason = "the pre-due level has negative days and tone 'incentive', and only it; this row is not used"
        return None, [_policy_problem(record, DunningLevels.TONE, reason)]

    name = text_of(_cell(record, DunningLevels.NAME) or "") or f"Level {number}"
    options: dict[str, Any] = {}
    for column, parse, default in (
        (DunningLevels.MIN_DAYS_SINCE_PREVIOUS, whole_number(0, unit="days"), 7),
        (DunningLevels.REPEAT_EVERY_DAYS, whole_number(1, unit="days"), None),
        *((column, yes_no, False) for column in _BOOL_COLUMNS),
    ):
        value = _cell(record, column)
        try:
            options[column] = default if value is None else parse(value)
        except ValueError as exc:
            reason = f"expected {exc}; using {canonical(default) or 'blank'}"
            problems.append(_policy_problem(record, column, reason))
            options[column] = default
    level = DunningLevel(
        level=number,
        name=name,
        days_offset=offset,
        templates=templates,
        tone=tone,
        **{str(column): value for column, value in options.items()},
    )
    return level, problems
