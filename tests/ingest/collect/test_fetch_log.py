"""The fetch log's one line per month, as the collect task logs it (German, code in brackets)."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.collect import fetch_log

AT = datetime(2026, 11, 3, 5, tzinfo=UTC)


def test_each_outcome_is_one_german_line_with_its_code():
    landed = fetch_log.outcome("05113", "2026-10", "landed", AT, revision=2, is_new=True)
    assert fetch_log.describe(landed) == "Oktober 2026 (2026-10): neu abgelegt (landed), Revision 2"
    waiting = fetch_log.outcome("05113", "2026-11", "not_published", AT, kind="not_published")
    assert fetch_log.describe(waiting) == (
        "November 2026 (2026-11): noch nicht veröffentlicht (not_published)"
    )
    failed = fetch_log.outcome(
        "05113", "2026-09", "failed", AT, kind="timeout", reason="no answer within 15 s"
    )
    assert fetch_log.describe(failed) == (
        "September 2026 (2026-09): fehlgeschlagen (failed): Zeitüberschreitung (timeout): "
        "no answer within 15 s"
    )
