"""The production topology end to end: Airflow on PostgreSQL (LocalExecutor), and Airflow on
PostgreSQL with a Redis broker and a separately started Celery worker (CeleryExecutor), both
with the FAB auth manager (personal accounts and roles), as in docker-compose.yml.

Each test deploys the way docs/operations.md tells an operator to (the same commands, in the
same order; the user-management lines are read from the runbook and run verbatim), stores the
jobcenters' endpoints and tokens as Airflow connections in PostgreSQL (no AIRFLOW_CONN_JC_*
variables anywhere), runs `jcw_collect` for one month against the simulator, lets the asset
schedule `jcw_warehouse`, and checks that the published warehouse equals the simulator's
ground truth, that the tokens are encrypted at rest and appear in no file the pipeline wrote,
and (Celery) that the tasks really went through the broker.

The LocalExecutor test is also the test of who may do what (reliability scenario 36), through
the REST API: an anonymous request gets 401; a viewer sees runs and logs but its trigger,
clear, backfill and connection read get 403; an operator triggers the month and re-runs one
jobcenter x month but may read no connection, variable or pool setting; an admin reads the
connections with every token masked; the audit log names who triggered and cleared; no API
answer of the whole test holds a token; and `jcw status` names the run that published.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from harness.airflow import FAB_AUTH_MANAGER, AirflowStack, airflow_env
from harness.api import ApiClient
from harness.ports import free_port
from tests.deploy import runbook
from tests.deploy.conftest import REPO, prod_services

pytestmark = [pytest.mark.production, pytest.mark.timeout(1800)]

PERIOD = "2026-10"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
JCW_DEPLOY = [str(Path(sys.executable).parent / "jcw"), "deploy"]
DAGS = ("jcw_collect", "jcw_warehouse")
# The first admin's .env entries (docs/operations.md "Deploy"; .env.example).
FIRST_ADMIN = {
    "AIRFLOW_ADMIN_USERNAME": "erika.mustermann",
    "AIRFLOW_ADMIN_EMAIL": "erika.mustermann@jcw.test",
    "AIRFLOW_ADMIN_FIRSTNAME": "Erika",
    "AIRFLOW_ADMIN_LASTNAME": "Mustermann",
    "AIRFLOW_ADMIN_PASSWORD": "first-admin-" + secrets.token_hex(8),
}
# The runbook's user-management lines (docs/operations.md "People and roles"), run verbatim.
CREATE_VIEWER = "airflow users create --role Viewer"
CREATE_OPERATOR = "airflow users create --role User"
LIST_USERS = "airflow users list"
RESET_PASSWORD = "airflow users reset-password --username"
REMOVE_ROLE = "airflow users remove-role --username"
ADD_ROLE = "airflow users add-role --username"
DELETE_USER = "airflow users delete --username"
# The runbook's audit-log query: who triggered, cleared or backfilled what.
AUDIT_QUERY = "/api/v2/eventLogs?"
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


def runbook_deploy(env: dict[str, str], simulator_url: str) -> None:
    """docs/operations.md "Deploy" and "Configure jobcenters", step by step."""
    airflow(env, "db", "migrate")
    answer = first_admin(env, FIRST_ADMIN["AIRFLOW_ADMIN_PASSWORD"])
    assert f'User "{FIRST_ADMIN["AIRFLOW_ADMIN_USERNAME"]}" created with role "Admin"' in answer
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


def first_admin(env: dict[str, str], password: str) -> str:
    """The runbook's `jcw deploy admin-user ...` (airflow-init's step) with the .env entries."""
    argv = runbook.command("jcw deploy admin-user", FIRST_ADMIN)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "jcw"), *argv[1:]],
        env={**env, **FIRST_ADMIN, "AIRFLOW_ADMIN_PASSWORD": password},
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert password not in done.stdout + done.stderr
    return done.stdout


def users_command(env: dict[str, str], prefix: str, password: str | None = None) -> str:
    """One runbook line `airflow users ...`, verbatim. A password it prompts for (twice, not
    echoed) comes on stdin: without a terminal (own session) getpass reads it from there, so
    it is on no command line here either."""
    argv = runbook.command(prefix)
    done = subprocess.run(
        [AIRFLOW, *argv[1:]], env=env, cwd=REPO, capture_output=True, text=True, timeout=600,
        input=f"{password}\n{password}\n" if password else None, start_new_session=True,
    )  # fmt: skip
    assert done.returncode == 0, f"{' '.join(argv)}:\n{done.stderr[-3000:]}"
    if password:
        assert password not in done.stdout + done.stderr
    return done.stdout


def username_in(prefix: str) -> str:
    argv = runbook.command(prefix)
    return argv[argv.index("--username") + 1]


def roles_of_everyone(env: dict[str, str]) -> dict[str, list[str]]:
    """`airflow users list -o json` (the runbook's access review): user -> roles."""
    argv = [*runbook.command(LIST_USERS), "-o", "json"]
    out = airflow(env, *argv[1:])
    listing = next(line for line in out.splitlines() if line.startswith("["))
    return {u["username"]: sorted(u["roles"]) for u in json.loads(listing)}


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
            # As the image and docker-compose.yml: personal accounts with roles.
            "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
        }
        env = airflow_env(data_dir, api_port=api_port(), extra=settings)
        env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW_CONN_JC_")}
        assert [k for k in env if "SIMPLE_AUTH_MANAGER" in k] == []
        began = time.monotonic()
        runbook_deploy(env, simulator.base_url)
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
            api = ApiClient(
                stack.url,
                FIRST_ADMIN["AIRFLOW_ADMIN_USERNAME"],
                FIRST_ADMIN["AIRFLOW_ADMIN_PASSWORD"],
            )
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


