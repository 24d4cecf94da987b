"""HTTP client for the jobcenter report endpoints: bounded, retried where it helps, and safe.

- Transient failures (connection reset/refused, 502/503/504, 429, truncated body) are
  retried with exponential backoff and jitter, at most ``max_retries`` times; a server's
  ``Retry-After`` is honoured (never re-requested earlier) as long as the waits it asks for
  add up to at most ``max_retry_after_s`` per report; a server asking for more is given up
  on at once (``rate_limited`` for 429, ``server_error`` for 503) instead of being slept
  through. 401/403/404 are never retried.
- Every report is bounded by connect and read timeouts and a total deadline shared by all
  attempts; one attempt (transport, redirects, size cap, content type) is
  :func:`ingest.collect.http.attempt`.

The retry loop is our own rather than urllib3's ``Retry``: it must also retry a truncated
streamed body, share one deadline across attempts and give up on a ``Retry-After`` beyond
the cap instead of sleeping through it.

Errors are :class:`ingest.core.errors.FetchError` with a stable ``kind`` and a reason built
from status codes and origins only, never from request objects, so no token can leak.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingest.collect import http, reply, watchdog
from ingest.collect.credentials import Endpoint
from ingest.core import periods, settings
from ingest.core.errors import FetchError

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

MAX_TRUNCATED_RETRIES = 2


@dataclass(frozen=True)
class IndexEntry:
    """One published report in a jobcenter's index."""

    period: str
    revision: int | None
    etag: str | None
    published_at: str | None


@dataclass(frozen=True)
class FetchedReport:
    """A report body exactly as received, with the response metadata that is kept."""

    body: bytes = field(repr=False)
    content_type: str
    etag: str | None
    last_modified: str | None
    source_revision: int | None
    http_status: int
    url: str
    # When revision 1 was published, as the endpoint says (X-Report-First-Published).
    first_published: str | None = None


