"""
# jcw_intake — event-driven: a published or corrected report, within seconds

Scheduled on the asset `jcw://report-events`, whose **AssetWatcher** runs
`jcw_events.EventFileTrigger` (plugins/) in the triggerer: it claims each event file the
intake gateway (`jcw gateway serve`, the only writer) drops into `data/events/` and fires an
asset event. A `notice` event (a jobcenter's signed notice) asks for a fetch; a `push` event
announces an upload the gateway has already landed and validated.

Asset events of a burst can coalesce, so a run does **not** trust the events it was handed:

1. `claim` — every event waiting in `data/events/` and its inbox (not only this run's).
2. `collect` — fetches exactly the (jobcenter, month) pairs of `notice` events; `push`
   revisions are in the landing zone already and are not fetched again.
3. `validate` — every landed revision still without a verdict; emits
   `jcw://accepted-reports` (schedules `jcw_warehouse`) when it wrote a new verdict.
4. `acknowledge` — moves the processed files to `data/events/done/`. A failed run leaves
   them in the inbox for the next run; the daily `jcw_collect` sweep is the safety net.

An event and the sweep that see the same revision never process it twice: the fetch is
conditional on the last landed ETag, landing is content-addressed (same bytes = same
revision, nothing new written), and validation only picks revisions without a verdict file.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from airflow.sdk import Asset, AssetWatcher, dag, get_current_context, task
from jcw_common import ACCEPTED_REPORTS, DEFAULT_ARGS, START_DATE, deliver_mail, run_date
from jcw_events import EventFileTrigger

REPORT_EVENTS = Asset(
    name="jcw_report_events",
    uri="jcw://report-events",
    watchers=[AssetWatcher(name="jcw_event_files", trigger=EventFileTrigger(poll_interval=0.5))],
)


@dag(
    dag_id="jcw_intake",
    schedule=[REPORT_EVENTS],
    start_date=START_DATE,
    catchup=False,
    # One intake at a time: each run drains the whole inbox anyway.
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["jcw", "collect", "event-driven"],
    doc_md=__doc__,
)
def jcw_intake():
    @task(retries=0)
    def claim() -> list[dict]:
        """Every pending event: new files are claimed into the inbox, then the inbox is read."""
        from ingest.collect.events import events_dir, pending

        events = pending(events_dir())
        for e in events:
            print(f"event {e['file']}: {e['kreis_ags']} {e['period']} revision {e['revision']}")
        return events

    @task(execution_timeout=timedelta(minutes=20))
    def collect(events: list[dict]) -> list[dict]:
        """Fetch and land the announced (jobcenter, month) pairs (pushed ones are landed)."""
        from ingest.collect.collector import collect as collect_reports

        wanted: dict[str, set[str]] = defaultdict(set)
        for e in events:
            if e.get("channel") == "push":
                print(f"{e['kreis_ags']} {e['period']}: revision {e['revision']} pushed, landed")
                continue
            wanted[e["kreis_ags"]].add(e["period"])
        outcomes = []
        for kreis_ags, periods in sorted(wanted.items()):
            outcomes += collect_reports(kreis_ags, sorted(periods))
        for o in outcomes:
            print(
                f"{o.get('kreis_ags')} {o.get('period')}: {o.get('outcome')} {o.get('kind') or ''}"
            )
        return outcomes

    @task(outlets=[ACCEPTED_REPORTS], execution_timeout=timedelta(minutes=30))
    def validate(outcomes: list[dict]) -> dict:
        """Validate every landed revision without a verdict (not only this run's)."""
        from airflow.sdk.exceptions import AirflowSkipException

        from ingest.validate.run import process_pending
        from ingest.warehouse.watermark import warehouse_behind

        result = process_pending()
        deliver_mail()
        print(f"validation: {result}")
        # Skip (no asset event, no warehouse run) only if the warehouse has every verdict:
        # a retry after a partly failed attempt still announces what that attempt wrote.
        if not (result.get("accepted") or result.get("rejected")) and not warehouse_behind():
            raise AirflowSkipException("no new verdict: the warehouse is already up to date")
        touched = result.get("periods")
        periods = touched if isinstance(touched, list) else sorted({o["period"] for o in outcomes})
        context = get_current_context()
        context["outlet_events"][ACCEPTED_REPORTS].extra = {
            "as_of": run_date(context).isoformat(),
            "periods": sorted(periods),
            "accepted": result.get("accepted", 0),
            "rejected": result.get("rejected", 0),
        }
        return result

    @task(trigger_rule="none_failed", retries=0)
    def acknowledge(events: list[dict]) -> int:
        """Move the processed event files to events/done/."""
        from ingest.collect.events import acknowledge as ack
        from ingest.collect.events import events_dir

        return ack(events_dir(), [e["file"] for e in events])

    events = claim()
    outcomes = collect(events)
    validate(outcomes) >> acknowledge(events)


jcw_intake()
