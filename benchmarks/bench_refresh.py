"""`arcollect refresh` end to end at 10k and 100k invoices, beside the same aging done with Excel formulas.

    .venv/bin/python benchmarks/bench_refresh.py               # or: --sizes 10000 100000 --no-formulas

Refresh: a fresh copy of the synthetic book (`synthetic.workbook`, built from the template and cached) is refreshed
by the CLI in a child process — read, compute, plan, render, write the output sheets, save — timed from the
process start to its end; its CPU time (user + system, steadier than wall time on a busy machine) and peak RSS
come from `os.wait4`. The child also notes when each step of the run begins (`collect`'s progress callback),
which gives the breakdown; the rest of the wall time is start-up (interpreter and imports), printing the summary
and exit. The child runs the way the `arcollect` program does (`cli.main()` on its own command line) and, as an
installed package does, from compiled bytecode: with ``PYTHONDONTWRITEBYTECODE`` set (as in the dev shell) every
arcollect module would be compiled again on each start, about 0.1 s. The bytecode goes to a cache in the
temporary folder (``PYTHONPYCACHEPREFIX``), filled by one untimed refresh of the smallest book first;
``--no-bytecode`` measures without it.

Formulas: the same invoices with the per-row formulas a finance user would otherwise build — days past due, bucket
(nested IF), base amount (ROUND(amount × VLOOKUP(currency, FX))) — and a SUMIFS customer × bucket summary, written
by openpyxl without cached values, then loaded, recalculated and saved by LibreOffice headless
(``soffice --headless --convert-to xlsx``), timed in the same run. Its summary is read back and compared with the
engine's. A measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import synthetic

_CHILD = """
import json, sys, time
from arcollect import cli, run
sys.argv = ["arcollect", "refresh", sys.argv[1], "--now", sys.argv[2]]
started = time.perf_counter()
steps = []
real = run.collect
def collect(*args, progress=None, **kwargs):
    def noted(label, *rest):
        if not steps or steps[-1][0] != label:
            steps.append((label, time.perf_counter() - started))
        if progress is not None:
            progress(label, *rest)
    result = real(*args, progress=noted, **kwargs)
    steps.append(("done", time.perf_counter() - started))
    return result
