"""HTTP client for the jobcenter report endpoints: bounded, retried where it helps, and safe.

- Transient failures (connection reset/refused, 502/503/504, 429, truncated body) are
  retried with exponential backoff and jitter, at most ``max_retries`` times; a server's
  ``Retry-After`` is honoured (never re-requested earlier) as long as the waits it asks for
  add up to at most ``max_retry_after_s`` per report; a server asking for more is given up
  on at once (``rate_limited`` for 429, ``server_error`` for 503) instead of being slept
  through. 401/403/404 are never retried.
- Every report is bounded by connect and read timeouts and a total deadline. The deadline
  is hard: a watchdog shuts the socket down when it passes, so neither headers nor a body
  trickling in one byte at a time can hold a worker longer.
- The body is streamed with a size cap, with or without ``Content-Length``; nothing is
  returned (so nothing can be written) for a body over the cap.
- TLS certificates are always verified. Redirects are followed only within the configured
  origin (scheme, host and port), so the bearer token never goes anywhere else.
- Only known content types are accepted (``text/csv``, ``application/json``); an HTML page
  or an unknown type is ``unexpected_content`` before anything is parsed.

The retry loop is our own rather than urllib3's ``Retry``: it must also retry a truncated
streamed body, share one deadline across attempts and give up on a ``Retry-After`` beyond
the cap instead of sleeping through it.

Errors are :class:`ingest.errors.FetchError` with a stable ``kind`` and a reason built from
status codes and origins only, never from request objects, so no token can leak.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from ingest import settings
from ingest.credentials import Endpoint
from ingest.errors import FetchError

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
REPORT_CONTENT_TYPES = frozenset({"text/csv", "application/csv", "application/json"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({502, 503, 504})
DEFAULT_PORTS = {"http": 80, "https": 443}
READ_CHUNK = 64 * 1024
MAX_TRUNCATED_RETRIES = 2
MAX_REDIRECTS = 3


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


@dataclass
class _Retry(Exception):
    """A transient failure of one attempt; the retry loop decides whether to try again."""

    kind: str
    reason: str
    retry_after: float | None = None


@dataclass
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    return scheme, (parts.hostname or "").lower(), port


def _origin_text(o: tuple[str, str, int]) -> str:
    return f"{o[0]}://{o[1]}:{o[2]}"


def media_type(content_type: str | None) -> str:
    """``text/csv; charset=utf-8`` → ``text/csv``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _int_or_none(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


_watched = threading.local()


def _register(conn: object) -> None:
    """Called by our connections when they are used: the current attempt's watchdog sees them."""
    conns = getattr(_watched, "conns", None)
    if conns is not None:
        conns.append(conn)


class _Watchdog:
    """Shuts down the sockets of one attempt when its deadline passes (unblocks any read)."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._done = False
        self.fired = False
        self._conns: list[object] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        _watched.conns = self._conns
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()
        _watched.conns = None

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            for conn in self._conns:
                sock = getattr(conn, "sock", None)
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass


def _adapter():
    """A requests adapter whose connections report themselves to the current watchdog."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class WatchedHTTPConnection(HTTPConnection):
        def connect(self) -> None:
            _register(self)
            super().connect()

        def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            _register(self)
            return super().request(*args, **kwargs)

    class WatchedHTTPSConnection(HTTPSConnection):
        def connect(self) -> None:
            _register(self)
            super().connect()

        def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            _register(self)
            return super().request(*args, **kwargs)

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    class WatchedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": WatchedHTTPPool,
                "https": WatchedHTTPSPool,
            }

    return WatchedAdapter(max_retries=0, pool_connections=4, pool_maxsize=4)


