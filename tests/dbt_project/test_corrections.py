"""Corrections and incremental builds: a new revision of one report changes exactly its
figures and the § 48a windows containing it; "as first published" keeps the old values; the
incremental state equals a rebuild from the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.warehouse import build, publish, snapshot
from tests.dbt_project.reports import (
    Gemeinde,
    dump_tables,
    fetched_at_for,
    query,
    write_accepted,
    write_world,
)

pytestmark = pytest.mark.timeout(900)

MARTS = publish.PUBLISHED_TABLES
# The corrected report: Stuttgart, 2025-06 (month number 5 of the world).
AGS, PERIOD = "08111", "2025-06"
OLD_ELB, NEW_ELB = 1050, 1550


@pytest.fixture(scope="module")
def history(module_data_dir: Path) -> dict[str, dict[str, list[tuple]]]:
    """Marts before and after an incremental build of one corrected month."""
    write_world(module_data_dir)
    build.build()
    db = module_data_dir / "warehouse" / "build.duckdb"
    before = dump_tables(db, MARTS)
    write_accepted(
        module_data_dir,
        AGS,
        PERIOD,
        [Gemeinde("08111000", "Stuttgart", NEW_ELB, integrationen=40)],
        revision=2,
        fetched_at=fetched_at_for("2025-08"),
    )
    summary = build.build([PERIOD])
    assert summary["periods"] == [PERIOD]
    after = dump_tables(db, MARTS)
    return {"before": before, "after": after}


def changed_keys(history: dict, table: str, key_len: int) -> set[tuple]:
    before = {row[:key_len]: row for row in history["before"][table]}
    after = {row[:key_len]: row for row in history["after"][table]}
    assert before.keys() == after.keys()
    return {k for k in before if before[k] != after[k]}


def test_the_correction_changes_exactly_that_report(history: dict) -> None:
    assert changed_keys(history, "fct_jobcenter_month", 2) == {(AGS, PERIOD)}
    assert changed_keys(history, "fct_caseload", 2) == {("08111000", PERIOD)}
    assert changed_keys(history, "fct_integrations", 2) == {("08111000", PERIOD)}


def test_the_correction_moves_only_the_windows_containing_it(history: dict) -> None:
    # 2025-06 itself (quotas), and every month whose 12-month windows contain it: 2025-06 to
    # 2026-05; the world ends in 2026-02, so the windows ending after it are not there yet.
    window = [
        "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12",
        "2026-01", "2026-02",
    ]  # fmt: skip
    assert changed_keys(history, "kpi_jobcenter_month", 2) == {(AGS, p) for p in window}
    assert changed_keys(history, "national_month", 1) == {(p,) for p in window}
    # and Schleswig-Holstein in 2025-06: 01054 never reported that month, its estimate moves
    # by the change of the jobcenters reporting in both months (int_jobcenter_month_estimates),
    # Stuttgart among them
    assert changed_keys(history, "land_month", 2) == {("BW", p) for p in window} | {
        ("SH", "2025-06")
    }


def test_current_figures_show_the_correction_and_first_published_keeps_the_old(
    module_data_dir: Path, history: dict
) -> None:
    db = module_data_dir / "warehouse" / "build.duckdb"
    assert query(
        db,
        "select first_published_revision, current_revision, first_published_elb, current_elb, "
        "is_corrected from fct_jobcenter_month_history where kreis_ags = ? and period = ?",
        [AGS, PERIOD],
    ) == [(1, 2, OLD_ELB, NEW_ELB, True)]
    assert query(
        db,
        "select revision, verdict, is_current, is_first_published, elb from fct_report_revisions "
        "where kreis_ags = ? and period = ? order by revision",
        [AGS, PERIOD],
    ) == [(1, "accepted", False, True, OLD_ELB), (2, "accepted", True, False, NEW_ELB)]
    assert query(
        db,
        "select elb, revision from fct_jobcenter_month where kreis_ags = ? and period = ?",
        [AGS, PERIOD],
    ) == [(NEW_ELB, 2)]
    # Every other report is uncorrected: first published equals current.
    assert query(
        db,
        "select count(*) from fct_jobcenter_month_history where is_corrected "
        "or first_published_elb <> current_elb",
    ) == [(1,)]


def test_building_the_same_month_again_changes_nothing(
    module_data_dir: Path, history: dict
) -> None:
    build.build([PERIOD])
    db = module_data_dir / "warehouse" / "build.duckdb"
    assert dump_tables(db, MARTS) == history["after"]


def test_the_incremental_state_equals_a_rebuild_from_the_files(
    module_data_dir: Path, history: dict
) -> None:
    summary = build.rebuild()
    assert summary["full_refresh"] is True
    db = module_data_dir / "warehouse" / "build.duckdb"
    assert dump_tables(db, MARTS) == history["after"]
    # The published snapshot holds the same rows.
    assert dump_tables(snapshot.snapshot_path(), MARTS) == history["after"]


def test_a_month_nobody_reported_still_gets_its_rows_in_an_incremental_build(
    data_dir: Path,
) -> None:
    def write(period: str, i: int) -> None:
        write_accepted(data_dir, AGS, period, [Gemeinde("08111000", "Stuttgart", 1000 + i)])

    for i, period in enumerate(["2025-01", "2025-02", "2025-03"]):
        write(period, i)
    build.build()
    # 2025-04 never arrives from anybody; 2025-05 does.
    write("2025-05", 4)
    build.build(["2025-05"])
    db = data_dir / "warehouse" / "build.duckdb"
    assert query(db, "select period, jobcenters_reporting from national_month order by 1") == [
        ("2025-01", 1),
        ("2025-02", 1),
        ("2025-03", 1),
        ("2025-04", 0),
        ("2025-05", 1),
    ]
    incremental = dump_tables(db, MARTS)
    build.rebuild()
    assert dump_tables(db, MARTS) == incremental
