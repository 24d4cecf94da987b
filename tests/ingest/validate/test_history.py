"""History rules re-checked when the previous month arrives late or is corrected.

Essen (one Gemeinde) reports 2026-08 at the usual caseload and 2026-10 at 1.4 times it;
2026-09 is missing, so 2026-10 is first compared with 2026-08 (+40 %: an ELB warning). When
2026-09 arrives late at 1.3 times the caseload, 2026-10 compares with it (+7.7 %, no
warning): the re-check says so, and status and the digest show the change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from ingest.collect import landing
from ingest.collect.client import FetchedReport
from ingest.core import contract
from ingest.status import monitor, reconcile
from ingest.validate import run, store
from tests.expectations.factory import valid_report

ESSEN = "05113"


def land(period: str, scale: float, day: int, ags: str = ESSEN) -> None:
    df = valid_report(ags, period, scale=scale)
    body = df[list(contract.COLUMNS)].to_csv(index=False).encode("utf-8")
    fetched = FetchedReport(body, "text/csv; charset=utf-8", None, None, 1, 200, "http://h/r")
    landing.land(ags, period, fetched, datetime(2026, 11, day, 6, tzinfo=UTC))


def history_rules(warnings: list[dict]) -> list[str]:
    return sorted(w["rule"] for w in warnings)


def test_a_late_previous_month_rechecks_the_month_after(data_dir: Path, smtp_server) -> None:
    land("2026-08", 1.0, 5)
    land("2026-10", 1.4, 8)
    run.process_pending(now=datetime(2026, 11, 8, 7, tzinfo=UTC))
    first = store.read_verdict(ESSEN, "2026-10", 1)
    assert first["compared_with"] == {"period": "2026-08", "revision": 1}
    assert history_rules(first["warnings"]) == ["elb_change_vs_previous"]

    land("2026-09", 1.3, 20)
    run.process_pending(now=datetime(2026, 11, 20, 7, tzinfo=UTC))
    check = store.read_history_check(ESSEN, "2026-10", 1)
    assert check["compared_with"] == {"period": "2026-09", "revision": 1}
    assert check["warnings"] == []
    assert history_rules(check["warnings_before"]) == ["elb_change_vs_previous"]
    # the verdict itself is write-once and unchanged; what counts is re-checked
    assert store.read_verdict(ESSEN, "2026-10", 1) == first
    assert store.effective_warnings(first) == []
    row = {r.kreis_ags: r for r in reconcile.reconcile("2026-10", today=date(2026, 11, 21))}
    assert (row[ESSEN].state, row[ESSEN].warnings) == ("accepted", 0)

    assert monitor.send_digest(date(2026, 11, 20)) is True
    from ingest.notify import outbox

    outbox.deliver_outbox()
    [mail] = smtp_server.messages()
    text = mail.get_content()
    assert "Neu bewertete Hinweise" in text
    assert (
        "05113 Stadt Essen, Oktober 2026, Revision 1, jetzt verglichen mit September 2026 "
        "(Revision 1): vorher 1 Hinweis, jetzt 0 Hinweise"
    ) in text

    # nothing new: a second run re-checks nothing
    run.process_pending(now=datetime(2026, 11, 21, 7, tzinfo=UTC))
    assert store.read_history_check(ESSEN, "2026-10", 1)["checked_at"].startswith("2026-11-20")


def test_a_month_validated_after_its_previous_month_needs_no_recheck(data_dir: Path) -> None:
    land("2026-09", 1.3, 5)
    land("2026-10", 1.4, 8)
    run.process_pending(now=datetime(2026, 11, 8, 7, tzinfo=UTC))
    assert store.read_history_check(ESSEN, "2026-10", 1) is None


def test_the_rechecks_of_a_run_share_one_validation(data_dir: Path, monkeypatch) -> None:
    from ingest.validate import history

    other = "05515"  # Stadt Münster, one Gemeinde
    land("2026-08", 1.0, 5)
    land("2026-10", 1.4, 8)  # +40 % against August: a warning
    land("2026-08", 1.0, 5, other)
    land("2026-10", 1.0, 8, other)  # as in August: none
    run.process_pending(now=datetime(2026, 11, 8, 7, tzinfo=UTC))
    batches = []
    real = history.validate_many
    monkeypatch.setattr(
        history, "validate_many", lambda reports: batches.append(len(reports)) or real(reports)
    )
    land("2026-09", 1.3, 20)  # October is +7.7 % against it: the warning goes
    land("2026-09", 1.3, 20, other)  # October is -23 % against it: a warning comes
    run.process_pending(now=datetime(2026, 11, 20, 7, tzinfo=UTC))
    assert batches == [2]
    essen = store.read_history_check(ESSEN, "2026-10", 1)
    muenster = store.read_history_check(other, "2026-10", 1)
    assert (history_rules(essen["warnings_before"]), history_rules(essen["warnings"])) == (
        ["elb_change_vs_previous"],
        [],
    )
    assert (history_rules(muenster["warnings_before"]), history_rules(muenster["warnings"])) == (
        [],
        ["elb_change_vs_previous"],
    )
