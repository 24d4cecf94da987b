"""The product's stages as one-shot processes, the way a task runs them.

    python -m bench.stages collect  --periods 2026-08..2026-10 [--workers 8]
    python -m bench.stages validate --periods 2026-08..2026-10
    python -m bench.stages build    [--periods 2026-10] [--full-refresh]
    python -m bench.stages publish
    python -m bench.stages month    --periods 2026-10   (all four in this one process)

Each call works on ``JCW_DATA_DIR`` with the connections in ``AIRFLOW_CONN_JC_*`` and
prints one JSON line: the stage's result and the seconds each step took.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from ingest.collect import collector


def parse_periods(text: str) -> list[str]:
    """``A..B`` (inclusive range) or ``A,B,C``."""
    from ingest.core.periods import period_range

    if ".." in text:
        first, _, last = text.partition("..")
        return period_range(first, last)
    return [p for p in text.split(",") if p]


def collect(periods: list[str], workers: int) -> dict[str, Any]:
    """Fetch and land every (jobcenter, period) of the registry."""
    from ingest.core import registry

    outcomes = collector.collect_many(
        [jc.kreis_ags for jc in registry.jobcenters()], periods, max_workers=workers
    )
    return collector.summarize(outcomes)


def validate(periods: list[str]) -> dict[str, Any]:
    """Validate every landed revision of these periods that has no verdict yet."""
    from ingest.validate.run import process_pending

    return process_pending(periods, now=datetime.now(UTC))


def build(periods: list[str] | None, full_refresh: bool) -> dict[str, Any]:
    """One dbt build (``None``: every file)."""
    from ingest.warehouse.build import build as dbt_build

    return dbt_build(periods, full_refresh=full_refresh)


def publish() -> dict[str, Any]:
    """Swap in a fresh BI snapshot."""
    from ingest.warehouse.publish import publish as publish_snapshot

    return {"snapshot": str(publish_snapshot())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["collect", "validate", "build", "publish", "month"])
    parser.add_argument("--periods", type=parse_periods, default=None)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--full-refresh", action="store_true")
    parser.add_argument(
        "--build-all", action="store_true", help="month: build every file, not only --periods"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)

    steps: dict[str, float] = {}
    result: dict[str, Any] = {}

    def step(name: str, fn: Any, *a: Any) -> None:
        t0 = time.perf_counter()
        result[name] = fn(*a)
        steps[name] = round(time.perf_counter() - t0, 3)

    if args.stage in ("collect", "validate", "month") and not args.periods:
        parser.error(f"{args.stage} needs --periods")
    if args.stage in ("collect", "month"):
        step("collect", collect, args.periods, args.workers)
    if args.stage in ("validate", "month"):
        step("validate", validate, args.periods)
    if args.stage == "build":
        step("build", build, args.periods, args.full_refresh)
    if args.stage == "month":
        step("build", build, None if args.build_all else args.periods, False)
    if args.stage in ("publish", "month"):
        step("publish", publish)
    print(json.dumps({"stage": args.stage, "steps_s": steps, "result": result}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
