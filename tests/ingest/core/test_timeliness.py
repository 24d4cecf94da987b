"""The one definition of on time, late, overdue and not due (ingest/core/timeliness.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ingest.core.timeliness import first_publication, is_plausible, month_end, timeliness

PERIOD = "2026-10"  # due on 10.11.2026


def utc(day: int, hour: int = 6, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("published", "today", "expected"),
    [
        (date(2026, 11, 10), date(2026, 11, 21), "on_time"),
        (date(2026, 11, 11), date(2026, 11, 21), "late"),
        (None, date(2026, 11, 10), "not_due"),
        (None, date(2026, 11, 11), "overdue"),
        (date(2027, 1, 3), date(2027, 1, 5), "late"),
    ],
)
def test_timeliness(published, today, expected) -> None:
    assert timeliness(published, PERIOD, today) == expected


def test_the_month_ends_at_midnight_in_germany() -> None:
    # 1.11.2026 00:00 CET is 31.10.2026 23:00 UTC
    assert month_end(PERIOD) == datetime(2026, 10, 31, 23, tzinfo=UTC)


def test_a_claim_is_believed_only_between_the_months_end_a_404_and_the_fetch() -> None:
    fetched = utc(16)
    assert is_plausible(utc(9), PERIOD, fetched, None)
    assert not is_plausible(datetime(1990, 1, 1, tzinfo=UTC), PERIOD, fetched, None)
    assert not is_plausible(utc(31, 22, month=10), PERIOD, fetched, None)  # before month end
    assert not is_plausible(utc(9), PERIOD, fetched, utc(15))  # the endpoint said 404 then
    assert is_plausible(utc(15, 12), PERIOD, fetched, utc(15))
    assert not is_plausible(utc(17), PERIOD, fetched, None)  # after the fetch
    assert not is_plausible(None, PERIOD, fetched, None)


def test_the_bounds_of_a_plausible_claim_are_inclusive() -> None:
    fetched = utc(16)
    # the first moment after the month (1.11.2026 00:00 in Germany) and the fetch itself
    assert is_plausible(month_end(PERIOD), PERIOD, fetched, None)
    assert is_plausible(fetched, PERIOD, fetched, None)
    # the moment of the 404 itself: published right then
    assert is_plausible(utc(15), PERIOD, fetched, utc(15))


def test_the_first_publication_prefers_the_header_then_revision_1s_last_modified() -> None:
    fetched = utc(25)
    assert first_publication(PERIOD, fetched, first_published=utc(7), last_modified=utc(20)) == (
        utc(7),
        "first_published",
    )
    assert first_publication(PERIOD, fetched, last_modified=utc(8), source_revision=1) == (
        utc(8),
        "last_modified",
    )
    # a correction's Last-Modified says nothing about revision 1
    assert first_publication(PERIOD, fetched, last_modified=utc(20), source_revision=2) == (
        fetched,
        "first_seen",
    )
    assert first_publication(PERIOD, fetched) == (fetched, "first_seen")
