"""The DAG folder parses cleanly, without work at parse time, and as configured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.airflow import PROJECT_ROOT, airflow_env

DAGS = PROJECT_ROOT / "dags"
EXPECTED = {"jcw_collect", "jcw_intake", "jcw_warehouse", "jcw_monitor", "jcw_report"}
RETRIES_AND_TIMEOUTS = {
    "jcw_collect": {
        "plan": (0, 1800.0),
        "jobcenters": (0, 1800.0),
        "collect": (2, 1200.0),
        "validate": (2, 7200.0),
    },
    "jcw_intake": {
        "claim": (0, 1800.0),
        "collect": (2, 1200.0),
        "validate": (2, 1800.0),
        "acknowledge": (0, 1800.0),
    },
    "jcw_monitor": {
        "deliver_outbox": (2, 600.0),
        "send_digest": (2, 600.0),
        "send_reminders": (2, 600.0),
        "completeness": (2, 600.0),
    },
    "jcw_report": {"national_report": (2, 1200.0)},
    "jcw_warehouse": {"build": (2, 3600.0), "publish": (2, 600.0), "docs": (1, 600.0)},
}


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Parse dags/ in a fresh interpreter configured like the dag-processor."""
    data = tmp_path_factory.mktemp("dagbag") / "data"
    env = airflow_env(data, api_port=18080)
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("dagbag_probe.py")), str(DAGS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [x for x in result.stdout.splitlines() if x.startswith("DAGBAG_PROBE ")]
    assert lines, f"probe failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return json.loads(lines[-1].removeprefix("DAGBAG_PROBE "))


def test_no_import_errors_and_all_dags_present(probe: dict) -> None:
    assert probe["import_errors"] == {}
    assert set(probe["dags"]) == EXPECTED


def test_each_file_parses_without_touching_the_product(probe: dict) -> None:
    # No work at parse time: neither ingest/ nor heavy libraries are imported by the DAGs.
    # (How long parsing takes is measured in bench/, not asserted here.)
    assert probe["ingest_modules"] == []
    assert probe["heavy_modules"] == []


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_dag_is_documented_tagged_and_safe(probe: dict, dag_id: str) -> None:
    dag = probe["dags"][dag_id]
    assert dag["doc_md"].lstrip().startswith(f"# {dag_id}")
    assert "jcw" in dag["tags"] and len(dag["tags"]) >= 2
    assert dag["catchup"] is False
    assert dag["start_date_tz"] is not None
    # (retries, execution_timeout in s) as configured: DEFAULT_ARGS (2 retries, 30 min)
    # unless the DAG or the task says otherwise.
    assert {t: (v["retries"], v["execution_timeout_s"]) for t, v in dag["tasks"].items()} == (
        RETRIES_AND_TIMEOUTS[dag_id]
    )
    for task_id, task in dag["tasks"].items():
        where = f"{dag_id}.{task_id}"
        # DEFAULT_ARGS: 20 s, doubled per try, at most 5 min; a failure mails the team.
        assert task["retry_delay_s"] == 20.0, where
        assert task["retry_exponential_backoff"] is True, where
        assert task["max_retry_delay_s"] == 300.0, where
        assert task["on_failure_callback"] == ["jcw_common.notify_team"], where


def test_collect_is_mapped_per_jobcenter_with_a_readable_label(probe: dict) -> None:
    dag = probe["dags"]["jcw_collect"]
    collect = dag["tasks"]["collect"]
    assert collect["mapped"]
    assert "['name']" in collect["map_index_template"]
    assert "['kreis_ags']" in collect["map_index_template"]
    assert dag["timetable"] == "CronTriggerTimetable"
    assert dag["params"] == ["period_from", "period_to"]
    # validate runs even when some jobcenters failed, and announces new verdicts.
    assert dag["tasks"]["validate"]["trigger_rule"].endswith("ALL_DONE")
    assert dag["tasks"]["validate"]["outlets"] == ["jcw://accepted-reports/"]


def test_intake_is_event_driven_by_an_asset_watcher(probe: dict) -> None:
    dag = probe["dags"]["jcw_intake"]
    assert dag["schedule_assets"] == ["jcw://report-events/"]
    [watcher] = dag["watchers"]
    assert "BaseEventTrigger" in watcher["bases"]
    assert watcher["classpath"] == "jcw_events.EventFileTrigger"
    assert dag["max_active_runs"] == 1
    assert dag["tasks"]["validate"]["outlets"] == ["jcw://accepted-reports/"]


def test_warehouse_is_data_aware_and_has_a_single_writer(probe: dict) -> None:
    dag = probe["dags"]["jcw_warehouse"]
    assert dag["schedule_assets"] == ["jcw://accepted-reports/"]
    assert dag["max_active_runs"] == 1
    assert list(dag["tasks"]) == ["build", "publish", "docs"]
    assert {t["pool"] for t in dag["tasks"].values()} == {"duckdb_writer"}
    assert dag["tasks"]["publish"]["outlets"] == ["jcw://published-snapshot/"]


def test_report_follows_every_publish_outside_the_writer_pool(probe: dict) -> None:
    dag = probe["dags"]["jcw_report"]
    assert dag["schedule_assets"] == ["jcw://published-snapshot/"]
    assert dag["max_active_runs"] == 1
    assert list(dag["tasks"]) == ["national_report"]
    assert dag["tasks"]["national_report"]["pool"] != "duckdb_writer"


def test_monitor_runs_daily_after_the_sweep(probe: dict) -> None:
    dag = probe["dags"]["jcw_monitor"]
    assert dag["timetable"] == "CronTriggerTimetable"
    assert set(dag["tasks"]) == {"deliver_outbox", "send_digest", "send_reminders", "completeness"}
