"""What the report must show, read straight from the snapshot with the tests' own SQL.

Keys are the ``data-key`` attributes of the report's cells. The report's code is not used
here: a figure the report computes or formats wrongly differs from these.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

TOTALS = ("personen", "bedarfsgemeinschaften", "elb", "integrationen", "einwohner")
KPIS = ("k1", "k1e1", "k1e2", "k2", "k2e4", "k3", "k3e1")
STATUSES = ("accepted", "correction_rejected", "rejected", "received", "missing")
ACHIEVEMENTS = ("achieved", "missed", "on_track", "off_track", "no_data")


def previous_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _one(con, sql: str, params: list) -> dict[str, Any]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(names, row, strict=True))


def _all(con, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def national_page(snapshot: Path, period: str) -> dict[str, Any]:
    """Expected value of every data-key of the national page."""
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        exp: dict[str, Any] = {}
        nat = _one(con, "select * from national_month where period = ?", [period])
        for col in (*TOTALS, "jobcenters_reporting", "integrationen_12m", *KPIS):
            exp[f"national.{col}"] = nat[col]
        same = con.execute(
            "select "
            + ", ".join(f"sum(c.{col}), sum(p.{col})" for col in TOTALS)
            + " from fct_jobcenter_month c join fct_jobcenter_month p on c.kreis_ags = "
            "p.kreis_ags and p.period = ? where c.period = ?",
            [previous_month(period), period],
        ).fetchone()
        for i, col in enumerate(TOTALS):
            now, before = same[2 * i], same[2 * i + 1]
            exp[f"national_same.{col}"] = (now - before) * 100.0 / before
        # coverage: reporting jobcenters and their share of the registry population
        covered = con.execute(
            "select count(*) filter (where f.kreis_ags is not null), count(*), "
            "sum(j.population_2018_12_31) filter (where f.kreis_ags is not null) * 100.0 "
            "/ sum(j.population_2018_12_31) from dim_jobcenter j left join fct_jobcenter_month f "
            "on j.kreis_ags = f.kreis_ags and f.period = ?",
            [period],
        ).fetchone()
        exp["coverage.jobcenters_reporting"] = covered[0]
        exp["coverage.jobcenters_expected"] = covered[1]
        exp["coverage.population_covered_pct"] = covered[2]
        for col in TOTALS:
            exp[f"estimated.{col}"] = nat[f"{col}_estimated"]
        for row in _all(con, "select * from national_month where period <= ?", [period]):
            for col in (*TOTALS, "jobcenters_reporting", "k2", "k3"):
                exp[f"trend.{row['period']}.{col}"] = row[col]
        for row in _all(con, "select * from land_month where period = ?", [period]):
            for col in ("personen", "elb", "integrationen", "k2", "k3", "sgb2_quote"):
                exp[f"land.{row['land']}.{col}"] = row[col]
        counts = dict(
            con.execute(
                "select status, count(*) from submission_status where period = ? group by 1",
                [period],
            ).fetchall()
        )
        for status in STATUSES:
            exp[f"status.{status}"] = counts.get(status, 0)
        exp["status.late"] = con.execute(
            "select count(*) from submission_status where period = ? and timeliness = 'late'",
            [period],
        ).fetchone()[0]
        for row in _all(
            con,
            "select c.kreis_ags, c.elb, (c.elb - p.elb) * 100.0 / p.elb as change "
            "from fct_jobcenter_month c join fct_jobcenter_month p "
            "on c.kreis_ags = p.kreis_ags and p.period = ? where c.period = ?",
            [previous_month(period), period],
        ):
            exp[f"mover.{row['kreis_ags']}.elb_change_pct"] = row["change"]
        year = int(period[:4])
        for row in _all(
            con,
            "select indicator, achievement_status, count(*) as n from target_achievement "
            "where calendar_year = ? group by all",
            [year],
        ):
            exp[f"targets.{row['indicator']}.{row['achievement_status']}"] = row["n"]
        for ind in ("K2", "K3", "integrationen"):
            for status in ACHIEVEMENTS:
                exp.setdefault(f"targets.{ind}.{status}", 0)
        for row in _all(con, "select * from target_achievement where calendar_year = ?", [year]):
            for col in ("target_value", "projected_year_end"):
                exp[f"target.{row['kreis_ags']}.{row['indicator']}.{col}"] = row[col]
        jcs = _all(
            con,
            "select j.kreis_ags, f.elb, k.k2, k.k3 from dim_jobcenter j "
            "left join fct_jobcenter_month f on j.kreis_ags = f.kreis_ags and f.period = ? "
            "left join kpi_jobcenter_month k on j.kreis_ags = k.kreis_ags and k.period = ?",
            [period, period],
        )
        for row in jcs:
            for col in ("elb", "k2", "k3"):
                exp[f"jc.{row['kreis_ags']}.{col}"] = row[col]
            for ind in ("k2", "k3"):
                for scope in ("rank_in_land", "rank_in_group"):
                    exp[f"jc.{row['kreis_ags']}.{ind}.{scope}"] = None
        for row in _all(
            con,
            "select * from ranking_jobcenter_month where period = ? and indicator in ('K2', 'K3')",
            [period],
        ):
            ind = row["indicator"].lower()
            exp[f"jc.{row['kreis_ags']}.{ind}.rank_in_land"] = (
                row["rank_in_land"],
                row["ranked_in_land"],
            )
            exp[f"jc.{row['kreis_ags']}.{ind}.rank_in_group"] = (
                row["rank_in_group"],
                row["ranked_in_group"],
            )
        return exp
    finally:
        con.close()


def profile_page(snapshot: Path, period: str, kreis_ags: str) -> dict[str, Any]:
    """Expected value of every data-key of one jobcenter's profile."""
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        exp: dict[str, Any] = {}
        fact = _all(
            con,
            "select * from fct_jobcenter_month where kreis_ags = ? and period = ?",
            [kreis_ags, period],
        )
        for col in (*TOTALS, "nef"):
            exp[f"profile.{col}"] = fact[0][col] if fact else None
        kpi = _all(
            con,
            "select * from kpi_jobcenter_month where kreis_ags = ? and period = ?",
            [kreis_ags, period],
        )
        for col in (*KPIS, "sgb2_quote"):
            exp[f"profile.{col}"] = kpi[0][col] if kpi else None
        for col in KPIS:
            for scope in ("rank_national", "rank_in_land", "rank_in_group"):
                exp[f"profile.{col}.{scope}"] = None
        for row in _all(
            con,
            "select * from ranking_jobcenter_month where kreis_ags = ? and period = ?",
            [kreis_ags, period],
        ):
            col = row["indicator"].lower()
            exp[f"profile.{col}.rank_national"] = (row["rank_national"], row["ranked_national"])
            exp[f"profile.{col}.rank_in_land"] = (row["rank_in_land"], row["ranked_in_land"])
            exp[f"profile.{col}.rank_in_group"] = (row["rank_in_group"], row["ranked_in_group"])
        for row in _all(
            con,
            "select * from target_achievement where kreis_ags = ? and calendar_year = ?",
            [kreis_ags, int(period[:4])],
        ):
            for col in ("target_value", "projected_year_end"):
                exp[f"profile.target.{row['indicator']}.{col}"] = row[col]
        return exp
    finally:
        con.close()


_NUMBER = re.compile(r"[+\-−]?\d[\d.]*(,\d+)?")


def parse_de(text: str) -> Any:
    """A cell as printed: ``–`` → None, ``3/18`` → (3, 18), ``1.234`` → 1234, ``20,3 %`` → 20.3."""
    text = text.strip()
    if text in ("–", ""):
        return None
    rank = re.fullmatch(r"(\d+)/(\d+)", text)
    if rank:
        return int(rank.group(1)), int(rank.group(2))
    match = _NUMBER.search(text)
    if match is None:
        raise ValueError(f"no number in {text!r}")
    raw = match.group(0).replace("−", "-").replace(".", "")
    return float(raw.replace(",", ".")) if "," in raw else int(raw)


def matches(shown: Any, expected: Any) -> bool:
    """The printed value is the warehouse value (rounded as printed: 1 decimal or integer)."""
    if expected is None or shown is None:
        return expected is None and shown is None
    if isinstance(shown, tuple):
        return shown == tuple(expected)
    if isinstance(shown, int) and not isinstance(expected, float):
        return shown == int(expected)
    decimals = 0 if isinstance(shown, int) else 1
    return abs(float(shown) - float(expected)) <= 0.5 * 10**-decimals + 1e-9
