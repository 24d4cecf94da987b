"""Month arithmetic and the warehouse's changed-month detection used by the DAGs."""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def common():
    sys.path.insert(0, str(DAGS))
    try:
        import jcw_common

        yield jcw_common
    finally:
        sys.path.remove(str(DAGS))


def test_period_range_spans_years_and_rejects_bad_input(common) -> None:
    assert common.period_range("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert len(common.period_range("2016-01", "2025-12")) == 120
    for first, last in (("2025-02", "2025-01"), ("2025-13", "2025-13"), ("25-01", "2025-01")):
        with pytest.raises(ValueError):
            common.period_range(first, last)


def test_sweep_and_reminder_months_follow_the_due_date(common) -> None:
    assert common.latest_complete_period(date(2026, 1, 5)) == "2025-12"
    # Reports for M are due on the 10th of M+1: reminders only after that day.
    assert common.overdue_period(date(2026, 11, 10)) == "2026-09"
    assert common.overdue_period(date(2026, 11, 11)) == "2026-10"


def test_changed_periods_sees_verdicts_written_since_the_watermark(tmp_path: Path, common) -> None:
    old = tmp_path / "2026-09" / "08111" / "r0001.json"
    new = tmp_path / "2026-10" / "03157" / "r0002.json"
    for path in (old, new):
        path.parent.mkdir(parents=True)
        path.write_text("{}")
    now = time.time()
    os.utime(old, (now - 3600, now - 3600))
    assert common.changed_periods(tmp_path, None) is None  # first build: everything
    assert common.changed_periods(tmp_path, now - 60) == ["2026-10"]
    assert common.changed_periods(tmp_path, now + 60) == []

    mark = tmp_path / "wm.json"
    assert common.read_watermark(mark) is None
    common.write_watermark(mark, now)
    assert common.read_watermark(mark) == now


def test_failure_callback_mails_the_team_naming_task_and_jobcenter(
    data_dir: Path, smtp_server, common
) -> None:
    from types import SimpleNamespace

    from ingest import settings

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


def test_failure_callback_never_raises(data_dir: Path, common) -> None:
    class Broken:
        def __getattr__(self, name):
            raise RuntimeError("broken task instance")

    common.notify_team({"ti": Broken(), "params": None})


def test_warehouse_behind_until_a_build_covers_every_verdict(data_dir: Path, common) -> None:
    assert common.warehouse_behind() is False  # nothing validated yet
    verdict = data_dir / "validation" / "2026-10" / "08111" / "r0001.json"
    verdict.parent.mkdir(parents=True)
    verdict.write_text("{}")
    assert common.warehouse_behind() is True  # never built
    common.write_watermark(common.watermark_path(), time.time() + 5)
    assert common.warehouse_behind() is False
    assert common.unbuilt_periods() == []
    later = data_dir / "validation" / "2026-09" / "03157" / "r0002.json"
    later.parent.mkdir(parents=True)
    later.write_text("{}")
    os.utime(later, (time.time() + 60, time.time() + 60))
    assert common.unbuilt_periods() == ["2026-09"]
