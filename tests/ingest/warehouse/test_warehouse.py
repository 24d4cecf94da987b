"""ingest.warehouse: build, publish, rebuild, on real DuckDB files and a real dbt build.

The BI reader runs in a second process, the snapshot is opened by the DuckDB versions BI
drivers embed (installed beside the project), and a build is killed mid-way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest.core import layout
from ingest.core.errors import BuildFailed
from ingest.warehouse import build, dbt, publish, snapshot
from tests.dbt_project.reports import dump_tables, months, query, write_months

pytestmark = pytest.mark.timeout(900)

MONTHS = months("2025-01", 3)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory with three months built and published."""
    root = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JCW_DATA_DIR", str(root))
        write_months(root, MONTHS)
        build.build()
        publish.publish()
        yield root


def test_the_snapshot_holds_the_marts_with_their_descriptions(published: Path) -> None:
    snap = snapshot.snapshot_path()
    assert snap == published / "warehouse" / "jobcenters.duckdb"
    tables = {r[0] for r in query(snap, "select table_name from duckdb_tables()")}
    assert tables == set(publish.PUBLISHED_TABLES) | set(publish.PUBLISH_TABLES)
    assert query(snap, "select latest_period, storage_version from snapshot_info") == [
        ("2025-03", "v1.4.0")
    ]
    assert query(snap, "select count(*), sum(elb) from fct_jobcenter_month") == [(6, 4506)]
    # dbt descriptions travel along as comments, so BI tools show them.
    (comment,) = query(
        snap,
        "select comment from duckdb_columns() "
        "where table_name = 'kpi_jobcenter_month' and column_name = 'k2'",
    )[0]
    assert comment.startswith("K2, Integrationsquote")
    # No temporary file is left behind.
    assert [p.name for p in snap.parent.glob("jobcenters.duckdb*")] == ["jobcenters.duckdb"]


def test_the_snapshot_names_the_run_that_published_it(published: Path) -> None:
    """snapshot_info records the Airflow run id and the time in UTC; `jcw status` prints it."""
    from ingest.cli.output import format_publication

    by_hand = snapshot.publication()
    assert by_hand is not None and by_hand["airflow_run_id"] is None
    assert format_publication(by_hand).startswith("Veröffentlicht ohne Airflow-Lauf")
    run_id = "asset_triggered__2026-11-21T06:00:00+00:00"
    berlin_winter = timezone(timedelta(hours=1))
    publish.publish(
        run_id=run_id, published_at=datetime(2026, 11, 21, 7, 30, 5, tzinfo=berlin_winter)
    )
    info = snapshot.publication()
    assert (info["airflow_run_id"], info["published_at"]) == (
        run_id,
        datetime(2026, 11, 21, 6, 30, 5),
    )
    assert info["latest_period"] == "2025-03"
    assert format_publication(info) == (
        "Veröffentlicht von Lauf asset_triggered__2026-11-21T06:00:00+00:00 "
        "am 21.11.2026, 07:30 Uhr"
    )


def test_each_accepted_revision_keeps_the_moment_it_was_first_published(published: Path) -> None:
    sql = "select kreis_ags, period, revision, first_published_at from report_publications"
    first = query(snapshot.snapshot_path(), sql + " order by all")
    revisions = query(
        snapshot.snapshot_path(),
        "select kreis_ags, period, revision from fct_report_revisions where is_accepted "
        "order by all",
    )
    assert [r[:3] for r in first] == revisions and len(revisions) == 6
    assert len({r[3] for r in first}) == 1  # one publish so far: one moment
    publish.publish(published_at=datetime(2030, 1, 1, tzinfo=UTC))
    assert query(snapshot.snapshot_path(), sql + " order by all") == first  # carried over


def test_nothing_published_yet_is_said_so(data_dir: Path) -> None:
    from ingest.cli.output import format_publication

    assert snapshot.publication() is None
    assert format_publication(None) == "Noch kein Snapshot veröffentlicht."


@pytest.fixture(scope="session", params=["1.4.4", "1.5.5"])
def old_duckdb(request, side_venv) -> Path:
    """A Python with an older DuckDB, installed beside the project (not in its lock)."""
    return side_venv(f"duckdb-{request.param}", (f"duckdb=={request.param}",))


