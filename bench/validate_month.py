"""Validate the 104 reports of a month: the batched path vs. one GX setup per report.

The reports are the simulator's, fetched and landed by the product (2026-09 validated first,
so each 2026-10 report has its accepted previous month for the soft rules). Parsed once,
then, in this process:

- ``batched``: ``ingest.checks.validate_many`` on all 104 reports (one ephemeral GX
  context, one validation definition per suite, each suite run once on the whole month);
- baseline ``per_report``: what a per-file operator does: a fresh GX context, suites and
  validation definitions for every report, then validate that report alone. That costs
  seconds per report, so a sample of 10 reports is timed and scaled to the month.

The one-time ``import great_expectations`` and the first context are excluded from both.
A second row times the whole validate task for the month once (``process_pending`` in its
own process: GX import, parsing, validation, verdict and Parquet files).
"""

from __future__ import annotations

import logging
import os
import statistics
import time

from bench.common import (
    LATEST,
    Context,
    Row,
    TreeMemory,
    product_env,
    run_stage,
    shared_simulator,
)
from ingest.core import periods
from ingest.validate import checks, engine, store

NAME = "validate_month"
DESCRIPTION = "validate the 104 reports of a month (GX batched vs per report)"
TARGET_S = 2.0
# Reports timed for the per-report baseline (scaled to the month's 104).
SAMPLE = 10
SAMPLE_QUICK = 2


def _reports(period: str) -> list[tuple]:
    from ingest.collect import landing
    from ingest.validate import parse

    out = []
    for record in landing.all_records([period]):
        df = parse.parse_report(
            landing.read_object(record),
            record.content_type,
            kreis_ags=record.kreis_ags,
            period=period,
        )
        previous = store.previous_accepted(record.kreis_ags, period)
        out.append((record.kreis_ags, period, df, previous))
    return out


def run(ctx: Context) -> list[Row]:
    sim = shared_simulator(ctx)
    data = ctx.new_dir("validate")
    env = product_env(data, sim.env)
    log = ctx.root / "validate.log"
    previous = periods.shift(LATEST, -1)
    run_stage("collect", ["--periods", f"{previous}..{LATEST}"], env, log)
    run_stage("validate", ["--periods", previous], env, log)

    saved = os.environ.get("JCW_DATA_DIR")
    os.environ["JCW_DATA_DIR"] = str(data)
    try:
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        t0 = time.perf_counter()
        import great_expectations  # noqa: F401

        import_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        reports = _reports(LATEST)
        parse_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        engine.engine()
        setup_s = time.perf_counter() - t0

        batched, batched_cpu = [], []
        with TreeMemory(interval=0.05) as mem:
            for _ in range(ctx.repeat()):
                t0, c0 = time.perf_counter(), time.process_time()
                verdicts = checks.validate_many(reports)
                batched.append(time.perf_counter() - t0)
                batched_cpu.append(time.process_time() - c0)
        accepted = sum(v.accepted for v in verdicts)
        if accepted != len(reports):
            raise RuntimeError(f"only {accepted} of {len(reports)} clean reports were accepted")

        # A fresh context per report costs seconds each: time a sample, scale to the month.
        sample = reports[: SAMPLE_QUICK if ctx.options.quick else SAMPLE]
        per_report, per_report_cpu = [], []
        t0, c0 = time.perf_counter(), time.process_time()
        for report in sample:
            engine.engine.cache_clear()  # a new context + suites + definitions
            checks.validate_many([report])
        scale = len(reports) / len(sample)
        per_report.append((time.perf_counter() - t0) * scale)
        per_report_cpu.append((time.process_time() - c0) * scale)
        engine.engine.cache_clear()
    finally:
        if saved is None:
            os.environ.pop("JCW_DATA_DIR", None)
        else:
            os.environ["JCW_DATA_DIR"] = saved

    task = run_stage("validate", ["--periods", LATEST], env, log)
    task_s = task.value["steps_s"]["validate"]
    rows = sum(len(r[2]) for r in reports)
    return [
        Row(
            NAME,
            batched,
            peak_bytes=mem.peak_bytes,
            baseline=per_report,
            target=f"≤ {TARGET_S:.0f} s",
            check=(statistics.median(batched), TARGET_S),
            note=(
                f"{len(reports)} reports, {rows} Gemeinde rows; GX import/setup excluded; "
                f"baseline timed on {len(sample)} reports, scaled to {len(reports)}"
            ),
            details={
                "reports": len(reports),
                "rows": rows,
                "gx_import_s": round(import_s, 3),
                "parse_s": round(parse_s, 3),
                "gx_setup_s": round(setup_s, 3),
                "accepted": accepted,
                "batched_cpu_s": [round(c, 3) for c in batched_cpu],
                "per_report_cpu_s": [round(c, 3) for c in per_report_cpu],
                "per_report_sample": len(sample),
            },
        ),
        Row(
            "validate_month_task",
            [task_s],
            peak_bytes=task.peak_bytes,
            target="—",
            note="process_pending of the month in its own process, once (GX import included)",
            details={"result": task.value["result"]},
        ),
    ]
