"""jcw_report runs for real under Airflow after a publish and writes the latest month's report.

The input is the session's published snapshot of 14 simulated months (tests/report/conftest.py,
built once by the product's own stages), copied into this test's data directory;
``DAG.test`` runs ``jcw_report`` with a pinned logical date (tests/fixtures/dag_runs.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fixtures.dag_runs import run_dag
from tests.report.conftest import LAST_PERIOD, ReportWarehouse

pytestmark = pytest.mark.timeout(1800)


@pytest.fixture
def published(data_dir: Path, report_warehouse: ReportWarehouse) -> Path:
    """The session's published snapshot in this test's data directory, as a publish left it."""
    target = data_dir / "warehouse" / report_warehouse.snapshot.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(report_warehouse.snapshot, target)
    return target


def test_report_dag_writes_the_report_of_the_latest_published_month(
    airflow_home: Path, data_dir: Path, published: Path
) -> None:
    from ingest.report import generate

    assert LAST_PERIOD == "2026-10"
    assert generate.latest_period() == LAST_PERIOD
    run = run_dag(airflow_home, data_dir, "jcw_report", "2026-11-21T05:00:00+00:00")
    assert run["state"] == "success"
    assert run["tries"] == {"national_report": 1}
    html = data_dir / "docs" / "report" / "2026-10" / "bericht_2026-10.html"
    assert run["returns"] == {"national_report": str(html)}
    assert "Oktober 2026" in html.read_text()