run.collect = collect
code = cli.main()  # as the `arcollect` program runs it, on the process's own command line
print("STEPS " + json.dumps(steps))
sys.exit(code)
"""


def child_environment(folder: Path, warm_up: int | None) -> dict[str, str]:
    """The refresh child's environment; with `warm_up` (a book size), a bytecode cache in `folder`, filled by one
    untimed refresh of that book (the cache holds every module a refresh imports, pandas' and numpy's too)."""
    env = {**os.environ, "COLUMNS": "120"}
    if warm_up is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        refresh(warm_up, folder, env)
    return env


def refresh(size: int, folder: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``arcollect refresh`` on a fresh copy of the `size` book; wall seconds, peak RSS and step times."""
    path = synthetic.copy_of(size, folder)
    log, errors = folder / f"refresh-{size}.out", folder / f"refresh-{size}.err"
    with log.open("wb") as out, errors.open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path), synthetic.NOW], stdout=out, stderr=err,
            env=env or {**os.environ, "COLUMNS": "120"},
        )  # fmt: skip
        _pid, status, usage = os.wait4(child.pid, 0)  # reaps the child: its own peak RSS, not the bench's
        wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"refresh failed:\n{errors.read_text()[-2000:]}")
    out = log.read_bytes()
    line = next(line for line in out.decode().splitlines() if line.startswith("STEPS "))
    marks = json.loads(line[len("STEPS ") :])
    steps = {label: round(end - begin, 3) for (label, begin), (_next, end) in itertools.pairwise(marks)}
    first = marks[0][1] if marks else None
    return {"invoices": size, "seconds": wall, "steps": steps, "until_first_step": first,
            "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}  # fmt: skip


# ---- the formula way ---------------------------------------------------------------------------------------------


def formula_book(size: int, path: Path) -> int:
    """Write the formula version of the `size` book to `path`; returns the number of SUMIFS cells."""
    from openpyxl import Workbook

    from arcollect.engine import aging, pricing
    from arcollect.schema import FX, Customers, Invoices

    tables = synthetic.tables(size)
    invoices, _ = pricing.prepare(tables["Invoices"], tables["Customers"])
    rows = len(invoices)
    book = Workbook(write_only=True)
    settings = book.create_sheet("Settings")
    settings.append(["As of", synthetic.AS_OF])
    fx = book.create_sheet("FX")
    fx.append(["Currency", "Rate"])
    fx.append(["EUR", 1.0])
    for currency, rate in zip(tables["FX"][FX.CURRENCY], tables["FX"][FX.RATE], strict=True):
        fx.append([currency, float(rate)])
    sheet = book.create_sheet("Invoices")
    sheet.append(["Invoice", "Customer ID", "Due date", "Currency", "Open amount", "Days past due", "Bucket", "Base"])
    open_amount = np.where(invoices[Invoices.STATUS].to_numpy() == "Paid", 0.0, invoices[Invoices.OPEN_AMOUNT])
    columns = zip(
        invoices[Invoices.NUMBER], invoices[Invoices.CUSTOMER_ID], pd.to_datetime(invoices[Invoices.DUE_DATE]).dt.date,
        invoices[Invoices.CURRENCY], open_amount.tolist(), strict=True,
    )  # fmt: skip
    for row, (number, customer, due, currency, amount) in enumerate(columns, start=2):
        sheet.append([
            number, customer, due, currency, amount,
            f"=Settings!$B$1-C{row}",
            f'=IF(F{row}<=0,"Current",IF(F{row}<=30,"1-30",IF(F{row}<=60,"31-60",IF(F{row}<=90,"61-90",'
            f'IF(F{row}<=120,"91-120","120+")))))',
            f"=ROUND(E{row}*VLOOKUP(D{row},FX!$A$2:$B$30,2,FALSE),2)",
        ])  # fmt: skip
    summary = book.create_sheet("Summary")
    names = aging.labels(aging.DEFAULT_EDGES)
    summary.append(["Customer ID", *names])
    last = rows + 1
    customers = sorted(tables["Customers"][Customers.ID])
    for row, customer in enumerate(customers, start=2):
        summary.append([
            customer,
            *(f'=SUMIFS(Invoices!$H$2:$H${last},Invoices!$B$2:$B${last},$A{row},Invoices!$G$2:$G${last},"{name}")'
              for name in names),
        ])  # fmt: skip
    book.save(path)
    return len(customers) * len(names)


def libreoffice(path: Path, out: Path, profile: Path) -> float:
    """Seconds for LibreOffice headless to load, recalculate and save `path` as xlsx into `out`."""
    command = [
        shutil.which("soffice") or "soffice", f"-env:UserInstallation=file://{profile}", "--headless",
        "--convert-to", "xlsx", "--outdir", str(out), str(path),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=900)
    return time.perf_counter() - started


def formulas(size: int, folder: Path) -> dict[str, object]:
    from python_calamine import CalamineWorkbook

    from arcollect.engine import aging

    path = folder / f"formulas-{size}.xlsx"
    started = time.perf_counter()
    cells = formula_book(size, path)
    written = time.perf_counter() - started
    profile = folder / "lo-profile"
    warm = folder / "warm.xlsx"
    shutil.copy(synthetic.workbook(10_000), warm)
    libreoffice(warm, folder / "warm-out", profile)  # first start of a new profile
    seconds = libreoffice(path, folder / "out", profile)
    result = CalamineWorkbook.from_path(folder / "out" / path.name).get_sheet_by_name("Summary").to_python()
    computed = pd.DataFrame(result[1:], columns=result[0]).set_index("Customer ID")
    tables = synthetic.tables(size)
    engine = _engine_summary(tables)
    names = aging.labels(aging.DEFAULT_EDGES)
    both = computed[names].astype(float).reindex(engine.index).fillna(0.0)
    difference = float(np.abs(both.to_numpy() - engine[names].to_numpy()).max())
    return {"invoices": size, "sumifs_cells": cells, "write_seconds": written, "libreoffice_seconds": seconds,
            "max_difference_vs_engine": difference}  # fmt: skip


def _engine_summary(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    from arcollect.engine import aging, pricing

    invoices, _ = pricing.prepare(tables["Invoices"], tables["Customers"])
    aged, _ = aging.age(pricing.open_items(invoices), synthetic.AS_OF, rates=tables["FX"])
    return aging.summary(aged, synthetic.AS_OF).drop(index="Total")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formula-sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-bytecode", action="store_true", help="let the child compile its modules as it starts")
    args = parser.parse_args()
    report: dict[str, object] = {"refresh": [], "formulas": []}
    with tempfile.TemporaryDirectory(prefix="arcollect-refresh-") as temporary:
        folder = Path(temporary)
        env = child_environment(folder, None if args.no_bytecode or not args.sizes else min(args.sizes))
        for size in args.sizes:
            synthetic.workbook(size)
            result = refresh(size, folder, env)
            report["refresh"].append(result)
            print(f"arcollect refresh, {size:>9,} invoices: {result['seconds']:7.2f} s "
                  f"(CPU {result['cpu_seconds']:.2f} s), peak RSS {result['peak_rss_mb']:,.0f} MB — "
                  f"steps {result['steps']}")  # fmt: skip
        for size in args.formula_sizes:
            if not shutil.which("soffice"):
                print("LibreOffice (soffice) not found: the formula comparison is skipped")
                break
            result = formulas(size, folder)
            report["formulas"].append(result)
            print(f"formulas + LibreOffice, {size:,} invoices ({result['sumifs_cells']:,} SUMIFS): load, recalculate "
                  f"and save {result['libreoffice_seconds']:.2f} s; summary differs from the engine's by at most "
                  f"{result['max_difference_vs_engine']:.2f}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
