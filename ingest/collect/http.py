"""One HTTP attempt against a jobcenter endpoint: transport, redirects, statuses and the body.

The retry loop around it is :class:`ingest.collect.client.ReportClient`. An attempt either
returns a :class:`Response`, raises :class:`Retry` (a transient failure the loop may try
again) or raises :class:`~ingest.core.errors.FetchError` (final). Every attempt is bounded:

- a hard deadline: a :class:`~ingest.collect.watchdog.Watchdog` shuts the attempt's
  sockets down when it passes, so neither headers nor a body trickling in one byte at a
  time can hold a worker longer;
- the body is streamed with a size cap, with or without ``Content-Length``;
- redirects are followed only within the configured origin (scheme, host and port), so the
  bearer token never goes anywhere else, and never to a URL that adds ``user:password@``;
  TLS certificates are always verified;
- only known content types are accepted for a report; an HTML page is ``unexpected_content``;
- a body that does not match its ``Repr-Digest`` is ``truncated`` (retried); a reply the
  HTTP stack cannot parse (e.g. more than 100 header lines) is ``unreadable_response`` at once;
- every 5xx except 501 (Not Implemented) and 505 (HTTP Version Not Supported), which no
  retry can change, is retried like 503.

Reasons are built from status codes and origins only, never from request objects, so no
token can leak into an error.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from ingest.collect import reply
from ingest.collect.credentials import Endpoint
from ingest.core.errors import FetchError

if TYPE_CHECKING:
    import requests

REPORT_CONTENT_TYPES = frozenset({"text/csv", "application/csv", "application/json"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# 5xx a retry cannot change: the server does not implement the method or the HTTP version.
FINAL_SERVER_STATUSES = frozenset({501, 505})
DEFAULT_PORTS = {"http": 80, "https": 443}
READ_CHUNK = 64 * 1024
MAX_REDIRECTS = 3


@dataclass
class Retry(Exception):
    """A transient failure of one attempt; the retry loop decides whether to try again."""

    kind: str
    reason: str
    retry_after: float | None = None


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


@dataclass(frozen=True)
class Limits:
    """The bounds of one attempt."""

    connect_timeout_s: float
    read_timeout_s: float
    deadline_s: float
    max_body_bytes: int
    verify: bool | str


@dataclass(frozen=True)
class Request:
    """What one attempt asks for: whose report, where, and what it accepts."""

    kreis_ags: str
    period: str | None
    endpoint: Endpoint
    url: str
    etag: str | None
    accept: str
    check_type: bool
    deadline: float  # time.monotonic() value

    def error(self, kind: str, reason: str, *, transient: bool = False) -> FetchError:
        return FetchError(self.kreis_ags, self.period, kind, reason, transient=transient)


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    return scheme, (parts.hostname or "").lower(), port


def origin_text(o: tuple[str, str, int]) -> str:
    return f"{o[0]}://{o[1]}:{o[2]}"


def media_type(content_type: str | None) -> str:
    """``text/csv; charset=utf-8`` → ``text/csv``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def int_or_none(value: object) -> int | None:
    """A header's non-negative integer in ASCII digits (at most 18 of them), else None."""
    text = value.strip() if isinstance(value, str) else None
    if not text or len(text) > 18 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def attempt(session: requests.Session, limits: Limits, req: Request) -> Response:
    """One attempt, following same-origin redirects; see the module docstring."""
    home = origin(req.endpoint.base_url)
    url = req.url
    for _hop in range(MAX_REDIRECTS + 1):
        remaining = req.deadline - time.monotonic()
        if remaining <= 0:
            raise req.error("timeout", f"no answer within {limits.deadline_s:.0f}s")
        headers = {"Authorization": f"Bearer {req.endpoint.token}", "Accept": req.accept}
        if req.etag:
            headers["If-None-Match"] = req.etag
        timeout = (min(limits.connect_timeout_s, remaining), min(limits.read_timeout_s, remaining))
        resp = _send(session, limits, req, url, headers, timeout, home)
        with resp:
            status = resp.status_code
            if status in REDIRECT_STATUSES:
                target = urljoin(url, resp.headers.get("Location", ""))
                if reply.has_userinfo(target):
                    raise req.error(
                        "redirect_refused",
                        f"HTTP {status} redirect to a URL with credentials (user:password@) "
                        "refused: credentials are never followed or stored",
                    )
                if origin(target) != home:
                    raise req.error(
                        "redirect_refused",
                        f"HTTP {status} redirect to {origin_text(origin(target))} refused: "
                        f"only {origin_text(home)} is trusted with the token",
                    )
                url = target
                continue
            return _handle(limits, req, resp, url)
    raise req.error("redirect_refused", f"more than {MAX_REDIRECTS} redirects")


