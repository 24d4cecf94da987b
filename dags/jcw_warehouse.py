"""
# jcw_warehouse — build and publish the warehouse when new verdicts exist

Data-aware: scheduled on the asset `jcw://accepted-reports` (emitted by the `validate` tasks
of `jcw_collect` and `jcw_intake`), never on the clock.

1. `build` — one `dbt build` (dbt-duckdb) over the files under `data/`; raises and publishes
   nothing if a model or a dbt test fails (BI keeps the previous snapshot).
2. `publish` — atomic replace of `data/warehouse/jobcenters.duckdb`, the read-only snapshot
   BI tools open; its `snapshot_info` records this run's id (`jcw status` prints it).
3. `docs` — dbt docs into `data/docs/dbt/`: the first run of a day and the first after a
   change of the dbt project; the others skip it (the page's row counts are a day old at
   most, and the writer pool is free ~10 s sooner for the next delivery).

`publish` emits the asset `jcw://published-snapshot`, which schedules `jcw_report` (the
national report reads only the snapshot, so it runs outside the writer's pool and never
holds up the next build).

DuckDB has a single writer, so at most one run at a time (`max_active_runs=1`) and every
task sits in the 1-slot pool `duckdb_writer`.

Which months to rebuild is read from the files, not from the triggering asset events (bursts
of asset events coalesce, so a run may carry only some of them): every month with a verdict
file written since the start of the last green build (watermark in
`data/airflow/jcw_warehouse_watermark.json`; no watermark = build everything). A run that
finds no new verdict skips `build`, `publish` and `docs`. The build's reference date (overdue,
final, coverage) is the date of the collect or intake run that announced the verdicts
(`as_of` in the asset event), else this run's own date: one clock from sweep to snapshot.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, get_current_context, task
from jcw_common import (
    ACCEPTED_REPORTS,
    DEFAULT_ARGS,
    PUBLISHED_SNAPSHOT,
    START_DATE,
    announced_as_of,
    run_date,
)

WRITER_POOL = "duckdb_writer"


@dag(
    dag_id="jcw_warehouse",
    schedule=[ACCEPTED_REPORTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "pool": WRITER_POOL},
    tags=["jcw", "warehouse", "dbt"],
    doc_md=__doc__,
)
def jcw_warehouse():
    @task(execution_timeout=timedelta(hours=1))
    def build() -> dict:
        """One dbt build over the months with new verdicts; raises BuildFailed on a red build."""
        import time

        from airflow.sdk.exceptions import AirflowSkipException

        from ingest.warehouse.build import build as dbt_build
        from ingest.warehouse.watermark import unbuilt_periods, watermark_path, write_watermark

        context = get_current_context()
        events = context.get("triggering_asset_events") or {}
        announced = sorted(
            {p for evs in events.values() for e in evs for p in (e.extra or {}).get("periods", [])}
        )
        print(f"months announced by the triggering events: {announced or 'none'}")
        started = time.time()
        periods = unbuilt_periods()
        if periods == []:
            raise AirflowSkipException("no verdict since the last green build: nothing to do")
        as_of = announced_as_of(context) or run_date(context)
        print(f"building months with new verdicts: {periods or 'all (first build)'}, as of {as_of}")
        summary = dbt_build(periods, as_of=as_of)
        write_watermark(watermark_path(), started)
        return summary

    @task(execution_timeout=timedelta(minutes=10), outlets=[PUBLISHED_SNAPSHOT])
    def publish() -> str:
        """Atomically replace the BI snapshot with the fresh build, naming this run in it."""
        from ingest.warehouse.publish import publish as publish_snapshot

        return str(publish_snapshot(run_id=get_current_context()["run_id"]))

    # Docs are a convenience: one retry, and a failure does not touch the published data.
    @task(execution_timeout=timedelta(minutes=10), retries=1)
    def docs() -> None:
        """Generate the dbt docs page, once a day and after every change of the dbt project."""
        from airflow.sdk.exceptions import AirflowSkipException

        from ingest.warehouse.build import docs as dbt_docs
        from ingest.warehouse.build import docs_current

        day = run_date(get_current_context())
        if docs_current(day):
            raise AirflowSkipException(f"the docs page is from {day} and this dbt project")
        dbt_docs(day)

    build() >> publish() >> docs()


jcw_warehouse()