def trigger_month_by_cli(d: Deployment) -> str:
    """Runbook "Re-run a month" on the command line (inside a container in production)."""
    run_id = f"rerun_{PERIOD}"
    conf = json.dumps({"period_from": PERIOD, "period_to": PERIOD})
    airflow(d.env, "dags", "trigger", "jcw_collect", "--run-id", run_id, "--conf", conf)
    return run_id


def wait_month(d: Deployment, run_id: str) -> tuple[list[dict], list[list[dict]]]:
    """Wait for the month's jcw_collect run and for the jcw_warehouse runs it schedules."""
    began = time.monotonic()
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
    # built them) and skips all three tasks; at least one run built. The docs page is
    # generated by the first build of the day and skipped by the later ones.
    built = {"build": "success", "publish": "success", "docs": "success"}
    built_docs_current = {**built, "docs": "skipped"}
    idle = {"build": "skipped", "publish": "skipped", "docs": "skipped"}
    outcomes = [{ti["task_id"]: ti["state"] for ti in tis} for tis in warehouse_runs]
    assert all(o in (built, built_docs_current, idle) for o in outcomes), outcomes
    assert built in outcomes, outcomes
    # The mapped tasks carry readable labels: the Kreisschlüssel and the jobcenter's name.
    assert all((ti.get("rendered_map_index") or "")[:5].isdigit() for ti in collects)


def prod_services_registry() -> list:
    from ingest.core.registry import jobcenters

    return list(jobcenters())


def client(d: Deployment, username: str, password: str, answers: list[str]) -> ApiClient:
    """A person's REST API client; every answer it receives is kept for the token sweep."""
    api = ApiClient(d.stack.url, username, password)
    api.on_response(lambda r: answers.append(r.text))
    return api


def token_status(d: Deployment, username: str, password: str) -> int:
    """POST /auth/token: 201 for valid credentials, 401 otherwise."""
    body = {"username": username, "password": password}
    return requests.post(f"{d.stack.url}/auth/token", json=body, timeout=30).status_code


def status_of(api: ApiClient, method: str, path: str, **kwargs) -> int:
    return api.response(method, path, **kwargs).status_code


def month_conf() -> dict:
    return {"period_from": PERIOD, "period_to": PERIOD}


def clear_body(run_id: str, map_index: int) -> dict:
    """Re-run one jobcenter x month: its mapped collect task and what follows (validate)."""
    return {
        "dry_run": False, "dag_run_id": run_id, "task_ids": [["collect", map_index]],
        "only_failed": False, "include_downstream": True, "reset_dag_runs": True,
    }  # fmt: skip


BACKFILL_DRY_RUN = {
    "dag_id": "jcw_collect", "from_date": "2026-10-01T00:00:00Z",
    "to_date": "2026-10-03T00:00:00Z", "max_active_runs": 1,
}  # fmt: skip