def test_the_snapshot_opens_with_duckdb_1_4_and_1_5(published: Path, old_duckdb: Path) -> None:
    script = textwrap.dedent(
        """
        import json, sys, duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        rows = con.execute(
            "select count(*), sum(elb) from fct_jobcenter_month"
        ).fetchall()
        print(json.dumps([duckdb.__version__, rows[0][0], int(rows[0][1])]))
        """
    )
    run = subprocess.run(
        [str(old_duckdb), "-c", script, str(snapshot.snapshot_path())],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    version, count, elb = json.loads(run.stdout)
    assert version.startswith(("1.4", "1.5"))
    assert (count, elb) == (6, 4506)


READER = textwrap.dedent(
    """
    import json, sys, time, duckdb
    snapshot, stop_file = sys.argv[1], sys.argv[2]
    con = duckdb.connect(snapshot, read_only=True)
    sql = ("select (select latest_period from snapshot_info), count(*), sum(elb) "
           "from fct_jobcenter_month")
    seen, reads, errors = set(), 0, []
    print("open", flush=True)
    import os
    while not os.path.exists(stop_file):
        try:
            row = con.execute(sql).fetchall()[0]
            seen.add(json.dumps([row[0], row[1], int(row[2])]))
            reads += 1
        except Exception as exc:
            errors.append(str(exc))
        time.sleep(0.02)
    print(json.dumps({"seen": sorted(seen), "reads": reads, "errors": errors}), flush=True)
    """
)


def test_a_bi_reader_keeps_its_view_while_a_build_and_publish_run(published: Path) -> None:
    stop = published / "stop-reader"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snapshot.snapshot_path()), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        # The reader holds the snapshot open for the whole build and publish.
        write_months(published, ["2025-04"])
        assert build.build(["2025-04"])["status"] == "success"
        publish.publish()
        assert reader.poll() is None, "the reader must still be running"
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == [], result["errors"]
    assert result["reads"] > 0
    # Every read saw the old snapshot, complete and consistent.
    assert result["seen"] == [json.dumps(["2025-03", 6, 4506])]
    # A new connection sees the new snapshot.
    assert query(
        snapshot.snapshot_path(),
        "select (select latest_period from snapshot_info), count(*) from fct_jobcenter_month",
    ) == [("2025-04", 8)]


def test_rebuild_from_the_files_gives_identical_marts(published: Path) -> None:
    before = dump_tables(snapshot.snapshot_path(), publish.PUBLISHED_TABLES)
    summary = build.rebuild()
    assert summary["full_refresh"] is True
    assert dump_tables(snapshot.snapshot_path(), publish.PUBLISHED_TABLES) == before


def test_a_failing_dbt_test_publishes_nothing(data_dir: Path) -> None:
    write_months(data_dir, MONTHS)
    build.build()
    snapshot = publish.publish()
    before = dump_tables(snapshot, publish.PUBLISHED_TABLES)
    inode = snapshot.stat().st_ino
    # integrationen no longer equals the sum of its kinds: the accounting test must fail.
    write_months(data_dir, ["2025-04"], extra={"integrationen_svb": 0})
    with pytest.raises(BuildFailed) as failed:
        build.build(["2025-04"])
    assert "jcw_sum_equals" in str(failed.value)
    with pytest.raises(BuildFailed, match="nothing published"):
        publish.publish()
    assert snapshot.stat().st_ino == inode
    assert dump_tables(snapshot, publish.PUBLISHED_TABLES) == before


def test_publish_without_a_green_build_is_refused(data_dir: Path) -> None:
    with pytest.raises(BuildFailed, match="nothing published"):
        publish.publish()
    assert not snapshot.snapshot_path().exists()


def test_a_month_that_is_not_yyyy_mm_is_refused(data_dir: Path) -> None:
    with pytest.raises(BuildFailed, match="2026-13: not a reporting month"):
        build.build(["2026-13"])


