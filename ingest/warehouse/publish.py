"""Publish: the marts of a green build become the read-only BI snapshot, atomically.

``publish`` copies the BI-facing marts into a new file written in DuckDB storage version 1.4
(DuckDB 1.4 and 1.5, embedded in many BI drivers, cannot read the 2.0 format) and moves it
onto ``warehouse/jobcenters.duckdb`` with ``os.replace``: readers holding the old file keep
their consistent view, the next open sees the new one.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from ingest.core.clock import utc_now
from ingest.core.errors import BuildFailed
from ingest.warehouse.dbt import BUILD_DB, exclusive, fsync, warehouse_dir
from ingest.warehouse.snapshot import SNAPSHOT_DB, snapshot_path
from ingest.warehouse.state import read_state

log = logging.getLogger(__name__)

# The DuckDB storage format of the snapshot.
SNAPSHOT_STORAGE_VERSION = "v1.4.0"
# Tables BI reads, in the order they are copied into the snapshot.
PUBLISHED_TABLES: tuple[str, ...] = (
    "dim_jobcenter",
    "dim_gemeinde",
    "dim_period",
    "fct_caseload",
    "fct_integrations",
    "fct_jobcenter_month",
    "kpi_jobcenter_month",
    "land_month",
    "national_month",
    "submission_status",
    "fct_report_revisions",
    "fct_jobcenter_month_history",
    # The reporting marts (national report, rankings, target agreements).
    "comparison_group",
    "ranking_jobcenter_month",
    "target_achievement",
    "report_national_month",
    "report_jobcenter_month",
    "report_target_summary",
    "report_comparison_groups",
)
# Tables publish writes itself: which build and run made the snapshot, and since when each
# accepted revision has been in a published snapshot.
PUBLISH_TABLES: tuple[str, ...] = ("snapshot_info", "report_publications")


def publish(run_id: str | None = None, published_at: datetime | None = None) -> Path:
    """Copy the marts of the last green build into a new snapshot and swap it in atomically.

    ``run_id`` names the Airflow run that publishes (None: by hand, ``jcw build``/``rebuild``);
    it and ``published_at`` (default: now, UTC) are recorded in ``snapshot_info``, so the
    snapshot says which run put it there. Raises BuildFailed if the last build did not
    succeed: the previous snapshot stays.
    """
    import duckdb

    published_at = (published_at or utc_now()).astimezone(UTC).replace(tzinfo=None)

    wh = warehouse_dir()
    with exclusive(wh / ".build.lock"):
        state = read_state(wh)
        if state.get("status") != "success":
            raise BuildFailed(
                None, None, f"nothing published: the last build is {state.get('status', 'absent')}"
            )
        target = snapshot_path()
        # Under the lock no other publish runs: a leftover temp file is from a killed one.
        for stale in wh.glob(f"{SNAPSHOT_DB}.tmp-*"):
            stale.unlink()
        tmp = wh / f"{SNAPSHOT_DB}.tmp-{os.getpid()}"
        con = duckdb.connect()
        try:
            # Paths as SQL literals: a data directory may contain quotes (o'brien/data).
            con.execute(f"attach {_quote(str(wh / BUILD_DB))} as build (read_only)")
            con.execute(
                f"attach {_quote(str(tmp))} as snap "
                f"(storage_version {_quote(SNAPSHOT_STORAGE_VERSION)})"
            )
            for table in PUBLISHED_TABLES:
                con.execute(f"create table snap.main.{table} as select * from build.main.{table}")
                _copy_comments(con, table)
            con.execute(
                "create table snap.main.snapshot_info as select "
                "? as dbt_invocation_id, ? as storage_version, "
                "(select max(period) from build.main.fct_jobcenter_month) as latest_period, "
                "?::varchar as airflow_run_id, ?::timestamp as published_at",
                [state.get("invocation_id"), SNAPSHOT_STORAGE_VERSION, run_id, published_at],
            )
            _record_publications(con, target, published_at)
            con.execute("checkpoint snap")
            con.execute("detach snap")
            con.execute("detach build")
        finally:
            con.close()
        fsync(tmp)
        os.replace(tmp, target)
        fsync(wh)
    log.info("published %s (build %s, run %s)", target, state.get("invocation_id"), run_id)
    return target


def _record_publications(con, previous: Path, published_at: datetime) -> None:
    """``report_publications``: every accepted revision of the build with the moment it was
    first published, carried over from the snapshot being replaced (this one for new rows)."""
    carried = "null::timestamp"
    if previous.exists():
        con.execute(f"attach {_quote(str(previous))} as prev (read_only)")
        known = con.execute(
            "select count(*) from duckdb_tables() "
            "where database_name = 'prev' and table_name = 'report_publications'"
        ).fetchone()[0]
        if known:
            carried = "p.first_published_at"
    join = (
        "left join prev.main.report_publications p using (kreis_ags, period, revision)"
        if carried != "null::timestamp"
        else ""
    )
    con.execute(
        "create table snap.main.report_publications as "
        f"select r.kreis_ags, r.period, r.revision, coalesce({carried}, ?::timestamp) "
        f"as first_published_at from build.main.fct_report_revisions r {join} "
        "where r.is_accepted order by r.kreis_ags, r.period, r.revision",
        [published_at],
    )
    con.execute(
        "comment on table snap.main.report_publications is 'One row per accepted revision: "
        "when it was first in a published snapshot (UTC).'"
    )
    if previous.exists():
        con.execute("detach prev")


def _copy_comments(con, table: str) -> None:
    """Carry the dbt descriptions (persisted as DuckDB comments) into the snapshot."""
    row = con.execute(
        "select comment from duckdb_tables() where database_name = 'build' "
        "and schema_name = 'main' and table_name = ?",
        [table],
    ).fetchone()
    if row and row[0]:
        con.execute(f"comment on table snap.main.{table} is {_quote(row[0])}")
    for column, comment in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'build' "
        "and schema_name = 'main' and table_name = ? and comment is not null",
        [table],
    ).fetchall():
        con.execute(f'comment on column snap.main.{table}."{column}" is {_quote(comment)}')


def _quote(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
