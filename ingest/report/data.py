"""What the national report prints, read from the published snapshot for one month.

Every figure is read as it stands in the snapshot (read-only, one short-lived connection);
the report computes nothing that the warehouse does not already hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.core.errors import JcwError
from ingest.core.periods import shift
from ingest.core.states import STATES
from ingest.warehouse.snapshot import rows as _rows

# Marts of dbt_project/models/marts/reporting/ the report needs in the snapshot.
REPORTING_TABLES: tuple[str, ...] = (
    "target_achievement",
    "ranking_jobcenter_month",
    "comparison_group",
    "report_national_month",
    "report_jobcenter_month",
    "report_target_summary",
    "report_comparison_groups",
)
# Marts of the warehouse the report reads.
WAREHOUSE_TABLES: tuple[str, ...] = (
    "national_month",
    "dim_period",
    "land_month",
    "dim_jobcenter",
    "fct_jobcenter_month",
    "kpi_jobcenter_month",
    "submission_status",
)
TREND_MONTHS = 24
MOVERS = 5
# Totals whose change is also shown over the jobcenters reporting in both months.
SAME_COLUMNS = ("personen", "bedarfsgemeinschaften", "elb", "integrationen", "einwohner")


class ReportFailed(JcwError):
    """The report for a period could not be generated (no snapshot, no data, bad period)."""


@dataclass
class ReportData:
    """Everything the templates print, read from the snapshot for one period."""

    period: str
    snapshot_info: dict[str, Any]
    national: list[dict[str, Any]]  # TREND_MONTHS months ending at period, oldest first
    lands: list[dict[str, Any]]  # land_month of period with land_name
    jobcenters: list[dict[str, Any]]  # one per jobcenter: registry, figures, KPIs, ranks
    status_counts: dict[str, int]
    incomplete: list[dict[str, Any]]  # missing / rejected / received in period
    late: list[dict[str, Any]]
    movers_up: list[dict[str, Any]]
    movers_down: list[dict[str, Any]]
    targets: list[dict[str, Any]]  # target_achievement of the period's year
    target_summary: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    # change against the previous month over the jobcenters that reported in both months
    same_jobcenters_change: dict[str, float | None] = field(default_factory=dict)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per kreis_ags


def _check_tables(con, period: str) -> None:
    present = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    missing = [t for t in (*WAREHOUSE_TABLES, *REPORTING_TABLES) if t not in present]
    if missing:
        raise ReportFailed(
            None,
            period,
            "the published snapshot lacks the table(s) "
            + ", ".join(missing)
            + " (ingest.warehouse.publish.PUBLISHED_TABLES must include them)",
        )


def load(con, period: str) -> ReportData:
    """Read every figure of the report for ``period`` from an open snapshot connection."""
    _check_tables(con, period)
    national = _national(con, period)
    current = national[-1]
    statuses = _rows(
        con,
        "select s.*, j.name, j.land from submission_status s "
        "join dim_jobcenter j on s.kreis_ags = j.kreis_ags where s.period = ? "
        "order by s.kreis_ags",
        [period],
    )
    year = int(period[:4])
    info = _rows(con, "select * from snapshot_info") if _has(con, "snapshot_info") else []
    return ReportData(
        period=period,
        snapshot_info=info[0] if info else {},
        national=national,
        lands=_rows(
            con,
            "select l.*, coalesce(d.land_name, l.land) as land_name from land_month l "
            "left join (select distinct land, land_name from dim_jobcenter) d "
            "on l.land = d.land where l.period = ? order by l.land",
            [period],
        ),
        jobcenters=_jobcenters(con, period),
        status_counts={s: current[f"jobcenters_{s}"] for s in STATES},
        incomplete=[s for s in statuses if s["status"] != "accepted"],
        late=[s for s in statuses if s["timeliness"] == "late"],
        movers_up=_movers(con, period, "elb_rise_rank", "elb_change_pct desc"),
        movers_down=_movers(con, period, "elb_fall_rank", "elb_change_pct"),
        targets=_rows(
            con,
            "select t.*, j.name, j.land from target_achievement t "
            "join dim_jobcenter j on t.kreis_ags = j.kreis_ags where t.calendar_year = ? "
            "order by t.kreis_ags, t.indicator",
            [year],
        ),
        target_summary=_rows(
            con,
            "select indicator, achievement_status, jobcenters from report_target_summary "
            "where calendar_year = ? order by all",
            [year],
        ),
        groups=_rows(con, "select * from report_comparison_groups order by comparison_group"),
        same_jobcenters_change={c: current[f"{c}_change_same_pct"] for c in SAME_COLUMNS},
        history=_history(con, shift(period, -(TREND_MONTHS - 1)), period),
    )


def _national(con, period: str) -> list[dict[str, Any]]:
    """The national rows of the trend months ending at ``period``; ReportFailed if absent."""
    national = _rows(
        con,
        "select n.*, coalesce(d.is_final, false) as is_final, d.due_date, d.as_of, "
        "r.* exclude (period) "
        "from national_month n left join dim_period d on n.period = d.period "
        "left join report_national_month r on n.period = r.period "
        "where n.period between ? and ? order by n.period",
        [shift(period, -(TREND_MONTHS - 1)), period],
    )
    if not national or national[-1]["period"] != period:
        latest = con.execute("select max(period) from national_month").fetchone()[0]
        raise ReportFailed(
            None, period, f"no data for this month in the snapshot (latest month: {latest})"
        )
    return national


def _has(con, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where table_name = ?", [table]
        ).fetchone()[0]
    )


def _jobcenters(con, period: str) -> list[dict[str, Any]]:
    """One dict per registered jobcenter: figures of the month, KPIs, ranks and status."""
    rows = _rows(
        con,
        """
        select
            j.kreis_ags, j.name, j.kind, j.land, j.land_name,
            g.comparison_group, g.comparison_group_label,
            f.personen, f.bedarfsgemeinschaften, f.elb, f.nef, f.integrationen, f.einwohner,
            f.revision,
            r.elb_previous, r.elb_change_pct, r.elb_change_abs,
            s.status, s.timeliness,
            k.k1, k.k1e1, k.k1e2, k.k2, k.k2e4, k.k3, k.k3e1, k.sgb2_quote, k.elb_quote
        from dim_jobcenter j
        left join comparison_group g on j.kreis_ags = g.kreis_ags
        left join fct_jobcenter_month f on j.kreis_ags = f.kreis_ags and f.period = ?
        left join report_jobcenter_month r on j.kreis_ags = r.kreis_ags and r.period = ?
        left join submission_status s on j.kreis_ags = s.kreis_ags and s.period = ?
        left join kpi_jobcenter_month k on j.kreis_ags = k.kreis_ags and k.period = ?
        order by j.kreis_ags
        """,
        [period, period, period, period],
    )
    ranks = _rows(
        con, "select * from ranking_jobcenter_month where period = ? order by all", [period]
    )
    by_ags: dict[str, dict[str, Any]] = {}
    for r in ranks:
        by_ags.setdefault(r["kreis_ags"], {})[r["indicator"]] = r
    for row in rows:
        row["ranks"] = by_ags.get(row["kreis_ags"], {})
    return rows


def _movers(con, period: str, rank: str, order: str) -> list[dict[str, Any]]:
    """The MOVERS jobcenters with the largest ELB change of one direction, strongest first."""
    return _rows(
        con,
        f"select r.*, j.name, j.land, f.elb from report_jobcenter_month r "
        f"join dim_jobcenter j on r.kreis_ags = j.kreis_ags "
        f"join fct_jobcenter_month f on r.kreis_ags = f.kreis_ags and r.period = f.period "
        f"where r.period = ? and r.{rank} <= ? order by r.{order}, r.kreis_ags",
        [period, MOVERS],
    )


def _history(con, first: str, last: str) -> dict[str, list[dict[str, Any]]]:
    """Each jobcenter's ELB, integrations, Personen, K2 and K3 over the trend months."""
    history: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(
        con,
        "select k.kreis_ags, k.period, f.elb, f.integrationen, f.personen, k.k2, k.k3 "
        "from kpi_jobcenter_month k left join fct_jobcenter_month f "
        "on k.kreis_ags = f.kreis_ags and k.period = f.period "
        "where k.period between ? and ? order by k.kreis_ags, k.period",
        [first, last],
    ):
        history.setdefault(row["kreis_ags"], []).append(row)
    return history
