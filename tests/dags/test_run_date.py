"""The date a DAG run stands for (dags/jcw_common.run_date)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pendulum
import pytest


def test_logical_date_is_read_as_a_berlin_calendar_day(common) -> None:
    # 23:30 UTC on 30 Nov is 00:30 on 1 Dec in Berlin; 05:00 UTC is 06:00, the sweep's hour
    late = {"logical_date": pendulum.datetime(2026, 11, 30, 23, 30, tz="UTC")}
    assert common.run_date(late) == date(2026, 12, 1)
    sweep = {"logical_date": datetime(2026, 12, 1, 5, 0, tzinfo=UTC)}
    assert common.run_date(sweep) == date(2026, 12, 1)
    # summer time: 22:30 UTC on 30 Jun is 00:30 on 1 Jul
    summer = {"logical_date": pendulum.datetime(2026, 6, 30, 22, 30, tz="UTC")}
    assert common.run_date(summer) == date(2026, 7, 1)


def test_without_logical_date_the_pinned_clock_then_run_after(
    common, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = SimpleNamespace(run_after=pendulum.datetime(2026, 11, 20, 23, 15, tz="UTC"))
    context = {"logical_date": None, "dag_run": run}
    monkeypatch.setenv("JCW_TODAY", "2026-10-15")
    assert common.run_date(context) == date(2026, 10, 15)
    monkeypatch.delenv("JCW_TODAY")
    assert common.run_date(context) == date(2026, 11, 21)  # 00:15 in Berlin
