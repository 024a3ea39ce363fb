"""Every benchmark of issue #8 in one go, then one table: figure, target, met or missed.

    make bench                                   # = .venv/bin/python benchmarks/run_all.py
    .venv/bin/python benchmarks/run_all.py --quick   # 10k / 100k only, 1,000 reminders: a smoke run

Runs each benchmark script in its own process (so one's memory does not count against another's): engine at 10k /
100k / 1M with the per-row loop beside it, reading the 100k workbook (calamine vs openpyxl), refresh end to end at
10k and 100k with the LibreOffice formula comparison, rendering 10,000 reminders, the UDFs over 100,000 rows, and
the peak RSS of the 1M engine run and of the 100k refresh. Their own output is shown as they go; the figures are
collected from the JSON each writes. Synthetic workbooks are cached in $ARCOLLECT_BENCH_DIR (default
/tmp/arcollect-bench) between runs. A measurement, not a test: the table says met or missed, nothing fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    """CPU model, cores and memory, from /proc (Linux), for the record."""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{memory_kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        cpu, memory = platform.processor() or platform.machine(), "RAM unknown"
    return f"{cpu}, {os.cpu_count()} cores, {memory}, Python {platform.python_version()}"


def bench(script: str, *arguments: str, folder: Path) -> dict:
    """Run one benchmark script (its output goes straight through); returns the JSON it wrote."""
    result = folder / f"{Path(script).stem}.json"
    started = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / script), *arguments, "--json", str(result)], check=True)
    print(f"  [{script}: {time.perf_counter() - started:.0f} s]\n", flush=True)
    return json.loads(result.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--json", type=Path, help="write every figure here too")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"arcollect benchmarks — {dt.date.today()} — {machine()}\n", flush=True)
    sizes = ["10000", "100000"] if args.quick else ["10000", "100000", "1000000"]
    with tempfile.TemporaryDirectory(prefix="arcollect-bench-") as temporary:
        folder = Path(temporary)
        engine = bench("bench_engine.py", "--sizes", *sizes, folder=folder)
        reading = bench("bench_read.py", folder=folder)
        refresh = bench("bench_refresh.py", folder=folder)
        render = bench("bench_render.py", "--reminders", "1000" if args.quick else "10000", folder=folder)
        udfs = bench("bench_udfs.py", folder=folder)
    rows = table(engine, reading, refresh, render, udfs)
    print(f"{'measure':<66}{'measured':>12}  {'target':<26}result")
    for label, measured, target, met in rows:
        print(f"{label:<66}{measured:>12}  {target:<26}{'met' if met else 'MISSED'}")
    print(f"\nall benchmarks: {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"engine": engine, "read": reading, "refresh": refresh, "render": render,
                                         "udfs": udfs, "machine": machine()}, indent=1))  # fmt: skip


def table(engine: dict, reading: dict, refresh: dict, render: dict, udfs: dict) -> list[tuple[str, str, str, bool]]:
    """(measure, figure, target, met) for every target of the issue that this run measured."""
    rows: list[tuple[str, str, str, bool]] = []
    sizes = {int(size): entry for size, entry in engine["sizes"].items()}
    largest = max(sizes)
    big = sizes[largest]
    total = big["seconds"]["engine total"]
    rows.append((f"engine, {largest:,} invoices", f"{total:.2f} s", "≤ 2 s", total <= 2))
    ratio = big["loop_over_engine_aging"]
    rows.append(("per-row loop ÷ engine (aging + summary)", f"{ratio:.0f}×", "≥ 50×", ratio >= 50))
    plan = big["seconds"]["dunning.plan"]
    rows.append((f"dunning plan, {largest:,} invoices / {big['customers']:,} customers", f"{plan:.2f} s", "≤ 2 s",
                 plan <= 2))  # fmt: skip
    ordered = [sizes[size] for size in sorted(sizes)]
    for smaller, larger in itertools.pairwise(ordered):
        for step in ("engine total", "dunning.plan"):
            growth = larger["seconds"][step] / smaller["seconds"][step]
            label = f"growth {smaller['invoices']:,} → {larger['invoices']:,}: {step}"
            rows.append((label, f"{growth:.1f}×", "≤ 12× per 10× rows", growth <= 12))
    check = next(entry["reference_check"] for entry in ordered if "reference_check" in entry)
    same = check["same_buckets"] and check["max_cell_difference"] < 0.005
    rows.append((f"per-row reference = engine ({check['invoices']:,} open items)", "identical" if same else "DIFFERS",
                 "identical", same))  # fmt: skip
    rows.append(("read 100k workbook (book/read.py)", f"{reading['read_seconds']:.2f} s", "≤ 3 s",
                 reading["read_seconds"] <= 3))  # fmt: skip
    speedup = reading["openpyxl_seconds"] / reading["read_seconds"]
    rows.append(("openpyxl full load ÷ read", f"{speedup:.1f}×", "≥ 5×", speedup >= 5))
    for result in refresh["refresh"]:
        limit = 2 if result["invoices"] <= 10_000 else 10
        rows.append((f"arcollect refresh, {result['invoices']:,} invoices", f"{result['seconds']:.2f} s",
                     f"≤ {limit} s", result["seconds"] <= limit))  # fmt: skip
    rows += [
        (f"formulas in LibreOffice, {result['invoices']:,} invoices (load, recalc, save)",
         f"{result['libreoffice_seconds']:.2f} s", "(comparison)", True)
        for result in refresh["formulas"]
    ]  # fmt: skip
    seconds = render["render_seconds"]
    rows.append((f"render {render['reminders']:,} reminders (templates)", f"{seconds:.2f} s", "≤ 2 s", seconds <= 2))
    both = render["compose_seconds"]
    rows.append((f"compose {render['reminders']:,} reminders (context + templates)", f"{both:.2f} s", "≤ 2 s",
                 both <= 2))  # fmt: skip
    slowest = max(udfs["seconds"].items(), key=lambda item: item[1])
    rows.append((f"slowest UDF over {udfs['rows']:,} rows ({slowest[0]})", f"{slowest[1]:.3f} s", "≤ 0.3 s",
                 slowest[1] <= 0.3))  # fmt: skip
    rss = engine["peak_rss_mb"]
    rows.append((f"peak RSS, engine process up to {largest:,} invoices", f"{rss:,.0f} MB", "≤ 2 GB", rss <= 2048))
    for result in refresh["refresh"]:
        if result["invoices"] >= 100_000:
            rss = result["peak_rss_mb"]
            rows.append((f"peak RSS, refresh {result['invoices']:,}", f"{rss:,.0f} MB", "≤ 1.5 GB", rss <= 1536))
    return rows


if __name__ == "__main__":
    main()
