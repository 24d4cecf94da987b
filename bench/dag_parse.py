"""How long the dag-processor takes to parse each DAG file (moved here from the tests).

Each run parses dags/ in a fresh interpreter configured like the dag-processor
(``harness.airflow.airflow_env``) and reads Airflow's own per-file parse times
(``DagBag.dagbag_stats``). The row is the slowest file per run; the target is the
conventions' "a couple of seconds" (the dag-processor re-parses every file every 10 s).
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.common import PROJECT_ROOT, Context, Row

NAME = "dag_parse"
DESCRIPTION = "parse time of the slowest DAG file (fresh interpreter, Airflow's dagbag_stats)"
TARGET_S = 2.0
PARSE = """
import json, sys
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag
folder = Path(sys.argv[1])
bag = BundleDagBag(dag_folder=folder, bundle_path=folder,
                   known_pools={"default_pool", "duckdb_writer"})
stats = {Path(s.file).name: s.duration.total_seconds() for s in bag.dagbag_stats}
print("DAG_PARSE " + json.dumps({"errors": len(bag.import_errors), "stats": stats}))
"""


def parse_once(ctx: Context) -> dict:
    from harness.airflow import airflow_env

    env = airflow_env(ctx.new_dir("dag_parse"), api_port=18090)
    proc = subprocess.run(
        [sys.executable, "-c", PARSE, str(PROJECT_ROOT / "dags")],
        env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    line = next(x for x in proc.stdout.splitlines() if x.startswith("DAG_PARSE "))
    result = json.loads(line.removeprefix("DAG_PARSE "))
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} DAG import error(s)")
    return result["stats"]


def run(ctx: Context) -> list[Row]:
    per_run = [parse_once(ctx) for _ in range(ctx.repeat())]
    slowest = [max(stats.values()) for stats in per_run]
    worst = max(slowest)
    return [
        Row(
            NAME,
            slowest,
            target=f"≤ {TARGET_S:.0f} s per file",
            check=(worst, TARGET_S),
            note=f"slowest file {worst:.2f} s",
            details={"per_file_s": per_run},
        )
    ]
