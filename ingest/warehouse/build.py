"""The warehouse build: one ``dbt build`` over the files, incremental by month.

``build`` runs dbt once (:mod:`ingest.warehouse.dbt`) against ``warehouse/build.duckdb``,
rebuilding only the months whose files changed (and the § 48a windows they move);
:func:`plan_build` falls back to a full build when that would not be safe. ``rebuild``
deletes the build database and builds everything again from the files, then publishes.
``docs`` writes the dbt docs as one self-contained page, ``docs/dbt/index.html``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ingest.core import clock, layout, settings
from ingest.core import periods as months
from ingest.core.errors import BuildFailed, ChecksumMismatch
from ingest.warehouse.dbt import (
    BUILD_DB,
    FAILED_STATUSES,
    exclusive,
    fsync,
    lock_holder,
    read_run_results,
    run_dbt,
    tail,
    target_dir,
    warehouse_dir,
)
from ingest.warehouse.state import read_state, write_state

log = logging.getLogger(__name__)

_PROJECT_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}
# The published dbt docs: one self-contained page, and the prefix of its temporary target.
DOCS_PAGE = "index.html"
DOCS_STATE = "docs_state.json"
_DOCS_TMP_PREFIX = ".dbt-docs-tmp-"


def build(
    periods: list[str] | None = None,
    *,
    full_refresh: bool = False,
    as_of: str | date | None = None,
    on_node: Callable[[int, int], None] | None = None,
) -> dict:
    """Run one ``dbt build``; return a summary. Raises BuildFailed naming the failed nodes.

    ``periods`` are the reporting months whose files changed: only they (and the § 48a
    windows of the 12 months after each) are rebuilt. ``None`` or an empty list reads
    every file. ``as_of`` is the reference date for ``is_final``, overdue reports and
    coverage: the run's date (``YYYY-MM-DD``); ``None`` reads the one clock
    (:func:`ingest.core.clock.today`). ``on_node(done, total)`` follows dbt's nodes.
    """
    periods = _checked_periods(periods or [])
    try:
        as_of = clock.today(as_of).isoformat()
    except clock.InvalidDate as exc:
        raise BuildFailed(None, None, f"as_of: {exc}") from None
    wh = warehouse_dir()
    wh.mkdir(parents=True, exist_ok=True)
    with exclusive(wh / ".build.lock"):
        project = project_fingerprint()
        periods, full_refresh, plan = plan_build(
            periods, full_refresh, read_state(wh), (wh / BUILD_DB).exists(), project
        )
        log.info("warehouse build plan: %s", plan)
        state = {
            "status": "running",
            "periods": periods,
            "full_refresh": full_refresh,
            "project": project,
            "plan": plan,
        }
        write_state(wh, state)
        results = _dbt_build(full_refresh, (periods, as_of), state, wh, on_node)
        summary = {
            "status": "success",
            "as_of": as_of,
            "periods": periods,
            "full_refresh": full_refresh,
            "project": project,
            "plan": plan,
            "invocation_id": results.get("metadata", {}).get("invocation_id"),
            "nodes": len(results.get("results", [])),
            "dbt_elapsed_s": round(results.get("elapsed_time", 0.0), 3),
        }
        write_state(wh, summary)
        log.info("warehouse build succeeded: %s", summary)
        return summary


def _dbt_build(
    full_refresh: bool,
    scope: tuple[list[str], str | None],
    state: dict,
    wh: Path,
    on_node: Callable[[int, int], None] | None = None,
) -> dict:
    """Run ``dbt build`` for ``scope`` (periods, as_of) and return its run results;
    BuildFailed (state saved) if it failed."""
    periods, as_of = scope
    # Unit tests check the SQL logic, not the data: they run in CI (``unit_tests``).
    args = ["build", "--exclude-resource-type", "unit_test"]
    if full_refresh:
        args.append("--full-refresh")
    # A dbt that fails before running anything leaves no run_results.json: never read
    # the previous run's.
    (target_dir() / "run_results.json").unlink(missing_ok=True)
    proc = run_dbt(args, periods=periods, as_of=as_of, on_line=_node_lines(on_node))
    results = read_run_results(target_dir())
    failed = [r for r in results.get("results", []) if r["status"] in FAILED_STATUSES]
    if proc.returncode != 0 or failed:
        state.update(status="failed", failed_nodes=[r["unique_id"] for r in failed])
        write_state(wh, state)
        raise BuildFailed(None, None, _failure_reason(proc, failed))
    return results


# dbt's line for a finished node: "12:00:01  3 of 85 OK created sql table model main.x".
_NODE_DONE = re.compile(r"\b(\d+) of (\d+) (?:OK|PASS|WARN|ERROR|FAIL|SKIP)\b")


def _node_lines(on_node: Callable[[int, int], None] | None) -> Callable[[str], None] | None:
    """A line handler calling ``on_node(done, total)`` for each node dbt finishes."""
    if on_node is None:
        return None
    done = 0

    def on_line(line: str) -> None:
        nonlocal done
        match = _NODE_DONE.search(line)
        if match:
            done += 1
            on_node(done, int(match.group(2)))

    return on_line


def _failure_reason(proc, failed: list[dict]) -> str:
    """What went wrong, in one line: the process holding the database, or each failed node
    with the first line of its error (which names the file DuckDB could not read)."""
    holder = lock_holder(proc.stdout + proc.stderr)
    if holder:
        return (
            f"the build database {BUILD_DB} is locked by {holder}, a dbt left over from "
            "an earlier build; stop that process, then build again"
        )
    if not failed:
        return f"dbt build exited with {proc.returncode}: {tail(proc.stdout)}"
    parts = []
    for r in failed:
        message = " ".join((r.get("message") or "").split())
        parts.append(r["unique_id"] + (f" ({message[:300]})" if message else ""))
    return "dbt build failed: " + "; ".join(parts)


def unit_tests() -> dict[str, str]:
    """Run the dbt unit tests against the build database; return ``{unit test: status}``.

    ``build`` leaves them out (they test SQL logic on fixed inputs, not the data); CI runs
    them here. Raises BuildFailed when dbt fails before running any of them.
    """
    wh = warehouse_dir()
    wh.mkdir(parents=True, exist_ok=True)
    with exclusive(wh / ".build.lock"):
        (target_dir() / "run_results.json").unlink(missing_ok=True)
        proc = run_dbt(["test", "--resource-type", "unit_test"])
        results = read_run_results(target_dir()).get("results", [])
    if not results:
        raise BuildFailed(None, None, f"dbt unit tests did not run: {tail(proc.stdout)}")
    return {r["unique_id"]: r["status"] for r in results}


def rebuild(
    as_of: str | date | None = None, on_node: Callable[[int, int], None] | None = None
) -> dict:
    """Delete the build database, rebuild every table from the files, then publish.

    First re-hashes every landed object: a file that fails its checksum stops the rebuild
    (ChecksumMismatch) before anything is deleted, so the damage is reported, never built on.
    """
    from ingest.collect import landing

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
    with exclusive(wh / ".build.lock"):
        for name in (BUILD_DB, f"{BUILD_DB}.wal", "build_state.json"):
            (wh / name).unlink(missing_ok=True)
    summary = build(None, full_refresh=True, as_of=as_of, on_node=on_node)
    from ingest.warehouse.publish import publish

    summary["snapshot"] = str(publish())
    return summary


def docs(day: str | date | None = None) -> Path:
    """Generate the dbt docs into ``<JCW_DATA_DIR>/docs/dbt/index.html``; return that folder.

    One self-contained page (``dbt docs generate --static``: manifest and catalog embedded),
    so it opens from ``file://``. dbt writes into a temporary target folder beside the
    published one; only the page is moved into place (``os.replace``) and nothing else stays
    in the folder. A failed generation raises BuildFailed and leaves the previous docs.
    ``day`` (the one clock if None) and the dbt project are recorded for :func:`docs_current`.
    """
    stamp = _docs_stamp(day)
    out = layout.docs_dir("dbt")
    out.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(warehouse_dir() / ".build.lock"):
        # Under the lock no other generation runs: a leftover is from a killed one.
        for stale in out.parent.glob(f"{_DOCS_TMP_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=_DOCS_TMP_PREFIX, dir=out.parent))
        try:
            # The build's parse cache spares dbt a full parse of the project.
            cache = target_dir() / "partial_parse.msgpack"
            if cache.is_file():
                shutil.copyfile(cache, tmp / cache.name)
            proc = run_dbt(["docs", "generate", "--static"], target_path=tmp)
            page = tmp / "static_index.html"
            if proc.returncode != 0 or not page.is_file():
                raise BuildFailed(None, None, f"dbt docs generate failed: {tail(proc.stdout)}")
            _publish_docs_page(page, out)
            write_state(warehouse_dir(), stamp, DOCS_STATE)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def docs_current(day: str | date | None = None) -> bool:
    """True if the docs page was generated on ``day`` (the one clock if None) from this dbt
    project. The warehouse DAG then leaves it alone: its catalog (row counts, sizes) is a
    day old at most, and a build after every delivery does not hold the writer pool for
    another dbt run that changes nothing a reader needs."""
    page = layout.docs_dir("dbt") / DOCS_PAGE
    return page.is_file() and read_state(warehouse_dir(), DOCS_STATE) == _docs_stamp(day)


def _docs_stamp(day: str | date | None) -> dict[str, str]:
    """What a docs page is generated from: the day and the dbt project's fingerprint."""
    return {"day": clock.today(day).isoformat(), "project": project_fingerprint()}


def _publish_docs_page(page: Path, out: Path) -> None:
    """Move ``page`` onto ``out/index.html`` atomically; remove everything else in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    fsync(page)
    os.replace(page, out / DOCS_PAGE)
    for leftover in out.iterdir():  # manifest, catalog, compiled/ ... of older generators
        if leftover.name == DOCS_PAGE:
            continue
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    fsync(out)


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
        if not months.is_period(p):
            raise BuildFailed(None, str(p), "not a reporting month YYYY-MM")
    return sorted(set(periods))
