"""Backfill 2005-01..2026-10 (27,248 reports) from an empty warehouse, and its peak memory.

The chain of tasks ``jcw_collect`` + ``jcw_warehouse`` run for a backfill, each stage as its
own process like a task (``python -m bench.stages``): collect every (jobcenter, month),
validate every landed revision, one dbt build of everything, publish. Timed end to end; the
memory of each stage's process tree (the stage and its children, e.g. dbt) is sampled.
Runs once by default (``--repeat`` does not apply): it takes minutes.

The collect stage fetches all 104 jobcenters in one process (8 threads), where Airflow maps
one task per jobcenter; its memory is therefore an upper bound of one collect task.
"""

from __future__ import annotations

from bench.common import GIB, Context, Row, fmt_bytes
from bench.history import backfill_range, fill

NAME = "backfill"
DESCRIPTION = "backfill 2005-01..2026-10 from an empty warehouse (stages as task processes)"
TARGET_S = 600.0
MEMORY_LIMIT = 2 * GIB


def run(ctx: Context) -> list[Row]:
    first, last = backfill_range(ctx)
    data, stages = fill(ctx, "history", first, last)
    ctx.shared["history"] = data
    total = sum(t.seconds for t in stages.values())
    peak = max(t.peak_bytes for t in stages.values())
    worst = max(stages, key=lambda k: stages[k].peak_bytes)
    per_stage = {
        k: {
            "seconds": round(t.seconds, 3),
            "cpu_seconds": round(t.cpu_seconds or 0.0, 3),
            "peak_bytes": t.peak_bytes,
            "peak_single_rss": t.peak_single_rss,
            "result": t.value,
        }
        for k, t in stages.items()
    }
    reports = (stages["collect"].value or {}).get("result", {}).get("collect", {})
    summary = ", ".join(f"{k} {v['seconds']:.0f} s" for k, v in per_stage.items())
    return [
        Row(
            NAME,
            [total],
            peak_bytes=peak,
            target=f"≤ {TARGET_S / 60:.0f} min",
            check=(total, TARGET_S),
            note=f"{first}..{last}, runs once; {summary}",
            details={"periods": [first, last], "stages": per_stage, "fetch_outcomes": reports},
        ),
        Row(
            "backfill_peak_memory",
            [],
            peak_bytes=peak,
            target="≤ 2 GiB per task",
            check=(peak / GIB, MEMORY_LIMIT / GIB),
            note=f"largest task: {worst} ({fmt_bytes(peak)} PSS of its process tree)",
            details={k: v["peak_bytes"] for k, v in per_stage.items()},
        ),
    ]
