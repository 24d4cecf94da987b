"""Configuration shared by the jcw DAGs: default arguments, assets, the run's date.

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
# The pattern of a month param (YYYY-MM) for the trigger form; the product checks it again
# with ingest.core.periods, which the DAG files may not import at parse time.
PERIOD_PARAM_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

# Emitted by every validate task that wrote at least one new verdict; schedules jcw_warehouse.
ACCEPTED_REPORTS = Asset(name="jcw_accepted_reports", uri="jcw://accepted-reports")
# Emitted by jcw_warehouse.publish after every atomic swap of the BI snapshot; schedules jcw_report.
PUBLISHED_SNAPSHOT = Asset(name="jcw_published_snapshot", uri="jcw://published-snapshot")


def notify_team(context: dict) -> None:
    """on_failure_callback: mail the central team (after the last retry). Never raises."""
    try:
        from ingest.notify.failure import task_failure_callback

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


def run_date(context: dict) -> date:
    """The date a run stands for, the reference date of everything it decides: its logical
    date; for runs without one (manual, asset-triggered) the clock of the world it runs in
    (``JCW_TODAY``, ingest.core.clock), else the day it was due to run."""
    moment: datetime | None = context.get("logical_date")
    if moment is None:
        from ingest.core import clock

        if clock.pinned():
            return clock.today()
        moment = context["dag_run"].run_after
    return pendulum.instance(moment).in_timezone(TIMEZONE).date()


def announced_as_of(context: dict) -> date | None:
    """The latest reference date the triggering asset events carry (``extra["as_of"]``)."""
    events = context.get("triggering_asset_events") or {}
    days = [
        date.fromisoformat(e.extra["as_of"])
        for evs in events.values()
        for e in evs
        if isinstance(e.extra, dict) and e.extra.get("as_of")
    ]
    return max(days) if days else None


def deliver_mail() -> None:
    """Send the alert mails a task queued; undelivered mail stays pending for jcw_monitor."""
    from ingest.notify.outbox import deliver_outbox

    print(f"outbox: {deliver_outbox()}")
