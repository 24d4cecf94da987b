"""The marts on a small world of fixture files: totals, § 48a Kennzahlen, submission status."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from ingest.core import registry, settings
from ingest.warehouse import build
from tests.dbt_project.reports import WORLD_MONTHS, accepted_input_rows, query, write_world

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def built(module_data_dir: Path) -> Path:
    """The world's files, built once (full build); returns the build database."""
    write_world(module_data_dir)
    summary = build.build(as_of="2026-03-10")
    assert summary["status"] == "success"
    return module_data_dir / "warehouse" / "build.duckdb"


def test_national_and_land_totals_equal_the_input_rows(built: Path, module_data_dir: Path) -> None:
    lands = {jc.kreis_ags: jc.land for jc in registry.jobcenters()}
    national: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_land: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    measures = ("elb", "nef", "bedarfsgemeinschaften", "integrationen", "einwohner")
    for row in accepted_input_rows(module_data_dir):
        for m in measures:
            national[row["period"]][m] += row[m]
            by_land[(lands[row["kreis_ags"]], row["period"])][m] += row[m]

    got = {
        r[0]: dict(zip(measures, r[1:], strict=True))
        for r in query(built, f"select period, {', '.join(measures)} from national_month")
    }
    assert got == {p: dict(v) for p, v in national.items()}
    got_land = {
        (r[0], r[1]): dict(zip(measures, r[2:], strict=True))
        for r in query(
            built,
            f"select land, period, {', '.join(measures)} from land_month "
            "where jobcenters_reporting > 0",
        )
    }
    assert got_land == {k: dict(v) for k, v in by_land.items()}


def test_people_and_reporting_counts_equal_the_accepted_files(
    built: Path, module_data_dir: Path
) -> None:
    """Against the accepted files, not against the model's own columns: per month and Land,
    the jobcenters with an accepted report and the people (ELB + NEF) in their rows."""
    lands = {jc.kreis_ags: jc.land for jc in registry.jobcenters()}
    reporting: dict[tuple[str, str], set[str]] = defaultdict(set)
    people: dict[tuple[str, str], int] = defaultdict(int)
    for row in accepted_input_rows(module_data_dir):
        for area in ("DE", lands[row["kreis_ags"]]):
            reporting[(area, row["period"])].add(row["kreis_ags"])
            people[(area, row["period"])] += row["elb"] + row["nef"]
    expected = {k: (len(v), people[k]) for k, v in reporting.items()}
    national = {
        ("DE", r[0]): (r[1], r[2])
        for r in query(built, "select period, jobcenters_reporting, personen from national_month")
    }
    by_land = {
        (r[0], r[1]): (r[2], r[3])
        for r in query(
            built,
            "select land, period, jobcenters_reporting, personen from land_month "
            "where jobcenters_reporting > 0",
        )
    }
    assert national | by_land == expected
    # Hand-checked from the world (tests/dbt_project/reports.py): 2025-06 without
    # Nordfriesland (never arrived), 2026-02 without Göttingen (rejected)
    assert national[("DE", "2025-06")][0] == 2
    assert national[("DE", "2026-02")][0] == 3
    assert sorted(p for _, p in national) == WORLD_MONTHS
    assert query(built, "select distinct jobcenters_expected from national_month") == [(104,)]


def test_k2_equals_the_hand_computed_integrationsquote(built: Path) -> None:
    # Stuttgart, t = 2026-01 (month number 12): integrations of months 1..12 are
    # 20 + (i mod 3) = 240 + 12 = 252; ELB of months 0..11 are 1000 + 10 i, average
    # (12000 + 10 * 66) / 12 = 1055. K2 = 252 / 1055 * 100.
    ((k2, flow, stock),) = query(
        built,
        "select k2, flow_window_months, stock_window_months from kpi_jobcenter_month "
        "where kreis_ags = '08111' and period = '2026-01'",
    )
    assert (flow, stock) == (12, 12)
    assert k2 == pytest.approx(252 / 1055 * 100, rel=1e-12)
    # K1E2 for 2026-01 against 2025-01: ELB 1120 vs 1000.
    ((k1e2,),) = query(
        built,
        "select k1e2 from kpi_jobcenter_month where kreis_ags = '08111' and period = '2026-01'",
    )
    assert k1e2 == pytest.approx(12.0)


