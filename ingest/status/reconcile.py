"""Reconciliation: where every registered jobcenter's report for a month stands.

Reads only files (landing records, fetch log, validation verdicts), so it works while every
other part is down. Each (jobcenter, period) is exactly one of the states of
:mod:`ingest.core.states`; the warehouse's ``submission_status`` uses the same words and the
same rules (for ``correction_rejected``, ``accepted_revision`` is the revision that stays
valid).

Timeliness (on time, late, overdue, not due) is :mod:`ingest.core.timeliness`: the first
revision's publication against the due date, so neither a sweep that runs late nor a
correction makes a punctual jobcenter late.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from ingest.collect import fetch_log, landing
from ingest.core import registry
from ingest.core.periods import due_date
from ingest.core.states import STATES
from ingest.core.timeliness import LATE, ON_TIME, OVERDUE, timeliness
from ingest.validate.store import effective_warnings, read_verdict


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
    first_published_on: str | None
    due_date: str
    timeliness: str
    warnings: int
    fetch_outcome: str | None
    fetch_kind: str | None
    fetch_reason: str | None
    reason: str | None

    @property
    def on_time(self) -> bool | None:
        """True on time, False late, None while nothing was published."""
        return {ON_TIME: True, LATE: False}.get(self.timeliness)

    @property
    def overdue(self) -> bool:
        return self.timeliness == OVERDUE

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "on_time": self.on_time, "overdue": self.overdue}


def _rejection_reason(verdict: dict[str, Any]) -> str:
    findings = verdict.get("findings") or []
    if not findings:
        return "abgelehnt"
    first = findings[0].get("message") or findings[0].get("rule", "")
    return first + (f" (+{len(findings) - 1} weitere)" if len(findings) > 1 else "")


def _state(
    kreis_ags: str, period: str, recs: list[landing.LandingRecord]
) -> tuple[str, int | None, int, str | None]:
    """(state, accepted revision, warnings of the state's verdict, reason) from the verdicts."""
    verdicts = {r.revision: read_verdict(kreis_ags, period, r.revision) for r in recs}
    accepted = [r for r, v in verdicts.items() if v and v.get("verdict") == "accepted"]
    accepted_revision = max(accepted) if accepted else None
    latest = verdicts[recs[-1].revision]
    if latest is None:
        return "received", accepted_revision, 0, None
    if latest.get("verdict") == "accepted":
        return "accepted", accepted_revision, len(effective_warnings(latest)), None
    if accepted_revision is not None:
        current = verdicts[accepted_revision] or {}
        reason = _rejection_reason(latest)
        return "correction_rejected", accepted_revision, len(effective_warnings(current)), reason
    return "rejected", None, 0, _rejection_reason(latest)


def status_of(kreis_ags: str, name: str, period: str, *, today: date) -> StatusRow:
    """The StatusRow of one jobcenter and period, from the files."""
    recs = landing.revisions(kreis_ags, period)
    log = fetch_log.read(kreis_ags, period) or {}
    if recs:
        state, accepted_revision, warnings, reason = _state(kreis_ags, period, recs)
        published: date | None = min(landing.first_published_on(r) for r in recs)
    else:
        state, accepted_revision, warnings, published = "missing", None, 0, None
        reason = None
        if log.get("outcome") in ("not_published", "failed"):
            reason = log.get("reason")
        elif not log:
            reason = "noch nicht abgerufen"
    return StatusRow(
        kreis_ags=kreis_ags,
        name=name,
        period=period,
        state=state,
        revisions=len(recs),
        latest_revision=recs[-1].revision if recs else None,
        accepted_revision=accepted_revision,
        received_at=recs[0].fetched_at if recs else None,
        first_published_on=published.isoformat() if published else None,
        due_date=due_date(period).isoformat(),
        timeliness=timeliness(published, period, today),
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
