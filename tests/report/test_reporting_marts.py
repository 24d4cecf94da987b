"""The reporting marts against values computed by hand, on a warehouse built by dbt.

Four jobcenters report 2025-01..2026-03 (fixture files written by tests/dbt_project/reports.py):
- A 03157 Peine (NI, Landkreis < 200k): ELB 1000, 20 integrations a month; in 2026 ELB
  1300 / 800 / 1000 and integrations 30 / 20 / 10;
- B 03159 Göttingen (NI, Landkreis >= 200k): ELB 2000, 50 integrations;
- C 03257 Schaumburg (NI, Landkreis < 200k): ELB 1000, 10 integrations, 900 ELB in 2026-03;
- D 06414 Wiesbaden (HE, kreisfreie Stadt): ELB 1000, 40 integrations.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from ingest.core import settings
from tests.dbt_project.reports import Gemeinde, months, write_accepted

A, B, C, D = "03157", "03159", "03257", "06414"
PERIODS = months("2025-01", 15)
SPECIAL_A = {"2026-01": (1300, 30), "2026-02": (800, 20), "2026-03": (1000, 10)}


def figures(ags: str, period: str) -> tuple[int, int]:
    """(elb, integrationen) of a jobcenter in a month."""
    if ags == A:
        return SPECIAL_A.get(period, (1000, 20))
    if ags == B:
        return 2000, 50
    if ags == C:
        return (900 if period == "2026-03" else 1000), 10
    return 1000, 40


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    from ingest.warehouse import build

    root = tmp_path_factory.mktemp("marts") / "data"
    root.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JCW_DATA_DIR", str(root))
        for ags in (A, B, C, D):
            for period in PERIODS:
                elb, integ = figures(ags, period)
                write_accepted(root, ags, period, [Gemeinde(f"{ags}001", "Ort", elb, integ)])
        build.build(None, full_refresh=True, as_of="2026-04-10")
        db = root / "warehouse" / "build.duckdb"
        con = duckdb.connect(str(db), read_only=True)
        try:
            yield con
        finally:
            con.close()


def seed_target(ags: str, year: int, indicator: str) -> float:
    seed = settings.DBT_PROJECT_DIR / "seeds" / "zielvereinbarungen.csv"
    with Path(seed).open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if (row["kreis_ags"], row["year"], row["indicator"]) == (ags, str(year), indicator):
                return float(row["target_value"])
    raise KeyError((ags, year, indicator))


def achievement(con, ags: str, year: int, indicator: str) -> dict:
    cur = con.execute(
        "select * from target_achievement "
        "where kreis_ags = ? and calendar_year = ? and indicator = ?",
        [ags, year, indicator],
    )
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))


def test_k2_so_far_and_its_projection_rest_on_the_months_with_a_previous_month(built) -> None:
    row = achievement(built, A, 2026, "K2")
    # integrations Jan..Mar 30 + 20 + 10 = 60 over the stocks of Dec, Jan, Feb: 1000 + 1300 + 800
    assert row["months_available"] == 3
    assert row["periods"] == "2026-01,2026-02,2026-03"
    assert row["actual_to_date"] == pytest.approx(60 * 100 * 3 / 3100)
    assert row["projected_year_end"] == pytest.approx(60 * 1200 / 3100)
    target = seed_target(A, 2026, "K2")
    assert row["target_value"] == target
    assert row["is_on_track"] == (60 * 1200 / 3100 >= target)
    assert row["achievement_status"] == ("on_track" if row["is_on_track"] else "off_track")
    assert row["is_example"] is True
    # 2025: January has no December 2024 in the warehouse, so 11 months
    row = achievement(built, A, 2025, "K2")
    assert (row["months_available"], row["first_period"]) == (11, "2025-02")
    assert row["projected_year_end"] == pytest.approx(11 * 20 * 1200 / 11000)


def test_k3_compares_langzeit_with_the_same_months_of_the_previous_year(built) -> None:
    row = achievement(built, A, 2026, "K3")
    # elb_langzeit = 60 % of ELB: 780 + 480 + 600 against 600 * 3
    assert row["months_available"] == 3
    assert row["actual_to_date"] == pytest.approx((1860 - 1800) * 100 / 1800)
    assert row["is_on_track"] == ((1860 - 1800) * 100 / 1800 <= seed_target(A, 2026, "K3"))
    no_prior = achievement(built, A, 2025, "K3")
    assert no_prior["months_available"] == 0
    assert no_prior["actual_to_date"] is None and no_prior["achievement_status"] == "no_data"


def test_integrations_of_a_complete_year_are_achieved_or_missed(built) -> None:
    row = achievement(built, A, 2025, "integrationen")
    assert (row["months_available"], row["is_year_complete"]) == (12, True)
    assert row["actual_to_date"] == row["projected_year_end"] == 240
    met = 240 >= seed_target(A, 2025, "integrationen")
    assert row["achievement_status"] == ("achieved" if met else "missed")
    row = achievement(built, A, 2026, "integrationen")
    assert (row["actual_to_date"], row["projected_year_end"]) == (60, 240)


def test_a_jobcenter_without_reports_has_targets_without_data(built) -> None:
    row = achievement(built, "01054", 2026, "K2")
    assert row["months_available"] == 0 and row["achievement_status"] == "no_data"
    years = {
        r[0]
        for r in built.execute("select distinct calendar_year from target_achievement").fetchall()
    }
    assert years == {2025, 2026}


def ranks(con, indicator: str, period: str) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in con.execute(
            "select kreis_ags, indicator_value, rank_national, ranked_national, rank_in_land, "
            "ranked_in_land, rank_in_group, ranked_in_group from ranking_jobcenter_month "
            "where indicator = ? and period = ?",
            [indicator, period],
        ).fetchall()
    }


def test_k2_ranks_highest_first_nationally_and_within_the_land(built) -> None:
    k2 = ranks(built, "K2", "2026-03")
    assert set(k2) == {A, B, C, D}
    # A: integrations 2025-04..2026-03 = 9 * 20 + 60 = 240 over stocks 2025-03..2026-02 = 12100
    assert k2[A][0] == pytest.approx(240 * 1200 / 12100)
    assert k2[B][0] == pytest.approx(30.0) and k2[C][0] == pytest.approx(12.0)
    assert k2[D][0] == pytest.approx(48.0)
    assert [k2[x][1:3] for x in (D, B, A, C)] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [k2[x][3:5] for x in (B, A, C)] == [(1, 3), (2, 3), (3, 3)]
    assert k2[D][3:5] == (1, 1)
    # months before the first complete window have no K2 and no rank
    assert ranks(built, "K2", "2025-12") == {}


def test_k3_ranks_the_largest_decrease_first_and_ties_share_a_rank(built) -> None:
    k3 = ranks(built, "K3", "2026-03")
    assert k3[C][0] == pytest.approx(-10.0)
    assert k3[C][3] == 1
    assert k3[A][3] == k3[B][3] == 2


def test_comparison_groups_split_by_kind_size_and_the_median_quota(built) -> None:
    groups = dict(
        built.execute("select kreis_ags, comparison_group from comparison_group").fetchall()
    )
    assert len(groups) == 104
    assert groups[A] == "landkreis_klein_niedrig"
    assert groups[B] == "landkreis_gross_hoch"
    assert groups[C] == "landkreis_klein_niedrig"
    assert groups[D] == "stadt_niedrig"
    assert groups["01054"] == "landkreis_klein_unbekannt"
    k2 = ranks(built, "K2", "2026-03")
    # A and C share a group: A's K2 (23.8) ranks above C's (12.0); B is alone in its group
    assert (k2[A][5:], k2[C][5:], k2[B][5:]) == ((1, 2), (2, 2), (1, 1))


def test_elb_changes_rank_rises_and_falls_with_ties_broken_by_kreisschluessel(built) -> None:
    rows = {
        r[0]: r[1:]
        for r in built.execute(
            "select kreis_ags, elb_previous, elb_change_abs, elb_change_pct, elb_rise_rank, "
            "elb_fall_rank from report_jobcenter_month where period = '2026-03'"
        ).fetchall()
    }
    # A 800 -> 1000, B 2000 -> 2000, C 1000 -> 900, D 1000 -> 1000
    assert rows[A][:3] == (800, 200, pytest.approx(25.0))
    assert rows[C][:3] == (1000, -100, pytest.approx(-10.0))
    assert [x for x, _ in sorted(rows.items(), key=lambda kv: kv[1][3])] == [A, D, B, C]
    assert [x for x, _ in sorted(rows.items(), key=lambda kv: kv[1][4])] == [C, B, D, A]
    # the first month has no previous month: no change, no rank
    first = built.execute(
        "select count(*), count(elb_change_pct), count(elb_rise_rank) "
        "from report_jobcenter_month where period = '2025-01'"
    ).fetchone()
    assert first == (4, 0, 0)


def test_the_national_change_compares_the_same_jobcenters_and_counts_states(built) -> None:
    row = built.execute(
        "select personen_change_same_pct, elb_change_same_pct, integrationen_change_same_pct, "
        "jobcenters_accepted, jobcenters_missing, jobcenters_late "
        "from report_national_month where period = '2026-03'"
    ).fetchone()
    # ELB 4800 -> 4900, Personen (ELB + 40 %) 6720 -> 6860, integrations 120 -> 110
    assert row[0] == pytest.approx(140 * 100 / 6720)
    assert row[1] == pytest.approx(100 * 100 / 4800)
    assert row[2] == pytest.approx(-10 * 100 / 120)
    assert row[3:] == (4, 100, 0)


def test_the_target_summary_and_the_groups_count_the_jobcenters(built) -> None:
    summary = built.execute(
        "select sum(jobcenters) from report_target_summary "
        "where calendar_year = 2026 and indicator = 'K2'"
    ).fetchone()[0]
    assert summary == 104
    groups = dict(
        built.execute("select comparison_group, members from report_comparison_groups").fetchall()
    )
    assert sum(groups.values()) == 104
    assert groups["stadt_niedrig"] >= 1 and groups["landkreis_gross_hoch"] >= 1
