"""dbt as a child process: the one writer of ``warehouse/build.duckdb``.

Runs dbt (dbt-duckdb) with this data directory's target and log paths, one run at a time
per data directory (:func:`exclusive`, a file lock that concurrent builds queue on), and
reads what it reports in ``run_results.json``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from ingest.core import layout, settings

log = logging.getLogger(__name__)

BUILD_DB = "build.duckdb"
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


def warehouse_dir() -> Path:
    """``<JCW_DATA_DIR>/warehouse``: the build database, dbt artifacts and the snapshot."""
    return layout.warehouse_dir()


def target_dir() -> Path:
    """dbt's target path of this data directory (manifest, run_results.json)."""
    return warehouse_dir() / "dbt_target"


def run_dbt(
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
        str(target_path or target_dir()),
        "--log-path",
        str(wh / "dbt_logs"),
    ]
    env = {
        **os.environ,
        "JCW_DATA_DIR": str(layout.data_dir()),
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


def read_run_results(target: Path) -> dict:
    path = target / "run_results.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def tail(text: str, lines: int = 8) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """One warehouse writer per data directory: concurrent builds queue here."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
