"""Editing the dbt project forces a full refresh (ingest/warehouse/build.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.core import settings
from ingest.warehouse import build
from ingest.warehouse.dbt import warehouse_dir
from ingest.warehouse.state import read_state
from tests.dbt_project.reports import months, write_months

MODEL = Path("models") / "marts" / "monthly" / "national_month.sql"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the dbt project's sources that the fingerprint reads."""
    root = tmp_path / "dbt_project"
    shutil.copytree(settings.DBT_PROJECT_DIR, root, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setattr(settings, "DBT_PROJECT_DIR", root)
    return root


def test_the_fingerprint_is_the_project_sources_and_nothing_else(project: Path) -> None:
    first = build.project_fingerprint()
    assert len(first) == 64 and first == build.project_fingerprint()
    # build output and files dbt does not read leave it alone
    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{}")
    (project / "logs").mkdir()
    (project / "logs" / "dbt.log").write_text("x")
    (project / "models" / "notes.txt").write_text("x")
    assert build.project_fingerprint() == first
    # one changed character in one model changes it
    model = project / MODEL
    model.write_text(model.read_text() + "\n")
    assert build.project_fingerprint() != first


def test_editing_a_model_plans_a_full_refresh(project: Path) -> None:
    before = build.project_fingerprint()
    last = {"status": "success", "project": before, "periods": ["2026-10"]}
    assert build.plan_build(["2026-10"], False, last, True, before) == (
        ["2026-10"],
        False,
        "1 month(s) asked for",
    )
    model = project / MODEL
    model.write_text(model.read_text() + "-- edited\n")
    after = build.project_fingerprint()
    assert after != before
    assert build.plan_build(["2026-10"], False, last, True, after) == (
        [],
        True,
        "the dbt project changed since the last build: full refresh",
    )


@pytest.mark.timeout(900)
def test_a_build_after_editing_a_model_rebuilds_everything(project: Path, data_dir: Path) -> None:
    write_months(data_dir, months("2025-01", 2))
    first = build.build(as_of="2025-03-15")
    assert first["plan"] == "no build database yet: build every month"
    unchanged = build.build(["2025-02"], as_of="2025-03-15")
    assert (unchanged["full_refresh"], unchanged["periods"], unchanged["project"]) == (
        False,
        ["2025-02"],
        first["project"],
    )
    model = project / MODEL
    model.write_text(model.read_text() + "-- edited\n")
    edited = build.build(["2025-02"], as_of="2025-03-15")
    assert edited["project"] == build.project_fingerprint() != first["project"]
    assert (edited["full_refresh"], edited["periods"], edited["plan"]) == (
        True,
        [],
        "the dbt project changed since the last build: full refresh",
    )
    assert read_state(warehouse_dir())["project"] == edited["project"]
