"""One month, 104 reports, fetch → published warehouse, through the real Airflow scheduler.

Timed: ``POST /api/v2/dags/jcw_collect/dagRuns`` with ``period_from = period_to = M`` until
the published snapshot holds month M for every jobcenter (the asset event of ``validate``
schedules ``jcw_warehouse``, whose ``publish`` swaps the snapshot). Each run uses a month the
warehouse does not have yet (2026-06, 2026-05, …) on top of the warm-up sweep's four months.

Baseline, in the same bench run: the same stages (collect_many, process_pending,
warehouse.build of that month, publish) called directly in one process
(``python -m bench.stages month``) on a data directory warmed up the same way.
"""

from __future__ import annotations

import statistics
import time

from bench.airflow_stack import IDLE_DAGS, get_stack, task_durations
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
from ingest.warehouse.snapshot import query

NAME = "month_airflow"
DESCRIPTION = "one month, 104 reports, fetch → published warehouse via the Airflow scheduler"
TARGET_S = 60.0
JOBCENTERS = 104


def timed_months(n: int) -> list[str]:
    """Months not covered by the warm-up sweep (LATEST and the three before it)."""
    return [periods.shift(LATEST, -4 - i) for i in range(n)]


def baseline(ctx: Context, months: list[str]) -> tuple[list[float], list[dict]]:
    sim = shared_simulator(ctx)
    data = ctx.new_dir("month-direct")
    env = product_env(data, sim.env)
    log = ctx.root / "month-direct.log"
    run_stage("month", ["--periods", f"{periods.shift(LATEST, -3)}..{LATEST}"], env, log)
    runs, steps = [], []
    for m in months:
        t = run_stage("month", ["--periods", m], env, log)
        runs.append(t.seconds)
        steps.append({"period": m, **t.value["steps_s"], "peak_bytes": t.peak_bytes})
    return runs, steps


def _reporting(snapshot, period: str) -> int:
    if not snapshot.exists():
        return 0
    try:
        rows = query(
            "select count(*) from fct_jobcenter_month where period = ?", [period], path=snapshot
        )
    except Exception:  # the file is being swapped in; ask again
        return 0
    return int(rows[0][0])


def run(ctx: Context) -> list[Row]:
    months = timed_months(ctx.repeat())
    base_runs, base_steps = baseline(ctx, months)
    s = get_stack(ctx)
    runs, details = [], []
    with TreeMemory(s.pids(), interval=0.5) as mem:
        for m in months:
            before = {r["dag_run_id"] for r in s.api.runs("jcw_warehouse")}
            t0 = time.perf_counter()
            run_id = s.api.trigger("jcw_collect", {"period_from": m, "period_to": m})
            deadline = time.monotonic() + 900
            while _reporting(s.snapshot, m) < JOBCENTERS:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{m} not published after 900 s")
                if s.api.request("GET", f"/dags/jcw_collect/dagRuns/{run_id}")["state"] == "failed":
                    raise RuntimeError(f"jcw_collect {run_id} failed")
                time.sleep(0.25)
            runs.append(time.perf_counter() - t0)
            s.api.wait_idle(IDLE_DAGS, timeout=900, settle=3)
            wh_runs = [r for r in s.api.runs("jcw_warehouse") if r["dag_run_id"] not in before]
            details.append(
                {
                    "period": m,
                    "seconds": round(runs[-1], 3),
                    "jcw_collect": task_durations(s.api, "jcw_collect", run_id),
                    "jcw_warehouse": [
                        task_durations(s.api, "jcw_warehouse", r["dag_run_id"]) for r in wh_runs
                    ],
                }
            )
    row = Row(
        NAME,
        runs,
        peak_bytes=mem.peak_bytes,
        baseline=base_runs,
        target=f"≤ {TARGET_S:.0f} s",
        check=(statistics.median(runs), TARGET_S),
        note="baseline: same stages in one process; peak = PSS of all Airflow components",
        details={
            "months": months,
            "airflow_runs": details,
            "baseline_steps_s": base_steps,
            "stack_start_s": round(s.started_s, 1),
            "warmup_sweep_s": round(s.warmup_s, 1),
            "peak_single_process_rss": mem.peak_single_rss,
        },
    )
    return [row]