def assert_refused_before_the_run(anonymous_url: str, viewer: ApiClient, operator: ApiClient):
    """Anonymous 401; viewer and operator 403 for what their role does not include."""
    trigger = {"logical_date": None, "conf": month_conf()}
    anonymous = {
        "GET /dags": requests.get(f"{anonymous_url}/api/v2/dags", timeout=30).status_code,
        "POST trigger": requests.post(
            f"{anonymous_url}/api/v2/dags/jcw_collect/dagRuns", json=trigger, timeout=30
        ).status_code,
        "GET connections": requests.get(
            f"{anonymous_url}/api/v2/connections", timeout=30
        ).status_code,
    }
    assert anonymous == {"GET /dags": 401, "POST trigger": 401, "GET connections": 401}
    jc = "jc_08111"
    seen = {
        "viewer sees the DAGs": status_of(viewer, "GET", "/dags/jcw_collect"),
        "viewer sees the runs": status_of(viewer, "GET", "/dags/jcw_collect/dagRuns"),
        "viewer sees the assets": status_of(viewer, "GET", "/assets"),
        "viewer triggers": status_of(viewer, "POST", "/dags/jcw_collect/dagRuns", json=trigger),
        "viewer backfills": status_of(viewer, "POST", "/backfills/dry_run", json=BACKFILL_DRY_RUN),
        "viewer lists connections": status_of(viewer, "GET", "/connections"),
        "viewer reads a connection": status_of(viewer, "GET", f"/connections/{jc}"),
        "viewer reads variables": status_of(viewer, "GET", "/variables"),
        "viewer reads the audit log": status_of(viewer, "GET", "/eventLogs"),
        "operator lists connections": status_of(operator, "GET", "/connections"),
        "operator reads a connection": status_of(operator, "GET", f"/connections/{jc}"),
        "operator changes a connection": status_of(
            operator, "PATCH", f"/connections/{jc}", json={"connection_id": jc, "conn_type": "http"}
        ),
        "operator reads variables": status_of(operator, "GET", "/variables"),
        "operator sets a variable": status_of(
            operator, "POST", "/variables", json={"key": "k", "value": "v"}
        ),
        "operator resizes a pool": status_of(
            operator, "PATCH", "/pools/duckdb_writer", json={"slots": 4}
        ),
        "operator reads the audit log": status_of(operator, "GET", "/eventLogs"),
    }
    assert seen == {
        "viewer sees the DAGs": 200, "viewer sees the runs": 200, "viewer sees the assets": 200,
        "viewer triggers": 403, "viewer backfills": 403, "viewer lists connections": 403,
        "viewer reads a connection": 403, "viewer reads variables": 403,
        "viewer reads the audit log": 403, "operator lists connections": 403,
        "operator reads a connection": 403, "operator changes a connection": 403,
        "operator reads variables": 403, "operator sets a variable": 403,
        "operator resizes a pool": 403, "operator reads the audit log": 403,
    }  # fmt: skip
    # An operator may backfill (here: what a backfill of three days would run, nothing runs).
    dry = operator.request("POST", "/backfills/dry_run", json=BACKFILL_DRY_RUN)
    assert [r["logical_date"] for r in dry["backfills"]] == [
        "2026-10-01T04:00:00Z", "2026-10-02T04:00:00Z",
    ]  # fmt: skip


