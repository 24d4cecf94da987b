"""Reporting months as ``YYYY-MM`` strings and as month indexes counted from 2005-01."""

from __future__ import annotations

import re
from datetime import date

FIRST_PERIOD = "2005-01"
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_index(period: str) -> int:
    """Months since 2005-01 (2005-01 is 0)."""
    m = _PERIOD.match(period)
    if not m:
        raise ValueError(f"not a period YYYY-MM: {period!r}")
    return (int(m.group(1)) - 2005) * 12 + int(m.group(2)) - 1


def period_of(index: int) -> str:
    """The period ``YYYY-MM`` of a month index."""
    return f"{2005 + index // 12:04d}-{index % 12 + 1:02d}"


def is_period(text: str) -> bool:
    """True if ``text`` is a well-formed period ``YYYY-MM``."""
    return bool(_PERIOD.match(text))


def shift(period: str, months: int) -> str:
    """The period ``months`` after ``period`` (negative: before)."""
    return period_of(month_index(period) + months)


def due_month_start(period: str) -> date:
    """First day of the month after ``period`` (the month the report is published in)."""
    i = month_index(period) + 1
    return date(2005 + i // 12, i % 12 + 1, 1)


def last_closed_period(today: date) -> str:
    """The month before ``today``'s month: the latest period that can be published."""
    return period_of((today.year - 2005) * 12 + today.month - 2)
