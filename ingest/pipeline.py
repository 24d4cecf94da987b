"""Collect reports: fetch each (jobcenter, period), land it, and record the outcome.

Idempotent by content: a request is conditional on the ETag of the latest landed revision,
and bytes already landed are the same revision again. Every attempt leaves
``fetch_log/<period>/<ags>.json`` (replaced) saying what happened, so the status view can
tell "not published yet" from "endpoint broken" without a database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest import landing, settings
from ingest.errors import ChecksumMismatch, FetchError, JcwError
from ingest.fetch import ReportClient
from ingest.files import remove_stale_temp, replace_json

log = logging.getLogger(__name__)

OUTCOMES = ("landed", "unchanged", "not_published", "failed")


def fetch_log_path(kreis_ags: str, period: str) -> Path:
    return settings.data_dir() / settings.FETCH_LOG / period / f"{kreis_ags}.json"


def read_fetch_log(kreis_ags: str, period: str) -> dict[str, Any] | None:
    """The last fetch outcome of one report, or None if it was never fetched."""
    import json

    path = fetch_log_path(kreis_ags, period)
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return None


def _outcome(
    kreis_ags: str,
    period: str,
    outcome: str,
    at: datetime,
    *,
    kind: str | None = None,
    reason: str | None = None,
    revision: int | None = None,
    sha256: str | None = None,
    is_new: bool = False,
) -> dict[str, Any]:
    return {
        "kreis_ags": kreis_ags,
        "period": period,
        "outcome": outcome,
        "kind": kind,
        "reason": reason,
        "revision": revision,
        "sha256": sha256,
        "is_new": is_new,
        "at": at.isoformat(),
    }


def collect_one(
    kreis_ags: str, period: str, client: ReportClient, now: datetime | None = None
) -> dict[str, Any]:
    """Fetch and land one report; write and return its outcome (never raises JcwError)."""
    try:
        previous = landing.latest(kreis_ags, period)
        fetched = client.fetch_report(kreis_ags, period, etag=previous.etag if previous else None)
        at = now or datetime.now(UTC)
        if fetched is None:  # 304: only possible for a conditional request, so previous exists
            result = _outcome(
                kreis_ags,
                period,
                "unchanged",
                at,
                reason="HTTP 304: unchanged since the latest landed revision",
                revision=previous.revision if previous else None,
                sha256=previous.sha256 if previous else None,
            )
        else:
            landed = landing.land(kreis_ags, period, fetched, at)
            result = _outcome(
                kreis_ags,
                period,
                "landed" if landed.is_new else "unchanged",
                at,
                reason=None if landed.is_new else "same bytes as an already landed revision",
                revision=landed.revision,
                sha256=landed.sha256,
                is_new=landed.is_new,
            )
    except FetchError as exc:
        at = now or datetime.now(UTC)
        outcome = "not_published" if exc.kind == "not_published" else "failed"
        result = _outcome(kreis_ags, period, outcome, at, kind=exc.kind, reason=exc.reason)
        if outcome == "failed":
            log.warning("jobcenter %s %s: fetch failed: %s", kreis_ags, period, exc.reason)
    except JcwError as exc:
        at = now or datetime.now(UTC)
        kind = "checksum_mismatch" if isinstance(exc, ChecksumMismatch) else "landing"
        result = _outcome(kreis_ags, period, "failed", at, kind=kind, reason=exc.reason)
        log.error("jobcenter %s %s: landing failed: %s", kreis_ags, period, exc.reason)
    replace_json(fetch_log_path(kreis_ags, period), result)
    return result


def collect(
    kreis_ags: str,
    periods: Iterable[str],
    *,
    client: ReportClient | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Fetch and land every period of one jobcenter; JSON-serialisable outcomes, no tokens."""
    own = client is None
    client = client or ReportClient()
    try:
        return [collect_one(kreis_ags, p, client, now) for p in periods]
    finally:
        if own:
            client.close()


def discover(
    kreis_ags: str, client: ReportClient, *, periods: Iterable[str] | None = None
) -> list[tuple[str, int | None, str | None]]:
    """(period, revision, etag) of published reports whose ETag is not landed yet.

    These are new periods and corrections; a report already landed with that ETag is left
    out. ``periods`` limits the answer to those months (the index lists every month since
    2005).
    """
    wanted = set(periods) if periods is not None else None
    out = []
    for entry in client.fetch_index(kreis_ags):
        if wanted is not None and entry.period not in wanted:
            continue
        landed_etags = {r.etag for r in landing.revisions(kreis_ags, entry.period)}
        if entry.etag is None or entry.etag not in landed_etags:
            out.append((entry.period, entry.revision, entry.etag))
    return sorted(out)


def collect_many(
    kreis_ags_list: Iterable[str],
    periods: Iterable[str],
    *,
    max_workers: int = 8,
    now: datetime | None = None,
    client_factory: Callable[[], ReportClient] | None = None,
) -> list[dict[str, Any]]:
    """:func:`collect` for many jobcenters at once, in threads (one HTTP session per thread).

    A failing or slow jobcenter occupies one worker for at most its deadline and never stops
    the others; every (jobcenter, period) gets an outcome.
    """
    periods = list(periods)
    factory = client_factory or ReportClient
    local = threading.local()
    clients: list[ReportClient] = []
    lock = threading.Lock()

    def work(ags: str) -> list[dict[str, Any]]:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = factory()
            with lock:
                clients.append(client)
        try:
            return collect(ags, periods, client=client, now=now)
        except Exception as exc:  # a bug must not take the other jobcenters down
            at = now or datetime.now(UTC)
            reason = f"unexpected {type(exc).__name__}: {exc}"
            log.exception("jobcenter %s: collect failed", ags)
            results = []
            for p in periods:
                r = _outcome(ags, p, "failed", at, kind="internal", reason=reason)
                replace_json(fetch_log_path(ags, p), r)
                results.append(r)
            return results

    remove_stale_temp(settings.data_dir() / settings.LANDING, older_than_s=settings.STALE_TEMP_S)
    try:
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="jcw-fetch") as pool:
            results = list(pool.map(work, list(kreis_ags_list)))
    finally:
        for c in clients:
            c.close()
    return [r for per_jc in results for r in per_jc]


def summarize(outcomes: list[dict[str, Any]]) -> dict[str, int]:
    """Count outcomes by kind of result."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for o in outcomes:
        counts[o["outcome"]] = counts.get(o["outcome"], 0) + 1
    return counts
