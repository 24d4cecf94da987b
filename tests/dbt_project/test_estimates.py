"""Coverage and estimated totals of national_month and land_month, computed by hand.

Three jobcenters of Niedersachsen report 2026-01..2026-03; Schaumburg misses 2026-03:

- A 03157 Peine: ELB 1000, 1100, 1210;  B 03159 Göttingen: ELB 2000, 2000, 2200;
- C 03257 Schaumburg: ELB 500, 600, —.

The jobcenters reporting in both 2026-02 and 2026-03 (A, B) grew from 3100 to 3410 ELB
(x 1.1), so C is estimated at 600 x 1.1 = 660 ELB. Personen are ELB + NEF (NEF = 40 % of
ELB in the fixture files): A, B 4340 -> 4774 (x 1.1), C 840 -> 924. The other 101
registered jobcenters never reported: counted as expected, not estimated.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from ingest.core import settings
from ingest.warehouse import build
from tests.dbt_project.reports import Gemeinde, write_accepted

A, B, C = "03157", "03159", "03257"
ELB = {
    A: {"2026-01": 1000, "2026-02": 1100, "2026-03": 1210},
    B: {"2026-01": 2000, "2026-02": 2000, "2026-03": 2200},
    C: {"2026-01": 500, "2026-02": 600},
}


@pytest.fixture(scope="module")
def built(module_data_dir: Path):
    for ags, months in ELB.items():
        for period, elb in months.items():
            write_accepted(module_data_dir, ags, period, [Gemeinde(f"{ags}001", "Ort", elb)])
    build.build(None, full_refresh=True, as_of="2026-04-20")
    con = duckdb.connect(str(module_data_dir / "warehouse" / "build.duckdb"), read_only=True)
    try:
        yield con
    finally:
        con.close()


def row(con, table: str, period: str, where: str = "") -> dict:
    cur = con.execute(f"select * from {table} where period = ? {where}", [period])
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))


def registry_population() -> dict[str, int]:
    with open(settings.REGISTRY_CSV, encoding="utf-8") as f:
        return {r["kreis_ags"]: int(r["population_2018_12_31"]) for r in csv.DictReader(f)}


def test_a_missing_jobcenter_is_estimated_from_its_last_month_and_flagged(built) -> None:
    n = row(built, "national_month", "2026-03")
    assert (n["jobcenters_expected"], n["jobcenters_reporting"]) == (104, 2)
    assert (n["jobcenters_estimated"], n["is_complete"], n["is_estimated"]) == (1, False, True)
    # the reported sums stay reported: A and B only
    assert (n["elb"], n["personen"]) == (3410, 4774)
    assert (n["elb_estimated"], n["personen_estimated"]) == (3410 + 660, 4774 + 924)
    population = registry_population()
    covered = (population[A] + population[B]) * 100 / sum(population.values())
    assert n["population_covered_pct"] == pytest.approx(covered)
    assert n["has_incomplete_month_in_window"] is True


def test_a_month_where_everyone_who_reported_before_reported_has_no_estimate(built) -> None:
    n = row(built, "national_month", "2026-02")
    assert (n["jobcenters_reporting"], n["jobcenters_estimated"], n["is_estimated"]) == (
        3,
        0,
        False,
    )
    assert n["elb_estimated"] == n["elb"] == 3700


def test_land_totals_estimate_the_same_way(built) -> None:
    land = row(built, "land_month", "2026-03", "and land = 'NI'")
    assert (land["jobcenters_reporting"], land["jobcenters_estimated"]) == (2, 1)
    assert (land["elb"], land["elb_estimated"]) == (3410, 4070)
    other = row(built, "land_month", "2026-03", "and land = 'HE'")
    assert (other["jobcenters_reporting"], other["is_estimated"]) == (0, False)
    assert other["elb_estimated"] == other["elb"] == 0


def test_the_estimate_names_its_basis(built) -> None:
    rows = built.execute(
        "select kreis_ags, period, basis_period, jobcenters_compared, elb_estimated "
        "from int_jobcenter_month_estimates order by all"
    ).fetchall()
    assert rows == [(C, "2026-03", "2026-02", 2, 660)]