def _send(
    session: requests.Session,
    limits: Limits,
    req: Request,
    url: str,
    headers: dict[str, str],
    timeout: tuple[float, float],
    home: tuple[str, str, int],
) -> requests.Response:
    """The GET itself; transport failures become FetchError or Retry."""
    import requests

    try:
        return session.get(
            url,
            headers=headers,
            timeout=timeout,
            stream=True,
            allow_redirects=False,
            verify=limits.verify,
        )
    except requests.exceptions.SSLError:
        raise req.error(
            "connection",
            f"TLS handshake with {origin_text(home)} failed (certificate not trusted)",
        ) from None
    except requests.exceptions.ConnectTimeout:
        raise req.error(
            "timeout",
            f"no connection to {origin_text(home)} within {timeout[0]:.0f}s",
            transient=True,
        ) from None
    except requests.exceptions.ReadTimeout:
        raise req.error(
            "timeout",
            f"no response from {origin_text(home)} within {timeout[1]:.0f}s",
            transient=True,
        ) from None
    except requests.exceptions.ConnectionError as exc:
        unreadable = reply.unreadable_cause(exc)
        if unreadable:
            raise req.error(
                "unreadable_response",
                f"reply from {origin_text(home)} cannot be read ({unreadable})",
            ) from None
        raise Retry(
            "connection", f"connection to {origin_text(home)} failed ({_cause(exc)})"
        ) from None
    except requests.exceptions.RequestException as exc:
        raise req.error("connection", f"request failed ({type(exc).__name__})") from None


def _handle(limits: Limits, req: Request, resp: requests.Response, url: str) -> Response:
    """A response that is not a redirect: the report, 304, or an error by status."""
    status = resp.status_code
    headers = {k.lower(): v for k, v in resp.headers.items()}
    if status == 304:
        return Response(status, headers, b"", url)
    if status == 200:
        if req.check_type:
            mt = media_type(headers.get("content-type"))
            if mt not in REPORT_CONTENT_TYPES:
                raise req.error(
                    "unexpected_content",
                    f"HTTP 200 with content type {mt or 'missing'!r} "
                    "(expected text/csv or application/json)",
                )
        body = read_body(limits, req, resp, headers)
        try:
            problem = reply.digest_problem(headers, body)
        except reply.MalformedHeader as exc:
            raise req.error("unexpected_content", str(exc)) from None
        if problem:
            raise Retry("truncated", problem)
        return Response(status, headers, body, url)
    if status in (401, 403):
        raise req.error("unauthorized", f"HTTP {status}: token refused by the endpoint")
    if status == 404:
        raise req.error("not_published", "HTTP 404: not published yet")
    if status == 429 or (500 <= status < 600 and status not in FINAL_SERVER_STATUSES):
        kind = "rate_limited" if status == 429 else "server_error"
        wait = parse_retry_after(headers.get("retry-after"), time.time())
        raise Retry(kind, f"HTTP {status}", wait)
    if status in FINAL_SERVER_STATUSES:
        raise req.error("server_error", f"HTTP {status}: a retry cannot change this")
    raise req.error("unexpected_status", f"HTTP {status}")


def read_body(
    limits: Limits, req: Request, resp: requests.Response, headers: dict[str, str]
) -> bytes:
    """The streamed body, capped and bounded by the deadline; a short body is a Retry."""
    declared = int_or_none(headers.get("content-length"))
    cap = limits.max_body_bytes
    if declared is not None and declared > cap:
        raise req.error(
            "too_large", f"Content-Length {declared} bytes exceeds the {cap} byte limit"
        )
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > req.deadline:
            raise req.error(
                "timeout",
                f"body incomplete after the {limits.deadline_s:.0f}s deadline "
                f"({total} bytes received)",
                transient=True,
            )
        chunk = _read_chunk(limits, req, resp, total, declared)
        if not chunk:
            break
        total += len(chunk)
        if total > cap:
            raise req.error("too_large", f"body exceeds the {cap} byte limit")
        chunks.append(chunk)
    if declared is not None and "content-encoding" not in headers and total != declared:
        raise Retry("truncated", f"received {total} of {declared} announced bytes")
    return b"".join(chunks)


def _read_chunk(
    limits: Limits, req: Request, resp: requests.Response, total: int, declared: int | None
) -> bytes:
    from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

    try:
        return resp.raw.read1(READ_CHUNK, decode_content=True)
    except ReadTimeoutError:
        raise req.error(
            "timeout",
            f"body stalled for {limits.read_timeout_s:.0f}s ({total} bytes received)",
            transient=True,
        ) from None
    except ProtocolError:
        raise Retry(
            "truncated",
            f"connection closed after {total} of {declared or 'unknown'} bytes",
        ) from None
    except HTTPError as exc:
        raise req.error("connection", f"body unreadable ({type(exc).__name__})") from None


def _cause(exc: BaseException) -> str:
    """A short, token-free description of a connection failure."""
    text = repr(exc)
    for word in ("refused", "reset", "aborted", "timed out", "unreachable", "closed"):
        if word in text.lower():
            return f"connection {word}"
    return type(exc).__name__
