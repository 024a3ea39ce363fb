"""`python -m arcollect.cli` — the same as the `arcollect` console script (and `python -m arcollect`)."""

from __future__ import annotations

import sys

from arcollect.cli import main

if __name__ == "__main__":
    sys.exit(main())
