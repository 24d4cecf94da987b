"""A small real warehouse for the report tests, built by the product's own stages.

The simulator (with a rejected, a missing and a soft-warned report in the latest month)
serves 14 months; ``collect_many`` fetches them over HTTP, ``process_pending`` validates,
``build.build`` runs dbt and ``publish`` writes the snapshot the report reads.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.simulator import SimulatorProcess

FIRST_PERIOD = "2025-09"
LAST_PERIOD = "2026-10"
REJECTED = "03157"  # hard rule broken in LAST_PERIOD
MISSING = "03459"  # never published in LAST_PERIOD
SCENARIO = {
    "faults": [
        {
            "kreis_ags": REJECTED,
            "period": LAST_PERIOD,
            "fault": "violated_rule",
            "rule": "subgroup_exceeds_total",
        },
        {"kreis_ags": MISSING, "period": LAST_PERIOD, "fault": "never"},
    ]
}


def periods(first: str = FIRST_PERIOD, last: str = LAST_PERIOD) -> list[str]:
    """Every month from first to last, inclusive."""
    out = []
    year, month = int(first[:4]), int(first[5:])
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass
class ReportWarehouse:
    data_dir: Path
    snapshot: Path
    simulator: SimulatorProcess
    periods: list[str]


def build_warehouse(data_dir: Path, sim: SimulatorProcess) -> Path:
    """Fetch, validate, build and publish ``periods()`` into ``data_dir``; the snapshot path."""
    from ingest.collect import collector
    from ingest.core import registry
    from ingest.validate import run
    from ingest.warehouse import build, publish

    saved = dict(os.environ)
    os.environ.update(sim.env)
    os.environ["JCW_DATA_DIR"] = str(data_dir)
    try:
        ags = [jc.kreis_ags for jc in registry.jobcenters()]
        collector.collect_many(ags, periods(), now=datetime(2026, 11, 21, 5, tzinfo=UTC))
        run.process_pending(periods(), now=datetime(2026, 11, 21, 5, tzinfo=UTC))
        build.build(None, full_refresh=True, as_of="2026-11-21")
        return publish.publish()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def report_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportWarehouse]:
    """A published snapshot of 14 simulated months (built once per test session)."""
    root = tmp_path_factory.mktemp("report")
    sim = SimulatorProcess(root / "simulator", scenario=SCENARIO)
    try:
        data_dir = root / "data"
        data_dir.mkdir()
        snapshot = build_warehouse(data_dir, sim)
        yield ReportWarehouse(data_dir, snapshot, sim, periods())
    finally:
        sim.stop()


@pytest.fixture(scope="session")
def generated(report_warehouse: ReportWarehouse, chromium: str, tmp_path_factory):
    """The report of LAST_PERIOD generated once from the test warehouse (HTML, PDFs)."""
    from ingest.report import generate

    out = tmp_path_factory.mktemp("report-out")
    saved = os.environ.get("JCW_DATA_DIR")
    os.environ["JCW_DATA_DIR"] = str(report_warehouse.data_dir)
    try:
        paths = generate.generate(LAST_PERIOD, out_dir=out)
    finally:
        if saved is None:
            os.environ.pop("JCW_DATA_DIR", None)
        else:
            os.environ["JCW_DATA_DIR"] = saved
    return paths
