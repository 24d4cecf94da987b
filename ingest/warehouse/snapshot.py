"""The published BI snapshot, read-only: the one place that opens it for reading.

Everyone who reads the warehouse (the national report, the demo, the benchmarks, the CLI)
opens ``warehouse/jobcenters.duckdb`` through here: read-only, one short-lived connection,
so a publish can replace the file at any time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.core import layout

SNAPSHOT_DB = "jobcenters.duckdb"


def snapshot_path() -> Path:
    """The published BI snapshot."""
    return layout.warehouse_dir() / SNAPSHOT_DB


@contextlib.contextmanager
def connect(path: Path | None = None) -> Iterator[Any]:
    """A read-only DuckDB connection to the snapshot (``path`` or the published one)."""
    import duckdb

    con = duckdb.connect(str(path or snapshot_path()), read_only=True)
    try:
        yield con
    finally:
        con.close()


def query(sql: str, params: list | None = None, *, path: Path | None = None) -> list[tuple]:
    """One query on the snapshot, connection closed right after."""
    with connect(path) as con:
        return con.execute(sql, params or []).fetchall()


def rows(con: Any, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    """The result of ``sql`` on an open connection as one dict per row."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def publication(path: Path | None = None) -> dict[str, Any] | None:
    """Who put the snapshot there: ``snapshot_info`` as a dict, None if nothing is published.

    Keys include ``airflow_run_id`` (None when published by hand) and ``published_at`` (UTC);
    a snapshot published before they were recorded lacks both.
    """
    target = path or snapshot_path()
    if not target.exists():
        return None
    with connect(target) as con:
        found = rows(con, "select * from snapshot_info")
    return found[0] if found else None
