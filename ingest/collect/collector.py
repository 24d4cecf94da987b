"""Collect reports: fetch each (jobcenter, period), land it, and record the outcome.

Idempotent by content: a request is conditional on the ETag of the latest landed revision,
and bytes already landed are the same revision again. Every attempt leaves its outcome in
the fetch log (:mod:`ingest.collect.fetch_log`). Jobcenters and months are checked keys
(:mod:`ingest.core.keys`) before the first request: a value that is not one raises
InvalidKey and nothing is fetched or written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

from ingest.collect import fetch_log, landing
from ingest.collect.client import ReportClient
from ingest.collect.fetch_log import OUTCOMES, outcome
from ingest.core import keys, layout, settings
from ingest.core import periods as months
from ingest.core.clock import today as reference_date
from ingest.core.clock import utc_now
from ingest.core.errors import ChecksumMismatch, FetchError, JcwError
from ingest.core.files import remove_stale_temp

log = logging.getLogger(__name__)


def collect_one(
    kreis_ags: str, period: str, client: ReportClient, now: datetime | None = None
) -> dict[str, Any]:
    """Fetch and land one report; write and return its outcome (never raises JcwError).

    InvalidKey (before anything is fetched) if ``kreis_ags`` or ``period`` is not a key.
    """
    kreis_ags, period = keys.kreis_ags(kreis_ags), months.parse_period(period)
    try:
        previous = landing.latest(kreis_ags, period)
        not_found_at = _not_found_at(kreis_ags, period)
        fetched = client.fetch_report(kreis_ags, period, etag=previous.etag if previous else None)
        at = now or utc_now()
        if fetched is None:  # 304: only possible for a conditional request, so previous exists
            result = outcome(
                kreis_ags,
                period,
                "unchanged",
                at,
                reason="HTTP 304: unchanged since the latest landed revision",
                revision=previous.revision if previous else None,
                sha256=previous.sha256 if previous else None,
            )
        else:
            landed = landing.land(kreis_ags, period, fetched, at, not_found_at=not_found_at)
            result = outcome(
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
        at = now or utc_now()
        state = "not_published" if exc.kind == "not_published" else "failed"
        result = outcome(kreis_ags, period, state, at, kind=exc.kind, reason=exc.reason)
        if state == "failed":
            log.warning("jobcenter %s %s: fetch failed: %s", kreis_ags, period, exc.reason)
    except JcwError as exc:
        at = now or utc_now()
        kind = "checksum_mismatch" if isinstance(exc, ChecksumMismatch) else "landing"
        result = outcome(kreis_ags, period, "failed", at, kind=kind, reason=exc.reason)
        log.error("jobcenter %s %s: landing failed: %s", kreis_ags, period, exc.reason)
    fetch_log.write(result)
    return result


def _not_found_at(kreis_ags: str, period: str) -> datetime | None:
    """When the last fetch found the report not published (None: it did not)."""
    last = fetch_log.read(kreis_ags, period)
    if not last or last.get("outcome") != "not_published":
        return None
    try:
        return datetime.fromisoformat(last["at"])
    except (KeyError, TypeError, ValueError):
        return None


def collect(
    kreis_ags: str,
    periods: Iterable[str],
    *,
    client: ReportClient | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Fetch and land every period of one jobcenter; JSON-serialisable outcomes, no tokens."""
    kreis_ags = keys.kreis_ags(kreis_ags)
    periods = [months.parse_period(p) for p in periods]
    own = client is None
    client = client or ReportClient()
    try:
        return [collect_one(kreis_ags, p, client, now) for p in periods]
    finally:
        if own:
            client.close()


def discover(
    kreis_ags: str,
    client: ReportClient,
    *,
    periods: Iterable[str] | None = None,
    today: date | None = None,
) -> list[tuple[str, int | None, str | None]]:
    """(period, revision, etag) of published reports whose ETag is not landed yet.

    These are new periods and corrections; a report already landed with that ETag is left
    out. ``periods`` limits the answer to those months (the index lists every month since
    2005). An index entry for a month before 2005-01 or after the month of ``today`` (the
    reference date) is logged and left out.
    """
    wanted = set(periods) if periods is not None else None
    day = reference_date(today)
    out = []
    for entry in client.fetch_index(kreis_ags):
        if wanted is not None and entry.period not in wanted:
            continue
        try:
            months.reporting_period(entry.period, day)
        except months.InvalidPeriod as exc:
            log.error("jobcenter %s: index entry left out: %s", kreis_ags, exc)
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
    on_done: Callable[[list[dict[str, Any]]], None] | None = None,
) -> list[dict[str, Any]]:
    """:func:`collect` for many jobcenters at once, in threads (one HTTP session per thread).

    A failing or slow jobcenter occupies one worker for at most its deadline and never stops
    the others; every (jobcenter, period) gets an outcome. ``on_done`` sees the outcomes of
    each jobcenter as it finishes (from a worker thread).
    """
    periods = [months.parse_period(p) for p in periods]
    kreis_ags_list = [keys.kreis_ags(ags) for ags in kreis_ags_list]
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
            at = now or utc_now()
            reason = f"unexpected {type(exc).__name__}: {exc}"
            log.exception("jobcenter %s: collect failed", ags)
            results = []
            for p in periods:
                r = outcome(ags, p, "failed", at, kind="internal", reason=reason)
                fetch_log.write(r)
                results.append(r)
            return results

    def tracked(ags: str) -> list[dict[str, Any]]:
        results = work(ags)
        if on_done is not None:
            on_done(results)
        return results

    remove_stale_temp(layout.landing_dir(), older_than_s=settings.STALE_TEMP_S)
    try:
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="jcw-fetch") as pool:
            results = list(pool.map(tracked, list(kreis_ags_list)))
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