class ReportClient:
    """One HTTP session for fetching reports of many jobcenters and periods.

    Not shared between threads: use one client per thread (see ``collector.collect_many``).
    """

    def __init__(
        self,
        *,
        resolve: Callable[[str], Endpoint] | None = None,
        connect_timeout_s: float = settings.CONNECT_TIMEOUT_S,
        read_timeout_s: float = settings.READ_TIMEOUT_S,
        deadline_s: float = settings.TOTAL_DEADLINE_S,
        max_body_bytes: int = settings.MAX_BODY_BYTES,
        max_retries: int = settings.MAX_RETRIES,
        backoff_base_s: float = settings.BACKOFF_BASE_S,
        max_retry_after_s: float = settings.MAX_RETRY_AFTER_S,
        ca_bundle: str | None = settings.CA_BUNDLE,
    ) -> None:
        import requests

        if resolve is None:
            from ingest.collect.credentials import endpoint as resolve
        self._resolve = resolve
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.deadline_s = deadline_s
        self.max_body_bytes = max_body_bytes
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.max_retry_after_s = max_retry_after_s
        # Verification is always on; a deployment may point it at its own CA bundle.
        self._verify: bool | str = ca_bundle or True
        self._random = secrets.SystemRandom()
        session = requests.Session()
        # No proxies, .netrc credentials or CA overrides from the environment: the
        # configured endpoint and token are the only ones used.
        session.trust_env = False
        adapter = watchdog.adapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = "jcw-ingest/0.1"
        self.session: requests.Session = session

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def __enter__(self) -> ReportClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # public API -----------------------------------------------------------------------

    def fetch_index(self, kreis_ags: str) -> list[IndexEntry]:
        """The jobcenter's index of published reports (``GET {base}/v1/reports``)."""
        resp = self._get(kreis_ags, None, "/v1/reports", etag=None, accept="application/json")
        if http.media_type(resp.headers.get("content-type")) != "application/json":
            raise FetchError(
                kreis_ags,
                None,
                "unexpected_content",
                f"index has content type {resp.headers.get('content-type')!r}, not JSON",
            )
        try:
            listed = json.loads(resp.body)["reports"]
            if not isinstance(listed, list):
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            raise FetchError(
                kreis_ags, None, "unexpected_content", "index is not the documented JSON"
            ) from None
        entries = []
        for r in listed:
            entry = _index_entry(r)
            if entry is None:
                log.error(
                    "jobcenter %s: index entry skipped, not the documented shape: %s",
                    kreis_ags,
                    reply.shorten(repr(r)),
                )
            else:
                entries.append(entry)
        return entries

    def fetch_report(
        self, kreis_ags: str, period: str, etag: str | None = None
    ) -> FetchedReport | None:
        """The report of ``period``, or None when the server says 304 (``etag`` unchanged).

        ``X-Report-Revision`` must be a revision number 1..2^31-1 when present (else
        ``unexpected_content``); the URL kept has no userinfo and no query values.
        """
        period = periods.parse_period(period)
        resp = self._get(
            kreis_ags,
            period,
            f"/v1/reports/{period}",
            etag=etag,
            accept="text/csv, application/json",
            check_type=True,
        )
        if resp.status == 304:
            if not etag:
                raise FetchError(
                    kreis_ags, period, "unexpected_status", "HTTP 304 to an unconditional request"
                )
            return None
        try:
            source_revision = reply.source_revision(resp.headers.get("x-report-revision"))
        except reply.MalformedHeader as exc:
            raise FetchError(
                kreis_ags, period, "unexpected_content", f"X-Report-Revision: {exc}"
            ) from None
        return FetchedReport(
            body=resp.body,
            content_type=resp.headers.get("content-type", ""),
            etag=resp.headers.get("etag"),
            last_modified=resp.headers.get("last-modified"),
            source_revision=source_revision,
            first_published=resp.headers.get("x-report-first-published"),
            http_status=resp.status,
            url=reply.redact_url(resp.url),
        )

    # retry loop -------------------------------------------------------------------------

    def _limits(self) -> http.Limits:
        return http.Limits(
            self.connect_timeout_s,
            self.read_timeout_s,
            self.deadline_s,
            self.max_body_bytes,
            self._verify,
        )

    def _backoff(self, attempt: int) -> float:
        base = self.backoff_base_s * (2 ** (attempt - 1))
        return base * self._random.uniform(0.5, 1.5)

    def _get(
        self,
        kreis_ags: str,
        period: str | None,
        path: str,
        *,
        etag: str | None,
        accept: str,
        check_type: bool = False,
    ) -> http.Response:
        ep = self._resolve(kreis_ags)
        req = http.Request(
            kreis_ags,
            period,
            ep,
            ep.base_url.rstrip("/") + path,
            etag,
            accept,
            check_type,
            deadline=time.monotonic() + self.deadline_s,
        )
        limits = self._limits()
        tally = {"retries": 0, "truncated": 0, "asked_to_wait": 0.0}
        while True:
            try:
                with watchdog.Watchdog(req.deadline - time.monotonic()) as guard:
                    try:
                        return http.attempt(self.session, limits, req)
                    except (http.Retry, FetchError) as exc:
                        if guard.fired and not (
                            isinstance(exc, FetchError) and exc.kind == "timeout"
                        ):
                            raise req.error(
                                "timeout",
                                f"not complete within the {self.deadline_s:.0f}s deadline",
                                transient=True,
                            ) from None
                        raise
            except http.Retry as r:
                time.sleep(self._wait_before_retry(req, r, tally))

    def _wait_before_retry(self, req: http.Request, r: http.Retry, tally: dict) -> float:
        """Seconds to wait before the next attempt, or FetchError when the budget is spent.

        ``tally`` counts retries, truncated bodies and the Retry-After waits asked for so far.
        """
        tally["retries"] += 1
        tally["truncated"] += r.kind == "truncated"
        retries = tally["retries"]
        if r.retry_after is not None:
            tally["asked_to_wait"] += r.retry_after
            if tally["asked_to_wait"] > self.max_retry_after_s:
                raise req.error(
                    r.kind,
                    f"{r.reason} with Retry-After {r.retry_after:.0f}s: waits of "
                    f"{tally['asked_to_wait']:.0f}s in all exceed the "
                    f"{self.max_retry_after_s:.0f}s this client grants a report",
                    transient=True,
                ) from None
        if retries > self.max_retries or tally["truncated"] > MAX_TRUNCATED_RETRIES:
            raise req.error(
                r.kind, f"{r.reason}; gave up after {retries} attempts", transient=True
            ) from None
        delay = self._backoff(retries)
        if r.retry_after is not None:
            # Never earlier than the server asked; jitter only adds.
            delay = r.retry_after + self._random.uniform(0, 0.1 * self.backoff_base_s)
        if time.monotonic() + delay >= req.deadline:
            raise req.error(
                r.kind,
                f"{r.reason}; next attempt in {delay:.1f}s would pass the "
                f"{self.deadline_s:.0f}s deadline",
                transient=True,
            ) from None
        log.warning(
            "jobcenter %s %s: %s, retry %d in %.2fs",
            req.kreis_ags,
            req.period or "index",
            r.reason,
            retries,
            delay,
        )
        return delay


def _index_entry(r: object) -> IndexEntry | None:
    """One entry of the index as checked values, or None if it is not the documented shape
    (a period ``YYYY-MM``, a revision 1..2^31-1 or none, an ETag and a date as text)."""
    if not isinstance(r, dict) or not periods.is_period(r.get("period")):
        return None
    etag, published_at = r.get("etag"), r.get("published_at")
    if not all(v is None or isinstance(v, str) for v in (etag, published_at)):
        return None
    try:
        revision = reply.source_revision(r.get("revision"))
    except reply.MalformedHeader:
        return None
    return IndexEntry(r["period"], revision, etag, published_at)
