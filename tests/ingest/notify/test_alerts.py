"""Alert mail over a real SMTP server (the local sink in a subprocess): outbox, dedup, retry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ingest.core import registry, settings
from ingest.core.german import fmt_int
from ingest.notify import alerts, failure, outbox, smtp
from ingest.status import monitor
from ingest.validate import checks, run
from tests.expectations.factory import valid_report

PERIOD = "2026-10"
STADT = "05113"  # Stadt Essen
LANDKREIS = "01054"  # Kreis Nordfriesland
TEAM = settings.TEAM_EMAIL


def _rejected_verdict(kreis_ags: str = STADT, sha: str = "ab" * 32) -> dict:
    # as parsed from a CSV file: data row 1 is line 2 of the jobcenter's spreadsheet
    df = valid_report(kreis_ags, PERIOD).pipe(lambda d: d.assign(_line=range(2, len(d) + 2)))
    df.at[0, "elb_frauen"] = int(df.at[0, "elb"]) + 5
    verdict = checks.validate_report(df, kreis_ags, PERIOD, previous=None)
    doc = verdict.to_dict()
    doc.update(revision=2, sha256=sha, fetched_at="2026-11-08T06:00:00+00:00")
    return doc


def _addresses(header: str) -> set[str]:
    return {a.strip() for a in header.split(",")}


def test_rejection_reaches_jobcenter_and_team_in_german(data_dir: Path, smtp_server):
    assert alerts.queue_rejection(_rejected_verdict()) is True
    assert outbox.deliver_outbox() == {"sent": 1, "failed": 0, "pending": 0}

    [msg] = smtp_server.messages()
    assert _addresses(msg["To"]) == {"statistik@jc-05113.jobcenter.test", TEAM}
    assert msg["Subject"] == "[jcw] Bericht abgelehnt: 05113 Stadt Essen, Oktober 2026"
    body = msg.get_content()
    assert "des Jobcenters 05113 Stadt Essen für Oktober 2026" in body
    # 06:00 UTC on 8 November is 07:00 in Berlin (CET)
    assert "Revision 2, empfangen am 08.11.2026, 07:00 Uhr" in body and "UTC" not in body
    assert "Folgende Regel ist verletzt:" in body
    assert "dürfen nicht größer sein als die ELB insgesamt" in body
    elb = _rejected_verdict()["findings"][0]["rows"][0]["compared"]["elb"]
    assert (
        f"Zeile 2, Gemeinde 05113000 Stadt Essen, Spalte ELB Frauen (elb_frauen), "
        f"Wert {fmt_int(elb + 5)}, verglichen mit ELB (elb) {fmt_int(elb)}"
    ) in body
    assert "Was ist zu tun: Teilgruppe oder ELB-Gesamtzahl in der genannten Zeile" in body
    # one request to correct, one contact line, one closing
    assert body.count("veröffentlichen Sie ihn erneut") == 1
    assert body.count("Bitte korrigieren Sie") == 1
    assert f"Fragen zu dieser Nachricht beantworten wir unter {TEAM}." in body
    assert body.count("Mit freundlichen Grüßen") == 1
    assert body.rstrip().endswith("Zentrale Statistik der kommunalen Jobcenter")
    assert list((data_dir / "outbox" / "pending").glob("*.eml")) == []
    assert len(list((data_dir / "outbox" / "sent").glob("*.eml"))) == 1


def test_the_same_rejection_never_mails_twice(data_dir: Path, smtp_server):
    doc = _rejected_verdict()
    assert alerts.queue_rejection(doc) is True
    assert alerts.queue_rejection(doc) is False  # still pending
    outbox.deliver_outbox()
    assert alerts.queue_rejection(doc) is False  # already sent
    assert outbox.deliver_outbox()["sent"] == 0
    assert len(smtp_server.messages()) == 1
    # a different rejected content (a new revision) is a new mail
    assert alerts.queue_rejection(_rejected_verdict(sha="cd" * 32)) is True
    outbox.deliver_outbox()
    assert len(smtp_server.messages()) == 2


def test_pipeline_rejection_is_mailed_once_across_reruns(data_dir: Path, smtp_server):
    _land_csv(valid_report(STADT, PERIOD).assign(period="2026-09"), 8)
    now = datetime(2026, 11, 21, 5, tzinfo=UTC)
    for _ in range(2):
        run.process_pending(now=now)
        outbox.deliver_outbox()
    [msg] = smtp_server.messages()
    assert "Berichtsmonat in der Datei" in msg.get_content()


def _land_csv(df, revision_day: int) -> None:
    from ingest.collect import landing
    from ingest.collect.client import FetchedReport

    body = df.drop(columns=["_row"]).to_csv(index=False).encode()
    fetched = FetchedReport(body, "text/csv; charset=utf-8", None, None, 1, 200, "http://x/")
    landing.land(STADT, PERIOD, fetched, datetime(2026, 11, revision_day, 6, tzinfo=UTC))


def test_a_corrected_report_after_a_rejection_gets_an_all_clear_mail(data_dir: Path, smtp_server):
    now = datetime(2026, 11, 21, 5, tzinfo=UTC)
    _land_csv(valid_report(STADT, PERIOD).assign(period="2026-09"), 8)  # r1 rejected
    run.process_pending(now=now)
    _land_csv(valid_report(STADT, PERIOD), 9)  # r2, the correction, accepted
    for _ in range(2):  # a re-run mails nothing new
        run.process_pending(now=now)
        outbox.deliver_outbox()
    rejection, all_clear = sorted(smtp_server.messages(), key=lambda m: m["Subject"])
    assert rejection["Subject"].startswith("[jcw] Bericht abgelehnt: 05113 Stadt Essen")
    assert all_clear["Subject"] == "[jcw] Bericht angenommen: 05113 Stadt Essen, Oktober 2026"
    assert _addresses(all_clear["To"]) == {"statistik@jc-05113.jobcenter.test", TEAM}
    body = all_clear.get_content()
    assert "Revision 2, empfangen am 09.11.2026, 07:00 Uhr" in body
    assert "wurde angenommen und in die Statistik übernommen" in body
    assert "Die Ablehnung der Revision 1 ist damit erledigt" in body
    assert body.count("Mit freundlichen Grüßen") == 1
    # an accepted correction of an accepted report is no all-clear
    _land_csv(valid_report(STADT, PERIOD, scale=1.01), 10)
    run.process_pending(now=now)
    outbox.deliver_outbox()
    assert len(smtp_server.messages()) == 2


def test_undeliverable_mail_stays_pending_and_visible_then_is_delivered(
    data_dir: Path, smtp_server
):
    smtp_server.stop()
    alerts.queue_rejection(_rejected_verdict())
    assert outbox.deliver_outbox() == {"sent": 0, "failed": 1, "pending": 1}
    assert outbox.deliver_outbox()["pending"] == 1
    [stuck] = outbox.undelivered()
    assert stuck["attempts"] == 2
    assert "Connection" in stuck["last_error"] or "refused" in stuck["last_error"]
    assert stuck["subject"].startswith("[jcw] Bericht abgelehnt: 05113")
    assert "Undelivered alert mail: 1" in outbox.format_undelivered()

    smtp_server.start()
    assert outbox.deliver_outbox() == {"sent": 1, "failed": 0, "pending": 0}
    assert outbox.undelivered() == []
    assert len(smtp_server.messages()) == 1


def _write_verdict(data_dir: Path, kreis_ags: str, warnings_from: str, validated_at: str) -> None:
    cur = valid_report(kreis_ags, PERIOD)
    if warnings_from == "langzeit":
        cur["elb_langzeit"] = (cur["elb"] * 0.3).astype("int64")
    else:
        cur["bedarfsgemeinschaften"] = cur["elb"] // 3
    doc = checks.validate_report(cur, kreis_ags, PERIOD, previous=None).to_dict()
    doc.update(revision=1, sha256="ef" * 32, validated_at=validated_at)
    path = data_dir / "validation" / PERIOD / kreis_ags / "r0001.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(doc, ensure_ascii=False))


def test_digest_is_one_mail_for_many_warnings_once_per_day(data_dir: Path, smtp_server):
    jcs = [jc.kreis_ags for jc in registry.jobcenters()[:4]]
    for i, ags in enumerate(jcs[:3]):
        _write_verdict(data_dir, ags, "langzeit" if i % 2 else "bg", "2026-11-20T07:00:00+00:00")
    _write_verdict(data_dir, jcs[3], "bg", "2026-11-19T07:00:00+00:00")  # another day

    assert monitor.send_digest(date(2026, 11, 20)) is True
    assert monitor.send_digest(date(2026, 11, 20)) is False
    assert monitor.send_digest(date(2026, 11, 18)) is False  # nothing that day
    outbox.deliver_outbox()
    [msg] = smtp_server.messages()
    assert msg["To"] == TEAM
    assert msg["Subject"] == "[jcw] Hinweise vom 20.11.2026: 3 Hinweise zu 3 Berichten"
    body = msg.get_content()
    for ags in jcs[:3]:
        assert registry.get(ags).name in body
    assert registry.get(jcs[3]).name not in body
    assert "Mehr als 2,5 ELB je Bedarfsgemeinschaft" in body
    assert "Langzeitleistungsbeziehenden" in body


def test_reminders_after_the_due_date_once_per_jobcenter(data_dir: Path, smtp_server):
    for ags in registry.by_ags():
        if ags not in (STADT, LANDKREIS):
            (data_dir / "landing" / "records" / PERIOD / ags).mkdir(parents=True)
            (data_dir / "landing" / "records" / PERIOD / ags / "r0001.json").write_text("{}")

    assert monitor.send_reminders(PERIOD, date(2026, 11, 10)) == {"missing": 0, "queued": 0}
    assert monitor.send_reminders(PERIOD, date(2026, 11, 11)) == {"missing": 2, "queued": 3}
    assert monitor.send_reminders(PERIOD, date(2026, 11, 12)) == {"missing": 2, "queued": 0}
    outbox.deliver_outbox()
    by_to = {m["To"]: m for m in smtp_server.messages()}
    assert set(by_to) == {
        "statistik@jc-05113.jobcenter.test",
        "statistik@jc-01054.jobcenter.test",
        TEAM,
    }
    essen = by_to["statistik@jc-05113.jobcenter.test"]
    assert essen["Subject"] == "[jcw] Erinnerung: Bericht fehlt: 05113 Stadt Essen, Oktober 2026"
    assert "für Oktober 2026 war am 10.11.2026 fällig" in essen.get_content()
    team = by_to[TEAM].get_content()
    assert "05113 Stadt Essen" in team and "01054 Kreis Nordfriesland" in team


@dataclass
class _TaskInstance:
    """The attributes of an Airflow 3 RuntimeTaskInstance the callback reads."""

    dag_id: str = "jcw_collect"
    task_id: str = "collect"
    run_id: str = "manual__2026-11-21T05:00:00+00:00"
    map_index: int = 17
    rendered_map_index: str = "05113 Stadt Essen"
    try_number: int = 2
    log_url: str = "http://localhost:8080/dags/jcw_collect/runs/x/tasks/collect?map_index=17"


def _context() -> dict:
    return {
        "ti": _TaskInstance(),
        "params": {"kreis_ags": STADT, "period": PERIOD},
        "exception": RuntimeError("jobcenter 05113 2026-10: server_error: 503 after 4 retries"),
    }


def test_task_failure_mail_names_dag_task_jobcenter_period_and_log(data_dir: Path, smtp_server):
    failure.task_failure_callback(_context())
    [msg] = smtp_server.messages()
    assert msg["To"] == TEAM
    assert msg["Subject"] == (
        "[jcw] Task fehlgeschlagen: jcw_collect.collect[05113 Stadt Essen] (05113 2026-10)"
    )
    body = msg.get_content()
    assert "Map-Index:  17 (05113 Stadt Essen)" in body
    assert "503 after 4 retries" in body
    assert "map_index=17" in body
    failure.task_failure_callback(_context())  # the same failure is not mailed twice
    assert len(smtp_server.messages()) == 1


def test_task_failure_callback_never_raises(data_dir: Path, smtp_server, monkeypatch):
    smtp_server.stop()
    failure.task_failure_callback(_context())  # server down: queued, stays pending
    assert len(outbox.undelivered()) == 1
    failure.task_failure_callback({})  # an empty context still mails something
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT")
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", "{not json")
    # a task instance without attributes says as little as an empty context: same key, no mail
    failure.task_failure_callback({"ti": object()})
    assert sorted(m["key"] for m in outbox.undelivered()) == [
        "failure:?:?:?:None:None",
        "failure:jcw_collect:collect:manual__2026-11-21T05:00:00+00:00:17:2",
    ]


def test_smtp_settings_from_uri_and_json(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        "smtp://user%40x:s3cret@relay.example:2525?disable_ssl=true&from_email=a%40b.test&timeout=3",
    )
    cfg = smtp.smtp_settings()
    assert (cfg.host, cfg.port, cfg.login, cfg.password) == (
        "relay.example",
        2525,
        "user@x",
        "s3cret",
    )
    assert (cfg.use_ssl, cfg.use_starttls, cfg.from_email, cfg.timeout) == (
        False,
        True,
        "a@b.test",
        3,
    )
    assert "s3cret" not in repr(cfg)
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        json.dumps({"conn_type": "smtp", "host": "mail.test", "port": 465, "extra": {}}),
    )
    cfg = smtp.smtp_settings()
    assert (cfg.host, cfg.port, cfg.use_ssl) == ("mail.test", 465, True)


def test_sink_stores_messages_in_a_maildir(smtp_server):
    import smtplib

    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=5) as s:
        s.sendmail("a@x.test", ["b@y.test"], b"Subject: Gr\xc3\xbc\xc3\x9fe\r\n\r\nhallo\r\n")
    assert len(list((smtp_server.maildir / "new").iterdir())) == 1
    assert smtp_server.messages()[0].get_content().strip() == "hallo"


FAILING_DAG = """
import pendulum
from airflow.sdk import dag, task

