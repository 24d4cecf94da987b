"""Reconciliation: where every registered jobcenter's report for a month stands.

Reads only files (landing records, fetch log, validation verdicts), so it works while every
other part is down. Each (jobcenter, period) is exactly one of:

- ``missing``: nothing landed (the fetch log says why: not published yet, or a failure);
- ``received``: landed, no verdict on the latest revision yet;
- ``rejected``: the latest revision was rejected (an earlier accepted revision, if any, is
  still what the warehouse shows: ``accepted_revision``);
- ``accepted``: the latest revision was accepted.

Deadlines: month M is due on ``periods.DUE_DAY`` of M+1. ``on_time`` compares the first
revision's publication (the server's ``Last-Modified``; the landing time if there is none)
with that day, so a sweep that runs late does not make a punctual jobcenter late.
``overdue`` says a missing report is past the due day on ``today``.
"""

from __future__ import annotations

import email.utils
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from ingest.collect import fetch_log, landing
from ingest.core import registry
from ingest.core.periods import due_date
from ingest.validate.store import read_verdict

STATES = ("missing", "received", "rejected", "accepted")


@dataclass(frozen=True)
class StatusRow:
    """The state of one jobcenter's report for one period."""

    kreis_ags: str
    name: str
    period: str
    state: str
    revisions: int
    latest_revision: int | None
    accepted_revision: int | None
    received_at: str | None
    published_at: str | None
    due_date: str
    on_time: bool | None
    overdue: bool
    warnings: int
    fetch_outcome: str | None
    fetch_kind: str | None
    fetch_reason: str | None
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rejection_reason(verdict: dict[str, Any]) -> str:
    findings = verdict.get("findings") or []
    if not findings:
        return "abgelehnt"
    first = findings[0].get("message") or findings[0].get("rule", "")
    return first + (f" (+{len(findings) - 1} weitere)" if len(findings) > 1 else "")


def _published_at(record: landing.LandingRecord) -> datetime:
    """When the jobcenter published a revision: Last-Modified, else when it was landed."""
    if record.last_modified:
        try:
            when = email.utils.parsedate_to_datetime(record.last_modified)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.fromisoformat(record.fetched_at)


def status_of(kreis_ags: str, name: str, period: str, *, today: date) -> StatusRow:
    """The StatusRow of one jobcenter and period, from the files."""
    recs = landing.revisions(kreis_ags, period)
    log = fetch_log.read(kreis_ags, period) or {}
    due = due_date(period)
    accepted_revision = None
    state, reason, warnings = "missing", None, 0
    latest = recs[-1] if recs else None
    for rec in recs:
        v = read_verdict(kreis_ags, period, rec.revision)
        if v and v.get("verdict") == "accepted":
            accepted_revision = rec.revision
    if latest is None:
        if log.get("outcome") in ("not_published", "failed"):
            reason = log.get("reason")
        elif not log:
            reason = "noch nicht abgerufen"
    else:
        v = read_verdict(kreis_ags, period, latest.revision)
        if v is None:
            state = "received"
        elif v.get("verdict") == "accepted":
            state = "accepted"
            warnings = len(v.get("warnings") or [])
        else:
            state = "rejected"
            reason = _rejection_reason(v)
    received_at = recs[0].fetched_at if recs else None
    published_at = _published_at(recs[0]) if recs else None
    if published_at is not None:
        on_time: bool | None = published_at.date() <= due
    else:
        on_time = False if today > due else None
    return StatusRow(
        kreis_ags=kreis_ags,
        name=name,
        period=period,
        state=state,
        revisions=len(recs),
        latest_revision=latest.revision if latest else None,
        accepted_revision=accepted_revision,
        received_at=received_at,
        published_at=published_at.isoformat() if published_at else None,
        due_date=due.isoformat(),
        on_time=on_time,
        overdue=latest is None and today > due,
        warnings=warnings,
        fetch_outcome=log.get("outcome"),
        fetch_kind=log.get("kind"),
        fetch_reason=log.get("reason"),
        reason=reason,
    )


def reconcile(period: str, *, today: date) -> list[StatusRow]:
    """Every registered jobcenter's state for ``period``, ordered by Kreisschlüssel."""
    return [status_of(jc.kreis_ags, jc.name, period, today=today) for jc in registry.jobcenters()]


def counts(rows: list[StatusRow]) -> dict[str, int]:
    """How many jobcenters are in each state."""
    out = dict.fromkeys(STATES, 0)
    for r in rows:
        out[r.state] += 1
    return out
