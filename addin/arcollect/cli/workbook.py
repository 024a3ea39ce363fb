"""The workbook's own commands: ``new`` (from the template), ``config`` (Settings, validated), ``import`` (an
open-items export into Invoices and Customers)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from rich.markup import escape

from arcollect.cli import shell
from arcollect.errors import ArcollectError
from arcollect.schema import SettingsSheet


def new(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.book import settings, template

    if args.path.exists() and not args.force:
        raise ArcollectError(f"{args.path} already exists — choose another name or pass --force")
    if not args.path.resolve().parent.is_dir():
        raise ArcollectError(f"The folder {args.path.resolve().parent} does not exist — create it first")
    law = args.law
    if law is None and sys.stdin.isatty():
        law = shell.console.input(
            "Which country's law governs your sales contracts? Usually your company's country (e.g. DE, FR, GB), "
            "blank to decide later: "
        )
    law = settings.set_value("GoverningLaw", law) if law and law.strip() else ""
    template.build(args.path, settings_values={"GoverningLaw": law} if law else None)
    shell.console.print(
        f"Created {args.path}: fill in Customers, Invoices and Settings, then run arcollect refresh.", soft_wrap=True
    )
    if law:
        shell.console.print(f"GoverningLaw = {law}: statutory late charges follow {law} law unless a customer's own "
                      "Jurisdiction or Late charge says otherwise.", soft_wrap=True)  # fmt: skip
    else:
        shell.console.print(
            "GoverningLaw is blank: no statutory late interest is charged until you set it — "
            f"arcollect config {args.path} GoverningLaw DE",
            soft_wrap=True,
        )
    return 0


def config(args: argparse.Namespace, now: dt.datetime) -> int:
    import pandas as pd
    from rich.table import Table

    from arcollect.book import read, settings, settings_keys, write

    tables, _problems = read.read(args.path)
    rows = tables["Settings"].reset_index(drop=True)
    current, problems = settings.parse_settings(rows)
    shown = settings.settings_rows(current)
    if args.key is None:
        table = Table("Setting", "Value", "Description", title=f"Settings of {args.path}")
        for key, value, description in shown.itertuples(index=False):
            table.add_row(str(key), str(value), str(description))
        shell.console.print(table)
        for problem in problems:
            shell.console.print(f"[yellow]{problem}[/yellow]")
        return 0
    canonical_key = settings_keys.canonical_key(args.key)
    if args.value is None:
        match = shown[shown[SettingsSheet.KEY] == canonical_key]
        shell.console.print(f"{canonical_key} = {match[SettingsSheet.VALUE].iloc[0]}")
        return 0
    value = settings.set_value(canonical_key, args.value)
    keys = rows[SettingsSheet.KEY].astype(str).str.lower()
    spelled_keys = rows.loc[keys == canonical_key.lower(), SettingsSheet.KEY]
    for old, (_spelled, new_name) in settings_keys.RENAMED.items():  # a row under an old name becomes the new key's
        if new_name == canonical_key and spelled_keys.empty:
            spelled_keys = rows.loc[keys.str.replace(r"[\s_-]", "", regex=True) == old, SettingsSheet.KEY]
    if not spelled_keys.empty:  # one cell changes (and an old key's name); every other cell stays as it was
        spelled = {str(key): value for key in spelled_keys}
        updates = [write.CellUpdate("Settings", SettingsSheet.KEY, SettingsSheet.VALUE, spelled)]
        renamed = {str(key): canonical_key for key in spelled_keys if str(key).lower() != canonical_key.lower()}
        if renamed:  # the value first: the key cell it is found by changes last
            described = {key: settings_keys.describe(canonical_key) for key in renamed}
            updates += [
                write.CellUpdate("Settings", SettingsSheet.KEY, SettingsSheet.DESCRIPTION, described),
                write.CellUpdate("Settings", SettingsSheet.KEY, SettingsSheet.KEY, renamed),
            ]
        result = write.write_tables(args.path, {}, updates=updates)
    else:
        description = settings_keys.describe(canonical_key)
        new_row = {SettingsSheet.KEY: canonical_key, SettingsSheet.VALUE: value, SettingsSheet.DESCRIPTION: description}
        rows = pd.concat([rows, pd.DataFrame([new_row])], ignore_index=True)
        result = write.write_tables(args.path, {"Settings": rows})
    shell.console.print(f"{canonical_key} = {value}" + (f" ({result.message})" if result.message else ""))
    return 0


def import_items(args: argparse.Namespace, now: dt.datetime) -> int:
    """Import an export; a full import is said (--full) or confirmed, never assumed; exit 1 when nothing came in."""
    from arcollect.book import importer

    if not args.path.exists():
        raise ArcollectError(f"{args.path} does not exist — create one with: arcollect new {args.path}")
    if args.show_mapping:
        return _show_mapping(args)
    full = args.full or (not args.partial and _confirm_full(args.export))
    report = importer.import_open_items(
        args.path, args.export, mapping=args.mapping, full=full, force=args.force, now=now
    )
    shell.console.print(report.summary(), soft_wrap=True, markup=False)
    for imported, existing in report.customers_matched.items():
        shell.console.print(f"  customer '{imported}' is the existing {existing} (matched by name)", soft_wrap=True)
    for problem in report.problems[:20]:
        shell.console.print(f"[yellow]{escape(str(problem))}[/yellow]", soft_wrap=True)
    if len(report.problems) > 20:
        shell.console.print(f"… and {len(report.problems) - 20} more on the Exceptions sheet", soft_wrap=True)
    if report.backup is not None:
        shell.console.print(f"The workbook as it was before: {report.backup}", soft_wrap=True)
    if not report.imported:
        shell.console.print(
            f"[red]Nothing imported:[/red] {args.export.name} gave no usable invoice rows.", soft_wrap=True
        )
        return 1
    return 0


def _confirm_full(export: Path) -> bool:
    """Ask whether the export is complete (a terminal); without one, the user must say --full or --partial."""
    if not sys.stdin.isatty():
        raise ArcollectError(
            f"say whether {export.name} lists every open invoice: --full (open invoices it does not list are marked "
            "Paid) or --partial (invoices are only added and updated)"
        )
    answer = shell.console.input(
        f"Does {export.name} list [bold]every[/bold] open invoice? Open invoices it does not list will be marked "
        "Paid. [y/N] "
    )
    if answer.strip().casefold() not in ("y", "yes", "j", "ja", "o", "oui"):
        shell.console.print("Importing as a partial export: nothing will be closed.")
        return False
    return True


def _show_mapping(args: argparse.Namespace) -> int:
    from rich.table import Table

    from arcollect.book import importer
    from arcollect.book.read import sheet_rows
    from arcollect.schema import MAPPINGS

    view = importer.describe(args.export, mapping=args.mapping, user_rows=sheet_rows(args.path, MAPPINGS.sheet))
    verdict = "fits" if view.fits else "does not fit yet (required columns without a source)"
    table = Table(
        "arcollect column", f"{args.export.name} column", "first value",
        title=f"{args.export.name}: header row {view.header_row}, mapping {view.mapping} {verdict}",
        title_justify="left",
    )  # fmt: skip
    for target, source, value in view.columns:
        table.add_row(target, source or "[red]—[/red]", "" if value is None else escape(str(value)))
    shell.console.print(table)
    if view.unused:
        shell.console.print(f"Not used: {', '.join(view.unused)}", soft_wrap=True, markup=False)
    shell.console.print(
        f"Change a line on the Mappings sheet: Mapping {view.mapping} | Target column (arcollect's) | Source column "
        "(the export's).",
        soft_wrap=True,
    )
    return 0 if view.fits else 1
