"""jcw_monitor and the failure callback run for real under Airflow.

Each run is Airflow 3's ``DAG.test()`` in a fresh interpreter (tests/dags/dag_test_probe.py)
against a migrated SQLite metadata DB: a real DagRun with a pinned logical date, every task
executed by the task runner with the production ``default_args`` (retries, retry delay,
``on_failure_callback`` → ``notify_team``), mail sent to the real SMTP sink.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.core import registry, settings
from ingest.validate import checks
from tests.expectations.factory import valid_report
from tests.fixtures.dag_runs import run_dag

pytestmark = pytest.mark.timeout(900)

JOBCENTERS = 104
PERIOD = "2026-10"  # due on 10.11.2026: overdue on the monitor's day
MONITOR_DAY = "2026-11-20T06:00:00+00:00"  # 07:00 Europe/Berlin, the daily schedule
WARNED = "05113"  # Stadt Essen: an accepted report with one warning, validated the day before


def _accepted_with_warning(data_dir: Path, kreis_ags: str, validated_at: str) -> None:
    """The verdict file validation writes for an accepted report with one warning."""
    report = valid_report(kreis_ags, PERIOD)
    report["bedarfsgemeinschaften"] = report["elb"] // 3  # more than 2.5 elb per BG: a warning
    doc = checks.validate_report(report, kreis_ags, PERIOD, previous=None).to_dict()
    assert doc["verdict"] == "accepted" and doc["warnings"]
    doc.update(revision=1, sha256="ef" * 32, validated_at=validated_at)
    path = data_dir / "validation" / PERIOD / kreis_ags / "r0001.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(doc, ensure_ascii=False))


def test_monitor_sends_digest_reminders_and_reports_completeness(
    airflow_home: Path, data_dir: Path, smtp_server
) -> None:
    _accepted_with_warning(data_dir, WARNED, "2026-11-19T08:00:00+00:00")
    run = run_dag(airflow_home, data_dir, "jcw_monitor", MONITOR_DAY)
    assert run["state"] == "success"
    assert run["returns"] == {
        "deliver_outbox": {"sent": 0, "failed": 0, "pending": 0},
        "send_digest": True,
        # nothing landed for October: every jobcenter is reminded, plus one list to the team
        "send_reminders": {"missing": JOBCENTERS, "queued": JOBCENTERS + 1},
        "completeness": {"period": PERIOD, "states": {"missing": JOBCENTERS}, "jobcenters": 104},
    }
    mails = smtp_server.messages()
    assert len(mails) == JOBCENTERS + 2
    to_team = [m for m in mails if m["To"] == settings.TEAM_EMAIL]
    subjects = sorted(str(m["Subject"]) for m in to_team)
    assert subjects == [
        "[jcw] Fehlende Berichte Oktober 2026: 104 Jobcenter",
        "[jcw] Hinweise vom 19.11.2026: 1 Hinweis zu 1 Bericht",
    ]
    reminded = {str(m["To"]) for m in mails} - {settings.TEAM_EMAIL}
    assert reminded == {f"statistik@jc-{a}.jobcenter.test" for a in registry.by_ags()}

    # A later run that acts for the same day (param ``day`` wins over the logical date, which
    # alone would make November overdue) sends nothing again: the outbox deduplicates.
    again = run_dag(airflow_home, data_dir, "jcw_monitor", "2026-12-15T06:00:00+00:00",
                    {"day": "2026-11-20"})  # fmt: skip
    assert again["state"] == "success"
    assert again["returns"]["send_digest"] is False
    assert again["returns"]["send_reminders"] == {"missing": JOBCENTERS, "queued": 0}
    assert again["returns"]["completeness"]["period"] == PERIOD
    assert len(smtp_server.messages()) == JOBCENTERS + 2


def test_a_failing_task_mails_the_team_once_after_its_last_retry(
    airflow_home: Path, data_dir: Path, smtp_server
) -> None:
    # No published snapshot: jcw_report's only task fails on every try.
    run = run_dag(airflow_home, data_dir, "jcw_report", "2026-12-01T05:00:00+00:00")
    assert run["state"] == "failed"
    assert run["tasks"] == {"national_report": "failed"}
    assert run["tries"] == {"national_report": 3}  # DEFAULT_ARGS: retries=2
    [mail] = smtp_server.messages()
    assert mail["To"] == settings.TEAM_EMAIL
    assert mail["Subject"] == "[jcw] Task fehlgeschlagen: jcw_report.national_report"
    # one key per task instance and try: the last try (3) is the one that mails
    key = f"failure:jcw_report:national_report:{run['run_id']}:-1:3"
    assert mail["X-Jcw-Key"] == key
    body = mail.get_content()
    assert "DAG:        jcw_report" in body and "Task:       national_report" in body
    assert "no published snapshot" in body
    [sent] = (data_dir / "outbox" / "sent").glob("*.eml")
    assert list((data_dir / "outbox" / "pending").glob("*.eml")) == []
    assert sent.read_bytes().count(b"X-Jcw-Key") == 1
