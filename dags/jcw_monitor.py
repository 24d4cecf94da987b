"""
# jcw_monitor — completeness, deadlines and mail, once a day

Daily at 07:00 Europe/Berlin (after the 06:00 sweep of `jcw_collect`):

1. `deliver_outbox` — retries every alert mail the SMTP server has not accepted yet
   (nothing is lost silently: undelivered mail stays in `data/outbox/pending/`).
2. `send_digest` — one digest to the central team with the previous day's warnings.
3. `send_reminders` — for the latest month whose due date (the 10th of the next month) has
   passed: a reminder to each jobcenter still missing and one list to the team.
4. `completeness` — missing / received / rejected / accepted for that month (the same view as
   `jcw status --period`), in the task log and as the task's return value.

All dates derive from the run's logical date (param `day`, `YYYY-MM-DD`, overrides it), so
a re-run of an old day repeats that day.
Mails are deduplicated by key in the outbox: a re-run sends nothing twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task
from jcw_common import DEFAULT_ARGS, START_DATE, TIMEZONE, deliver_mail, run_date


def monitor_day() -> date:
    """The day this run stands for: param ``day``, else the run's logical date."""
    context = get_current_context()
    day = context["params"].get("day")
    return date.fromisoformat(day) if day else run_date(context)


@dag(
    dag_id="jcw_monitor",
    schedule=CronTriggerTimetable("0 7 * * *", timezone=TIMEZONE),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "execution_timeout": timedelta(minutes=10)},
    params={
        "day": Param(
            None,
            type=["null", "string"],
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            description="the day to act for (YYYY-MM-DD); empty: the run's logical date",
        )
    },
    tags=["jcw", "monitor", "mail"],
    doc_md=__doc__,
)
def jcw_monitor():
    @task
    def deliver_outbox() -> dict:
        """Send every pending alert mail; failures stay pending and are retried tomorrow."""
        from ingest.notify.outbox import deliver_outbox as deliver

        return deliver()

    @task
    def send_digest() -> bool:
        """The daily warnings digest for the day before the run."""
        from ingest.status.monitor import send_digest as digest

        queued = digest(monitor_day() - timedelta(days=1))
        deliver_mail()
        return queued

    @task
    def send_reminders() -> dict:
        """Reminders for the latest overdue month."""
        from ingest.core.periods import overdue_period
        from ingest.status.monitor import send_reminders as reminders

        today = monitor_day()
        result = reminders(overdue_period(today), today)
        deliver_mail()
        return result

    @task
    def completeness() -> dict:
        """State of every jobcenter for the latest overdue month."""
        from ingest.core.periods import overdue_period
        from ingest.status.monitor import completeness as states

        today = monitor_day()
        summary, lines = states(overdue_period(today), today)
        print("\n".join(lines))
        return summary

    deliver_outbox() >> send_digest() >> send_reminders() >> completeness()


jcw_monitor()
