"""Months and the reporting calendar (ingest/core/periods.py)."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.core import periods


def test_period_range_spans_years_and_rejects_bad_input() -> None:
    assert periods.period_range("2024-11", "2025-02") == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
    assert len(periods.period_range("2016-01", "2025-12")) == 120
    for first, last in (("2025-02", "2025-01"), ("2025-13", "2025-13"), ("25-01", "2025-01")):
        with pytest.raises(ValueError):
            periods.period_range(first, last)


@pytest.mark.parametrize(
    ("day", "latest"),
    [
        (date(2026, 1, 1), "2025-12"),  # the first day of a year
        (date(2026, 1, 5), "2025-12"),
        (date(2026, 3, 1), "2026-02"),
        (date(2026, 3, 31), "2026-02"),
        (date(2024, 2, 29), "2024-01"),  # a leap day
        (date(2026, 12, 31), "2026-11"),
    ],
)
def test_latest_complete_period_is_the_month_before_the_day(day: date, latest: str) -> None:
    assert periods.latest_complete_period(day) == latest


def test_sweep_and_reminder_months_follow_the_due_date() -> None:
    # Reports for M are due on the 10th of M+1: reminders only after that day.
    assert periods.overdue_period(date(2026, 11, 10)) == "2026-09"
    assert periods.overdue_period(date(2026, 11, 11)) == "2026-10"
