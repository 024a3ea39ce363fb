"""`arcollect …` — the command line, a thin shell over `arcollect.run` (see DESIGN.md).

arcollect --version
"""

from __future__ import annotations

import argparse
import logging

from arcollect import __version__

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arcollect", description="Accounts-receivable collections for Excel.")
    parser.add_argument("--version", action="version", version=f"arcollect {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0
