"""The warehouse: build it with dbt, publish a read-only snapshot for BI, rebuild from files.

- ``build`` runs ``dbt build`` once, as a subprocess (safe inside Airflow's task runner),
  against ``warehouse/build.duckdb``. Only this process ever opens that file.
- ``publish`` copies the BI-facing marts of a green build into a new file written in
  DuckDB storage version 1.4 and moves it onto ``warehouse/jobcenters.duckdb`` with
  ``os.replace``: readers holding the old file keep their consistent view.
- ``rebuild`` deletes the build database and builds everything again from the files.

Run from a shell: ``python -m ingest.warehouse build [PERIOD ...]`` (also ``publish``,
``rebuild``, ``docs``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from ingest import settings
from ingest.errors import BuildFailed, ChecksumMismatch

log = logging.getLogger(__name__)

BUILD_DB = "build.duckdb"
SNAPSHOT_DB = "jobcenters.duckdb"
# The DuckDB storage format of the snapshot: DuckDB 1.4 and 1.5 (embedded in many BI
# drivers) cannot read files in the 2.0 format.
SNAPSHOT_STORAGE_VERSION = "v1.4.0"
# Tables BI reads, in the order they are copied into the snapshot.
PUBLISHED_TABLES: tuple[str, ...] = (
    "dim_jobcenter",
    "dim_gemeinde",
    "dim_period",
    "fct_caseload",
    "fct_integrations",
    "fct_jobcenter_month",
    "kpi_jobcenter_month",
    "land_month",
    "national_month",
    "submission_status",
    "fct_report_revisions",
    "fct_jobcenter_month_history",
    # The reporting marts (national report, rankings, target agreements).
    "comparison_group",
    "ranking_jobcenter_month",
    "target_achievement",
)
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FAILED_STATUSES = {"error", "fail", "runtime error"}
_PROJECT_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}


def warehouse_dir() -> Path:
    """``<JCW_DATA_DIR>/warehouse``: the build database, dbt artifacts and the snapshot."""
    return settings.data_dir() / settings.WAREHOUSE


def snapshot_path() -> Path:
    """The published BI snapshot."""
    return warehouse_dir() / SNAPSHOT_DB


def build(
    periods: list[str] | None = None, *, full_refresh: bool = False, as_of: str | None = None
) -> dict:
    """Run one ``dbt build``; return a summary. Raises BuildFailed naming the failed nodes.

    ``periods`` are the reporting months whose files changed: only they (and the § 48a
    windows of the 12 months after each) are rebuilt. ``None`` or an empty list reads
    every file. ``as_of`` (``YYYY-MM-DD``) is the reference date for ``is_final`` and
    overdue reports; ``None`` means the due date of the latest month with data.
    """
    periods = _checked_periods(periods or [])
    if as_of is not None and not _DATE.match(as_of):
        raise BuildFailed(None, None, f"as_of {as_of!r} is not a date YYYY-MM-DD")
    wh = warehouse_dir()
    wh.mkdir(parents=True, exist_ok=True)
    with _exclusive(wh / ".build.lock"):
        project = project_fingerprint()
        periods, full_refresh, plan = plan_build(
            periods, full_refresh, _read_state(wh), (wh / BUILD_DB).exists(), project
        )
        log.info("warehouse build plan: %s", plan)
        state = {
            "status": "running",
            "periods": periods,
            "full_refresh": full_refresh,
            "project": project,
            "plan": plan,
        }
        _write_state(wh, state)
        # Unit tests check the SQL logic, not the data: they run in CI (``unit_tests``).
        args = ["build", "--exclude-resource-type", "unit_test"]
        if full_refresh:
            args.append("--full-refresh")
        # A dbt that fails before running anything leaves no run_results.json: never read
        # the previous run's.
        (wh / "dbt_target" / "run_results.json").unlink(missing_ok=True)
        proc = _run_dbt(args, periods=periods, as_of=as_of)
        results = _read_run_results(wh / "dbt_target")
        failed = [
            r["unique_id"] for r in results.get("results", []) if r["status"] in _FAILED_STATUSES
        ]
        if proc.returncode != 0 or failed:
            state.update(status="failed", failed_nodes=failed)
            _write_state(wh, state)
            reason = (
                "dbt build failed: " + ", ".join(failed)
                if failed
                else f"dbt build exited with {proc.returncode}: {_tail(proc.stdout)}"
            )
            raise BuildFailed(None, None, reason)
        summary = {
            "status": "success",
            "periods": periods,
            "full_refresh": full_refresh,
            "project": project,
            "plan": plan,
            "invocation_id": results.get("metadata", {}).get("invocation_id"),
            "nodes": len(results.get("results", [])),
            "dbt_elapsed_s": round(results.get("elapsed_time", 0.0), 3),
        }
        _write_state(wh, summary)
        log.info("warehouse build succeeded: %s", summary)
        return summary


def unit_tests() -> dict[str, str]:
    """Run the dbt unit tests against the build database; return ``{unit test: status}``.

    ``build`` leaves them out (they test SQL logic on fixed inputs, not the data); CI runs
    them here. Raises BuildFailed when dbt fails before running any of them.
    """
    wh = warehouse_dir()
    wh.mkdir(parents=True, exist_ok=True)
    with _exclusive(wh / ".build.lock"):
        (wh / "dbt_target" / "run_results.json").unlink(missing_ok=True)
        proc = _run_dbt(["test", "--resource-type", "unit_test"])
        results = _read_run_results(wh / "dbt_target").get("results", [])
    if not results:
        raise BuildFailed(None, None, f"dbt unit tests did not run: {_tail(proc.stdout)}")
    return {r["unique_id"]: r["status"] for r in results}


def publish() -> Path:
    """Copy the marts of the last green build into a new snapshot and swap it in atomically.

    Raises BuildFailed if the last build did not succeed: the previous snapshot stays.
    """
    import duckdb

    wh = warehouse_dir()
    with _exclusive(wh / ".build.lock"):
        state = _read_state(wh)
        if state.get("status") != "success":
            raise BuildFailed(
                None, None, f"nothing published: the last build is {state.get('status', 'absent')}"
            )
        target = snapshot_path()
        # Under the lock no other publish runs: a leftover temp file is from a killed one.
        for stale in wh.glob(f"{SNAPSHOT_DB}.tmp-*"):
            stale.unlink()
        tmp = wh / f"{SNAPSHOT_DB}.tmp-{os.getpid()}"
        con = duckdb.connect()
        try:
            con.execute(f"attach '{wh / BUILD_DB}' as build (read_only)")
            con.execute(f"attach '{tmp}' as snap (storage_version '{SNAPSHOT_STORAGE_VERSION}')")
            for table in PUBLISHED_TABLES:
                con.execute(f"create table snap.main.{table} as select * from build.main.{table}")
                _copy_comments(con, table)
            con.execute(
                "create table snap.main.snapshot_info as select "
                "? as dbt_invocation_id, ? as storage_version, "
                "(select max(period) from build.main.fct_jobcenter_month) as latest_period",
                [state.get("invocation_id"), SNAPSHOT_STORAGE_VERSION],
            )
            con.execute("checkpoint snap")
            con.execute("detach snap")
            con.execute("detach build")
        finally:
            con.close()
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(wh)
    log.info("published %s (build %s)", target, state.get("invocation_id"))
    return target


def rebuild(as_of: str | None = None) -> dict:
    """Delete the build database, rebuild every table from the files, then publish.

    First re-hashes every landed object: a file that fails its checksum stops the rebuild
    (ChecksumMismatch) before anything is deleted, so the damage is reported, never built on.
    """
    from ingest import landing

    problems = landing.verify_all()
    if problems:
        raise ChecksumMismatch(
            None,
            None,
            f"{len(problems)} landed file(s) fail their checksum, first: {problems[0]}; "
            "nothing was rebuilt (docs/operations.md §8)",
        )
    wh = warehouse_dir()
    wh.mkdir(parents=True, exist_ok=True)
    with _exclusive(wh / ".build.lock"):
        for name in (BUILD_DB, f"{BUILD_DB}.wal", "build_state.json"):
            (wh / name).unlink(missing_ok=True)
    summary = build(None, full_refresh=True, as_of=as_of)
    summary["snapshot"] = str(publish())
    return summary


def docs() -> Path:
    """Generate the dbt docs site into ``<JCW_DATA_DIR>/docs/dbt``; return that folder."""
    out = settings.data_dir() / settings.DOCS / "dbt"
    out.mkdir(parents=True, exist_ok=True)
    with _exclusive(warehouse_dir() / ".build.lock"):
        proc = _run_dbt(["docs", "generate"], target_path=out)
    if proc.returncode != 0:
        raise BuildFailed(None, None, f"dbt docs generate failed: {_tail(proc.stdout)}")
    return out


def plan_build(
    periods: list[str], full_refresh: bool, previous: dict, db_exists: bool, project: str
) -> tuple[list[str], bool, str]:
    """Which months to build and whether to refresh every table, with the reason.

    An incremental build is only safe on top of a finished build of the same dbt project:
    a fresh warehouse builds everything, a changed project refreshes everything (old rows
    were computed by the old SQL), and the months of an unfinished build are carried over.
    """
    if not db_exists:
        return [], full_refresh, "no build database yet: build every month"
    if previous.get("project") != project:
        return [], True, "the dbt project changed since the last build: full refresh"
    if previous.get("status") != "success":
        pending = previous.get("periods")
        if periods and pending:
            merged = sorted(set(periods) | set(pending))
            return merged, full_refresh, "the last build did not finish: its months are added"
        return [], full_refresh, "the last build did not finish: build every month"
    if not periods:
        return [], full_refresh, "every month asked for"
    return periods, full_refresh, f"{len(periods)} month(s) asked for"


def project_fingerprint() -> str:
    """SHA-256 over the dbt project's source files (models, macros, seeds, tests, config)."""
    import hashlib

    digest = hashlib.sha256()
    root = settings.DBT_PROJECT_DIR
    skip = {"target", "logs", "dbt_packages"}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or rel.parts[0] in skip or path.suffix not in _PROJECT_SUFFIXES:
            continue
        if rel.parts[0].startswith("seeds") and rel.parts[0] != settings.SEEDS_DIR_NAME:
            continue  # another seeds directory (JCW_SEEDS_DIR), not the one dbt reads
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# --------------------------------------------------------------------------- helpers


