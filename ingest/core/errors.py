"""Exceptions of the pipeline. Each carries the jobcenter, the period and a plain reason.

Messages never contain a token: callers pass reasons, not request objects.
"""

from __future__ import annotations


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
    ``unexpected_content`` (HTML page, wrong content type), ``redirect_refused``,
    ``server_error`` (5xx after retries), ``rate_limited`` (429 after retries),
    ``connection`` (refused, reset, TLS), ``unexpected_status``.
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
