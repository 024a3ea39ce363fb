"""``arcollect addin build|install``: the Excel add-in from the package's sources, for the installed xlwings."""

from __future__ import annotations

import argparse
import datetime as dt

from arcollect.cli import shell


def addin(args: argparse.Namespace, now: dt.datetime) -> int:
    if args.action == "build":
        from arcollect.excel.addin import build

        built = build.build(args.out)
        shell.console.print(f"Built {built}", soft_wrap=True)
        return 0
    from arcollect.excel import install

    for action, path in install.install(args.xlam, dry_run=args.dry_run):
        shell.console.print(f"{'Would ' if args.dry_run else 'Did: '}{action} {path}", soft_wrap=True)
    if not args.dry_run:
        shell.console.print("Start Excel: the Collections tab appears (see README, 'Use it in Excel').", soft_wrap=True)
    return 0
