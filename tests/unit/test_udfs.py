"""The =AR_… cell functions, called as xlwings calls them: scalars, rows, columns, blocks, datetimes and serials."""

from __future__ import annotations

import datetime as dt
import inspect
import typing
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import xlwings as xw

from arcollect.engine import fx, interest, terms
from arcollect.excel import formulas, udfs
from arcollect.schema import FX, SettingsSheet

AS_OF = dt.datetime(2026, 11, 24)
DUE = dt.datetime(2026, 10, 1)
DUE_SERIAL = 46296.0  # 2026-10-01 in Excel's 1900 date system
INVOICE = dt.datetime(2026, 3, 5)
RATES = {"USD": 0.92, "GBP": 1.15}

# One good call per function; the first argument is the one the shape tests turn into rows, columns and blocks.
CALLS: dict[str, tuple[typing.Callable, tuple]] = {
    "AR_DAYS_PAST_DUE": (udfs.AR_DAYS_PAST_DUE, (DUE, AS_OF)),
    "AR_BUCKET": (udfs.AR_BUCKET, (DUE, AS_OF)),
    "AR_DUE_DATE": (udfs.AR_DUE_DATE, (INVOICE, "2/10 net 30")),
    "AR_DISCOUNT": (udfs.AR_DISCOUNT, (1000.0, "2/10 net 30", INVOICE, dt.datetime(2026, 3, 15))),
    "AR_DISCOUNT_DEADLINE": (udfs.AR_DISCOUNT_DEADLINE, ("2/10 net 30", INVOICE)),
    "AR_DISCOUNT_APR": (udfs.AR_DISCOUNT_APR, ("2/10 net 30",)),
    "AR_LATE_INTEREST": (udfs.AR_LATE_INTEREST, (2000.0, dt.datetime(2024, 1, 31), dt.datetime(2024, 3, 16), "GB")),
    "AR_FIXED_COMP": (udfs.AR_FIXED_COMP, (5000.0, "GB")),
    "AR_FX": (lambda *args: formulas.convert(*args, rates=RATES), (100.0, "USD")),
    "AR_DSO": (udfs.AR_DSO, (150_000.0, 1_800_000.0, 365)),
    "AR_CEI": (udfs.AR_CEI, (6_200.0, 10_890.0, 6_340.0, 3_590.0, 3)),
}
# A value of the first argument that cannot be read.
BAD_FIRST = {
    "AR_DAYS_PAST_DUE": "not a date",
    "AR_BUCKET": "31/02/2026",
    "AR_DUE_DATE": "yesterday",
    "AR_DISCOUNT": "lots",
    "AR_DISCOUNT_DEADLINE": "2/10 nett 30",
    "AR_DISCOUNT_APR": "whenever",
    "AR_LATE_INTEREST": "two thousand",
    "AR_FIXED_COMP": True,
    "AR_FX": "a hundred",
    "AR_DSO": "many",
    "AR_CEI": "some",
}
FUNCTIONS = sorted(CALLS)


def call(name: str, first: object) -> object:
    function, args = CALLS[name]
    return function(first, *args[1:])


# ---- shapes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FUNCTIONS)
def test_one_cell_gives_one_value(name: str) -> None:
    value = call(name, CALLS[name][1][0])
    assert not isinstance(value, list)
    assert value is not None and not (isinstance(value, str) and value.startswith("#"))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_column_row_and_block_come_back_in_the_same_shape(name: str) -> None:
    first = CALLS[name][1][0]
    single = call(name, first)
    assert call(name, [[first], [first], [first]]) == [[single], [single], [single]]
    assert call(name, [first, first, first]) == [single, single, single]
    assert call(name, [[first, first]]) == [[single, single]]
    assert call(name, [[first, first], [first, first]]) == [[single, single], [single, single]]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_one_bad_row_is_value_error_in_that_row_only(name: str) -> None:
    first = CALLS[name][1][0]
    single = call(name, first)
    assert call(name, [[first], [BAD_FIRST[name]], [first]]) == [[single], [udfs.VALUE], [single]]
    assert call(name, BAD_FIRST[name]) == udfs.VALUE


