"""Reconciliation from files: every registered jobcenter is exactly one state per month."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from ingest.collect import landing
from ingest.collect.client import FetchedReport
from ingest.core import files, layout, periods, registry
from ingest.status import reconcile
from tests.ingest.data import reports

PERIOD = "2026-10"
A, B, C, D, E = "03159", "05113", "05117", "05122", "01054"


def land(
    ags: str, day: int, elb: int | None = None, last_modified: str | None = None
) -> landing.LandedRevision:
    rows = reports.rows_for(ags, PERIOD, n=1)
    if elb is not None:
        rows[0]["elb"] = elb
    body = reports.english_csv(rows)
    report = FetchedReport(body, reports.CSV_EN, None, last_modified, 1, 200, "u")
    return landing.land(ags, PERIOD, report, datetime(2026, 11, day, 7, 0, tzinfo=UTC))


def verdict(ags: str, revision: int, verdict: str, findings=(), warnings=()) -> None:
    """A verdict file in the layout of docs/architecture.md (written by ingest.validate)."""
    doc = {
        "kreis_ags": ags,
        "period": PERIOD,
        "revision": revision,
        "sha256": "x",
        "verdict": verdict,
        "suite": "report_v1",
        "findings": list(findings),
        "warnings": list(warnings),
    }
    files.write_json_once(layout.verdict(ags, PERIOD, revision), doc)


def finding(message: str) -> dict:
    return {"rule": "r", "severity": "hard", "message": message, "rows": []}


def test_every_state_with_reasons_revisions_and_deadlines(data_dir: Path) -> None:
    land(A, 8)
    verdict(A, 1, "accepted", warnings=[finding("ELB +30 %"), finding("neue Gemeinde")])
    land(B, 15)  # after the 10th: late, and not validated yet
    land(C, 5)
    verdict(C, 1, "accepted")
    land(C, 20, elb=1)
    verdict(C, 2, "rejected", findings=[finding("ELB Frauen > ELB in Zeile 1"), finding("x")])
    # published on the 9th, fetched only on the 21st: the jobcenter was on time
    land(E, 21, last_modified="Mon, 09 Nov 2026 06:00:00 GMT")
    files.replace_json(
        layout.fetch_log(D, PERIOD),
        {"outcome": "failed", "kind": "too_large", "reason": "too_large: body exceeds the limit"},
    )

    rows = {r.kreis_ags: r for r in reconcile.reconcile(PERIOD, today=date(2026, 11, 21))}
    assert len(rows) == len(registry.jobcenters()) == 104
    a, b, c, d = rows[A], rows[B], rows[C], rows[D]
    assert (a.state, a.warnings, a.on_time, a.revisions) == ("accepted", 2, True, 1)
    assert (b.state, b.on_time, b.overdue) == ("received", False, False)
    # the correction was rejected: revision 1 stays valid
    assert (c.state, c.revisions, c.latest_revision, c.accepted_revision) == (
        "correction_rejected",
        2,
        2,
        1,
    )
    assert c.reason == "ELB Frauen > ELB in Zeile 1 (+1 weitere)"
    assert c.on_time is True  # the first revision came in time
    assert (d.state, d.fetch_kind, d.overdue, d.on_time) == ("missing", "too_large", True, None)
    assert "exceeds" in d.reason
    assert (rows[E].on_time, rows[E].first_published_on) == (True, "2026-11-09")
    assert reconcile.counts(list(rows.values())) == {
        "missing": 100,
        "received": 2,
        "rejected": 0,
        "correction_rejected": 1,
        "accepted": 1,
    }
    assert all(r.due_date == "2026-11-10" for r in rows.values())


def test_before_the_due_date_a_missing_report_is_not_overdue(data_dir: Path) -> None:
    rows = reconcile.reconcile(PERIOD, today=date(2026, 11, 5))
    assert {(r.state, r.overdue, r.on_time) for r in rows} == {("missing", False, None)}
    assert rows[0].reason == "noch nicht abgerufen"


def test_due_date_rolls_over_the_year() -> None:
    assert periods.due_date("2026-12") == date(2027, 1, 10)
    assert periods.due_date("2005-01") == date(2005, 2, 10)