def test_a_missing_month_makes_the_windows_null_not_averaged(built: Path) -> None:
    rows = query(
        built,
        "select period, has_report, k2, is_window_complete, flow_window_months "
        "from kpi_jobcenter_month where kreis_ags = '01054' and period >= '2026-01' "
        "order by period",
    )
    # 2025-06 is missing: both windows of 2026-01 and 2026-02 lack it.
    assert rows == [("2026-01", True, None, False, 11), ("2026-02", True, None, False, 11)]
    # The national K2 leaves Nordfriesland out instead of counting a short window.
    ((in_k2,),) = query(
        built, "select jobcenters_in_k2 from national_month where period = '2026-01'"
    )
    assert in_k2 == 2


def test_submission_status_shows_every_case(built: Path) -> None:
    def status(ags: str, period: str) -> tuple:
        (row,) = query(
            built,
            "select status, timeliness, revision_count, current_revision, open_findings_count, "
            "open_warnings_count, last_fetch_failure_kind from submission_status "
            "where kreis_ags = ? and period = ?",
            [ags, period],
        )
        return row

    assert status("08111", "2025-03") == ("accepted", "on_time", 1, 1, 0, 0, None)
    assert status("01054", "2025-02") == ("accepted", "late", 1, 1, 0, 0, None)
    assert status("01054", "2025-06") == ("missing", "overdue", 0, None, 0, 0, None)
    # r1 accepted (with a warning), the correction r2 rejected: the figures stay r1's.
    assert status("03157", "2026-02") == ("correction_rejected", "on_time", 2, 1, 3, 1, None)
    assert status("03159", "2026-02") == ("rejected", "on_time", 1, None, 2, 0, None)
    assert status("03159", "2026-01") == ("missing", "overdue", 0, None, 0, 0, "server_error")
    # The build's clock stands at 2026-03-10, the due date of 2026-02: not overdue yet.
    assert status("16076", "2026-02")[:2] == ("missing", "not_due")
    # A registered jobcenter with no file at all is missing in every month.
    assert query(
        built,
        "select count(*), count(*) filter (where status = 'missing') from submission_status "
        "where kreis_ags = '16076'",
    ) == [(len(WORLD_MONTHS), len(WORLD_MONTHS))]
    assert query(built, "select count(*) from submission_status") == [(104 * len(WORLD_MONTHS),)]


def test_dim_period_marks_months_final_after_the_wartezeit(built: Path) -> None:
    rows = query(built, "select period, due_date, is_final, as_of from dim_period order by period")
    assert [r[0] for r in rows] == WORLD_MONTHS
    as_of = rows[-1][3]
    # The build's clock: 2026-03-10 (the due date of 2026-02). Final are the
    # months whose Wartezeit of three months after the month's end has passed: up to 2025-11.
    assert str(as_of) == "2026-03-10"
    assert [r[0] for r in rows if r[2]][-1] == "2025-11"
    assert str(rows[0][1]) == "2025-02-10"


def test_a_fresh_data_directory_builds_empty_marts(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JCW_DATA_DIR", str(tmp_path))
    build.build()
    db = tmp_path / "warehouse" / "build.duckdb"
    for table in ("national_month", "fct_caseload", "submission_status", "fct_report_revisions"):
        assert query(db, f"select count(*) from {table}") == [(0,)]
    assert query(db, "select count(*) from dim_jobcenter") == [(104,)]


def test_the_dbt_unit_tests_pass_against_the_built_warehouse(built: Path) -> None:
    # The production build leaves the unit tests out ...
    run = json.loads((built.parent / "dbt_target" / "run_results.json").read_text())
    kinds = {r["unique_id"].split(".")[0] for r in run["results"]}
    assert "unit_test" not in kinds
    assert {"model", "test"} <= kinds
    # ... and unit_tests() runs every one declared in the project's yml files.
    declared = set()
    for path in (settings.DBT_PROJECT_DIR / "models").rglob("*.yml"):
        body = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        declared |= {t["name"] for t in body.get("unit_tests", [])}
    assert declared
    results = build.unit_tests()
    assert {uid.rsplit(".", 1)[-1] for uid in results} == declared
    assert set(results.values()) == {"pass"}, results


def test_not_null_constraints_of_the_contracts_are_enforced_by_duckdb(built: Path) -> None:
    """Every mart column whose contract says not_null is NOT NULL in the build database
    (a NULL fails the model and the build, as the former not_null tests did)."""
    declared = set()
    for yml in (settings.DBT_PROJECT_DIR / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(yml.read_text(encoding="utf-8")).get("models", []):
            for column in model.get("columns", []):
                if {"type": "not_null"} in column.get("constraints", []):
                    declared.add((model["name"], column["name"]))
    assert len(declared) >= 30
    rows = query(
        built,
        "select table_name, column_name from information_schema.columns "
        "where is_nullable = 'NO' and table_schema = 'main'",
    )
    assert declared <= {(t, c) for t, c in rows}
