"""Where and when a customer is: its country and IANA time zone (its own, else its country's main zone) and its
local date at `now` (`customer_table`), and the next moment inside its local business hours on a local business
day that a reminder goes out (`send_times`: state ``due`` or ``scheduled``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from arcollect.engine import calendar
from arcollect.engine.columns import equals, per_distinct
from arcollect.engine.dunning.queue import (
    COUNTRY,
    HELD,
    LOCAL_DATE,
    SCHEDULED,
    SUBDIVISION,
    TIME_ZONE,
)
from arcollect.schema import Customers, Queue


def customer_table(customers: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    """The customers indexed by ID (first row of a repeated ID), with country, time zone and local date at `now`."""
    people = customers.drop_duplicates(Customers.ID).set_index(Customers.ID, drop=False)
    country = per_distinct(people[Customers.COUNTRY], _upper)
    zone = _zones(people)
    local_dates = {name: now.astimezone(ZoneInfo(name)).date() for name in zone.dropna().unique()}
    auto_pay = people.get(Customers.AUTO_PAY, pd.Series(False, index=people.index))
    return people.assign(
        **{
            Customers.AUTO_PAY: auto_pay,
            COUNTRY: country,
            TIME_ZONE: zone,
            LOCAL_DATE: pd.to_datetime(zone.map(local_dates)),
        }
    )


def time_zones(customers: pd.DataFrame) -> set[str]:
    """The distinct IANA zones the customers keep: their own, or their country's main zone."""
    return {str(zone) for zone in _zones(customers).dropna().unique()}


def _zones(customers: pd.DataFrame) -> pd.Series:
    """Each customer's IANA zone: the Time zone column, else the main zone of the country."""
    country = per_distinct(customers[Customers.COUNTRY], _upper)
    own = customers.get(Customers.TIME_ZONE, pd.Series(None, index=customers.index, dtype=object))
    named = per_distinct(own, lambda zones: zones.notna() & (zones.astype("string").str.strip() != ""))
    return own.where(named, calendar.default_time_zone(country))


def _upper(values: pd.Series) -> pd.Series:
    return values.astype("string").str.upper()


def send_times(rows: pd.DataFrame, people: pd.DataFrame, now: dt.datetime, window: Any) -> pd.DataFrame:
    """Each row that is not held gets its send time in UTC and local text, and ``scheduled`` when it is later than
    `now`; a row without a known country or zone is held. The planner's internal columns are dropped."""
    rows[Queue.SEND_AT_UTC] = pd.NaT
    rows[Queue.SEND_AT_LOCAL] = ""
    ready = ~equals(rows[Queue.STATE], HELD) & rows[TIME_ZONE].notna() & rows[COUNTRY].notna()
    if ready.any():
        subset = rows.loc[ready, [COUNTRY, SUBDIVISION, TIME_ZONE]]
        # `now` is the same for every row, so the send time depends only on the place: computed once per distinct
        # (country, subdivision, zone) — a few dozen — and spread to the rows.
        place, first = _places(subset)
        places = subset.iloc[first]
        at_place = calendar.next_send_time(
            pd.Series(pd.Timestamp(now).tz_convert("UTC"), index=places.index),
            places[COUNTRY],
            places[TIME_ZONE],
            window,
            places[SUBDIVISION].astype("string").fillna(""),
        )
        send_at = pd.Series(at_place.array.take(place), index=subset.index)
        rows[Queue.SEND_AT_UTC] = send_at.reindex(rows.index)
        local_text = _local_text(at_place, places[TIME_ZONE]).to_numpy()[place]
        rows.loc[ready, Queue.SEND_AT_LOCAL] = pd.Series(local_text, index=subset.index, dtype=object)
        later = ready & (rows[Queue.SEND_AT_UTC] > pd.Timestamp(now).tz_convert("UTC"))
        rows[Queue.STATE] = np.where(later, SCHEDULED, rows[Queue.STATE])
        rows[Queue.REASON] = np.where(
            later, "waits for the customer's business hours", rows[Queue.REASON]
        )  # fmt: skip
    no_zone = ~equals(rows[Queue.STATE], HELD) & ~ready
    rows.loc[no_zone, Queue.STATE] = HELD
    rows.loc[no_zone, Queue.REASON] = "no known country or time zone for the customer's business hours"
    return rows.drop(columns=["_hold", "_covered", "_group"], errors="ignore").reset_index(drop=True)


def _places(subset: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's place (a code) and one row of each place, in order of first appearance.

    Only text columns are factorized together; others (numbers that hash alike, 1 and 1.0, but read apart) make
    every row its own place.
    """
    if any(pd.api.types.infer_dtype(subset[column], skipna=True) != "string" for column in subset.columns):
        return np.arange(len(subset)), np.arange(len(subset))
    key = np.zeros(len(subset), dtype="int64")
    for column in subset.columns:
        codes, distinct = pd.factorize(subset[column], use_na_sentinel=False)
        key = key * len(distinct) + codes
    place, _ = pd.factorize(key)
    _, first = np.unique(place, return_index=True)
    return place, first


def _local_text(send_at: pd.Series, zones: pd.Series) -> pd.Series:
    """'Tue 2026-11-24 09:00 Europe/Berlin' per row, formatted once per distinct (send time, zone) pair."""
    at_codes, moments = pd.factorize(send_at)
    zone_codes, names = pd.factorize(zones)
    pair = np.where((at_codes < 0) | (zone_codes < 0), -1, at_codes.astype("int64") * len(names) + zone_codes)
    pair_codes, pairs = pd.factorize(pair)

    def text(code: int) -> str:
        if code < 0:
            return ""
        zone = names[code % len(names)]
        return pd.Timestamp(moments[code // len(names)]).tz_convert(zone).strftime("%a %Y-%m-%d %H:%M ") + zone

    texts = [text(code) for code in pairs.tolist()]
    return pd.Series(np.asarray(texts, dtype=object)[pair_codes], index=send_at.index, dtype=object)
