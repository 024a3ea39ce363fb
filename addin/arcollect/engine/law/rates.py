"""The dated reference-rate table every statutory regime reads: ``engine/data/reference_rates.csv``.

One row per series and period: ``series,valid_from,valid_to,rate,source``, periods inclusive and without gaps
or overlaps within a series. Most series hold one row per half-year (the rate a statute fixes on 1 January /
1 July); ``ECB_MRO_DAY`` holds the ECB main refinancing rate between its changes (for laws that take the rate
of one particular day). Every row names where its figure was found, and a figure we derived from the statute's
own formula says so. A day a series does not cover raises `ConfigError` naming the rate to add: arcollect never
guesses a rate.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from arcollect.errors import ConfigError

TABLE_FILE = "reference_rates.csv"
MILLI = 1000  # rates are held in thousandths of a percent, so every table rate is an exact integer

#: What each series is and who publishes it (for messages and docs/LAW.md).
SERIES: dict[str, tuple[str, str]] = {
    "ECB_MRO": ("ECB main refinancing rate (1 January / 1 July)", "ECB, as in force on 1 January / 1 July"),
    "ECB_MRO_DAY": ("ECB main refinancing rate", "ECB, by date of change"),
    "DE_BASIS": ("Basiszinssatz (§ 247 BGB)", "Deutsche Bundesbank"),
    "AT_BASIS": ("Basiszinssatz (1. Euro-JuBeG)", "Oesterreichische Nationalbank, value on 1 January / 1 July"),
    "GB_BANK_RATE": ("Bank of England base rate", "Bank of England Bank Rate on 31 December / 30 June"),
    "SE_REF": ("referensränta (räntelagen 9 §)", "Sveriges riksbank"),
    "DK_LENDING": ("Nationalbankens udlånsrente", "Danmarks Nationalbank, rate on 1 January / 1 July"),
    "CZ_REPO": ("repo sazba ČNB", "Česká národní banka, 2T repo rate on 1 January / 1 July"),
    "HU_BASE": ("jegybanki alapkamat", "Magyar Nemzeti Bank, base rate on 1 January / 1 July"),
    "HR_HNB_AVERAGE": (
        "prosječna kamatna stopa na kredite nefinancijskim društvima (HNB)",
        "Hrvatska narodna banka in Narodne novine on 1 January / 1 July (the rule until 31 December 2022)",
    ),
    "RO_REF": (
        "rata dobânzii de referință a BNR (OG 13/2011)",
        "Banca Națională a României, policy rate in force on 1 January / 1 July",
    ),
    "BG_BASE": ("основен лихвен процент на БНБ", "Българска народна банка, base rate on 1 January / 1 July"),
    "PL_COMMERCIAL": (
        "odsetki ustawowe za opóźnienie w transakcjach handlowych",
        "Minister's obwieszczenie in Monitor Polski, per half-year",
    ),
    "NO_FORSINKELSESRENTE": ("forsinkelsesrente", "Finansdepartementet, per half-year"),
    "NL_WETTELIJKE_RENTE": ("wettelijke rente (art. 6:119 BW)", "Besluit vaststelling wettelijke rente"),
    "FR_TAUX_LEGAL": ("taux de l'intérêt légal, autres cas", "arrêté du ministre de l'économie, per half-year"),
    "IT_SAGGIO_LEGALE": (
        "saggio degli interessi legali (art. 1284 c.c.)",
        "decreto del Ministro dell'economia, per year",
    ),
    "ES_INTERES_LEGAL": ("interés legal del dinero", "Ley de Presupuestos Generales del Estado, per year"),
    "BE_TAUX_LEGAL": ("taux d'intérêt légal en matière civile", "SPF Finances, per year"),
}


@dataclass(frozen=True)
class Series:
    starts: np.ndarray  # int64 day numbers (days since 1970-01-01), first day of each row
    ends: np.ndarray  # int64 day numbers, last day of each row (inclusive)
    rates_milli: np.ndarray  # int64, thousandths of a percent
    rates: tuple[Decimal, ...]


@cache
def table() -> pd.DataFrame:
    """The shipped rows, sorted by series and date: series, valid_from, valid_to (Timestamps), rate (text), source."""
    text = resources.files("arcollect.engine").joinpath("data", TABLE_FILE).read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame["valid_from"] = pd.to_datetime(frame["valid_from"], format="%Y-%m-%d")
    frame["valid_to"] = pd.to_datetime(frame["valid_to"], format="%Y-%m-%d")
    unknown = sorted(set(frame["series"]) - set(SERIES))
    if unknown:
        raise ConfigError(f"{TABLE_FILE}: unknown series {', '.join(unknown)}")
    return frame.sort_values(["series", "valid_from"], ignore_index=True)


@cache
def series(name: str) -> Series:
    """One series as integer arrays; gaps or overlaps are a broken table (`ConfigError`)."""
    rows = table()[table()["series"] == name]
    if rows.empty:
        raise ConfigError(f"{TABLE_FILE} has no rows for {SERIES.get(name, (name,))[0]} ({name})")
    starts = rows["valid_from"].to_numpy().astype("datetime64[D]").astype("int64")
    ends = rows["valid_to"].to_numpy().astype("datetime64[D]").astype("int64")
    if np.any(starts[1:] != ends[:-1] + 1) or np.any(ends < starts):
        raise ConfigError(f"{TABLE_FILE}: the {name} rows must follow each other without gaps or overlaps")
    rates = tuple(Decimal(value) for value in rows["rate"])
    milli = [rate * MILLI for rate in rates]
    if any(value != value.to_integral_value() for value in milli):
        raise ConfigError(f"{TABLE_FILE}: {name} rates must have at most three decimals")
    return Series(starts, ends, np.array([int(v) for v in milli], dtype="int64"), rates)


def missing(law: str, name: str, day: int) -> ConfigError:
    """The error for a day series `name` does not cover, naming the rate to add and who publishes it."""
    data = series(name)
    label, publisher = SERIES[name]
    if day > data.ends[-1]:
        first_missing = np.datetime64(int(data.ends[-1]) + 1, "D")
        return ConfigError(
            f"no {law} {label} for {first_missing} onward in {TABLE_FILE} — "
            f"add the rate valid from {first_missing} ({publisher})"
        )
    if day < data.starts[0]:
        wanted = np.datetime64(int(day), "D").astype("datetime64[M]")
        half_year_start = wanted - (wanted.astype("int64") % 6)
        return ConfigError(
            f"no {law} {label} before {np.datetime64(int(data.starts[0]), 'D')} in {TABLE_FILE} "
            f"(needed for {np.datetime64(int(day), 'D')}) — add the rates valid from "
            f"{half_year_start.astype('datetime64[D]')} ({publisher})"
        )
    return ConfigError(f"no {law} {label} for {np.datetime64(int(day), 'D')} in {TABLE_FILE} ({publisher})")


def row_on(law: str, name: str, days: np.ndarray) -> np.ndarray:
    """Row index into the series for each day (int64 day numbers); every day must be covered."""
    data = series(name)
    if days.size and days.max() > data.ends[-1]:
        raise missing(law, name, int(days.max()))
    if days.size and days.min() < data.starts[0]:
        raise missing(law, name, int(days.min()))
    return np.searchsorted(data.starts, days, side="right") - 1
