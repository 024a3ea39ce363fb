"""Which mapping reads an export: the Mappings sheet, choosing a mapping and header row, and --show-mapping.

Users add or adjust mappings on an optional ``Mappings`` sheet (`schema.MAPPINGS`: Mapping, Target column,
Source column, Fixed value or format). Its rows for a built-in name (`layouts.BUILT_IN`) override that mapping
column by column, so a one-line row (``quickbooks | Invoice | Invoice #``) adapts a built-in to a renamed export
column. A mapping with a "Booking date" row is a bank statement mapping and is left to `bank.inbox`.

The header row is the first row (of the first 30) holding the mapping's required source columns; without a
mapping named, the one matching most columns wins (`choose`). When none fits, the error says what the closest
lacks and what the export's header holds; `describe` shows the export's headers beside arcollect's columns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arcollect import schema
from arcollect.book.importer.export import read_export
from arcollect.book.importer.layouts import (
    BUILT_IN,
    CUSTOMER_NAME,
    EXTRA_TARGETS,
    IMPORTED,
    Mapping,
    find,
    header_of,
    normal,
)
from arcollect.book.read import read_rows
from arcollect.errors import InputError
from arcollect.schema import Invoices, Mappings

logger = logging.getLogger(__name__)

_HEADER_SCAN_ROWS = 30


def user_mappings(rows: list[list[Any]]) -> dict[str, Mapping]:
    """Mappings from the rows of the workbook's optional Mappings sheet, merged over the built-in of the same name."""
    if not rows:
        return {}
    frame, problems = read_rows(schema.MAPPINGS, rows)
    for problem in problems:
        logger.warning("Mappings sheet: %s", problem)
    targets = _target_names()
    found: dict[str, Mapping] = {}
    for name, group in frame.groupby(Mappings.NAME, sort=False):
        if any(normal(target) == "bookingdate" for target in group[Mappings.TARGET]):
            continue  # a bank statement mapping (arcollect bank reads it: bank.inbox.csv_mappings)
        base = BUILT_IN.get(str(name).casefold(), Mapping(str(name), {}))
        sources, fixed, formats = dict(base.sources), dict(base.fixed), dict(base.formats)
        for target_text, source, extra in group[[Mappings.TARGET, Mappings.SOURCE, Mappings.FIXED]].itertuples(
            index=False
        ):
            target = targets.get(normal(target_text))
            if target is None:
                logger.warning("Mappings sheet: unknown target column %r in mapping %s", target_text, name)
                continue
            if source:
                sources[target] = (source,)
            if extra and "%" in extra:
                formats[target] = extra
            elif extra:
                fixed[target] = extra
        found[base.name] = Mapping(base.name, sources, fixed, formats)
    return found


def _target_names() -> dict[str, str]:
    names = {normal(c.header): c.key for c in schema.INVOICES.columns if c.key in IMPORTED}
    names.update({normal(c.key): c.key for c in schema.INVOICES.columns if c.key in IMPORTED})
    names.update({normal(header): key for key, (header, _) in EXTRA_TARGETS.items()})
    return names


def choose(
    mappings: dict[str, Mapping], rows: list[list[Any]], name: str | None, file_name: str
) -> tuple[Mapping, int]:
    """The mapping to use and the index of the export's header row.

    Auto-detection scores each mapping by how many of its source columns appear in one header row; a mapping
    qualifies only when every required source is there, and the highest score wins.
    """
    if name is not None:
        chosen = mappings.get(name) or mappings.get(name.casefold())
        if chosen is None:
            raise InputError(f"no mapping named {name!r} — known: {', '.join(sorted(mappings))}")
        candidates = [chosen]
    else:
        candidates = list(mappings.values())
    best: tuple[int, Mapping, int] | None = None
    for candidate in candidates:
        for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
            header = {normal(cell) for cell in row if cell is not None}
            if not all(find(candidate, key, header) for key in candidate.required):
                continue
            score = sum(1 for key in candidate.sources if find(candidate, key, header))
            if best is None or score > best[0]:
                best = (score, candidate, index)
            break
    if best is None:
        raise InputError(_no_fit(file_name, {candidate.name: candidate for candidate in candidates}, rows))
    return best[1], best[2]