from ingest.notify.failure import task_failure_callback


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False,
     params={"period": "2026-10"})
def jcw_failure_probe():
    @task(retries=0, on_failure_callback=task_failure_callback,
          map_index_template="{{ task.op_kwargs['kreis_ags'] }}")
    def collect(kreis_ags: str):
        raise RuntimeError(f"jobcenter {kreis_ags} 2026-10: server_error: 503 after 4 retries")

    collect.expand(kreis_ags=["05113", "01054"])


jcw_failure_probe()
"""


def test_failure_callback_under_real_airflow_mails_each_mapped_jobcenter(
    tmp_path: Path, data_dir: Path, smtp_server
):
    import os
    import subprocess
    import sys

    home = tmp_path / "airflow"
    (home / "dags").mkdir(parents=True)
    (home / "dags" / "jcw_failure_probe.py").write_text(FAILING_DAG)
    project = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "PYTHONPATH": str(project),
    }
    airflow = [sys.executable, "-m", "airflow"]
    subprocess.run([*airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    run = subprocess.run(
        [*airflow, "dags", "test", "jcw_failure_probe"], env=env, capture_output=True, text=True
    )
    assert "DagRun failed" in run.stdout + run.stderr
    messages = {m["Subject"]: m.get_content() for m in smtp_server.messages()}
    assert set(messages) == {
        "[jcw] Task fehlgeschlagen: jcw_failure_probe.collect[05113] (05113 2026-10)",
        "[jcw] Task fehlgeschlagen: jcw_failure_probe.collect[01054] (01054 2026-10)",
    }
    body = messages["[jcw] Task fehlgeschlagen: jcw_failure_probe.collect[05113] (05113 2026-10)"]
    assert "Jobcenter:  05113 Stadt Essen" in body
    assert "503 after 4 retries" in body
    assert "/tasks/collect/mapped/0" in body  # the log URL of that map index


def test_two_concurrent_deliveries_send_each_mail_exactly_once(data_dir: Path, smtp_server):
    import threading

    for i in range(30):
        outbox.queue_mail(f"probe:{i}", [TEAM], f"[jcw] Probe {i:02d}", f"Nachricht {i}")
    results: list[dict] = []
    threads = [
        threading.Thread(target=lambda: results.append(outbox.deliver_outbox())) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 30
    subjects = sorted(m["Subject"] for m in smtp_server.messages())
    assert subjects == [f"[jcw] Probe {i:02d}" for i in range(30)]


def test_sink_refuses_a_busy_port_with_a_clear_message(smtp_server):
    import subprocess
    import sys

    run = subprocess.run(
        [str(Path(sys.executable).parent / "jcw"), "smtp-sink", "--port", str(smtp_server.port),
         "--maildir", str(smtp_server.maildir)],
        capture_output=True, text=True, timeout=60,
        cwd=Path(__file__).resolve().parents[3],
    )  # fmt: skip
    assert run.returncode == 1
    assert f"cannot listen on 127.0.0.1:{smtp_server.port}" in run.stderr
    assert "Traceback" not in run.stderr
