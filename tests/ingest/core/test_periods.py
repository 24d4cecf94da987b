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


def test_sweep_and_reminder_months_follow_the_due_date() -> None:
    assert periods.latest_complete_period(date(2026, 1, 5)) == "2025-12"
    # Reports for M are due on the 10th of M+1: reminders only after that day.
    assert periods.overdue_period(date(2026, 11, 10)) == "2026-09"
    assert periods.overdue_period(date(2026, 11, 11)) == "2026-10"
