"""Which months the warehouse has not built yet: verdicts newer than the last green build.

The warehouse DAG reads the months to rebuild from the files, not from the asset events that
triggered it (bursts of asset events coalesce, so a run may carry only some of them): every
month with a verdict file written since the start of the last green build. The start time is
the watermark ``airflow/jcw_warehouse_watermark.json`` below the data directory (shared by
all workers); no watermark means the warehouse never built.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ingest.core import layout

WATERMARK = "jcw_warehouse_watermark.json"


def watermark_path() -> Path:
    """Start time of the last green warehouse build."""
    return layout.airflow_dir() / WATERMARK


def changed_periods(validation_dir: Path, since: float | None) -> list[str] | None:
    """Months with a verdict file written at or after ``since`` (epoch seconds).

    ``None`` when there is no watermark yet (a first build reads every file). Verdict files
    are write-once, so their mtime is when the verdict was made.
    """
    if since is None:
        return None
    months = set()
    for path in layout.verdict_files(root=validation_dir):
        try:
            if path.stat().st_mtime >= since:
                months.add(layout.verdict_period(path))
        except FileNotFoundError:
            continue
    return sorted(months)


def unbuilt_periods() -> list[str] | None:
    """Months with verdicts the warehouse has not built yet; None: it never built.

    2 s of slack for coarse file timestamps: a month built twice costs little.
    """
    since = read_watermark(watermark_path())
    return changed_periods(layout.validation_root(), None if since is None else since - 2)


def warehouse_behind() -> bool:
    """True if some verdict is not in the warehouse yet (or it never built and verdicts exist)."""
    periods = unbuilt_periods()
    if periods is None:
        return any(layout.verdict_files())
    return bool(periods)


def read_watermark(path: Path) -> float | None:
    """The start time of the last successful warehouse build, if any."""
    try:
        return float(json.loads(path.read_text())["build_started_at"])
    except (FileNotFoundError, ValueError, KeyError):
        return None


def write_watermark(path: Path, started_at: float) -> None:
    """Record the start of a successful build (atomic replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"build_started_at": started_at}))
    os.replace(tmp, path)
