"""The dbt docs: one self-contained page at ``docs/dbt/index.html`` that opens from a file.

The page is opened as a reader opens it from the README's path: ``file://`` in headless
Chromium, offline. A failed generation must leave the previous page in place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.core import settings
from ingest.core.errors import BuildFailed
from ingest.warehouse import build

pytestmark = pytest.mark.timeout(900)

# What an older generator (``dbt docs generate`` with the docs folder as target) left behind.
OLD_LEFTOVERS = ("catalog.json", "manifest.json", "graph.gpickle", "partial_parse.msgpack")
DAY = "2026-11-15"


@pytest.fixture(scope="module")
def generated_docs(small_warehouse: Path) -> Path:
    """The docs of the small warehouse, generated over the leftovers of an older generator."""
    out = small_warehouse / "docs" / "dbt"
    (out / "compiled" / "jcw").mkdir(parents=True)
    for name in OLD_LEFTOVERS:
        (out / name).write_text("{}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JCW_DATA_DIR", str(small_warehouse))
        assert build.docs(DAY) == out
    return out


def test_the_docs_folder_holds_only_the_page(generated_docs: Path) -> None:
    assert sorted(p.name for p in generated_docs.iterdir()) == ["index.html"]
    # The temporary target folder is gone too.
    assert sorted(p.name for p in generated_docs.parent.iterdir()) == ["dbt"]


def test_the_page_lists_the_models_when_opened_from_a_file(generated_docs: Path, page) -> None:
    page.goto((generated_docs / "index.html").as_uri())
    tree = page.locator("model-tree")
    # The database view of the sidebar: build → main → the tables and views.
    tree.get_by_text("Database", exact=True).click()
    tree.get_by_text("build", exact=True).click()
    tree.get_by_text("main", exact=True).click()
    listed = tree.locator("a[title]:visible").evaluate_all("links => links.map(a => a.title)")
    assert {"fct_jobcenter_month", "national_month", "submission_status"} <= set(listed)
    assert "(loading)" not in page.locator("body").inner_text()
    # A model's page shows its description (manifest) and its column types (catalog).
    tree.locator("a[title='national_month']:visible").click()
    page.wait_for_url("**/model/model.jcw.national_month")
    text = page.locator("body").inner_text()
    assert "One row per month: totals of all kommunale Jobcenter" in text
    assert "jobcenters_reporting" in text and "INTEGER" in text
    assert "(loading)" not in text


def test_the_page_stays_current_for_its_day_and_dbt_project_only(
    generated_docs: Path, small_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JCW_DATA_DIR", str(small_warehouse))
    assert build.docs_current(DAY)
    assert not build.docs_current("2026-11-16")
    project = tmp_path / "dbt_project"
    shutil.copytree(settings.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target"))
    monkeypatch.setattr(settings, "DBT_PROJECT_DIR", project)
    assert build.docs_current(DAY)
    model = project / "models" / "marts" / "monthly" / "national_month.sql"
    model.write_text(model.read_text() + "\n")
    assert not build.docs_current(DAY)


def test_a_failed_generation_leaves_the_previous_docs(
    generated_docs: Path, small_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    monkeypatch.setenv("JCW_DATA_DIR", str(small_warehouse))
    page = generated_docs / "index.html"
    before = page.read_bytes()
    # A second writer holds the build database: dbt cannot read the catalog.
    con = duckdb.connect(str(small_warehouse / "warehouse" / "build.duckdb"))
    try:
        with pytest.raises(BuildFailed, match="dbt docs generate failed"):
            build.docs()
    finally:
        con.close()
    assert page.read_bytes() == before
    assert sorted(p.name for p in generated_docs.iterdir()) == ["index.html"]
    assert sorted(p.name for p in generated_docs.parent.iterdir()) == ["dbt"]
