"""Exceptions of the pipeline. Each carries the jobcenter, the period and a plain reason.

Messages never contain a token: callers pass reasons, not request objects.
"""

from __future__ import annotations

from pathlib import Path


class InvalidKey(ValueError):
    """A value from outside (event file, HTTP header or index, report cell, command line,
    landing record) that is not the checked key it claims to be: a registered Kreisschlüssel,
    a reporting month, a revision number, a SHA-256. Raised before the value reaches a path,
    SQL or a file name; the message names the value."""


class InvalidDataDir(ValueError):
    """``JCW_DATA_DIR`` is set but empty, names something that is not a directory, or a
    directory whose parent does not exist (a typo): nothing is written anywhere then."""


class JcwError(Exception):
    """Base class: something about one jobcenter's report for one period went wrong."""

    def __init__(self, kreis_ags: str | None, period: str | None, reason: str) -> None:
        self.kreis_ags = kreis_ags
        self.period = period
        self.reason = reason
        where = " ".join(p for p in (kreis_ags and f"jobcenter {kreis_ags}", period) if p)
        super().__init__(f"{where}: {reason}" if where else reason)


class FetchError(JcwError):
    """The report could not be fetched. ``kind`` is a stable code for the status view.

    Kinds: ``not_published`` (404), ``unauthorized`` (401/403), ``too_large``, ``timeout``,
    ``unexpected_content`` (HTML page, wrong content type, a header that is not what the
    contract says), ``redirect_refused``, ``server_error`` (5xx after retries),
    ``rate_limited`` (429 after retries), ``truncated`` (body shorter than announced, or not
    matching its ``Repr-Digest``, after retries), ``unreadable_response`` (a reply the client
    cannot parse, e.g. more header lines than it reads), ``connection`` (refused, reset,
    TLS), ``unexpected_status``.
    """

    def __init__(
        self, kreis_ags: str, period: str | None, kind: str, reason: str, *, transient: bool = False
    ) -> None:
        self.kind = kind
        self.transient = transient
        super().__init__(kreis_ags, period, f"{kind}: {reason}")


class ReportRejected(JcwError):
    """The report broke the contract. ``findings`` name each rule, row and column."""

    def __init__(self, kreis_ags: str, period: str, findings: list) -> None:
        self.findings = findings
        first = findings[0].message if findings else "rejected"
        more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(kreis_ags, period, f"{first}{more}")


class ChecksumMismatch(JcwError):
    """A landed file no longer matches its content address: never repaired silently."""


class BuildFailed(JcwError):
    """dbt build or its tests failed; nothing was published."""


class UnreadableFile(JcwError):
    """A file under the data directory cannot be read (truncated, not JSON, not Parquet).

    The message names the file, relative to the data directory where possible.
    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        super().__init__(None, None, f"{path} is unreadable: {problem}")