@pytest.mark.parametrize("name", FUNCTIONS)
def test_empty_cell_gives_empty_result(name: str) -> None:
    first = CALLS[name][1][0]
    single = call(name, first)
    assert call(name, [[first], [None], [""]]) == [[single], [None], [None]]


def test_columns_broadcast_with_a_single_cell_and_with_each_other() -> None:
    result = udfs.AR_DISCOUNT([[1000.0], [500.0]], [["2/10 net 30"], ["net 30"]], INVOICE, dt.datetime(2026, 3, 15))
    assert result == [[20.0], [0.0]]


def test_columns_of_different_lengths_are_one_value_error() -> None:
    assert udfs.AR_DAYS_PAST_DUE([[DUE], [DUE]], [[AS_OF], [AS_OF], [AS_OF]]) == udfs.VALUE


# ---- dates ------------------------------------------------------------------------------------------------------


def test_serial_numbers_and_datetimes_give_the_same_days() -> None:
    assert udfs.AR_DAYS_PAST_DUE([[DUE], [DUE_SERIAL], [DUE_SERIAL + 0.75]], AS_OF) == [[54], [54], [54]]
    assert udfs.AR_DAYS_PAST_DUE(DUE_SERIAL, 46350.0) == 54


def test_iso_date_text_and_date_objects_are_read_as_dates() -> None:
    assert udfs.AR_DAYS_PAST_DUE(["2026-10-01", dt.date(2026, 10, 1), DUE], AS_OF) == [54, 54, 54]


def test_excel_1900_serials_skip_the_phantom_leap_day() -> None:
    as_of = dt.datetime(1900, 3, 1)
    # serial 1 = 1900-01-01, 59 = 1900-02-28, 60 = the 29 February 1900 that never was, 61 = 1900-03-01
    assert udfs.AR_DAYS_PAST_DUE([1.0, 59.0, 60.0, 61.0], as_of) == [59, 1, udfs.VALUE, 0]


def test_serials_that_are_no_date_are_value_errors() -> None:
    assert udfs.AR_DAYS_PAST_DUE([0.0, -5.0, 3_000_000.0, float("inf")], AS_OF) == [udfs.VALUE] * 4


def test_dates_come_back_as_datetimes() -> None:
    assert udfs.AR_DUE_DATE(INVOICE, "2/10 net 30") == dt.datetime(2026, 4, 4)
    assert udfs.AR_DUE_DATE(45_991.0, "net 30") == dt.datetime(2025, 12, 30)  # serial 45991 = 2025-11-30


def test_as_of_defaults_to_today_from_the_module_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(udfs, "today", lambda: dt.date(2026, 11, 24))
    assert udfs.AR_DAYS_PAST_DUE(DUE) == 54
    assert udfs.AR_BUCKET(DUE) == "31-60"
    assert udfs.AR_DISCOUNT(1000.0, "2/10 net 30", dt.datetime(2026, 11, 20)) == 20.0
    assert udfs.AR_LATE_INTEREST(1000.0, DUE, None, "DE") == udfs.AR_LATE_INTEREST(1000.0, DUE, AS_OF, "DE")


def test_late_interest_without_a_governing_law_is_value_error() -> None:
    # No statutory rate exists without the law of the contract; the EU directive is not one.
    assert udfs.AR_LATE_INTEREST(1000.0, DUE, AS_OF) == udfs.VALUE


def test_today_reads_the_local_calendar() -> None:
    assert udfs.today() == dt.date.today()


# ---- values match the engine ---------------------------------------------------------------------------------------


def test_discount_apr_of_2_10_net_30_is_37_24_percent() -> None:
    assert udfs.AR_DISCOUNT_APR("2/10 net 30") == pytest.approx(37.2449, abs=1e-4)


def test_terms_without_discount_have_no_deadline_and_no_apr() -> None:
    assert udfs.AR_DISCOUNT_APR(["net 30", "2/10 net 30"])[0] == udfs.NA
    assert udfs.AR_DISCOUNT_DEADLINE([["net 30"], ["2/10 net 30"]], INVOICE) == [[udfs.NA], [dt.datetime(2026, 3, 15)]]


