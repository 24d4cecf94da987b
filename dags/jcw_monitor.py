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

All dates derive from the run's logical date, so a re-run of an old day repeats that day.
Mails are deduplicated by key in the outbox: a re-run sends nothing twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task
from jcw_common import DEFAULT_ARGS, START_DATE, TIMEZONE, overdue_period, run_date


@dag(
    dag_id="jcw_monitor",
    schedule=CronTriggerTimetable("0 7 * * *", timezone=TIMEZONE),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "execution_timeout": timedelta(minutes=10)},
    tags=["jcw", "monitor", "mail"],
    doc_md=__doc__,
)
def jcw_monitor():
    @task
    def deliver_outbox() -> dict:
        """Send every pending alert mail; failures stay pending and are retried tomorrow."""
        from ingest.alerts import deliver_outbox as deliver

        return deliver()

    @task
    def send_digest() -> object:
        """The daily warnings digest for the day before the run."""
        from ingest.alerts import send_digest as digest

        return digest(run_date(get_current_context()) - timedelta(days=1))

    @task
    def send_reminders() -> object:
        """Reminders for the latest overdue month."""
        from ingest.alerts import send_reminders as reminders

        today = run_date(get_current_context())
        return reminders(overdue_period(today), today)

    @task
    def completeness() -> dict:
        """State of every jobcenter for the latest overdue month."""
        from ingest.status import reconcile

        today = run_date(get_current_context())
        period = overdue_period(today)
        rows = reconcile(period, today=today)
        states = Counter(getattr(r, "state", None) or r["state"] for r in rows)
        for r in rows:
            state = getattr(r, "state", None) or r["state"]
            if state != "accepted":
                print(f"{period} {getattr(r, 'kreis_ags', '')}: {state}")
        print(f"{period}: {dict(states)} of {len(rows)} jobcenters")
        return {"period": period, "states": dict(states), "jobcenters": len(rows)}

    deliver_outbox() >> send_digest() >> send_reminders() >> completeness()


jcw_monitor()
