"""Load the DAG folder in a fresh interpreter and print what the DagBag test checks, as JSON.

Run by tests/dags/test_dagbag.py in a subprocess, so the test sees exactly what the
dag-processor sees (AIRFLOW_HOME, plugins folder on sys.path) and no other test's Airflow
configuration leaks in.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from airflow.dag_processing.dagbag import BundleDagBag

started = time.perf_counter()
# known_pools: a task naming a pool the launcher does not create is an import error.
# BundleDagBag puts the DAG folder on sys.path, as the dag-processor and task runner do.
folder = Path(sys.argv[1]).resolve()
bag = BundleDagBag(
    dag_folder=folder, bundle_path=folder, known_pools={"default_pool", "duckdb_writer"}
)
elapsed = time.perf_counter() - started
heavy = sorted(
    m for m in ("pandas", "duckdb", "great_expectations", "dbt", "requests") if m in sys.modules
)
ingest_modules = sorted(m for m in sys.modules if m == "ingest" or m.startswith("ingest."))

dags = {}
for dag_id, dag in bag.dags.items():
    tasks = {}
    for t in dag.tasks:
        tasks[t.task_id] = {
            "retries": t.retries,
            "retry_delay_s": t.retry_delay.total_seconds() if t.retry_delay else None,
            "execution_timeout_s": (
                t.execution_timeout.total_seconds() if t.execution_timeout else None
            ),
            "on_failure_callback": [
                f"{c.__module__}.{c.__qualname__}"
                for c in (
                    t.on_failure_callback
                    if isinstance(t.on_failure_callback, list)
                    else [t.on_failure_callback]
                    if t.on_failure_callback
                    else []
                )
            ],
            "retry_exponential_backoff": bool(t.retry_exponential_backoff),
            "max_retry_delay_s": t.max_retry_delay.total_seconds() if t.max_retry_delay else None,
            "pool": t.pool,
            "mapped": "MappedOperator" in [c.__name__ for c in type(t).__mro__],
            "map_index_template": getattr(t, "map_index_template", None)
            or (getattr(t, "partial_kwargs", {}) or {}).get("map_index_template"),
            "trigger_rule": str(t.trigger_rule),
            "outlets": [getattr(o, "uri", str(o)) for o in (t.outlets or [])],
        }
    watchers = []
    schedule_assets = []
    cond = getattr(dag.timetable, "asset_condition", None)
    if cond is not None:
        for asset in getattr(cond, "objects", [cond]):
            schedule_assets.append(asset.uri)
            for w in asset.watchers:
                watchers.append(
                    {
                        "name": w.name,
                        "bases": [c.__name__ for c in type(w.trigger).__mro__],
                        "classpath": w.trigger.serialize()[0],
                    }
                )
    dags[dag_id] = {
        "fileloc": dag.fileloc,
        "doc_md": dag.doc_md or "",
        "tags": sorted(dag.tags),
        "catchup": dag.catchup,
        "start_date_tz": str(dag.start_date.tzinfo) if dag.start_date else None,
        "max_active_runs": dag.max_active_runs,
        "timetable": type(dag.timetable).__name__,
        "schedule_assets": schedule_assets,
        "watchers": watchers,
        "params": sorted(dag.params.keys()),
        "tasks": tasks,
    }

stats = [
    {"file": s.file, "duration_s": s.duration.total_seconds(), "dags": s.dag_num}
    for s in bag.dagbag_stats
]
# The last line of stdout is the result (Airflow logs to stdout before it).
print(
    "DAGBAG_PROBE "
    + json.dumps(
        {
            "import_errors": bag.import_errors,
            "dags": dags,
            "stats": stats,
            "elapsed_s": elapsed,
            "heavy_modules": heavy,
            "ingest_modules": ingest_modules,
        }
    )
)
