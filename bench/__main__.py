"""``python -m bench``: run the benchmark scenarios, print one table, write JSON results.

    python -m bench [--repeat N] [--quick] [--only NAME ...] [--keep] [--workdir DIR]

See bench/README.md for the scenarios, targets and the latest measured table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.common import PROJECT_ROOT, Context, Options, Row, fmt_bytes

# Run order: the Airflow scenarios last, so their components never share the CPU with the
# other scenarios; the backfill before the scenarios that reuse its 20-year warehouse.
SCENARIOS = (
    "dag_parse",
    "validate_month",
    "backfill",
    "dbt_add_month",
    "bi_queries",
    "scale_407",
    "push_feedback",
    "month_airflow",
    "correction",
    "push_snapshot",
)
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
COLUMNS = (
    "scenario", "runs", "median", "min", "max", "peak memory", "baseline median", "ratio",
    "target", "met?",
)  # fmt: skip


def fmt_seconds(x: float | None) -> str:
    if x is None:
        return "—"
    if x < 1:
        return f"{x * 1000:.0f} ms"
    if x < 600:
        return f"{x:.1f} s"
    return f"{x / 60:.1f} min"


def table(rows: list[Row]) -> str:
    """The result table as aligned plain text."""
    cells = [COLUMNS]
    for r in rows:
        fmt = fmt_seconds
        cells.append(
            (
                r.scenario,
                str(len(r.runs)) if r.runs else "—",
                fmt(r.median),
                fmt(min(r.runs)) if r.runs else "—",
                fmt(max(r.runs)) if r.runs else "—",
                fmt_bytes(r.peak_bytes),
                fmt(r.baseline_median),
                f"{r.ratio:.2f}" if r.ratio is not None else "—",
                r.target,
                {True: "yes", False: "NO", None: "—"}[r.met],
            )
        )
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(COLUMNS))).rstrip() for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine() -> dict:
    """Where the numbers were measured."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
            text=True, check=False,
        ).stdout.strip()  # fmt: skip
    except OSError:
        commit = None
    import psutil

    return {
        "hostname": platform.node(),
        "cpus": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": commit,
        "load_average_start": list(os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (default 3)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 run (smoke test)")
    parser.add_argument(
        "--only", action="append", choices=SCENARIOS, metavar="NAME",
        help=f"run only this scenario (repeatable): {', '.join(SCENARIOS)}",
    )  # fmt: skip
    parser.add_argument(
        "--backfill-from", metavar="YYYY-MM",
        help="first month of the backfill and of the long history (default 2005-01)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--workdir", type=Path, help="where temporary data dirs go")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    options = Options(
        repeat=args.repeat, quick=args.quick, keep=args.keep, backfill_from=args.backfill_from
    )
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        options.workdir = args.workdir
    started = datetime.now(UTC)
    info = machine()
    ctx = Context(options)
    print(f"jcw bench: {'quick' if args.quick else f'repeat {args.repeat}'}, work dir {ctx.root}")
    rows: list[Row] = []
    errors: dict[str, str] = {}
    wanted = [s for s in SCENARIOS if not args.only or s in args.only]
    t_all = time.perf_counter()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    path = args.results_dir / f"{stamp}{'-quick' if args.quick else ''}.json"

    def write(complete: bool) -> None:
        """Results so far (after every scenario, so an interrupted run keeps its numbers)."""
        info["load_average_now"] = list(os.getloadavg())
        doc = {
            "started_at": started.isoformat(timespec="seconds"),
            "complete": complete,
            "wall_s": round(time.perf_counter() - t_all, 1),
            "mode": "quick" if args.quick else "full",
            "repeat": 1 if args.quick else args.repeat,
            "backfill_from": options.backfill_from,
            "machine": info,
            "rows": [r.to_dict() for r in rows],
            "errors": errors,
        }
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        (args.results_dir / "latest.json").write_text(text, encoding="utf-8")

    try:
        for name in wanted:
            print(f"→ {name}", flush=True)
            t0 = time.perf_counter()
            try:
                module = importlib.import_module(f"bench.{name}")
                new = module.run(ctx)
            except Exception as exc:
                errors[name] = "".join(traceback.format_exception_only(exc)).strip()
                print(f"  {name} FAILED: {errors[name]}", file=sys.stderr, flush=True)
                traceback.print_exc()
                new = [Row(name, [], target="—", check=(1.0, 0.0), note=f"failed: {exc}")]
            for r in new:
                print(f"  {r.scenario}: median {fmt_seconds(r.median)} {r.note}", flush=True)
            print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
            rows.extend(new)
            write(complete=False)
    finally:
        ctx.close()
    write(complete=True)
    print()
    print(table(rows))
    print()
    print(f"results: {path} (and latest.json); wall time {time.perf_counter() - t_all:.0f} s")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
