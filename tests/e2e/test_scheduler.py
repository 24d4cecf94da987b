"""The real Airflow components against the simulator, with faults, a correction event and a
scheduler crash in the middle of the run.

The scheduler, dag-processor, triggerer and api-server run as subprocesses (LocalExecutor,
SQLite). Nothing depends on the day or hour the test runs: the reference date is pinned
(``JCW_TODAY``, tests/conftest.py), a cluster policy in ``$AIRFLOW_HOME/config`` takes the
cron schedules of ``jcw_collect`` and ``jcw_monitor`` away (no sweep starts on unpause or at
06:00), and the test triggers ``jcw_collect`` for its months with a pinned logical date.
While its 104 mapped tasks run, the simulator publishes a correction and announces it with
a signed notice to the product's gateway (a real one on loopback, which writes the event the
AssetWatcher claims), and the scheduler is killed with SIGKILL and restarted. When
everything has settled, every (jobcenter, month) must match the simulator's ground truth in
``ingest.status.reconcile`` and in the published warehouse, and every rejection mail must
have arrived exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from harness.airflow import ADMIN_USER, UNPAUSE, AirflowStack, admin_password, airflow_env
from harness.api import ApiClient
from harness.ports import free_port
from harness.simulator import SimulatorProcess
from ingest.gateway import attempts
from tests.ingest.gateway.conftest import Gateway, issue_credentials

pytestmark = [pytest.mark.scheduler, pytest.mark.timeout(1800)]

PIPELINE = ("jcw_collect", "jcw_intake", "jcw_warehouse")
CORRECTED = "06414"


# The reference date of every process (tests/conftest.py pins JCW_TODAY to it) and the run's
# pinned logical date: 06:00 Europe/Berlin that day, when the daily sweep would run.
TODAY = date(2026, 12, 1)
LOGICAL_DATE = "2026-12-01T05:00:00Z"
# The months triggered explicitly (two of that day's sweep window, enough for a crash in the
# middle). The simulator lives on the same day as the product: its signed notices carry the
# time of that day, and the gateway takes only notices within five minutes of its clock.
WINDOW = ("2026-08", "2026-09")
MONTHS = WINDOW
SIM_TODAY = TODAY.isoformat()
# Schedules paused: the cron DAGs lose their timetable in this test's Airflow, so only the
# runs the test triggers (and the asset-driven ones they cause) exist.
PAUSED_SCHEDULES_POLICY = """
from airflow.timetables.simple import NullTimetable

def dag_policy(dag):
    if dag.dag_id in ("jcw_collect", "jcw_monitor"):
        dag.timetable = NullTimetable()
