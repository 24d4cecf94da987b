"""407 jobcenters (every jobcenter in Germany), one month, against the 104 of today.

The simulator runs with ``--scale 4`` (416 jobcenters: the 104 real ones and synthetic ones
with Kreisschlüssel 17001…); the product's registry (``JCW_REGISTRY_CSV``) lists the first
407 of them. Timed: one month fetch → published warehouse with the stages in one process
(``python -m bench.stages month``) from an empty data directory, for 407 and for 104
jobcenters in the same bench run. Target: the 407 figure ≤ 2.5 × the 104 figure.
"""

from __future__ import annotations

import subprocess
import sys

from bench.common import (
    LATEST,
    PROJECT_ROOT,
    Context,
    Row,
    product_env,
    run_stage,
    shared_simulator,
    simulator,
)

NAME = "scale_407"
DESCRIPTION = "407 jobcenters (simulator --scale 4), one month, vs 104"
RATIO_TARGET = 2.5
JOBCENTERS = 407


def registry_407(ctx: Context) -> str:
    """The registry CSV of the first 407 jobcenters of the scale-4 world."""
    text = subprocess.run(
        [sys.executable, "-m", "simulator", "registry", "--scale", "4"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = text.splitlines()
    path = ctx.root / "registry_407.csv"
    path.write_text("\n".join(lines[: JOBCENTERS + 1]) + "\n", encoding="utf-8")
    return str(path)


def _month(ctx: Context, name: str, env: dict, n: int) -> tuple[list[float], int, list]:
    runs, peak, results = [], 0, []
    for _ in range(n):
        data = ctx.new_dir(name)
        env = {**env, "JCW_DATA_DIR": str(data)}
        t = run_stage("month", ["--periods", LATEST], env, ctx.root / f"{name}.log")
        runs.append(t.seconds)
        peak = max(peak, t.peak_bytes)
        results.append({"steps_s": t.value["steps_s"], "result": t.value["result"]})
    return runs, peak, results


def run(ctx: Context) -> list[Row]:
    n = ctx.repeat()
    sim104 = shared_simulator(ctx)
    base_runs, _, base_results = _month(ctx, "month-104", product_env(ctx.root, sim104.env), n)
    with simulator(ctx.new_dir("simulator-x4"), scale=4) as sim:
        env = product_env(ctx.root, sim.env, {"JCW_REGISTRY_CSV": registry_407(ctx)})
        runs, peak, results = _month(ctx, "month-407", env, n)
    row = Row(
        NAME,
        runs,
        peak_bytes=peak,
        baseline=base_runs,
        target=f"≤ {RATIO_TARGET} × 104",
        note="one month from an empty data dir, stages in one process; baseline: 104",
        details={"runs_407": results, "runs_104": base_results},
    )
    row.check = (row.ratio, RATIO_TARGET)
    return [row]