def test_discount_is_a_float_rounded_to_cents_and_zero_when_late() -> None:
    result = udfs.AR_DISCOUNT([[1234.565], [1000.0]], "2/10 net 30", INVOICE, [[dt.datetime(2026, 3, 15)], [AS_OF]])
    assert result == [[24.69], [0.0]]
    assert isinstance(result[0][0], float)


def test_late_interest_matches_the_engine_row_by_row() -> None:
    amounts = [2000.0, 15_000.0, 999.99, -50.0]
    due = [dt.datetime(2024, 1, 31), dt.datetime(2025, 2, 28), dt.datetime(2023, 7, 15), dt.datetime(2024, 1, 31)]
    codes = ["GB", "DE", "nl", "FR"]
    result = udfs.AR_LATE_INTEREST([[a] for a in amounts], [[d] for d in due], AS_OF, [[c] for c in codes])
    expected = [
        float(interest.late_interest(a, d.date(), AS_OF.date(), c.upper()))
        for a, d, c in zip(amounts, due, codes, strict=True)
    ]
    assert result == [[value] for value in expected]
    assert udfs.AR_LATE_INTEREST(2000.0, dt.datetime(2024, 1, 31), dt.datetime(2024, 3, 16), "GB") == 32.67


def test_late_interest_without_a_rate_in_the_table_is_na_for_that_row_only() -> None:
    due = [[dt.datetime(2019, 6, 30)], [dt.datetime(2024, 1, 31)], [dt.datetime(2030, 1, 1)]]
    result = udfs.AR_LATE_INTEREST(1000.0, due, dt.datetime(2031, 1, 1), [["FR"], ["GB"], ["DE"]])
    gb = float(interest.late_interest(1000, "2024-01-31", "2031-01-01", "GB"))  # GB fixes the rate once
    assert result == [[udfs.NA], [gb], [udfs.NA]]


def test_unknown_jurisdiction_is_value_error() -> None:
    assert udfs.AR_LATE_INTEREST([1000.0, 1000.0], DUE, AS_OF, ["XX", "EU"]) == [udfs.VALUE, udfs.VALUE]
    assert udfs.AR_FIXED_COMP([[500.0], [5000.0], [50_000.0]], [["GB"], ["US"], ["IE"]]) == [
        [40.0],
        [udfs.VALUE],
        [100.0],
    ]


def test_fixed_compensation_matches_the_engine() -> None:
    assert udfs.AR_FIXED_COMP(5000.0, "GB") == float(interest.fixed_compensation(5000, "GB")[0])
    assert udfs.AR_FIXED_COMP([100.0, 0.0], "DE") == [40.0, 0.0]


def test_bucket_edges_from_text_or_a_range() -> None:
    days = [[AS_OF - dt.timedelta(days=n)] for n in (0, 10, 20, 45)]
    assert udfs.AR_BUCKET(days, AS_OF, "0,15,30") == [["Current"], ["1-15"], ["16-30"], ["30+"]]
    assert udfs.AR_BUCKET(days, AS_OF, [[0], [15], [30]]) == [["Current"], ["1-15"], ["16-30"], ["30+"]]
    assert udfs.AR_BUCKET(days, AS_OF, "30,0") == udfs.VALUE


def test_unknown_currency_is_value_error_and_missing_rate_is_na() -> None:
    result = formulas.convert([[100.0]] * 4, [["USD"], ["eur"], ["CHF"], ["XYZ"]], rates=RATES)
    assert result == [[92.0], [100.0], [udfs.NA], [udfs.VALUE]]


def test_fx_to_another_base_uses_the_cross_rate() -> None:
    assert formulas.convert(100.0, "EUR", "USD", rates={"USD": 0.8}) == 125.0
    assert formulas.convert(100.0, "GBP", "USD", rates={"USD": 0.8, "GBP": 1.2}) == 150.0
    assert formulas.convert(100.0, "EUR", "JPY", rates=RATES) == udfs.NA
    assert formulas.convert(100.0, "EUR", "nonsense", rates=RATES) == udfs.VALUE