class ReportClient:
    """One HTTP session for fetching reports of many jobcenters and periods.

    Not shared between threads: use one client per thread (see ``pipeline.collect_many``).
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
            from ingest.credentials import endpoint as resolve
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
        adapter = _adapter()
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
        if media_type(resp.headers.get("content-type")) != "application/json":
            raise FetchError(
                kreis_ags,
                None,
                "unexpected_content",
                f"index has content type {resp.headers.get('content-type')!r}, not JSON",
            )
        try:
            doc = json.loads(resp.body)
            entries = [
                IndexEntry(
                    period=str(r["period"]),
                    revision=_int_or_none(r.get("revision")),
                    etag=r.get("etag"),
                    published_at=r.get("published_at"),
                )
                for r in doc["reports"]
            ]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise FetchError(
                kreis_ags, None, "unexpected_content", "index is not the documented JSON"
            ) from None
        return [e for e in entries if PERIOD_RE.match(e.period)]

    def fetch_report(
        self, kreis_ags: str, period: str, etag: str | None = None
    ) -> FetchedReport | None:
        """The report of ``period``, or None when the server says 304 (``etag`` unchanged)."""
        if not PERIOD_RE.match(period):
            raise ValueError(f"period must be YYYY-MM, got {period!r}")
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
        return FetchedReport(
            body=resp.body,
            content_type=resp.headers.get("content-type", ""),
            etag=resp.headers.get("etag"),
            last_modified=resp.headers.get("last-modified"),
            source_revision=_int_or_none(resp.headers.get("x-report-revision")),
            http_status=resp.status,
            url=resp.url,
        )

    # retry loop -------------------------------------------------------------------------

    def _deadline_passed(self, kreis_ags: str, period: str | None) -> FetchError:
        return FetchError(
            kreis_ags,
            period,
            "timeout",
            f"not complete within the {self.deadline_s:.0f}s deadline",
            transient=True,
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
    ) -> _Response:
        ep = self._resolve(kreis_ags)
        url = ep.base_url.rstrip("/") + path
        deadline = time.monotonic() + self.deadline_s
        retries = 0
        truncated = 0
        asked_to_wait = 0.0  # sum of the server's Retry-After so far
        while True:
            try:
                with _Watchdog(deadline - time.monotonic()) as watchdog:
                    try:
                        return self._attempt(
                            kreis_ags, period, ep, url, etag, accept, check_type, deadline
                        )
                    except (_Retry, FetchError) as exc:
                        if watchdog.fired and not (
                            isinstance(exc, FetchError) and exc.kind == "timeout"
                        ):
                            raise self._deadline_passed(kreis_ags, period) from None
                        raise
            except _Retry as r:
                retries += 1
                truncated += r.kind == "truncated"
                if r.retry_after is not None:
                    asked_to_wait += r.retry_after
                    if asked_to_wait > self.max_retry_after_s:
                        raise FetchError(
                            kreis_ags,
                            period,
                            r.kind,
                            f"{r.reason} with Retry-After {r.retry_after:.0f}s: waits of "
                            f"{asked_to_wait:.0f}s in all exceed the {self.max_retry_after_s:.0f}s "
                            "this client grants a report",
                            transient=True,
                        ) from None
                if retries > self.max_retries or truncated > MAX_TRUNCATED_RETRIES:
                    raise FetchError(
                        kreis_ags,
                        period,
                        r.kind,
                        f"{r.reason}; gave up after {retries} attempts",
                        transient=True,
                    ) from None
                delay = self._backoff(retries)
                if r.retry_after is not None:
                    # Never earlier than the server asked; jitter only adds.
                    delay = r.retry_after + self._random.uniform(0, 0.1 * self.backoff_base_s)
                if time.monotonic() + delay >= deadline:
                    raise FetchError(
                        kreis_ags,
                        period,
                        r.kind,
                        f"{r.reason}; next attempt in {delay:.1f}s would pass the "
                        f"{self.deadline_s:.0f}s deadline",
                        transient=True,
                    ) from None
                log.warning(
                    "jobcenter %s %s: %s, retry %d in %.2fs",
                    kreis_ags,
                    period or "index",
                    r.reason,
                    retries,
                    delay,
                )
                time.sleep(delay)

    def _attempt(
        self,
        kreis_ags: str,
        period: str | None,
        ep: Endpoint,
        url: str,
        etag: str | None,
        accept: str,
        check_type: bool,
        deadline: float,
    ) -> _Response:
        import requests

        home = origin(ep.base_url)
        for _hop in range(MAX_REDIRECTS + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(
                    kreis_ags, period, "timeout", f"no answer within {self.deadline_s:.0f}s"
                )
            headers = {"Authorization": f"Bearer {ep.token}", "Accept": accept}
            if etag:
                headers["If-None-Match"] = etag
            timeout = (min(self.connect_timeout_s, remaining), min(self.read_timeout_s, remaining))
            try:
                resp = self.session.get(
                    url,
                    headers=headers,
                    timeout=timeout,
                    stream=True,
                    allow_redirects=False,
                    verify=self._verify,
                )
            except requests.exceptions.SSLError:
                raise FetchError(
                    kreis_ags,
                    period,
                    "connection",
                    f"TLS handshake with {_origin_text(home)} failed (certificate not trusted)",
                ) from None
            except requests.exceptions.ConnectTimeout:
                raise FetchError(
                    kreis_ags,
                    period,
                    "timeout",
                    f"no connection to {_origin_text(home)} within {timeout[0]:.0f}s",
                    transient=True,
                ) from None
            except requests.exceptions.ReadTimeout:
                raise FetchError(
                    kreis_ags,
                    period,
                    "timeout",
                    f"no response from {_origin_text(home)} within {timeout[1]:.0f}s",
                    transient=True,
                ) from None
            except requests.exceptions.ConnectionError as exc:
                raise _Retry(
                    "connection", f"connection to {_origin_text(home)} failed ({_cause(exc)})"
                ) from None
            except requests.exceptions.RequestException as exc:
                raise FetchError(
                    kreis_ags, period, "connection", f"request failed ({type(exc).__name__})"
                ) from None
            with resp:
                status = resp.status_code
                if status in REDIRECT_STATUSES:
                    target = urljoin(url, resp.headers.get("Location", ""))
                    if origin(target) != home:
                        raise FetchError(
                            kreis_ags,
                            period,
                            "redirect_refused",
                            f"HTTP {status} redirect to {_origin_text(origin(target))} refused: "
                            f"only {_origin_text(home)} is trusted with the token",
                        )
                    url = target
                    continue
                return self._handle(kreis_ags, period, resp, url, check_type, deadline)
        raise FetchError(
            kreis_ags, period, "redirect_refused", f"more than {MAX_REDIRECTS} redirects"
        )

    def _handle(
        self,
        kreis_ags: str,
        period: str | None,
        resp: requests.Response,
        url: str,
        check_type: bool,
        deadline: float,
    ) -> _Response:
        status = resp.status_code
        headers = {k.lower(): v for k, v in resp.headers.items()}
        if status == 304:
            return _Response(status, headers, b"", url)
        if status == 200:
            if check_type:
                mt = media_type(headers.get("content-type"))
                if mt not in REPORT_CONTENT_TYPES:
                    raise FetchError(
                        kreis_ags,
                        period,
                        "unexpected_content",
                        f"HTTP 200 with content type {mt or 'missing'!r} "
                        "(expected text/csv or application/json)",
                    )
            body = self._read_body(kreis_ags, period, resp, headers, deadline)
            return _Response(status, headers, body, url)
        if status in (401, 403):
            raise FetchError(
                kreis_ags, period, "unauthorized", f"HTTP {status}: token refused by the endpoint"
            )
        if status == 404:
            raise FetchError(kreis_ags, period, "not_published", "HTTP 404: not published yet")
        if status == 429 or status in RETRY_STATUSES:
            kind = "rate_limited" if status == 429 else "server_error"
            wait = parse_retry_after(headers.get("retry-after"), time.time())
            raise _Retry(kind, f"HTTP {status}", wait)
        if 500 <= status < 600:
            raise FetchError(kreis_ags, period, "server_error", f"HTTP {status}", transient=True)
        raise FetchError(kreis_ags, period, "unexpected_status", f"HTTP {status}")

    def _read_body(
        self,
        kreis_ags: str,
        period: str | None,
        resp: requests.Response,
        headers: dict[str, str],
        deadline: float,
    ) -> bytes:
        from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

        declared = _int_or_none(headers.get("content-length"))
        cap = self.max_body_bytes
        if declared is not None and declared > cap:
            raise FetchError(
                kreis_ags,
                period,
                "too_large",
                f"Content-Length {declared} bytes exceeds the {cap} byte limit",
            )
        chunks: list[bytes] = []
        total = 0
        raw = resp.raw
        while True:
            if time.monotonic() > deadline:
                raise FetchError(
                    kreis_ags,
                    period,
                    "timeout",
                    f"body incomplete after the {self.deadline_s:.0f}s deadline "
                    f"({total} bytes received)",
                    transient=True,
                )
            try:
                chunk = raw.read1(READ_CHUNK, decode_content=True)
            except ReadTimeoutError:
                raise FetchError(
                    kreis_ags,
                    period,
                    "timeout",
                    f"body stalled for {self.read_timeout_s:.0f}s ({total} bytes received)",
                    transient=True,
                ) from None
            except ProtocolError:
                raise _Retry(
                    "truncated",
                    f"connection closed after {total} of {declared or 'unknown'} bytes",
                ) from None
            except HTTPError as exc:
                raise FetchError(
                    kreis_ags, period, "connection", f"body unreadable ({type(exc).__name__})"
                ) from None
            if not chunk:
                break
            total += len(chunk)
            if total > cap:
                raise FetchError(
                    kreis_ags, period, "too_large", f"body exceeds the {cap} byte limit"
                )
            chunks.append(chunk)
        if declared is not None and "content-encoding" not in headers and total != declared:
            raise _Retry("truncated", f"received {total} of {declared} announced bytes")
        return b"".join(chunks)


def _cause(exc: BaseException) -> str:
    """A short, token-free description of a connection failure."""
    text = repr(exc)
    for word in ("refused", "reset", "aborted", "timed out", "unreachable", "closed"):
        if word in text.lower():
            return f"connection {word}"
    return type(exc).__name__
