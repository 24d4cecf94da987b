"""BI access: docs/bi.md describes every published table, and a BI tool can read the snapshot.

The BI tool is played by ``bi_client.py`` in a separate environment (duckdb-engine,
SQLAlchemy 2.0, pandas), never the project's: BI tools bring their own.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from ingest.core import settings
from ingest.warehouse import publish
from tests.dbt_project.reports import query
from tests.ingest.warehouse.conftest import REJECTED, SMALL_MONTHS

pytestmark = pytest.mark.timeout(900)

BI_DOC = settings.PROJECT_ROOT / "docs" / "bi.md"
BI_CLIENT = Path(__file__).with_name("bi_client.py")
# What a Superset or notebook environment holds. SQLAlchemy 2.1 breaks duckdb-engine's
# table inspection (pg_catalog.pg_collation), so docs/bi.md says: SQLAlchemy < 2.1.
BI_PACKAGES = ("duckdb-engine", "sqlalchemy>=2.0,<2.1", "pandas")
SNAPSHOT_TABLES = {*publish.PUBLISHED_TABLES, *publish.PUBLISH_TABLES}


def documented_tables() -> dict[str, dict]:
    """The rows of the table list in docs/bi.md: ``{table: {grain, keys, use}}``."""
    text = BI_DOC.read_text(encoding="utf-8")
    section = text.split("\n## The tables\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`([a-z_0-9]+)`", cells[0]) if len(cells) == 4 else None
        if match:
            keys = re.findall(r"`([a-z_0-9]+)`", cells[2])
            rows[match[1]] = {"grain": cells[1], "keys": keys, "use": cells[3]}
    return rows


def test_bi_md_describes_every_table_of_the_snapshot() -> None:
    rows = documented_tables()
    assert set(rows) == SNAPSHOT_TABLES, (
        f"docs/bi.md misses {sorted(SNAPSHOT_TABLES - set(rows))}, "
        f"lists unpublished {sorted(set(rows) - SNAPSHOT_TABLES)}"
    )
    for table, row in rows.items():
        assert row["grain"].lower().startswith("one row"), table
        assert row["use"], table
        assert row["keys"] or table == "snapshot_info", table


def test_bi_md_names_the_storage_version_and_the_duckdb_cli() -> None:
    text = BI_DOC.read_text(encoding="utf-8")
    assert f"STORAGE_VERSION '{publish.SNAPSHOT_STORAGE_VERSION}'" in text
    assert "install.duckdb.org" in text  # how to get the CLI on Debian
    assert "sqlalchemy<2.1" in text


def test_the_documented_keys_identify_the_rows(small_warehouse: Path) -> None:
    snapshot = small_warehouse / "warehouse" / "jobcenters.duckdb"
    for table, row in documented_tables().items():
        if not row["keys"]:
            assert query(snapshot, f"select count(*) from {table}") == [(1,)], table
            continue
        keys = ", ".join(row["keys"])
        total, distinct = query(
            snapshot, f"select count(*), count(distinct ({keys})) from {table}"
        )[0]
        assert total == distinct, f"{table}: ({keys}) is not one row each"


@pytest.fixture(scope="module")
def bi_python(side_venv) -> Path:
    return side_venv("bi-tool", BI_PACKAGES)


def test_a_bi_tool_inspects_and_queries_the_snapshot(
    small_warehouse: Path, bi_python: Path
) -> None:
    snapshot = small_warehouse / "warehouse" / "jobcenters.duckdb"
    period = SMALL_MONTHS[-1]
    run = subprocess.run(
        [str(bi_python), str(BI_CLIENT), str(snapshot), period],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert out["versions"]["sqlalchemy"].startswith("2.0.")
    # Inspection: every table, with the columns and types DuckDB itself reports.
    assert set(out["tables"]) == SNAPSHOT_TABLES
    for table in ("national_month", "submission_status", "snapshot_info"):
        expected = query(
            snapshot,
            "select column_name from duckdb_columns() where table_name = ? order by column_index",
            [table],
        )
        assert [c[0] for c in out["columns"][table]] == [r[0] for r in expected]
    assert ["period", "VARCHAR"] in out["columns"]["national_month"]
    # The national totals of the latest month: Stuttgart (ELB 1002) and Peine (ELB 502).
    assert out["national_latest"] == [
        {
            "period": period,
            "jobcenters_expected": 104,
            "jobcenters_reporting": 2,
            "personen": 2104,
            "elb": 1504,
            "integrationen": 40,
        }
    ]
    # Who is missing or rejected that month, with the jobcenter's name: all but the two.
    not_accepted = {r["kreis_ags"]: r for r in out["not_accepted"]}
    assert len(not_accepted) == 102 and not {"08111", "03157"} & set(not_accepted)
    assert not_accepted[REJECTED[0]]["status"] == "rejected"
    assert not_accepted[REJECTED[0]]["name"] == "Landkreis Göttingen"
    assert not_accepted["01054"] == {
        "kreis_ags": "01054",
        "name": "Kreis Nordfriesland",
        "land": "SH",
        "status": "missing",
        "timeliness": "overdue",
    }
    # The engine is read-only: a BI tool cannot change the snapshot.
    assert "read-only" in (out["write_error"] or "")


def test_the_duckdb_cli_1_4_runs_the_examples_of_bi_md(small_warehouse: Path, side_venv) -> None:
    # The CLI from PyPI, as docs/bi.md tells Debian users to install it, at the oldest
    # version the snapshot's storage format allows.
    cli = side_venv("duckdb-cli-1.4", ("duckdb-cli==1.4.4",)).parent / "duckdb"
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("v1.4."), version.stdout + version.stderr
    text = BI_DOC.read_text(encoding="utf-8")
    cli_section = text.split("\n## DuckDB CLI\n", 1)[1].split("\n## ", 1)[0]
    examples = re.findall(r"```sql\n(.*?)```", cli_section, re.DOTALL)
    assert examples, "docs/bi.md shows no SQL for the CLI"
    snapshot = small_warehouse / "warehouse" / "jobcenters.duckdb"
    run = subprocess.run(
        [str(cli), "-readonly", "-bail", "-json", str(snapshot)],
        input="\n".join(examples),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    # The first example is the national row of the latest month.
    national = json.loads(run.stdout.splitlines()[0])
    assert [(r["period"], r["jobcenters_reporting"]) for r in national] == [(SMALL_MONTHS[-1], 2)]
