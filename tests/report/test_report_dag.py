"""jcw_report runs for real under Airflow after a publish and writes the latest month's report.

A small published snapshot (two simulated months, built by the product's own stages) is the
input; ``DAG.test`` runs ``jcw_report`` with a pinned logical date (tests/fixtures/dag_runs.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.simulator import SimulatorProcess
from tests.fixtures.dag_runs import run_dag

pytestmark = pytest.mark.timeout(1800)

PERIODS = ["2026-09", "2026-10"]


@pytest.fixture
def published(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Fetch, validate, build and publish PERIODS into ``data_dir``; the snapshot path."""
    from ingest.collect import collector
    from ingest.core import registry
    from ingest.validate import run
    from ingest.warehouse import build, publish

    sim = SimulatorProcess(tmp_path / "simulator", scenario={"faults": []})
    try:
        for key, value in sim.env.items():
            monkeypatch.setenv(key, value)
        now = datetime(2026, 11, 21, 5, tzinfo=UTC)
        collector.collect_many([jc.kreis_ags for jc in registry.jobcenters()], PERIODS, now=now)
        run.process_pending(PERIODS, now=now)
        build.build(None, full_refresh=True, as_of="2026-11-21")
        yield publish.publish()
    finally:
        sim.stop()


def test_report_dag_writes_the_report_of_the_latest_published_month(
    airflow_home: Path, data_dir: Path, published: Path
) -> None:
    from ingest.report import generate

    assert generate.latest_period() == "2026-10"
    run = run_dag(airflow_home, data_dir, "jcw_report", "2026-11-21T05:00:00+00:00")
    assert run["state"] == "success"
    assert run["tries"] == {"national_report": 1}
    html = data_dir / "docs" / "report" / "2026-10" / "bericht_2026-10.html"
    assert run["returns"] == {"national_report": str(html)}
    assert "Oktober 2026" in html.read_text()
