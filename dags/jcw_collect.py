"""
# jcw_collect — fetch, land and validate the monthly reports of all 104 jobcenters

**Daily sweep** at 06:00 Europe/Berlin, plus **manual runs and backfills** with the params
`period_from` / `period_to` (`YYYY-MM`). Without params a run covers the latest complete
month before its logical date and the three months before it (figures are provisional for
three months, so that is where unannounced corrections appear). The sweep catches every
publication or correction that no event announced; events are handled by `jcw_intake`.

Tasks:

1. `plan` — the months to fetch and the jobcenters from the registry.
2. `collect` — mapped once per jobcenter (label: Kreisschlüssel and name); each map fetches
   **all** requested months of its jobcenter, so a 10-year backfill is still 104 tasks.
   Its log has one line per month with the outcome (neu abgelegt, unverändert, noch nicht
   veröffentlicht, fehlgeschlagen with the reason). A fetch failure (404 not yet published,
   401, timeout, oversized body, …) is recorded in `data/fetch_log/` and shown by
   `jcw status`; the task fails only on unexpected errors.
3. `validate` — one task: Great Expectations over every landed revision of these months
   that has no verdict yet. Emits the asset `jcw://accepted-reports` when it wrote a new
   verdict, which schedules `jcw_warehouse`; skipped when there was nothing new.

Idempotent: fetching is conditional on the last ETag and landing is content-addressed, so a
month that was already landed (by an event or an earlier sweep) lands nothing new, and
`validate` only looks at revisions without a verdict. Re-running or backfilling is safe.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task
from jcw_common import (
    ACCEPTED_REPORTS,
    DEFAULT_ARGS,
    PERIOD_PARAM_PATTERN,
    START_DATE,
    TIMEZONE,
    deliver_mail,
    run_date,
)


@dag(
    dag_id="jcw_collect",
    schedule=CronTriggerTimetable("0 6 * * *", timezone=TIMEZONE),
    start_date=START_DATE,
    catchup=False,
    # A sweep and a manual backfill may overlap; both are idempotent by content.
    max_active_runs=2,
    default_args=DEFAULT_ARGS,
    params={
        "period_from": Param(
            None,
            type=["null", "string"],
            pattern=PERIOD_PARAM_PATTERN,
            description="first month (YYYY-MM); empty: 3 months before the latest complete one",
        ),
        "period_to": Param(
            None,
            type=["null", "string"],
            pattern=PERIOD_PARAM_PATTERN,
            description="last month (YYYY-MM); empty: the latest complete month",
        ),
    },
    tags=["jcw", "collect", "sweep"],
    doc_md=__doc__,
)
def jcw_collect():
    @task(retries=0)
    def plan() -> list[str]:
        """The months of this run: the params, or the sweep's default window."""
        from ingest.core import periods as months

        context = get_current_context()
        params = context["params"]
        last = params.get("period_to") or months.latest_complete_period(run_date(context))
        first = params.get("period_from") or months.shift(last, -months.calendar().wartezeit_months)
        periods = months.period_range(first, last)
        print(f"{len(periods)} month(s): {periods[0]}..{periods[-1]}")
        return periods

    @task(retries=0)
    def jobcenters() -> list[dict]:
        """The registry's jobcenters, one small dict each (what collect is mapped over)."""
        from ingest.core.registry import jobcenters as registry

        return [{"kreis_ags": jc.kreis_ags, "name": jc.name} for jc in registry()]

    @task(
        map_index_template=(
            "{{ task.op_kwargs['jobcenter']['kreis_ags'] }} "
            "{{ task.op_kwargs['jobcenter']['name'] }}"
        ),
        # 24 months of one jobcenter take seconds; the HTTP client bounds each report by its
        # own total deadline, so this only catches a hung process.
        execution_timeout=timedelta(minutes=20),
    )
    def collect(jobcenter: dict, periods: list[str]) -> dict:
        """Fetch and land every requested month of one jobcenter."""
        from ingest.collect.collector import collect as collect_reports
        from ingest.collect.fetch_log import describe

        outcomes = collect_reports(jobcenter["kreis_ags"], list(periods))
        counts = Counter(o.get("outcome", "unknown") for o in outcomes)
        for o in sorted(outcomes, key=lambda o: o.get("period") or ""):
            print(describe(o))
        return {"kreis_ags": jobcenter["kreis_ags"], "outcomes": dict(counts)}

    @task(
        outlets=[ACCEPTED_REPORTS],
        # Validate what did land even if some jobcenters' tasks failed.
        trigger_rule="all_done",
        execution_timeout=timedelta(hours=2),
    )
    def validate(periods: list[str]) -> dict:
        """Validate every landed revision of these months that has no verdict yet."""
        from airflow.sdk.exceptions import AirflowSkipException

        from ingest.validate.run import process_pending
        from ingest.warehouse.watermark import warehouse_behind

        result = process_pending(list(periods))
        deliver_mail()
        print(f"validation of {periods[0]}..{periods[-1]}: {result}")
        # Skip (no asset event, no warehouse run) only if the warehouse has every verdict:
        # a retry after a partly failed attempt still announces what that attempt wrote.
        if not (result.get("accepted") or result.get("rejected")) and not warehouse_behind():
            raise AirflowSkipException("no new verdict: the warehouse is already up to date")
        touched = result.get("periods")
        context = get_current_context()
        context["outlet_events"][ACCEPTED_REPORTS].extra = {
            "as_of": run_date(context).isoformat(),
            "periods": sorted(touched) if isinstance(touched, list) else list(periods),
            "accepted": result.get("accepted", 0),
            "rejected": result.get("rejected", 0),
        }
        return result

    periods = plan()
    collected = collect.partial(periods=periods).expand(jobcenter=jobcenters())
    collected >> validate(periods)


jcw_collect()