def test_local_executor_on_postgres_with_roles(deploy, data_dir: Path, simulator, postgres) -> None:
    d = deploy()
    # airflow-init runs on every `up`: the first admin exists and keeps their password.
    again = first_admin(d.env, "another-password-from-a-changed-env")
    assert f"{FIRST_ADMIN['AIRFLOW_ADMIN_USERNAME']} already exists in the db" in again
    assert token_status(d, "erika.mustermann", FIRST_ADMIN["AIRFLOW_ADMIN_PASSWORD"]) == 201
    assert token_status(d, "erika.mustermann", "another-password-from-a-changed-env") == 401

    # People get personal accounts (runbook "People and roles"), their passwords prompted for.
    viewer_name, operator_name = username_in(CREATE_VIEWER), username_in(CREATE_OPERATOR)
    viewer_pw, operator_pw = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    users_command(d.env, CREATE_VIEWER, viewer_pw)
    users_command(d.env, CREATE_OPERATOR, operator_pw)
    assert roles_of_everyone(d.env) == {
        "erika.mustermann": ["Admin"], viewer_name: ["Viewer"], operator_name: ["User"],
    }  # fmt: skip
    answers: list[str] = []
    viewer = client(d, viewer_name, viewer_pw, answers)
    operator = client(d, operator_name, operator_pw, answers)
    admin = client(d, "erika.mustermann", FIRST_ADMIN["AIRFLOW_ADMIN_PASSWORD"], answers)
    assert token_status(d, viewer_name, "not-the-password") == 401
    assert_refused_before_the_run(d.stack.url, viewer, operator)

    # The operator re-runs the month through the API (runbook "Re-run a month").
    run_id = f"rerun_{PERIOD}"
    body = {"dag_run_id": run_id, "logical_date": None, "conf": month_conf()}
    assert operator.request("POST", "/dags/jcw_collect/dagRuns", json=body)["dag_run_id"] == run_id
    collect_tis, warehouse_runs = wait_month(d, run_id)
    assert_collect_complete(collect_tis, warehouse_runs)
    assert_warehouse_equals_truth(data_dir, simulator.truth(PERIOD))
    assert_tokens_safe(d, data_dir, simulator, postgres)
    # Everyone who may see the run sees who triggered it.
    assert viewer.request("GET", f"/dags/jcw_collect/dagRuns/{run_id}")["triggering_user_name"] == (
        operator_name
    )
    assert_status_names_the_publishing_run(d, data_dir)

    # Analysts read logs but clear nothing; the operator re-runs one jobcenter x month.
    stuttgart = next(
        ti for ti in collect_tis
        if ti["task_id"] == "collect" and (ti["rendered_map_index"] or "").startswith("08111 ")
    )  # fmt: skip
    log = viewer.request(
        "GET",
        f"/dags/jcw_collect/dagRuns/{run_id}/taskInstances/collect/logs/1"
        f"?map_index={stuttgart['map_index']}",
    )
    events = [line.get("event", "") for line in log["content"] if isinstance(line, dict)]
    returned = "Done. Returned value was: {'kreis_ags': '08111'"
    assert any(e.startswith(returned) for e in events), events
    clear = clear_body(run_id, stuttgart["map_index"])
    assert status_of(viewer, "POST", "/dags/jcw_collect/clearTaskInstances", json=clear) == 403
    cleared = operator.request("POST", "/dags/jcw_collect/clearTaskInstances", json=clear)
    assert sorted((ti["task_id"], ti["map_index"]) for ti in cleared["task_instances"]) == [
        ("collect", stuttgart["map_index"]), ("validate", -1),
    ]  # fmt: skip
    assert d.api.wait_run("jcw_collect", run_id, timeout=600) == "success"
    d.api.wait_idle(["jcw_collect", "jcw_warehouse"], timeout=600)
    tries = {(ti["task_id"], ti["map_index"]): ti["try_number"] for ti in d.api.task_instances(
        "jcw_collect", run_id)}  # fmt: skip
    assert {k for k, n in tries.items() if n == 2} == {
        ("collect", stuttgart["map_index"]), ("validate", -1),
    }  # fmt: skip
    assert {n for n in tries.values()} == {1, 2}

    # Admins see the connections, every token masked; nobody else does (above).
    assert_admin_sees_masked_connections(admin, simulator)
    # The audit log (runbook query): who triggered and who cleared, as whom. A clear is
    # recorded before its permission check, so the viewer's refused attempt is there too.
    audit = admin.request("GET", runbook.url(AUDIT_QUERY).removeprefix("/api/v2"))
    entries = [
        (e["event"], e["owner"], e["dag_id"], e["run_id"])
        for e in sorted(audit["event_logs"], key=lambda e: e["event_log_id"])
    ]
    assert entries == [
        ("trigger_dag_run", operator_name, "jcw_collect", run_id),
        ("post_clear_task_instances", viewer_name, "jcw_collect", run_id),
        ("post_clear_task_instances", operator_name, "jcw_collect", run_id),
    ]
    clear_extra = json.loads(
        next(e for e in audit["event_logs"] if e["owner"] == operator_name
             and e["event"] == "post_clear_task_instances")["extra"]
    )  # fmt: skip
    assert clear_extra["task_ids"] == [["collect", stuttgart["map_index"]]]

    # Whatever the three of them asked the API, no answer held a token; the admin also reads
    # what a task could have leaked into: task instances (rendered fields), XComs, the run.
    admin.task_instances("jcw_collect", run_id)
    xcoms = admin.request(
        "GET", "/dags/jcw_collect/dagRuns/~/taskInstances/~/xcomEntries?limit=100"
    )
    assert xcoms["total_entries"] > 0
    admin.request("GET", f"/dags/jcw_collect/dagRuns/{run_id}")
    tokens = {json.loads(v)["password"] for v in simulator.env.values()}
    assert len(answers) > len(tokens) + 20  # every connection read is among them
    assert [a[:200] for a in answers if any(tok in a for tok in tokens)] == []

    # People change: a forgotten password, a new role, someone leaves (runbook, verbatim).
    new_pw = secrets.token_urlsafe(12)
    users_command(d.env, RESET_PASSWORD, new_pw)
    assert username_in(RESET_PASSWORD) == viewer_name
    assert (token_status(d, viewer_name, viewer_pw), token_status(d, viewer_name, new_pw)) == (
        401, 201,
    )  # fmt: skip
    assert username_in(REMOVE_ROLE) == username_in(ADD_ROLE) == operator_name
    users_command(d.env, ADD_ROLE)
    users_command(d.env, REMOVE_ROLE)
    users_command(d.env, DELETE_USER)
    assert username_in(DELETE_USER) == viewer_name
    assert token_status(d, viewer_name, new_pw) == 401
    assert roles_of_everyone(d.env) == {"erika.mustermann": ["Admin"], operator_name: ["Viewer"]}