def test_a_killed_build_leaves_a_database_that_opens_and_a_rerun_converges(
    data_dir: Path,
) -> None:
    import duckdb

    write_months(data_dir, MONTHS)
    build.build()
    reference = dump_tables(dbt.warehouse_dir() / "build.duckdb", publish.PUBLISHED_TABLES)
    log = dbt.warehouse_dir() / "dbt_logs" / "dbt.log"
    log_offset = log.stat().st_size
    builder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ingest.warehouse.build import build; build(full_refresh=True)",
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Kill it while dbt is writing the marts.
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and builder.poll() is None:
            with open(log, encoding="utf-8", errors="replace") as f:
                f.seek(log_offset)
                if "START sql incremental model main.fct_" in f.read():
                    break
            time.sleep(0.05)
        assert builder.poll() is None, "the build ended before it could be killed"
    finally:
        os.killpg(builder.pid, signal.SIGKILL)
        builder.wait()
    assert json.loads((dbt.warehouse_dir() / "build_state.json").read_text())["status"] == "running"
    # The database opens (read-write, as the next build opens it) once the killed dbt
    # process is gone (its lock goes with it).
    con = None
    deadline = time.monotonic() + 120
    while con is None:
        try:
            con = duckdb.connect(str(dbt.warehouse_dir() / "build.duckdb"))
        except duckdb.IOException as exc:
            if "lock" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    assert con.execute("select count(*) from dim_jobcenter").fetchall() == [(104,)]
    con.close()
    # Nothing was published from the killed build; the rerun converges to the same marts.
    with pytest.raises(BuildFailed, match="nothing published"):
        publish.publish()
    assert build.build()["status"] == "success"
    assert dump_tables(publish.publish(), publish.PUBLISHED_TABLES) == reference


PROJECT = "p1"


@pytest.mark.parametrize(
    ("asked", "previous", "db_exists", "expected"),
    [
        # A first build builds everything, whatever was asked.
        (["2026-10"], {}, False, ([], False)),
        # On top of a green build of the same project: exactly the months asked for.
        (["2026-10"], {"status": "success", "project": PROJECT}, True, (["2026-10"], False)),
        # The project changed: old rows came from old SQL, so refresh everything.
        (["2026-10"], {"status": "success", "project": "p0"}, True, ([], True)),
        # The last build was killed or failed: its months are built again too.
        (
            ["2026-10"],
            {"status": "running", "project": PROJECT, "periods": ["2026-09"]},
            True,
            (["2026-09", "2026-10"], False),
        ),
        # ... and if it was a build of everything, everything is built again.
        (["2026-10"], {"status": "failed", "project": PROJECT, "periods": []}, True, ([], False)),
    ],
)
def test_the_build_plan_keeps_incremental_tables_complete(
    asked: list[str], previous: dict, db_exists: bool, expected: tuple
) -> None:
    periods, full_refresh, reason = build.plan_build(asked, False, previous, db_exists, PROJECT)
    assert (periods, full_refresh) == expected
    assert reason


def test_rebuild_stops_at_a_landed_file_that_fails_its_checksum(data_dir: Path) -> None:
    from datetime import UTC, datetime

    from ingest.collect import landing
    from ingest.collect.client import FetchedReport
    from ingest.core.errors import ChecksumMismatch

    body = b"kreis_ags,period\n03159,2026-10\n"
    report = FetchedReport(
        body=body,
        content_type="text/csv; charset=utf-8",
        etag='"e"',
        last_modified=None,
        source_revision=1,
        http_status=200,
        url="http://127.0.0.1:1/jc/03159/v1/reports/2026-10",
    )
    landed = landing.land("03159", "2026-10", report, datetime(2026, 11, 8, tzinfo=UTC))
    obj = layout.landing_object(landed.sha256)
    obj.chmod(0o644)
    obj.write_bytes(body.replace(b"03159", b"03158"))
    sentinel = data_dir / "warehouse" / "build.duckdb"
    sentinel.parent.mkdir(parents=True, exist_ok=True)
    sentinel.write_bytes(b"previous build")

    with pytest.raises(ChecksumMismatch, match="03159 2026-10"):
        build.rebuild()
    assert sentinel.read_bytes() == b"previous build"  # nothing deleted, nothing built
