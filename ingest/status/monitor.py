"""The daily look at deadlines and warnings (``jcw_monitor``): digest, reminders, completeness."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from ingest.collect import landing
from ingest.core import registry
from ingest.core.periods import due_date
from ingest.notify import alerts
from ingest.status.reconcile import reconcile
from ingest.validate.store import effective_warnings, history_checks, read_verdicts


def send_digest(day: date) -> bool:
    """Queue one digest of the warnings of reports accepted on ``day``, and of the warnings
    re-checked that day because a previous month came late or was corrected (once per day).

    Returns True if a digest was queued (False: nothing that day, or already queued).
    """
    verdicts = [
        {**v, "warnings": effective_warnings(v)}
        for v in read_verdicts()
        if v["verdict"] == "accepted"
        and v.get("validated_at")
        and datetime.fromisoformat(v["validated_at"]).astimezone(UTC).date() == day
    ]
    verdicts = [v for v in verdicts if v["warnings"]]
    rechecked = [
        c
        for c in history_checks()
        if datetime.fromisoformat(c["checked_at"]).astimezone(UTC).date() == day
        and c["warnings"] != c["warnings_before"]
    ]
    if not verdicts and not rechecked:
        return False
    return alerts.queue_digest(day, verdicts, rechecked)


def missing_jobcenters(period: str) -> list[str]:
    """Registered jobcenters with no landed report for ``period``."""
    jobcenters = registry.jobcenters()
    return [jc.kreis_ags for jc in jobcenters if not landing.has_revisions(jc.kreis_ags, period)]


def send_reminders(period: str, today: date) -> dict[str, int]:
    """After the due date, remind each missing jobcenter once and tell the team who is missing.

    Returns ``{"missing", "queued"}``: jobcenters missing and mails newly queued.
    """
    due = due_date(period)
    if today <= due:
        return {"missing": 0, "queued": 0}
    missing = missing_jobcenters(period)
    return {"missing": len(missing), "queued": alerts.queue_reminders(period, due, today, missing)}


def completeness(period: str, today: date) -> tuple[dict[str, Any], list[str]]:
    """The states of every jobcenter for ``period`` and one line per report not accepted."""
    rows = reconcile(period, today=today)
    states = Counter(r.state for r in rows)
    lines = [
        f"{period} {r.kreis_ags} {r.name}: {r.state} {r.reason or r.fetch_kind or ''}"
        for r in rows
        if r.state != "accepted"
    ]
    lines.append(f"{period}: {dict(states)} of {len(rows)} jobcenters")
    return {"period": period, "states": dict(states), "jobcenters": len(rows)}, lines