"""


def pause_schedules(env: dict[str, str]) -> None:
    """Install the cluster policy where every Airflow process imports its local settings."""
    config = Path(env["AIRFLOW_HOME"]) / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "airflow_local_settings.py").write_text(PAUSED_SCHEDULES_POLICY)


def collect_progress(api: ApiClient) -> Counter:
    states: Counter = Counter()
    for run in api.runs("jcw_collect"):
        for ti in api.task_instances("jcw_collect", run["dag_run_id"]):
            if ti["task_id"] == "collect":
                states[ti["state"]] += 1
    return states


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise TimeoutError(what)


def landed_sha(data: Path, period: str, kreis_ags: str, revision: int) -> str:
    path = data / "landing" / "records" / period / kreis_ags / f"r{revision:04d}.json"
    return json.loads(path.read_text())["sha256"]


def test_pipeline_under_the_real_scheduler_survives_a_crash(
    data_dir: Path, tmp_path: Path, smtp_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert os.environ["JCW_TODAY"] == TODAY.isoformat()
    months = MONTHS
    faults = [
        {"kreis_ags": "03157", "period": months[1], "fault": "violated_rule",
         "rule": "integration_sum_mismatch"},
        {"kreis_ags": "05554", "period": months[0], "fault": "broken_rows", "kind": "field_count"},
        {"kreis_ags": "03452", "fault": "http_5xx_burst", "n": 2},
        {"kreis_ags": "06431", "period": months[1], "fault": "html_200"},
        {"kreis_ags": "03459", "period": months[1], "fault": "never"},
    ]  # fmt: skip
    # Every jobcenter has a notice secret: a publication or correction is announced to the
    # gateway, the only writer of <data_dir>/events, where the AssetWatcher looks.
    gateway = Gateway(per_minute=6000, burst=1000).start()
    creds = tmp_path / "jobcenters" / "credentials.json"
    creds.parent.mkdir()
    issue_credentials(data_dir, creds, gateway)
    sim = SimulatorProcess(
        tmp_path / "simulator", {"faults": faults}, today=SIM_TODAY, gateway_credentials=creds
    )
    try:
        port = free_port()
        env = airflow_env(
            data_dir,
            api_port=port,
            extra={
                **sim.env,
                # A crashed scheduler's queued tasks are reset quickly after the restart.
                "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "15",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "20",
            },
        )
        assert env["AIRFLOW_CONN_SMTP_DEFAULT"] == smtp_server.conn_uri
        assert env["JCW_TODAY"] == TODAY.isoformat()
        pause_schedules(env)
        with AirflowStack(env) as stack:
            stack.init()
            stack.start()
            stack.wait_healthy()
            api = ApiClient(stack.url, ADMIN_USER, admin_password(env))
            api.wait_dags(UNPAUSE)
            api.unpause("jcw_intake", "jcw_warehouse")
            api.unpause("jcw_collect")  # no schedule: unpausing starts nothing
            run_id = api.trigger(
                "jcw_collect",
                conf={"period_from": WINDOW[0], "period_to": WINDOW[-1]},
                logical_date=LOGICAL_DATE,
            )

            wait_for(lambda: collect_progress(api)["success"] >= 10, 600, "sweep did not start")
            correction = sim.correct(CORRECTED, months[1])
            corrected_at = time.monotonic()
            assert correction["revision"] == 2
            assert correction["delivery"] == {"channel": "notice", "status": 202}

            wait_for(lambda: collect_progress(api)["success"] >= 40, 600, "sweep stalled")
            stack.kill("scheduler", signal.SIGKILL)
            time.sleep(3)
            stack.start(["scheduler"])
            stack.wait_healthy()

            wait_for(
                lambda: (
                    api.runs("jcw_collect")
                    and all(r["state"] in ("success", "failed") for r in api.runs("jcw_collect"))
                ),
                900,
                "jcw_collect did not finish after the restart",
            )
            wait_for(
                lambda: (
                    not list((data_dir / "events").glob("*.json"))
                    and not list((data_dir / "events" / "inbox").glob("*.json"))
                ),
                600,
                "the correction event was not processed",
            )
            api.wait_idle(PIPELINE, timeout=900, settle=10)
            print(f"correction → pipeline idle: {time.monotonic() - corrected_at:.0f} s")
            runs = {d: [r["state"] for r in api.runs(d)] for d in PIPELINE}
            collect_runs = api.runs("jcw_collect")

        # Every run converged, the crash notwithstanding.
        # Exactly the triggered run: no sweep was started by the unpause or the clock.
        assert runs["jcw_collect"] == ["success"], runs
        assert [r["dag_run_id"] for r in collect_runs] == [run_id]
        assert collect_runs[0]["logical_date"].startswith("2026-12-01T05:00:00")
        assert runs["jcw_intake"] and set(runs["jcw_intake"]) == {"success"}, runs
        assert runs["jcw_warehouse"] and runs["jcw_warehouse"][0] == "success", runs
        assert (data_dir / "events" / "done").is_dir()
        notices = [
            (a["kreis_ags"], a["status"])
            for a in attempts.read_day(TODAY)
            if a["channel"] == "notice"
        ]
        assert notices == [(CORRECTED, 202)]

        from ingest.status.reconcile import reconcile

        snapshot = data_dir / "warehouse" / "jobcenters.duckdb"
        con = duckdb.connect(str(snapshot), read_only=True)
        try:
            for period in months:
                truth = sim.truth(period)
                rows = {r.kreis_ags: r for r in reconcile(period, today=TODAY)}
                states = {ags: rows[ags].state for ags in truth["reports"]}
                assert states == {a: r["expected"] for a, r in truth["reports"].items()}, period
                reports = truth["reports"]
                accepted = {a: r for a, r in reports.items() if r["expected"] == "accepted"}
                shas = {
                    a: landed_sha(data_dir, period, a, rows[a].accepted_revision) for a in accepted
                }
                assert shas == {a: r["sha256"] for a, r in accepted.items()}, period

                in_warehouse = {
                    ags: (sha, elb, integ)
                    for ags, sha, elb, integ in con.execute(
                        "select kreis_ags, sha256, elb, integrationen from fct_jobcenter_month "
                        "where period = ?",
                        [period],
                    ).fetchall()
                }
                assert in_warehouse == {
                    a: (r["sha256"], r["totals"]["elb"], r["totals"]["integrationen"])
                    for a, r in accepted.items()
                }, period
                national = con.execute(
                    "select jobcenters_reporting, personen, elb, integrationen, einwohner "
                    "from national_month where period = ?",
                    [period],
                ).fetchone()
                n = truth["national"]
                assert tuple(int(x) for x in national) == (
                    n["jobcenters_reporting"], n["personen"], n["elb"], n["integrationen"],
                    n["einwohner"],
                )  # fmt: skip
            status = dict(
                con.execute(
                    "select kreis_ags, status from submission_status where period = ? "
                    "and kreis_ags in ('03157', '03459', '06431')",
                    [months[1]],
                ).fetchall()
            )
            assert status == {"03157": "rejected", "03459": "missing", "06431": "missing"}
        finally:
            con.close()

        # Every rejection mail arrived exactly once, and nothing arrived twice.
        messages = smtp_server.messages()
        subjects = Counter(str(m["Subject"]) for m in messages)
        assert all(n == 1 for n in subjects.values()), subjects
        rejected = [
            (a, p) for p in months for a, r in sim.truth(p)["reports"].items()
            if r["expected"] == "rejected"
        ]  # fmt: skip
        assert sorted(rejected) == [("03157", "2026-09"), ("05554", "2026-08")]
        assert sorted(s for s in subjects if "abgelehnt" in s) == [
            "[jcw] Bericht abgelehnt: 03157 Landkreis Peine, September 2026",
            "[jcw] Bericht abgelehnt: 05554 Kreis Borken, August 2026",
        ]
    finally:
        sim.stop()
        gateway.stop()