def test_a_missing_rate_is_na_with_the_engines_reason_never_zero_or_blank(caplog) -> None:
    """#19: one conversion (engine.fx.convert); a currency or a target without a rate is #N/A, its reason logged."""
    with caplog.at_level("INFO", logger="arcollect.excel.formulas"):
        assert formulas.convert([[100.0], [100.0]], [["CHF"], ["USD"]], rates=RATES) == [[udfs.NA], [92.0]]
        assert formulas.convert([[100.0], [5.0]], [["USD"], ["JPY"]], "SEK", rates=RATES) == [[udfs.NA], [udfs.NA]]
        assert formulas.convert(7.0, "SEK", "SEK", rates=RATES) == 7.0  # already in the target: no rate needed
    reasons = [record.getMessage() for record in caplog.records]
    assert "AR_FX: no FX rate for CHF — add 1 CHF = ? EUR to the FX sheet" in reasons
    assert "AR_FX: no FX rate for SEK — add 1 SEK = ? EUR to the FX sheet" in reasons
    assert not any("USD" in reason for reason in reasons)


def test_a_cross_rate_is_the_engines_cross_rate() -> None:
    """USD → GBP through a EUR table: the cell function, engine.fx.convert and the factor the law code uses agree."""
    rates = {"USD": 0.92, "GBP": 1.17}
    cell = formulas.convert(100.0, "USD", "GBP", rates=rates, rates_base="EUR")
    engine, problems = fx.convert(100.0, "USD", "GBP", "EUR", rates)
    factor = fx.cross_rates("USD", "GBP", "EUR", rates)[0]
    assert problems == [] and cell == float(engine) == round(100.0 * factor, 2) == 78.63
    column = formulas.convert([[10.0], [10.0], [10.0]], [["USD"], ["EUR"], ["GBP"]], "GBP", rates=rates)
    engine_column, _ = fx.convert([10.0, 10.0, 10.0], ["USD", "EUR", "GBP"], "GBP", "EUR", rates)
    assert [row[0] for row in column] == list(engine_column) == [7.86, 8.55, 10.0]


def test_ar_fx_reads_rates_and_base_currency_of_the_calling_workbook(monkeypatch, tmp_path) -> None:
    from arcollect.book import template, write
    from arcollect.book.settings import default_settings_rows
    from tests.excel_standin import StandInBook

    path = tmp_path / "book.xlsx"
    template.build(path)
    settings = default_settings_rows()
    settings.loc[settings[SettingsSheet.KEY] == "BaseCurrency", SettingsSheet.VALUE] = "CHF"
    write.write_tables(path, {"FX": pd.DataFrame({FX.CURRENCY: ["USD"], FX.RATE: [0.5]}), "Settings": settings})
    book = StandInBook(path)  # the live book Excel would hand over, read through arcollect.book.live
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book), raising=False)
    assert udfs.AR_FX([[10.0], [10.0], [10.0]], [["USD"], ["CHF"], ["GBP"]]) == [[5.0], [10.0], [udfs.NA]]


def test_dso_methods() -> None:
    assert udfs.AR_DSO(150_000.0, 1_800_000.0) == pytest.approx(30.4167, abs=1e-4)
    assert udfs.AR_DSO(4_000.0, 10_000.0, 30, "best") == pytest.approx(12.0)
    assert udfs.AR_DSO(212_000.0, [100_000.0, 80_000.0, 70_000.0], 30, "countback") == pytest.approx(73.7143, 1e-4)
    assert udfs.AR_DSO(1.0, 0.0) == udfs.DIV0
    assert udfs.AR_DSO(1.0, 1.0, 365, "median") == udfs.VALUE


def test_countback_dso_takes_one_row_of_months_per_receivable() -> None:
    sales = [[100_000.0, 80_000.0, 70_000.0], [10.0, "x", 10.0], [50.0, None, 50.0], [0.0, 0.0, 0.0]]
    result = udfs.AR_DSO([[212_000.0], [5.0], [5.0], [5.0]], sales, [[30, 31, 30]], "countback")
    assert result[0][0] == pytest.approx(30 + 31 + 32 / 70 * 30)
    assert result[1:] == [[udfs.VALUE], [None], [udfs.DIV0]]


