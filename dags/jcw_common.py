"""Configuration shared by the jcw DAGs: default arguments, assets, period arithmetic.

Imported by every DAG file at parse time, so it stays cheap: no ingest/ import at module
level, no network, no database, no Variable or Connection.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pendulum
from airflow.sdk import Asset

log = logging.getLogger(__name__)

TIMEZONE = "Europe/Berlin"
# A static, timezone-aware start date: the platform went live in 2026.
START_DATE = pendulum.datetime(2026, 1, 1, tz=TIMEZONE)
# Reports for month M are due on the 10th of M+1; figures stay provisional for three months.
DUE_DAY = 10
WARTEZEIT_MONTHS = 3

# Emitted by every validate task that wrote at least one new verdict; schedules jcw_warehouse.
ACCEPTED_REPORTS = Asset(name="jcw_accepted_reports", uri="jcw://accepted-reports")


def notify_team(context: dict) -> None:
    """on_failure_callback: mail the central team (after the last retry). Never raises."""
    try:
        from ingest.alerts import task_failure_callback

        task_failure_callback(context)
    except Exception:  # a failing alert must not mask the task's own failure
        log.exception("could not queue the failure mail for the central team")


DEFAULT_ARGS = {
    "owner": "jcw-zentrale",
    # Two retries absorb what the HTTP client's own bounded retries did not (a restarted
    # worker, a briefly locked file); more would only delay the failure mail.
    "retries": 2,
    "retry_delay": timedelta(seconds=20),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=5),
    # Generous but finite: a hung task must fail and alert instead of blocking the pool.
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": notify_team,
}


def month_add(period: str, months: int) -> str:
    """``YYYY-MM`` shifted by ``months`` (may be negative)."""
    year, month = (int(p) for p in period.split("-"))
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive; ValueError if reversed or malformed."""
    for p in (first, last):
        if len(p) != 7 or p[4] != "-" or not (p[:4].isdigit() and p[5:].isdigit()):
            raise ValueError(f"period {p!r} is not YYYY-MM")
        if not 1 <= int(p[5:]) <= 12:
            raise ValueError(f"period {p!r} has no month {p[5:]}")
    if first > last:
        raise ValueError(f"period range {first}..{last} is reversed")
    out = [first]
    while out[-1] != last:
        out.append(month_add(out[-1], 1))
    return out


def latest_complete_period(day: date) -> str:
    """The last month that has ended before ``day`` (the month before ``day``'s month)."""
    return month_add(period_of(day), -1)


def overdue_period(day: date) -> str:
    """The latest month whose due date (the 10th of the next month) lies before ``day``."""
    latest = latest_complete_period(day)
    return latest if day.day > DUE_DAY else month_add(latest, -1)


def run_date(context: dict) -> date:
    """The date a run stands for: its logical date, or (manual runs) when it was due to run."""
    moment: datetime | None = context.get("logical_date") or context["dag_run"].run_after
    return pendulum.instance(moment).in_timezone(TIMEZONE).date()