def _checked_periods(periods: list[str]) -> list[str]:
    for p in periods:
        if not isinstance(p, str) or not _PERIOD.match(p):
            raise BuildFailed(None, str(p), "not a reporting month YYYY-MM")
    return sorted(set(periods))


def _run_dbt(
    args: list[str],
    *,
    target_path: Path | None = None,
    periods: list[str] | None = None,
    as_of: str | None = None,
) -> subprocess.CompletedProcess:
    """Run dbt in a child process with this data directory's target and log paths.

    The build's months and reference date go in as environment variables, always set (empty
    = every month / the default date): dbt then re-parses only the few files that read them,
    where a changed ``--vars`` value would re-parse the whole project on every build.
    """
    wh = warehouse_dir()
    wh.mkdir(parents=True, exist_ok=True)
    project = settings.DBT_PROJECT_DIR
    cmd = [
        sys.executable,
        "-m",
        "dbt.cli.main",
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target_path or wh / "dbt_target"),
        "--log-path",
        str(wh / "dbt_logs"),
    ]
    env = {
        **os.environ,
        "JCW_DATA_DIR": str(settings.data_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        "JCW_BUILD_PERIODS": ",".join(periods or []),
        "JCW_BUILD_AS_OF": as_of or "",
    }
    env["JCW_SEEDS_DIR"] = settings.SEEDS_DIR_NAME
    log.info("running dbt %s", " ".join(args))
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines()[-12:]:
        log.info("dbt: %s", line)
    return proc


def _read_run_results(target: Path) -> dict:
    path = target / "run_results.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _read_state(wh: Path) -> dict:
    try:
        return json.loads((wh / "build_state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(wh: Path, state: dict) -> None:
    tmp = wh / f"build_state.json.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, wh / "build_state.json")


def _copy_comments(con, table: str) -> None:
    """Carry the dbt descriptions (persisted as DuckDB comments) into the snapshot."""
    row = con.execute(
        "select comment from duckdb_tables() where database_name = 'build' "
        "and schema_name = 'main' and table_name = ?",
        [table],
    ).fetchone()
    if row and row[0]:
        con.execute(f"comment on table snap.main.{table} is {_quote(row[0])}")
    for column, comment in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'build' "
        "and schema_name = 'main' and table_name = ? and comment is not null",
        [table],
    ).fetchall():
        con.execute(f'comment on column snap.main.{table}."{column}" is {_quote(comment)}')


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _tail(text: str, lines: int = 8) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """One warehouse writer per data directory: concurrent builds queue here."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    """``python -m ingest.warehouse {build [PERIOD ...] | publish | rebuild | docs}``."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("build", "publish", "rebuild", "docs"):
        print("usage: python -m ingest.warehouse {build [PERIOD ...]|publish|rebuild|docs}")
        return 2
    try:
        if argv[0] == "build":
            print(json.dumps(build(argv[1:] or None)))
        elif argv[0] == "publish":
            print(publish())
        elif argv[0] == "rebuild":
            print(json.dumps(rebuild()))
        else:
            print(docs())
    except BuildFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
