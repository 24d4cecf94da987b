"""407 jobcenters (every jobcenter in Germany), one month, against the 104 of today.

The simulator runs with ``--scale 4`` (416 jobcenters: the 104 real ones and synthetic ones
with Kreisschlüssel 17001…); the product's seeds (``JCW_SEEDS_DIR``, ingest and dbt) list the
first 407 of them. Timed: one month fetch → published warehouse with the stages in one process
(``python -m bench.stages month``) from an empty data directory, for 407 and for 104
jobcenters in the same bench run. Target: the 407 figure ≤ 2.5 × the 104 figure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Any

from bench.common import (
    LATEST,
    PROJECT_ROOT,
    Context,
    Row,
    StageFailed,
    product_env,
    run_stage,
    shared_simulator,
    simulator,
)

NAME = "scale_407"
DESCRIPTION = "407 jobcenters (simulator --scale 4), one month, vs 104"
RATIO_TARGET = 2.5
JOBCENTERS = 407


def seeds_407(ctx: Context) -> str:
    """A seeds directory for the first 407 jobcenters of the scale-4 world; its name for
    ``JCW_SEEDS_DIR`` (dbt needs it inside dbt_project/; removed when the bench ends).

    The project's seeds, with ``jobcenters.csv`` replaced by the simulator's registry (same
    columns) and the simulator's land ``XX`` of the synthetic jobcenters added to
    ``lands.csv``: what the team's seed files would hold with 407 jobcenters.
    """
    text = subprocess.run(
        [sys.executable, "-m", "simulator", "registry", "--scale", "4"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    name = f"seeds_scale_{JOBCENTERS}_{os.getpid()}"
    seeds = PROJECT_ROOT / "dbt_project" / name
    shutil.copytree(PROJECT_ROOT / "dbt_project" / "seeds", seeds)
    ctx.on_close(lambda: shutil.rmtree(seeds, ignore_errors=True))
    lines = text.splitlines()
    (seeds / "jobcenters.csv").write_text("\n".join(lines[: JOBCENTERS + 1]) + "\n", "utf-8")
    with open(seeds / "lands.csv", "a", encoding="utf-8") as lands:
        lands.write("XX,99,Synthetische Kreise des Simulators\n")
    return name


def _month(ctx: Context, name: str, env: dict, n: int) -> dict[str, Any]:
    """``n`` runs of one month from an empty data dir, each stage as its own process.

    Returns the seconds to accepted files (collect + validate) and to the published
    warehouse (+ build + publish) per run; a failed stage is recorded, not raised, so the
    part that works is still measured.
    """
    out: dict[str, Any] = {"accepted": [], "published": [], "peak": 0, "steps": [], "error": None}
    for _ in range(n):
        data = ctx.new_dir(name)
        env = {**env, "JCW_DATA_DIR": str(data)}
        log = ctx.root / f"{name}.log"
        steps = {}
        for stage in ("collect", "validate", "build", "publish"):
            args = ["--periods", LATEST] if stage in ("collect", "validate") else []
            try:
                t = run_stage(stage, args, env, log)
            except StageFailed as exc:
                out["error"] = str(exc).splitlines()[-1][:600]
                break
            steps[stage] = round(t.seconds, 3)
            out["peak"] = max(out["peak"], t.peak_bytes)
        out["steps"].append(steps)
        if "validate" in steps:
            out["accepted"].append(steps["collect"] + steps["validate"])
        if "publish" in steps:
            out["published"].append(sum(steps.values()))
    return out


def run(ctx: Context) -> list[Row]:
    n = ctx.repeat()
    sim104 = shared_simulator(ctx)
    base = _month(ctx, "month-104", product_env(ctx.root, sim104.env), n)
    with simulator(ctx.new_dir("simulator-x4"), scale=4) as sim:
        env = product_env(ctx.root, sim.env, {"JCW_SEEDS_DIR": seeds_407(ctx)})
        big = _month(ctx, "month-407", env, n)
    published = Row(
        NAME,
        big["published"],
        peak_bytes=big["peak"],
        baseline=base["published"] or None,
        target=f"≤ {RATIO_TARGET} × 104",
        note="one month fetch → published from an empty data dir, one process per stage",
        details={"steps_407": big["steps"], "steps_104": base["steps"], "error_407": big["error"]},
    )
    failed = n - len(big["published"])
    if published.ratio is not None and not failed:
        published.check = (published.ratio, RATIO_TARGET)
    else:  # any failed run fails the row
        published.check = (1.0, 0.0)
        published.note = f"407: {failed} of {n} runs published nothing: {big['error']}"
    accepted = Row(
        "scale_407_to_accepted",
        big["accepted"],
        peak_bytes=big["peak"],
        baseline=base["accepted"],
        target=f"≤ {RATIO_TARGET} × 104",
        note="collect + validate only (accepted Parquet), 407 vs 104",
    )
    accepted.check = (accepted.ratio, RATIO_TARGET) if accepted.ratio is not None else (1.0, 0.0)
    return [published, accepted]
