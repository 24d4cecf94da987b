"""Configuration shared by the jcw DAGs: default arguments, assets, period arithmetic.

Imported by every DAG file at parse time, so it stays cheap: no ingest/ import at module
level, no network, no database, no Variable or Connection.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pendulum
from airflow.sdk import Asset

log = logging.getLogger(__name__)

TIMEZONE = "Europe/Berlin"
# A static, timezone-aware start date: the platform went live in 2026.
START_DATE = pendulum.datetime(2026, 1, 1, tz=TIMEZONE)
# Reports for month M are due on the 10th of M+1; figures stay provisional for three months.
DUE_DAY = 10
WARTEZEIT_MONTHS = 3

# Start time of the last green warehouse build, below data/airflow/.
WATERMARK = "jcw_warehouse_watermark.json"
# Emitted by every validate task that wrote at least one new verdict; schedules jcw_warehouse.
ACCEPTED_REPORTS = Asset(name="jcw_accepted_reports", uri="jcw://accepted-reports")
# Emitted by jcw_warehouse.publish after every atomic swap of the BI snapshot; schedules jcw_report.
PUBLISHED_SNAPSHOT = Asset(name="jcw_published_snapshot", uri="jcw://published-snapshot")


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


def deliver_mail() -> None:
    """Send the alert mails a task queued; undelivered mail stays pending for jcw_monitor."""
    from ingest.alerts import deliver_outbox

    print(f"outbox: {deliver_outbox()}")


def changed_periods(validation_dir: Path, since: float | None) -> list[str] | None:
    """Months with a verdict file written at or after ``since`` (epoch seconds).

    ``None`` when there is no watermark yet (a first build reads every file). Verdict files
    are write-once, so their mtime is when the verdict was made.
    """
    if since is None:
        return None
    months = set()
    for path in validation_dir.glob("*/*/r*.json"):
        try:
            if path.stat().st_mtime >= since:
                months.add(path.parent.parent.name)
        except FileNotFoundError:
            continue
    return sorted(months)


def watermark_path() -> Path:
    """Start time of the last green warehouse build (data/airflow/, shared by all workers)."""
    from ingest import settings

    return settings.data_dir() / "airflow" / WATERMARK


def unbuilt_periods() -> list[str] | None:
    """Months with verdicts the warehouse has not built yet; None: it never built.

    2 s of slack for coarse file timestamps: a month built twice costs little.
    """
    from ingest import settings

    since = read_watermark(watermark_path())
    validation = settings.data_dir() / settings.VALIDATION
    return changed_periods(validation, None if since is None else since - 2)


def warehouse_behind() -> bool:
    """True if some verdict is not in the warehouse yet (or it never built and verdicts exist)."""
    from ingest import settings

    periods = unbuilt_periods()
    if periods is None:
        return any((settings.data_dir() / settings.VALIDATION).glob("*/*/r*.json"))
    return bool(periods)


def read_watermark(path: Path) -> float | None:
    """The start time of the last successful warehouse build, if any."""
    try:
        return float(json.loads(path.read_text())["build_started_at"])
    except (FileNotFoundError, ValueError, KeyError):
        return None


def write_watermark(path: Path, started_at: float) -> None:
    """Record the start of a successful build (atomic replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"build_started_at": started_at}))
    os.replace(tmp, path)
