"""Time validating one month of all 104 jobcenters: the batch path vs. one GX setup per report.

    .venv/bin/python bench/validate_month.py [--runs 5] [--json]

``batched``: ``ingest.validate.validate_many`` on all 104 reports (one ephemeral GX context,
one validation definition per suite, each suite run once on the concatenated month).
``per_report``: what a per-file operator does: a fresh GX context, suites and validation
definitions for every report, then validate that report alone. The one-time
``import great_expectations`` is measured separately and excluded from both.
Reports come from tests/expectations/factory.py (valid reports with a previous month).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="batched runs (median reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--sample", type=int, default=104, help="per-report baseline: time this many reports"
    )
    args = parser.parse_args()

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    t0 = time.perf_counter()
    import great_expectations  # noqa: F401

    import_s = time.perf_counter() - t0

    from ingest import registry, validate
    from tests.expectations.factory import valid_report

    reports = [
        (
            jc.kreis_ags,
            "2026-10",
            valid_report(jc.kreis_ags, "2026-10"),
            valid_report(jc.kreis_ags, "2026-09"),
        )
        for jc in registry.jobcenters()
    ]
    rows = sum(len(r[2]) for r in reports)

    t0 = time.perf_counter()
    validate._engine()
    setup_s = time.perf_counter() - t0

    batched, batched_cpu = [], []
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        verdicts = validate.validate_many(reports)
        batched.append(time.perf_counter() - t0)
        batched_cpu.append(time.process_time() - c0)
    assert all(v.accepted for v in verdicts)

    sample = reports[: max(1, min(args.sample, len(reports)))]
    t0, c0 = time.perf_counter(), time.process_time()
    for report in sample:
        validate._engine.cache_clear()  # a new context + suites + definitions per report
        validate.validate_many([report])
    scale = len(reports) / len(sample)  # extrapolated to the month when --sample < 104
    per_report_s = (time.perf_counter() - t0) * scale
    per_report_cpu = (time.process_time() - c0) * scale
    validate._engine.cache_clear()

    result = {
        "reports": len(reports),
        "rows": rows,
        "gx_import_s": round(import_s, 3),
        "gx_setup_s": round(setup_s, 3),
        "batched_median_s": round(statistics.median(batched), 3),
        "batched_runs_s": [round(b, 3) for b in batched],
        "batched_median_cpu_s": round(statistics.median(batched_cpu), 3),
        "per_report_s": round(per_report_s, 3),
        "per_report_cpu_s": round(per_report_cpu, 3),
        "per_report_sample": len(sample),
        "speedup": round(per_report_s / statistics.median(batched), 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"validate one month: {result['reports']} reports, {rows} Gemeinde rows")
        print(f"  import great_expectations (once, excluded) {import_s:8.2f} s")
        print(f"  batched: context + suites once             {setup_s:8.2f} s")
        print(
            f"  batched: validate_many, median of {args.runs}       "
            f"{result['batched_median_s']:8.2f} s  (runs {result['batched_runs_s']})"
        )
        print(
            f"  batched: CPU time, median                  {result['batched_median_cpu_s']:8.2f} s"
        )
        print(
            f"  per report: context + suites + validate    {per_report_s:8.2f} s"
            f"  (CPU {per_report_cpu:.2f} s, timed {len(sample)} reports)"
        )
        print(f"  speed-up                                   {result['speedup']:8.1f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
