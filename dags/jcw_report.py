"""
# jcw_report — the monthly national report after every publish

Data-aware: scheduled on the asset `jcw://published-snapshot`, emitted by
`jcw_warehouse.publish` after each atomic swap of the BI snapshot.

`national_report` writes the German report of the latest month in the snapshot
(`data/docs/report/<period>/bericht_<period>.html` and `.pdf`, one profile per jobcenter)
from the published snapshot only, so it needs no writer slot and never blocks a build.
On demand: `jcw report --period YYYY-MM`.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task
from jcw_common import DEFAULT_ARGS, PUBLISHED_SNAPSHOT, START_DATE


@dag(
    dag_id="jcw_report",
    schedule=[PUBLISHED_SNAPSHOT],
    start_date=START_DATE,
    catchup=False,
    # A burst of publishes needs one report of the latest snapshot, not one each.
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["jcw", "report"],
    doc_md=__doc__,
)
def jcw_report():
    # 104 profiles and two PDFs printed by Chromium: about 25 s of CPU.
    @task(execution_timeout=timedelta(minutes=20))
    def national_report() -> str:
        """Write the report of the latest published month; return the HTML path."""
        from ingest.report.generate import generate_latest

        paths = generate_latest()
        print(f"report: {paths.html}")
        print(f"pdf: {paths.pdf or paths.pdf_problem}")
        return str(paths.html)

    national_report()


jcw_report()
