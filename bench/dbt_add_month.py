"""dbt: add one month on 20 years vs on 1 year of history, and a full rebuild of 20 years.

``ingest.warehouse.build.build([M])`` (the incremental build the warehouse DAG runs when month M
got new verdicts) on the backfill's warehouse (2005-01..2026-10) and on a warehouse with one
year (2025-10..2026-10); M = 2026-10 both times, so each run replaces that month (delete +
insert by period, the same work as adding it). Baseline: ``build(None, full_refresh=True)``
of the 20-year history, in the same run. Times are ``build.build`` inside its stage
process (dbt start-up included, Python start-up of the stage process not).
"""

from __future__ import annotations

import statistics

from bench.common import LATEST, Context, Row, product_env, run_stage, shared_simulator
from bench.history import backfill_range, fill, history
from ingest.core import periods

NAME = "dbt_add_month"
DESCRIPTION = "dbt: add one month on 20 years vs 1 year of history; full rebuild baseline"
RATIO_TARGET = 1.5


def _builds(env, log, args: list[str], n: int) -> tuple[list[float], list[dict]]:
    runs, results = [], []
    peak = 0
    for _ in range(n):
        t = run_stage("build", args, env, log)
        runs.append(t.value["steps_s"]["build"])
        results.append(t.value["result"]["build"])
        peak = max(peak, t.peak_bytes)
    return runs, [{"peak_bytes": peak, "builds": results}]


def run(ctx: Context) -> list[Row]:
    n = ctx.repeat()
    long_data, long_env = history(ctx)
    short_first = LATEST if ctx.options.quick else periods.shift(LATEST, -12)
    short_data, _ = fill(ctx, "history-1y", short_first, LATEST)
    short_env = product_env(short_data, shared_simulator(ctx).env)
    log = ctx.root / "dbt.log"

    long_runs, long_info = _builds(long_env, log, ["--periods", LATEST], n)
    short_runs, short_info = _builds(short_env, log, ["--periods", LATEST], n)
    full = run_stage("build", ["--full-refresh"], long_env, log)
    full_s = full.value["steps_s"]["build"]
    # The full rebuild left the warehouse whole; bring the snapshot back in line with it.
    run_stage("publish", [], long_env, log)

    ratio = statistics.median(long_runs) / statistics.median(short_runs)
    long_first = backfill_range(ctx)[0]
    # The product falls back to a full refresh when the dbt project changed since the last
    # build (e.g. edited during the bench run): such a run is not an incremental build.
    timed = long_info[0]["builds"] + short_info[0]["builds"]
    refreshed = [b for b in timed if b.get("full_refresh")]
    warning = (
        f"; WARNING: {len(refreshed)} timed build(s) ran as full refresh: "
        f"{refreshed[0].get('plan')}"
        if refreshed
        else ""
    )
    return [
        Row(
            "dbt_add_month_20y",
            long_runs,
            peak_bytes=long_info[0]["peak_bytes"],
            baseline=[full_s],
            target="—",
            note=f"history {long_first}..{LATEST}; baseline: its full rebuild, once{warning}",
            details={"builds": long_info[0]["builds"], "full_rebuild": full.value["result"]},
        ),
        Row(
            "dbt_add_month_20y_vs_1y",
            long_runs,
            peak_bytes=short_info[0]["peak_bytes"],
            baseline=short_runs,
            target=f"ratio ≤ {RATIO_TARGET}",
            # A full refresh among the timed builds makes the ratio meaningless.
            check=None if refreshed else (ratio, RATIO_TARGET),
            note=f"baseline: add the same month on {short_first}..{LATEST}{warning}",
            details={"short_builds": short_info[0]["builds"]},
        ),
    ]
