"""Five typical BI queries on the published snapshot with 20 years of history.

Each query opens the snapshot read-only, runs, fetches every row and closes, as a BI tool
with short-lived connections does (the snapshot is replaced atomically by publish, so long
sessions would see an old file). Every query runs many times; the target is on the p95 of
all executions.
"""

from __future__ import annotations

import statistics
import time

from bench.common import LATEST, Context, Row, TreeMemory
from bench.history import history

NAME = "bi_queries"
DESCRIPTION = "five typical BI queries on the published 20-year snapshot (p95)"
TARGET_S = 0.100
RUNS = 20

QUERIES: dict[str, tuple[str, list]] = {
    # A dashboard's national trend line over the whole history.
    "national_trend": (
        "select period, personen, bedarfsgemeinschaften, elb, integrationen, integrationen_12m, "
        "sgb2_quote from national_month order by period",
        [],
    ),
    # Länder compared in the latest month.
    "land_month": (
        "select l.land, l.personen, l.elb, l.integrationen_12m, l.k2, l.sgb2_quote "
        "from land_month l where l.period = ? order by l.sgb2_quote desc",
        [LATEST],
    ),
    # Ranking of the jobcenters by SGB II-Quote, with names, in the latest month.
    "jobcenter_ranking": (
        "select j.name, j.land_name, k.sgb2_quote, k.elb_quote, k.k2, k.k3 "
        "from kpi_jobcenter_month k join dim_jobcenter j using (kreis_ags) "
        "where k.period = ? order by k.sgb2_quote desc nulls last limit 20",
        [LATEST],
    ),
    # One jobcenter's Gemeinden over five years (a drill-down).
    "gemeinde_drilldown": (
        "select c.period, c.gemeinde_name, c.elb, c.personen, c.elb_langzeit "
        "from fct_caseload c where c.kreis_ags = ? and c.period >= ? "
        "order by c.gemeinde_ags, c.period",
        ["06438", "2021-11"],
    ),
    # Yearly averages per Land over the whole history (a scan of every Gemeinde row).
    "yearly_by_land": (
        "select j.land, substr(c.period, 1, 4) as jahr, avg(c.elb) as elb_avg, "
        "sum(c.personen) as personen_sum from fct_caseload c "
        "join dim_jobcenter j using (kreis_ags) group by all order by all",
        [],
    ),
}


def p95(values: list[float]) -> float:
    """95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def run_queries(snapshot, runs: int) -> dict[str, list[float]]:
    """Every query ``runs`` times; seconds per execution (connect, query, fetch, close)."""
    import duckdb

    out: dict[str, list[float]] = {name: [] for name in QUERIES}
    for _ in range(runs):
        for name, (sql, params) in QUERIES.items():
            t0 = time.perf_counter()
            con = duckdb.connect(str(snapshot), read_only=True)
            try:
                rows = con.execute(sql, params).fetchall()
            finally:
                con.close()
            out[name].append(time.perf_counter() - t0)
            if not rows:
                raise RuntimeError(f"BI query {name} returned no rows")
    return out


def run(ctx: Context) -> list[Row]:
    data, _ = history(ctx)
    snapshot = data / "warehouse" / "jobcenters.duckdb"
    runs = 3 if ctx.options.quick else RUNS
    run_queries(snapshot, 1)  # warm the page cache once, as a BI server would be warm
    with TreeMemory(interval=0.05) as mem:
        per_query = run_queries(snapshot, runs)
    every = [t for ts in per_query.values() for t in ts]
    value = p95(every)
    return [
        Row(
            NAME,
            every,
            peak_bytes=mem.peak_bytes,
            target=f"p95 ≤ {TARGET_S * 1000:.0f} ms",
            check=(value, TARGET_S),
            note=f"p95 {value * 1000:.0f} ms over {len(every)} executions of 5 queries",
            details={
                "p95_s": round(value, 4),
                "per_query": {
                    name: {
                        "median_s": round(statistics.median(ts), 4),
                        "p95_s": round(p95(ts), 4),
                        "max_s": round(max(ts), 4),
                    }
                    for name, ts in per_query.items()
                },
            },
        )
    ]
