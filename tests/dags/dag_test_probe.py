"""Run one DAG of dags/ for real with ``dag.test()`` and print its outcome as JSON.

Run by tests/dags/test_dag_runs.py in a subprocess with the environment of the Airflow
components (harness.airflow.airflow_env) and a migrated metadata DB: Airflow 3's
``DAG.test()`` creates a real DagRun, runs every task in-process through the task runner
(retries, trigger rules, XCom, ``on_failure_callback``) and records the states in the DB.

Usage: dag_test_probe.py DAGS_FOLDER DAG_ID LOGICAL_DATE [CONF_JSON]
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from airflow.dag_processing.dagbag import BundleDagBag
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session
from sqlalchemy import select

folder = Path(sys.argv[1]).resolve()
dag_id, logical_date = sys.argv[2], datetime.fromisoformat(sys.argv[3])
conf = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
bag = BundleDagBag(dag_folder=folder, bundle_path=folder)
assert not bag.import_errors, bag.import_errors
run = bag.dags[dag_id].test(logical_date=logical_date, run_conf=conf)
with create_session() as session:
    tis = {ti.task_id: ti for ti in run.get_task_instances(session=session)}
    rows = session.scalars(
        select(XComModel).where(
            XComModel.dag_id == dag_id,
            XComModel.run_id == run.run_id,
            XComModel.key == "return_value",
        )
    ).all()
    returns = {x.task_id: XComModel.deserialize_value(x) for x in rows}
    result = {
        "state": str(run.state),
        "run_id": run.run_id,
        "tasks": {t: str(ti.state) for t, ti in tis.items()},
        "tries": {t: ti.try_number for t, ti in tis.items()},
        "returns": returns,
    }
print("DAG_TEST " + json.dumps(result, default=str))
