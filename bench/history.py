"""Data directories with history, built by the product's own stages (shared in one run).

``history(ctx)`` is the backfill's data directory (2005-01..2026-10, or three months in
quick mode) with a published snapshot. The backfill scenario creates it while timing it;
the dbt and BI scenarios reuse it, or build it untimed when run alone (``--only``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import (
    FIRST,
    LATEST,
    Context,
    Timed,
    product_env,
    run_stage,
    shared_simulator,
)
from ingest.core import periods


def backfill_range(ctx: Context) -> tuple[str, str]:
    """2005-01..2026-10 (or from ``--backfill-from``); in quick mode the last three months."""
    if ctx.options.backfill_from:
        return ctx.options.backfill_from, LATEST
    return (periods.shift(LATEST, -2) if ctx.options.quick else FIRST), LATEST


def fill(ctx: Context, name: str, first: str, last: str) -> tuple[Path, dict[str, Timed]]:
    """A fresh data dir filled like a backfill task chain; every stage timed separately."""
    sim = shared_simulator(ctx)
    data = ctx.new_dir(name)
    env = product_env(data, sim.env)
    log = ctx.root / f"{name}.log"
    months = f"{first}..{last}"
    stages: dict[str, Timed] = {}
    stages["collect"] = run_stage("collect", ["--periods", months], env, log)
    stages["validate"] = run_stage("validate", ["--periods", months], env, log)
    stages["build"] = run_stage("build", [], env, log)
    stages["publish"] = run_stage("publish", [], env, log)
    return data, stages


def history(ctx: Context) -> tuple[Path, dict[str, Any]]:
    """The long history data dir and the environment to run stages on it."""
    if "history" not in ctx.shared:
        first, last = backfill_range(ctx)
        data, _ = fill(ctx, "history", first, last)
        ctx.shared["history"] = data
    data = ctx.shared["history"]
    return data, product_env(data, shared_simulator(ctx).env)