def test_cei_matches_the_engine_and_zero_denominator_is_div0() -> None:
    assert udfs.AR_CEI(6_200.0, 10_890.0, 6_340.0, 3_590.0, 3) == pytest.approx(55.9295, abs=1e-4)
    assert udfs.AR_CEI([[0.0], [6_200.0]], [[0.0], [10_890.0]], 6_340.0, [[0.0], [3_590.0]]) == [
        [udfs.DIV0],
        [pytest.approx(79.6296, abs=1e-4)],
    ]


# ---- what xlwings and the add-in builder see ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FUNCTIONS)
def test_cell_functions_have_only_positional_arguments_and_no_converter_hints(name: str) -> None:
    function = getattr(udfs, name)
    parameters = inspect.signature(function).parameters.values()
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters)
    assert typing.get_type_hints(function) == {}  # xlwings would read hints as converters
    assert function.__doc__ and "\n" not in function.__doc__.strip() and len(function.__doc__) <= 255


def test_module_exports_exactly_the_documented_cell_functions() -> None:
    names = sorted(name for name in vars(udfs) if name.startswith("AR_"))
    assert names == sorted(CALLS)


# ---- 100,000-row columns ----------------------------------------------------------------------------------------

ROWS = 100_000
BAD_ROWS = (0, 49_999, ROWS - 1)
EMPTY_ROW = 12_345


def _column(values: list) -> list[list]:
    column = [[value] for value in values]
    for row in BAD_ROWS:
        column[row] = ["not readable"]
    column[EMPTY_ROW] = [None]
    return column


def _dates(start: str, serial_every: int = 3) -> list:
    days = pd.date_range(start, periods=ROWS, freq="D").to_pydatetime().tolist()
    epoch = dt.datetime(1899, 12, 30)
    return [(day - epoch).days * 1.0 if i % serial_every == 0 else day for i, day in enumerate(days)]


def _check_big(result: list, good_row: int, expected: object) -> None:
    assert len(result) == ROWS and all(len(row) == 1 for row in result)
    assert [result[row][0] for row in BAD_ROWS] == [udfs.VALUE] * len(BAD_ROWS)
    assert result[EMPTY_ROW][0] is None
    assert result[good_row][0] == expected
    errors = sum(1 for row in result if isinstance(row[0], str) and row[0].startswith("#"))
    assert errors == len(BAD_ROWS)


@pytest.fixture(scope="module")
def big_dates() -> list:
    return _dates("1990-01-01")


def test_100k_days_past_due_and_buckets(big_dates: list) -> None:
    column = _column(big_dates)
    as_of = dt.datetime(2100, 1, 1)
    days = udfs.AR_DAYS_PAST_DUE(column, as_of)
    _check_big(days, 3, (as_of - dt.datetime(1990, 1, 4)).days)
    assert days[4][0] == (as_of - dt.datetime(1990, 1, 5)).days  # a serial row
    _check_big(udfs.AR_BUCKET(column, as_of), 3, "120+")