def _no_fit(file_name: str, mappings: dict[str, Mapping], rows: list[list[Any]]) -> str:
    """Why no mapping fits: what the closest one lacks, and what the export's header row holds."""
    closest, index = _closest(mappings, rows)
    header = [str(cell) for cell in rows[index] if cell is not None] if rows else []
    present = {normal(cell) for cell in header}
    missing = [
        f"{header_of(key)} (one of: {', '.join(closest.sources.get(key, ()))})"
        for key in closest.required
        if not find(closest, key, present)
    ]
    shown = ", ".join(header[:24]) + (" …" if len(header) > 24 else "")
    return (
        f"{file_name}: its columns do not fit a known export. The closest is {closest.name}, which needs "
        f"{'; '.join(missing) or 'its columns in one header row'}. The export's header row (row {index + 1}) has: "
        f"{shown or 'nothing'}. Map the columns on the Mappings sheet, one row per column (Mapping "
        f"{closest.name}, Target column Invoice, Source column: the export's invoice column …); "
        "arcollect import BOOK --from FILE --show-mapping shows the export's headers beside arcollect's columns."
    )


def _closest(mappings: dict[str, Mapping], rows: list[list[Any]]) -> tuple[Mapping, int]:
    """The mapping and header row sharing the most columns, even if a required one is missing."""
    best: tuple[int, Mapping, int] | None = None
    for candidate in mappings.values():
        for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
            header = {normal(cell) for cell in row if cell is not None}
            score = sum(1 for key in candidate.sources if find(candidate, key, header))
            if best is None or score > best[0]:
                best = (score, candidate, index)
    if best is None:
        return next(iter(mappings.values())), 0
    return best[1], best[2]


@dataclass(frozen=True)
class MappingView:
    """What `describe` shows: the mapping chosen (or the closest), the export's header row, and per Invoices
    column the export column it is read from with a sample value."""

    mapping: str
    header_row: int
    columns: list[tuple[str, str | None, Any]]
    unused: list[str]
    fits: bool


def describe(
    export: str | Path, *, mapping: str | None = None, user_rows: list[list[Any]] | None = None
) -> MappingView:
    """The export's headers beside arcollect's columns, for ``arcollect import --show-mapping``.

    Uses the mapping named, else the one `import` would choose, else the one matching most of the header (then
    `fits` is False and the unmatched required columns show no source).
    """
    export = Path(export)
    mappings = {**BUILT_IN, **user_mappings(user_rows or [])}
    rows = read_export(export)
    try:
        chosen, index = choose(mappings, rows, mapping, export.name)
        fits = True
    except InputError:
        if mapping is not None and mapping not in mappings and mapping.casefold() not in mappings:
            raise
        chosen, index = _closest(mappings if mapping is None else {mapping: mappings[mapping]}, rows)
        fits = False
    header = rows[index] if rows else []
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        positions.setdefault(normal(cell), position)
    sample = next((row for row in rows[index + 1 :] if sum(cell is not None for cell in row) > 2), [])
    columns, used = [], set()
    for key in (*IMPORTED, *EXTRA_TARGETS):
        source = find(chosen, key, set(positions))
        if source is None and chosen.grouped and key in (Invoices.CUSTOMER_ID, CUSTOMER_NAME):
            columns.append((header_of(key), "(the contact heading above each group)", None))
            continue
        value = sample[positions[normal(source)]] if source and positions[normal(source)] < len(sample) else None
        columns.append((header_of(key), source, value))
        if source:
            used.add(normal(source))
    unused = [str(cell) for cell in header if cell is not None and normal(cell) not in used]
    return MappingView(chosen.name, index + 1, columns, unused, fits)
