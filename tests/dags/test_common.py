"""The DAGs' failure callback (dags/jcw_common.py) mails the central team."""

from __future__ import annotations

from pathlib import Path


def test_failure_callback_mails_the_team_naming_task_and_jobcenter(
    data_dir: Path, smtp_server, common
) -> None:
    from types import SimpleNamespace

    from ingest.core import settings

    ti = SimpleNamespace(
        dag_id="jcw_collect",
        task_id="collect",
        run_id="scheduled__2026-11-21T05:00:00+00:00",
        map_index=2,
        rendered_map_index="03157 Landkreis Peine",
        try_number=3,
        log_url="http://127.0.0.1:8080/log",
    )
    context = {"ti": ti, "params": {}, "exception": RuntimeError("disk full")}
    common.notify_team(context)
    [mail] = smtp_server.messages()
    assert settings.TEAM_EMAIL in str(mail["To"])
    assert "jcw_collect" in str(mail["Subject"]) and "03157" in mail.get_content()
    # A second call for the same failure does not mail twice.
    common.notify_team(context)
    assert len(smtp_server.messages()) == 1


def test_failure_callback_never_raises_and_still_mails_what_it_knows(
    data_dir: Path, smtp_server, common
) -> None:
    class Broken:
        def __getattr__(self, name):
            raise RuntimeError("broken task instance")

    assert common.notify_team({"ti": Broken(), "params": None}) is None
    [mail] = smtp_server.messages()
    assert mail["Subject"] == "[jcw] Task fehlgeschlagen: ?.?"
    assert mail["X-Jcw-Key"] == "failure:?:?:?:None:None"


def test_failure_callback_keeps_the_mail_when_smtp_is_down(
    data_dir: Path, smtp_server, common
) -> None:
    from types import SimpleNamespace

    smtp_server.stop()
    ti = SimpleNamespace(
        dag_id="jcw_report",
        task_id="national_report",
        run_id="r1",
        map_index=-1,
        rendered_map_index=None,
        try_number=3,
        log_url=None,
    )
    assert common.notify_team({"ti": ti, "params": {}, "exception": OSError("x")}) is None
    [pending] = (data_dir / "outbox" / "pending").glob("*.eml")
    assert b"X-Jcw-Key: failure:jcw_report:national_report:r1:-1:3" in pending.read_bytes()