def test_100k_due_dates_and_deadlines(big_dates: list) -> None:
    terms_column = _column(["2/10 net 30", "net 30 EOM", "COD", "1/10 EOM"] * (ROWS // 4))
    due = udfs.AR_DUE_DATE(_column(big_dates), terms_column)
    _check_big(due, 5, dt.datetime.combine(terms.due_date("net 30 EOM", dt.date(1990, 1, 6)), dt.time()))
    deadline = udfs.AR_DISCOUNT_DEADLINE(terms_column, [[day] for day in big_dates])
    assert deadline[4][0] == dt.datetime(1990, 1, 15) and deadline[6][0] == udfs.NA
    assert [deadline[row][0] for row in BAD_ROWS] == [udfs.VALUE] * 3


def test_100k_discounts_and_aprs(big_dates: list) -> None:
    amounts = _column([1000.0] * ROWS)
    discounts = udfs.AR_DISCOUNT(amounts, "2/10 net 30", [[day] for day in big_dates], dt.datetime(1990, 1, 20))
    _check_big(discounts, 10, 20.0)
    assert discounts[4][0] == 0.0  # invoiced 1990-01-05: the 10 days ran out on the 15th
    aprs = udfs.AR_DISCOUNT_APR(_column(["2/10 net 30"] * ROWS))
    _check_big(aprs, 7, udfs.AR_DISCOUNT_APR("2/10 net 30"))


def test_100k_late_interest_and_fixed_compensation() -> None:
    due = _dates("2020-01-01", serial_every=5)[: ROWS // 50] * 50  # 2,000 distinct due dates, all in the table
    laws = ["DE", "FR", "GB", "NL", "IT", "ES", "IE", "AT"]  # laws whose table covers 2020-2026 without a gap
    codes = _column(laws * (ROWS // len(laws)))
    amounts = _column([1500.0] * ROWS)
    result = udfs.AR_LATE_INTEREST(amounts, [[day] for day in due], dt.datetime(2026, 11, 24), codes)
    expected = float(interest.late_interest(1500.0, "2020-01-11", "2026-11-24", laws[10 % 8]))
    _check_big(result, 10, expected)
    comp = udfs.AR_FIXED_COMP(amounts, [[code] for code in ["GB", "DE"] * (ROWS // 2)])
    _check_big(comp, 2, 70.0)


def test_100k_late_interest_past_the_rate_table_is_na_not_an_exception() -> None:
    due = [[day] for day in _dates("2020-01-01")[: ROWS // 50] * 50]  # due 2020-01-01 to 2025-06-22
    result = udfs.AR_LATE_INTEREST(1000.0, due, dt.datetime(2040, 1, 1), [["FR"], ["GB"]] * (ROWS // 2))
    assert {row[0] for row in result[0::2]} == {udfs.NA}
    assert all(isinstance(row[0], float) for row in result[1::2])


def test_100k_fx_and_metrics() -> None:
    currencies = _column(["USD", "GBP", "EUR", "CHF"] * (ROWS // 4))
    converted = formulas.convert([[10.0]] * ROWS, currencies, rates=RATES)
    assert [converted[row][0] for row in BAD_ROWS] == [udfs.VALUE] * len(BAD_ROWS)
    assert converted[EMPTY_ROW][0] is None
    assert (converted[1][0], converted[2][0], converted[3][0]) == (11.5, 10.0, udfs.NA)
    assert (
        sum(1 for row in converted if row[0] == udfs.NA) == ROWS // 4 - 2
    )  # CHF has no rate; rows 49,999 and 99,999 are bad
    numbers = _column([1000.0] * ROWS)
    _check_big(udfs.AR_DSO(numbers, [[12_000.0]] * ROWS, 360), 1, 30.0)
    _check_big(udfs.AR_CEI(numbers, 500.0, 300.0, 100.0), 1, pytest.approx(1200 / 1400 * 100))


def test_100k_serial_dates_round_trip_to_datetimes() -> None:
    serials = np.arange(61, 61 + ROWS, dtype="float64")
    result = udfs.AR_DUE_DATE([[serial] for serial in serials.tolist()], "net 0")
    assert result[0][0] == dt.datetime(1900, 3, 1)
    assert result[-1][0] == dt.datetime(1900, 3, 1) + dt.timedelta(days=ROWS - 1)


def test_decimal_is_never_returned() -> None:
    for name in FUNCTIONS:
        assert not isinstance(call(name, CALLS[name][1][0]), Decimal)


# ---- error cells, whole columns, the 1904 date system, the calling workbook (issue #14) ---------------------------

COM_NA = -2146826246  # what xlwings passes for #N/A without err_to_str


@pytest.mark.parametrize("name", FUNCTIONS)
def test_an_error_cell_in_an_input_gives_that_error_not_a_blank(name: str) -> None:
    first = CALLS[name][1][0]
    single = call(name, first)
    assert call(name, [[first], ["#N/A"], ["#REF!"], [first]]) == [[single], ["#N/A"], ["#REF!"], [single]]
    assert call(name, [[first], [COM_NA]]) == [[single], ["#N/A"]]
    assert call(name, "#DIV/0!") == "#DIV/0!"


def test_an_error_in_a_later_argument_gives_that_error_in_its_row() -> None:
    assert udfs.AR_DAYS_PAST_DUE([[DUE], [DUE]], [[AS_OF], ["#NAME?"]]) == [[54], ["#NAME?"]]
    assert udfs.AR_DISCOUNT(
        [[1000.0], [1000.0]], "2/10 net 30", INVOICE, [["#SPILL!"], [dt.datetime(2026, 3, 15)]]
    ) == [
        ["#SPILL!"],
        [20.0],
    ]


def test_an_error_in_an_option_makes_the_whole_result_that_error() -> None:
    assert udfs.AR_BUCKET([[DUE], [DUE]], AS_OF, "#REF!") == "#REF!"
    assert udfs.AR_BUCKET([[DUE]], AS_OF, [[0], ["#N/A"], [30]]) == "#N/A"
    assert udfs.AR_DSO(1.0, 1.0, 365, "#N/A") == "#N/A"
    assert formulas.convert(100.0, "USD", "#VALUE!", rates=RATES) == "#VALUE!"


def test_a_number_equal_to_a_com_error_code_is_a_number() -> None:
    assert udfs.AR_FIXED_COMP(float(COM_NA), "GB") != "#N/A"


def test_error_cells_from_a_real_workbook_arrive_as_xlwings_hands_them_over(tmp_path) -> None:
    """An .xlsx with an error cell, read the way xlwings reads each argument (its declared options)."""
    import openpyxl

    from arcollect.excel.addin import udf_wrappers
    from tests.excel_standin import StandInBook

    path = tmp_path / "errors.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row, value in enumerate([DUE, "#N/A", DUE_SERIAL, None], start=1):
        sheet.cell(row=row, column=1, value=value)
    book.save(path)
    assert openpyxl.load_workbook(path).active["A2"].data_type == "e"
    options = next(f for f in udf_wrappers.functions("arcollect.excel.udfs") if f.name == "AR_DAYS_PAST_DUE")
    declared = {key: value for key, value in options.argument_options["due"].items() if key in ("ndim", "err_to_str")}
    live = StandInBook(path)
    try:
        due = live.sheets[0].range("A1:A4").options(**declared).value
    finally:
        live.close()
    assert due[1] == ["#N/A"]
    assert udfs.AR_DAYS_PAST_DUE(due, AS_OF) == [[54], ["#N/A"], [54], [None]]


def test_every_argument_asks_xlwings_for_error_cells_as_errors() -> None:
    """Without err_to_str xlwings turns an error cell into None: a blank, and a blank as_of means today."""
    from arcollect.excel.addin import udf_wrappers

    for function in udf_wrappers.functions("arcollect.excel.udfs"):
        for parameter in function.vba_parameters:
            options = function.argument_options.get(parameter.name, {})
            assert options.get("err_to_str") is True, f"{function.name}({parameter.name})"


WHOLE = 1_048_576


def test_a_whole_column_is_read_down_to_its_last_used_row() -> None:
    due = [[DUE], [None], [DUE_SERIAL]] + [[None]] * (WHOLE - 3)
    assert udfs.AR_DAYS_PAST_DUE(due, AS_OF) == [[54], [None], [54]]
    amounts = [[1000.0], [500.0], [250.0], [125.0]] + [[None]] * (WHOLE - 4)
    terms_column = [["2/10 net 30"]] * 2 + [[None]] * (WHOLE - 2)
    # columns of one table stay aligned: all whole columns end at the last row any of them uses
    assert udfs.AR_DISCOUNT(amounts, terms_column, INVOICE, dt.datetime(2026, 3, 15)) == [
        [20.0],
        [10.0],
        [None],
        [None],
    ]
    assert udfs.AR_DAYS_PAST_DUE([[None]] * WHOLE, AS_OF) == [[None]]


def test_a_whole_row_is_read_up_to_its_last_used_column() -> None:
    row = [[DUE, DUE_SERIAL] + [None] * (16_384 - 2)]
    assert udfs.AR_DAYS_PAST_DUE(row, AS_OF) == [[54, 54]]


DUE_SERIAL_1904 = DUE_SERIAL - 1462  # 2026-10-01 in the 1904 date system: days since 1904-01-01


def test_serials_of_a_1904_workbook_are_counted_from_1904() -> None:
    assert udfs.AR_DAYS_PAST_DUE(DUE_SERIAL_1904, AS_OF, date1904=True) == 54
    assert udfs.AR_DAYS_PAST_DUE(DUE_SERIAL_1904, AS_OF) == 54 + 1462  # read in the 1900 system it is 4 years early
    assert udfs.AR_DAYS_PAST_DUE([0.0, -1.0], dt.datetime(1904, 1, 2), date1904=True) == [1, udfs.VALUE]
    assert udfs.AR_DUE_DATE(DUE_SERIAL_1904, "net 30", date1904=True) == dt.datetime(2026, 10, 31)
    assert udfs.AR_LATE_INTEREST(2000.0, 45322.0 - 1462, 45367.0 - 1462, "GB", date1904=True) == udfs.AR_LATE_INTEREST(
        2000.0, dt.datetime(2024, 1, 31), dt.datetime(2024, 3, 16), "GB"
    )


def test_a_1904_workbook_saved_by_a_spreadsheet_gives_the_same_days_as_its_dates(tmp_path) -> None:
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from tests.excel_standin import StandInBook

    path = tmp_path / "mac1904.xlsx"
    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet["A1"] = DUE  # a date cell: Excel hands over the date itself
    sheet["A2"] = DUE_SERIAL_1904  # an unformatted serial in the book's own system
    book.save(path)
    assert openpyxl.load_workbook(path).epoch == CALENDAR_MAC_1904
    live = StandInBook(path)
    try:
        due = live.sheets[0].range("A1:A2").options(ndim=2, err_to_str=True).value
    finally:
        live.close()
    assert udfs.AR_DAYS_PAST_DUE(due, AS_OF, date1904=True) == [[54], [54]]


def test_ar_fx_reads_the_fx_table_of_the_workbook_holding_the_formula(monkeypatch, tmp_path) -> None:
    """Two books open: the active one quotes USD at 0.5 CHF, the one holding the formula at 0.8 CHF."""
    from arcollect.book import template, write
    from arcollect.book.settings import default_settings_rows
    from tests.excel_standin import StandInBook

    books = {}
    for name, rate in (("active", 0.5), ("formula", 0.8)):
        path = tmp_path / f"{name}.xlsx"
        template.build(path)
        settings = default_settings_rows()
        settings.loc[settings[SettingsSheet.KEY] == "BaseCurrency", SettingsSheet.VALUE] = "CHF"
        write.write_tables(path, {"FX": pd.DataFrame({FX.CURRENCY: ["USD"], FX.RATE: [rate]}), "Settings": settings})
        books[name] = StandInBook(path)
    try:
        monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: books["active"]), raising=False)
        caller = books["formula"].sheets["Invoices"].range("H2")
        assert udfs.AR_FX([[10.0], [10.0]], [["USD"], ["CHF"]], None, caller) == [[8.0], [10.0]]
        assert udfs.AR_FX(10.0, "USD") == 5.0  # without a caller: xlwings' calling book
    finally:
        for book in books.values():
            book.close()


def test_the_functions_that_fall_back_to_today_are_marked_for_the_add_in() -> None:
    marked = {name: getattr(getattr(udfs, name), "arcollect_today", None) for name in FUNCTIONS}
    assert {name: parameter for name, parameter in marked.items() if parameter} == {
        "AR_DAYS_PAST_DUE": "as_of",
        "AR_BUCKET": "as_of",
        "AR_LATE_INTEREST": "as_of",
        "AR_DISCOUNT": "pay_date",
    }
    for name, parameter in marked.items():
        if parameter:
            assert inspect.signature(getattr(udfs, name)).parameters[parameter].default is None
