"""The production topology end to end: Airflow on PostgreSQL (LocalExecutor), and Airflow on
PostgreSQL with a Redis broker and a separately started Celery worker (CeleryExecutor).

Each test deploys the way docs/operations.md tells an operator to (the same commands, in the
same order), stores the jobcenters' endpoints and tokens as Airflow connections in PostgreSQL
(no AIRFLOW_CONN_JC_* variables anywhere), runs `jcw_collect` for one month against the
simulator, lets the asset schedule `jcw_warehouse`, and checks that the published warehouse
equals the simulator's ground truth, that the tokens are encrypted at rest and appear in no
file the pipeline wrote, and (Celery) that the tasks really went through the broker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from harness.airflow import AirflowStack, airflow_env
from harness.api import ApiClient
from harness.ports import free_port
from tests.deploy.conftest import REPO, prod_services

pytestmark = [pytest.mark.production, pytest.mark.timeout(1800)]

PERIOD = "2026-10"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
JCW_DEPLOY = [str(Path(sys.executable).parent / "jcw"), "deploy"]
DAGS = ("jcw_collect", "jcw_warehouse")
NATIONAL_COLUMNS = (
    "jobcenters_reporting", "einwohner", "einwohner_bis_rag", "personen",
    "bedarfsgemeinschaften", "elb", "nef", "elb_langzeit", "integrationen",
    "leistungen_lebensunterhalt_eur", "leistungen_unterkunft_eur",
)  # fmt: skip


def api_port() -> int:
    """A port p with p+1 and p+2 free as well (the launcher puts the log servers there)."""
    import socket

    for _ in range(50):
        port = free_port()
        with socket.socket() as a, socket.socket() as b:
            try:
                a.bind(("127.0.0.1", port + 1))
                b.bind(("127.0.0.1", port + 2))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port triple on loopback")


@dataclass
class Deployment:
    """A running production-shaped Airflow: components, optional Celery worker, API client."""

    env: dict[str, str]
    stack: object
    api: object
    worker: subprocess.Popen | None

    def logs(self) -> str:
        """The tail of every component log, for failure messages."""
        log_dir = Path(self.env["AIRFLOW_HOME"]) / "logs" / "components"
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(log_dir.glob("*.log"))
        )


def airflow(env: dict[str, str], *args: str) -> str:
    """One Airflow CLI command of the runbook; fails the test with its output on an error."""
    done = subprocess.run(
        [AIRFLOW, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"airflow {' '.join(args)}:\n{done.stderr[-3000:]}"
    return done.stdout


def runbook_deploy(env: dict[str, str], simulator_url: str, admin_password: str) -> None:
    """docs/operations.md "Deploy" and "Configure jobcenters", step by step."""
    airflow(env, "db", "migrate")
    passwords_file = env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
    done = subprocess.run(
        [*JCW_DEPLOY, "admin-password", "--file", passwords_file],
        env={**env, "AIRFLOW_ADMIN_PASSWORD": admin_password},
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    airflow(env, "pools", "set", "duckdb_writer", "1", "DuckDB allows one writer")
    lines_file = Path(env["AIRFLOW_HOME"]) / "jc_connections.env"
    import_file = Path(env["AIRFLOW_HOME"]) / "jc_connections.json"
    with open(lines_file, "w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "simulator", "connections", "--base-url", simulator_url,
             "--seed", "42"],
            env=env, cwd=REPO, stdout=out, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [*JCW_DEPLOY, "connections", "--from", str(lines_file), "--out", str(import_file)],
        env=env, cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    airflow(env, "connections", "import", "--overwrite", str(import_file))
    import_file.unlink()
    lines_file.unlink()


def stop_process_group(proc: subprocess.Popen) -> None:
    """SIGTERM the group (Celery's warm shutdown), SIGKILL whatever is left after 30 s."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            os.killpg(proc.pid, signal.SIGKILL)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            continue
        return


@pytest.fixture
def simulator(simulator_factory):
    """The simulator (seed 42, today 2026-11-21, no faults), via the factory fixture."""
    return simulator_factory()


@pytest.fixture
def deploy(data_dir: Path, simulator, smtp_server, postgres) -> Iterator:
    """Factory: deploy Airflow on the fixture's PostgreSQL (and Redis for Celery) and start it."""
    from cryptography.fernet import Fernet

    running: list[Deployment] = []

    def start(redis=None) -> Deployment:
        settings = prod_services.airflow_env(postgres, redis) | {
            # PostgreSQL held the default parallelism of 32 (platform notes §2); 16 leaves
            # CPU for the other work on a 2-core machine.
            "AIRFLOW__CORE__PARALLELISM": "16",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "8",
            "AIRFLOW_CONN_SMTP_DEFAULT": smtp_server.conn_uri,
        }
        env = airflow_env(data_dir, api_port=api_port(), extra=settings)
        env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW_CONN_JC_")}
        began = time.monotonic()
        runbook_deploy(env, simulator.base_url, admin_password="e2e-admin")
        stack = AirflowStack(env)
        worker = None
        try:
            stack.start()
            if redis is not None:
                stack.log_dir.mkdir(parents=True, exist_ok=True)
                with open(stack.log_dir / "celery-worker.log", "ab") as log:
                    worker = subprocess.Popen(
                        [AIRFLOW, "celery", "worker", "--concurrency", "8"],
                        env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL, start_new_session=True,
                    )  # fmt: skip
            stack.wait_healthy(timeout=300)
            api = ApiClient(stack.url, "admin", "e2e-admin")
            api.wait_dags(DAGS, timeout=300)
            for dag_id in DAGS:
                api.unpause(dag_id)
        except Exception as exc:
            stack.stop()
            if worker is not None:
                stop_process_group(worker)
            logs = Deployment(env=env, stack=stack, api=None, worker=None).logs()
            pytest.fail(f"deployment did not come up: {exc}\n{logs}")
        # Timings are reported, never asserted (they belong to benchmarks).
        print(f"\n[timing] deploy until DAGs parsed: {time.monotonic() - began:.0f} s")
        deployment = Deployment(env=env, stack=stack, api=api, worker=worker)
        running.append(deployment)
        return deployment

    try:
        yield start
    finally:
        for d in running:
            d.stack.stop()
            if d.worker is not None:
                stop_process_group(d.worker)


def run_one_month(d: Deployment) -> tuple[list[dict], list[list[dict]]]:
    """Runbook "Re-run a month": trigger jcw_collect, wait for it and for jcw_warehouse."""
    run_id = f"rerun_{PERIOD}"
    conf = json.dumps({"period_from": PERIOD, "period_to": PERIOD})
    began = time.monotonic()
    airflow(d.env, "dags", "trigger", "jcw_collect", "--run-id", run_id, "--conf", conf)
    state = d.api.wait_run("jcw_collect", run_id, timeout=1200)
    print(f"[timing] jcw_collect trigger to finished: {time.monotonic() - began:.0f} s")
    collect_tis = d.api.task_instances("jcw_collect", run_id)
    assert state == "success", f"jcw_collect {state}: {_states(collect_tis)}\n{d.logs()}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        runs = d.api.runs("jcw_warehouse")
        if runs and all(r["state"] in ("success", "failed") for r in runs):
            break
        time.sleep(2)
    else:
        pytest.fail(f"jcw_warehouse did not finish: {d.api.runs('jcw_warehouse')}\n{d.logs()}")
    print(f"[timing] trigger to jcw_warehouse finished: {time.monotonic() - began:.0f} s")
    assert [r["state"] for r in runs] == ["success"] * len(runs), d.logs()
    assert all(r["run_type"] == "asset_triggered" for r in runs)
    # The collect run and the intake DAG (the simulator's publish events) both announce new
    # verdicts, so one or more warehouse runs follow; each returned list is one run's tasks.
    warehouse_runs = [d.api.task_instances("jcw_warehouse", r["dag_run_id"]) for r in runs]
    return collect_tis, warehouse_runs


def _states(tis: list[dict]) -> dict[str, int]:
    from collections import Counter

    return dict(Counter(f"{ti['task_id']}:{ti['state']}" for ti in tis))


def published_national(data_dir: Path) -> tuple[dict, dict[str, dict]]:
    """National totals and per-jobcenter totals of PERIOD, read from the BI snapshot in a
    separate read-only process (what a BI tool does)."""
    script = f"""
import json, duckdb
con = duckdb.connect({str(data_dir / "warehouse" / "jobcenters.duckdb")!r}, read_only=True)
cur = con.execute("select * from national_month where period = ?", [{PERIOD!r}])
cols = [c[0] for c in cur.description]
rows = [dict(zip(cols, r)) for r in cur.fetchall()]
cur = con.execute("select * from fct_jobcenter_month where period = ?", [{PERIOD!r}])
cols = [c[0] for c in cur.description]
per_jc = {{r[cols.index("kreis_ags")]: dict(zip(cols, r)) for r in cur.fetchall()}}
print(json.dumps({{"national": rows, "jobcenters": per_jc}}, default=str))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert len(out["national"]) == 1, out["national"]
    return out["national"][0], out["jobcenters"]


def assert_warehouse_equals_truth(data_dir: Path, truth: dict) -> None:
    national, per_jc = published_national(data_dir)
    expected = truth["national"]
    for column in NATIONAL_COLUMNS:
        if column.endswith("_eur"):
            assert Decimal(str(national[column])) == Decimal(str(expected[column])), column
        else:
            assert int(national[column]) == int(expected[column]), column
    accepted = {a: r for a, r in truth["reports"].items() if r["expected"] == "accepted"}
    assert expected["jobcenters_reporting"] == len(accepted) > 0
    for ags, report in accepted.items():
        row = per_jc.get(ags)
        assert row is not None, f"{ags} accepted by the simulator, missing in the warehouse"
        for column in ("elb", "bedarfsgemeinschaften", "integrationen", "einwohner"):
            assert int(row[column]) == report["totals"][column], (ags, column)


def assert_tokens_safe(d: Deployment, data_dir: Path, simulator, postgres) -> None:
    """Tokens are encrypted in PostgreSQL and appear in no file under the data directory."""
    import psycopg

    tokens = {json.loads(v)["password"] for v in simulator.env.values()}
    assert len(tokens) >= 100
    dsn = f"host=127.0.0.1 port={postgres.port} user=postgres dbname=airflow"
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "select conn_id, password, is_encrypted from connection where conn_id like 'jc_%'"
        ).fetchall()
    assert len(rows) == len(simulator.env)
    assert all(encrypted for _, _, encrypted in rows)
    assert not tokens & {password for _, password, _ in rows}
    leaks = []
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            leaks += [str(path) for t in tokens if t.encode() in content]
    assert leaks == []


def assert_collect_complete(collect_tis: list[dict], warehouse_runs: list[list[dict]]) -> None:
    collects = [ti for ti in collect_tis if ti["task_id"] == "collect"]
    assert len(collects) == len(prod_services_registry())
    assert {ti["state"] for ti in collect_tis} == {"success"}, _states(collect_tis)
    # A warehouse run either builds and publishes, or finds no new verdict (a run before it
    # built them) and skips all three tasks; at least one run built.
    built = {"build": "success", "publish": "success", "docs": "success"}
    idle = {"build": "skipped", "publish": "skipped", "docs": "skipped"}
    outcomes = [{ti["task_id"]: ti["state"] for ti in tis} for tis in warehouse_runs]
    assert all(o in (built, idle) for o in outcomes), outcomes
    assert built in outcomes, outcomes
    # The mapped tasks carry readable labels: the Kreisschlüssel and the jobcenter's name.
    assert all((ti.get("rendered_map_index") or "")[:5].isdigit() for ti in collects)


def prod_services_registry() -> list:
    from ingest.core.registry import jobcenters

    return list(jobcenters())


def test_local_executor_on_postgres(deploy, data_dir: Path, simulator, postgres) -> None:
    d = deploy()
    collect_tis, warehouse_runs = run_one_month(d)
    assert_collect_complete(collect_tis, warehouse_runs)
    assert_warehouse_equals_truth(data_dir, simulator.truth(PERIOD))
    assert_tokens_safe(d, data_dir, simulator, postgres)


def test_celery_executor_on_postgres_and_redis(
    deploy, data_dir: Path, simulator, postgres, redis
) -> None:
    import psycopg

    d = deploy(redis)
    collect_tis, warehouse_runs = run_one_month(d)
    assert_collect_complete(collect_tis, warehouse_runs)
    assert_warehouse_equals_truth(data_dir, simulator.truth(PERIOD))
    assert_tokens_safe(d, data_dir, simulator, postgres)
    # Every task instance that ran went through Redis to the Celery worker: its result is in the
    # Celery result backend (PostgreSQL), one successful Celery task per task instance.
    dsn = f"host=127.0.0.1 port={postgres.port} user=postgres dbname=airflow"
    with psycopg.connect(dsn) as conn:
        done = conn.execute(
            "select count(*) from celery_taskmeta where status = 'SUCCESS'"
        ).fetchone()[0]
    ran = [ti for tis in warehouse_runs for ti in tis if ti["state"] == "success"]
    assert done >= len(collect_tis) + len(ran)
