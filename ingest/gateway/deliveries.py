"""A jobcenter's deliveries as its page lists them: every landed revision and its state.

Derived from what the product writes, nothing kept beside it: the landing records (received,
when, by which channel), the verdict files (accepted or rejected, with the findings) and the
published snapshot (``fct_report_revisions`` and ``report_publications``). A revision is *in
the published warehouse* when the published snapshot holds it as the current accepted
revision of its month; the date shown is when it was first in a published snapshot (each
publish carries that moment over from the snapshot it replaces).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ingest.collect import landing
from ingest.core import keys, layout, periods
from ingest.validate import store

log = logging.getLogger(__name__)

RECEIVED, ACCEPTED, REJECTED, PUBLISHED, SUPERSEDED = (
    "received",
    "accepted",
    "rejected",
    "published",
    "superseded",
)
STATE_DE = {
    RECEIVED: "eingegangen, wird geprüft",
    ACCEPTED: "angenommen, noch nicht im veröffentlichten Warehouse",
    REJECTED: "abgelehnt",
    PUBLISHED: "im veröffentlichten Warehouse",
    SUPERSEDED: "angenommen, im Warehouse durch eine spätere Revision ersetzt",
}
CHANNEL_DE = {"push": "hochgeladen", "pull": "abgeholt"}


@dataclass
class Delivery:
    """One landed revision of the jobcenter's report of a month."""

    period: str
    revision: int
    received_at: str
    channel: str
    state: str
    published_at: datetime | None = None
    reasons: list[str] = field(default_factory=list)
    warnings: int = 0


def published_revisions(kreis_ags: str) -> dict[tuple[str, int], tuple[bool, datetime | None]]:
    """``{(period, revision): (is_current, first published)}`` of the jobcenter's accepted
    revisions in the published snapshot (nothing published: ``{}``)."""
    from ingest.warehouse import snapshot

    path = snapshot.snapshot_path()
    if not path.exists():
        return {}
    with snapshot.connect(path) as con:
        found = con.execute(
            "select r.period, r.revision, r.is_current, p.first_published_at "
            "from fct_report_revisions r left join report_publications p "
            "using (kreis_ags, period, revision) where r.kreis_ags = ? and r.is_accepted",
            [keys.kreis_ags(kreis_ags)],
        ).fetchall()
    return {(p, int(r)): (bool(c), at) for p, r, c, at in found}


def deliveries(kreis_ags: str) -> list[Delivery]:
    """Every revision of the jobcenter, newest month first, newest revision first."""
    ags = keys.kreis_ags(kreis_ags)
    root = layout.landing_records_root()
    months = (
        sorted(p.name for p in root.iterdir() if periods.is_period(p.name)) if root.is_dir() else []
    )
    records = [r for period in months for r in landing.revisions(ags, period)]
    in_snapshot = published_revisions(ags) if records else {}
    out = []
    for rec in records:
        d = Delivery(rec.period, rec.revision, rec.fetched_at, rec.channel, RECEIVED)
        verdict = store.read_verdict(ags, rec.period, rec.revision)
        if verdict is not None and verdict.get("verdict") == "rejected":
            d.state = REJECTED
            d.reasons = [str(f.get("message", "")) for f in verdict.get("findings") or []]
        elif verdict is not None and verdict.get("verdict") == "accepted":
            d.warnings = len(store.effective_warnings(verdict))
            current, since = in_snapshot.get((rec.period, rec.revision), (None, None))
            if current is None:
                d.state = ACCEPTED
            elif current:
                d.state, d.published_at = PUBLISHED, since
            else:
                d.state = SUPERSEDED
        out.append(d)
    out.sort(key=lambda d: (d.period, d.revision), reverse=True)
    return out


def as_rows(items: list[Delivery]) -> list[dict[str, Any]]:
    """The deliveries as the page's template reads them."""
    return [
        {
            "period": d.period,
            "revision": d.revision,
            "received_at": d.received_at,
            "channel": CHANNEL_DE.get(d.channel, d.channel),
            "state": d.state,
            "state_de": STATE_DE[d.state],
            "published_at": d.published_at,
            "reasons": d.reasons,
            "warnings": d.warnings,
        }
        for d in items
    ]
