"""ingest.report without a full warehouse: German number formats and clear errors.

The report against a real warehouse, in a real browser and as PDF: tests/report/.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.cli import main as cli
from ingest.core import german, periods
from ingest.report import data, generate
from ingest.report.data import ReportFailed


def test_numbers_are_printed_the_german_way() -> None:
    assert german.fmt_int(1_565_791) == "1.565.791"
    assert german.fmt_int(2097.6) == "2.098"
    assert german.fmt_int(None) == "–"
    assert german.fmt_pct(20.349) == "20,3 %"
    assert german.fmt_pct(-0.36, signed=True) == "-0,4 %"
    assert german.fmt_pct(1.26, signed=True) == "+1,3 %"
    assert german.fmt_num(12345.678, 2) == "12.345,68"
    assert german.fmt_pct(-0.04) == "0,0 %"
    assert german.month_name("2026-03") == "März 2026"


def test_periods_shift_across_years() -> None:
    assert periods.shift("2026-01", -1) == "2025-12"
    assert periods.shift("2026-10", -23) == "2024-11"
    assert periods.shift("2025-12", 1) == "2026-01"


def test_a_malformed_period_is_refused(data_dir: Path) -> None:
    with pytest.raises(ReportFailed, match="YYYY-MM"):
        generate.generate("2026-13")


def test_no_snapshot_is_a_clear_error(data_dir: Path) -> None:
    with pytest.raises(ReportFailed) as err:
        generate.generate("2026-10")
    assert "no published snapshot" in str(err.value)
    assert str(data_dir / "warehouse" / "jobcenters.duckdb") in str(err.value)


def _snapshot(path: Path, tables: tuple[str, ...], periods: tuple[str, ...] = ()) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for table in tables:
            extra = ", is_final boolean, due_date date, as_of date" if table == "dim_period" else ""
            con.execute(f"create table {table} (period varchar{extra})")
        for period in periods:
            con.execute("insert into national_month values (?)", [period])
    finally:
        con.close()
    return path


def test_a_snapshot_without_the_reporting_marts_names_them(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path / "jobcenters.duckdb", data.WAREHOUSE_TABLES)
    with pytest.raises(ReportFailed) as err:
        generate.generate("2026-10", snapshot=snap, out_dir=tmp_path / "out")
    for table in data.REPORTING_TABLES:
        assert table in str(err.value)
    assert not (tmp_path / "out").exists()


def test_a_month_without_data_names_the_latest_month(tmp_path: Path) -> None:
    snap = _snapshot(
        tmp_path / "jobcenters.duckdb",
        data.WAREHOUSE_TABLES + data.REPORTING_TABLES,
        ("2026-08", "2026-09"),
    )
    with pytest.raises(ReportFailed, match=r"2026-10: no data .*latest month: 2026-09"):
        generate.generate("2026-10", snapshot=snap, out_dir=tmp_path / "out")


def test_the_command_line_prints_one_line_and_exits_1(data_dir: Path, capsys) -> None:
    assert cli.main(["report", "--period", "2026-10"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("jcw: ReportFailed: 2026-10: no published snapshot")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