def assert_admin_sees_masked_connections(admin: ApiClient, simulator) -> None:
    """An admin lists and reads every jobcenter connection; the token is always "***"."""
    listed: list[dict] = []
    while True:  # the API answers at most 100 per page
        page = admin.request("GET", f"/connections?limit=100&offset={len(listed)}")
        listed += page["connections"]
        if not page["connections"] or len(listed) >= page["total_entries"]:
            break
    jc = {c["connection_id"]: c for c in listed if c["connection_id"].startswith("jc_")}
    assert len(jc) == len(simulator.env)
    assert {c["password"] for c in jc.values()} == {"***"}
    for conn_id in sorted(jc):
        one = admin.request("GET", f"/connections/{conn_id}")
        assert (one["password"], one["host"]) == ("***", jc[conn_id]["host"])


def assert_status_names_the_publishing_run(d: Deployment, data_dir: Path) -> None:
    """`jcw status` names the jcw_warehouse run whose publish put the snapshot in place."""
    published = [
        (ti["end_date"], r["dag_run_id"])
        for r in d.api.runs("jcw_warehouse")
        for ti in d.api.task_instances("jcw_warehouse", r["dag_run_id"])
        if ti["task_id"] == "publish" and ti["state"] == "success"
    ]
    last_run = max(published)[1]
    done = subprocess.run(
        [str(Path(sys.executable).parent / "jcw"), "status", "--period", PERIOD],
        env={**d.env, "JCW_DATA_DIR": str(data_dir)}, cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    line = re.search(r"^Veröffentlicht von Lauf (\S+) am \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr$",
                     done.stdout, re.MULTILINE)  # fmt: skip
    assert line is not None, done.stdout
    assert line.group(1) == last_run


def test_celery_executor_on_postgres_and_redis(
    deploy, data_dir: Path, simulator, postgres, redis
) -> None:
    import psycopg

    d = deploy(redis)
    run_id = trigger_month_by_cli(d)
    collect_tis, warehouse_runs = wait_month(d, run_id)
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
    # A run triggered on the command line names the operating-system user, in the run and in
    # the audit log (the runbook's query): inside a container that is `airflow`, not a person.
    user = getpass.getuser()
    assert d.api.request("GET", f"/dags/jcw_collect/dagRuns/{run_id}")["triggering_user_name"] == (
        user
    )
    audit = d.api.request("GET", runbook.url(AUDIT_QUERY).removeprefix("/api/v2"))
    assert [(e["event"], e["owner"], e["dag_id"]) for e in audit["event_logs"]] == [
        ("cli_dag_trigger", user, "jcw_collect")
    ]
