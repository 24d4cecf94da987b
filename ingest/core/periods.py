"""Reporting months and the reporting calendar: the one module for months and dates.

A period is a reporting month written ``YYYY-MM`` with ASCII digits only, matched in full
(no trailing newline, no Unicode digits). The reporting calendar (:func:`calendar`) is the
contract's: reports for month M are due on the due day of M+1, and figures stay provisional
for the BA's Wartezeit. The due day, the Wartezeit and the first month of SGB II are defined
once, as the ``vars`` of ``dbt_project/dbt_project.yml``, which dbt reads natively; this
module reads the same values on first use, so the warehouse, the DAGs, the CLI and the mails
cannot disagree about them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ingest.core import settings
from ingest.core.errors import InvalidKey

# The pattern of a period, without anchors (JSON schemas add ``^`` and ``$``).
PERIOD_PATTERN = r"[0-9]{4}-(?:0[1-9]|1[0-2])"
_PERIOD = re.compile(PERIOD_PATTERN, re.ASCII)


class InvalidPeriod(InvalidKey):
    """A text that is not a reporting month ``YYYY-MM`` (or a range that is not a range, or a
    month outside the reporting months)."""


@dataclass(frozen=True)
class Calendar:
    """The reporting calendar of the contract."""

    due_day: int  # reports for month M are due on this day of M+1
    wartezeit_months: int  # figures are provisional this many months (the BA's Wartezeit)
    first_period: str  # the first reporting month of SGB II


@lru_cache(maxsize=1)
def calendar() -> Calendar:
    """The calendar from the vars of dbt_project.yml (read once, on first use)."""
    import yaml

    with open(settings.DBT_PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as f:
        variables = yaml.safe_load(f)["vars"]
    first = str(variables["first_period"])
    if not _PERIOD.fullmatch(first):
        raise ValueError(f"dbt_project.yml: var first_period {first!r} ist kein Monat JJJJ-MM")
    return Calendar(int(variables["due_day"]), int(variables["wartezeit_months"]), first)


def is_period(text: object) -> bool:
    """True if ``text`` is a reporting month ``YYYY-MM`` (ASCII digits, nothing around it)."""
    return isinstance(text, str) and _PERIOD.fullmatch(text) is not None


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: how a refused value is named."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_period(text: object) -> str:
    """``text`` as a period; :class:`InvalidPeriod` naming the value otherwise."""
    if not is_period(text):
        raise InvalidPeriod(f"Berichtsmonat {shown(text)} ist kein Monat JJJJ-MM")
    return text  # type: ignore[return-value]


def reporting_period(text: object, today: date) -> str:
    """``text`` as a month that can have a report on ``today``: from the calendar's first
    period to the month ``today`` lies in. InvalidPeriod naming the value and the bounds
    otherwise."""
    period = parse_period(text)
    current = period_of(today)
    first = calendar().first_period
    if period < first:
        raise InvalidPeriod(
            f"Berichtsmonat {period} liegt vor {first}, dem ersten Monat des SGB II"
        )
    if period > current:
        raise InvalidPeriod(
            f"Berichtsmonat {period} liegt nach dem laufenden Monat {current} "
            f"(Stichtag {today:%d.%m.%Y})"
        )
    return period


def month_index(period: str) -> int:
    """Months since year 0: consecutive months differ by one."""
    period = parse_period(period)
    return int(period[:4]) * 12 + int(period[5:]) - 1


def period_of_index(index: int) -> str:
    """The period of a :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shift(period: str, months: int) -> str:
    """``period`` shifted by ``months`` (negative: earlier)."""
    return period_of_index(month_index(period) + months)


def period_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive; InvalidPeriod if reversed or malformed."""
    start, end = month_index(first), month_index(last)
    if start > end:
        raise InvalidPeriod(f"Zeitraum {first}..{last} endet, bevor er beginnt")
    return [period_of_index(i) for i in range(start, end + 1)]


def parse_range(text: str) -> list[str]:
    """``2026-10`` → ``[2026-10]``; ``2026-10..2026-12`` → the three months, in order."""
    first, sep, last = text.partition("..")
    return period_range(first, last if sep else first)


def period_of(day: date) -> str:
    """The month a day lies in."""
    return f"{day.year:04d}-{day.month:02d}"


def due_date(period: str) -> date:
    """The day the reports of ``period`` are due: the due day of the following month."""
    following = shift(period, 1)
    return date(int(following[:4]), int(following[5:]), calendar().due_day)


def latest_complete_period(day: date) -> str:
    """The last month that has ended before ``day`` (the month before ``day``'s month)."""
    return shift(period_of(day), -1)


def overdue_period(day: date) -> str:
    """The latest month whose due date lies before ``day``."""
    latest = latest_complete_period(day)
    return latest if day > due_date(latest) else shift(latest, -1)
