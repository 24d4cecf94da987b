"""The one clock: every date the product reads comes from here.

Two kinds of time, kept apart:

- the **reference date** (:func:`today`): the day a decision is made for (which months are
  due, late, overdue, provisional or final; reminders; the demo's months). Inside Airflow it
  is the run's logical date, passed in by the DAG; on the command line ``--today``; else the
  environment variable ``JCW_TODAY`` (``YYYY-MM-DD``); else today's date in Europe/Berlin.
- the **moment** (:func:`utc_now`): when something happened (a report was fetched, a verdict
  written, a mail sent), recorded as a fact in UTC; on the reference day when ``JCW_TODAY``
  pins it.

No other module calls ``datetime.now()`` or ``date.today()``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Berlin")
TODAY_ENV = "JCW_TODAY"


class InvalidDate(ValueError):
    """A reference date that is not a real calendar day ``YYYY-MM-DD``."""


def parse_day(text: str, *, source: str = "Datum") -> date:
    """``YYYY-MM-DD`` as a date; InvalidDate naming the value and where it came from."""
    try:
        if len(text) != 10 or not text.isascii():
            raise ValueError
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidDate(f"{source} {text!r} ist kein Kalendertag JJJJ-MM-TT") from None


def pinned() -> bool:
    """True when ``JCW_TODAY`` pins the reference date (a simulated world, a test)."""
    return bool(os.environ.get(TODAY_ENV))


def utc_now() -> datetime:
    """The moment, in UTC: when something happened.

    With ``JCW_TODAY`` set (a simulated world, a test), the moment is that day at the real
    time of day, so what the product records and what it decides read the same calendar.
    """
    real = datetime.now(UTC)
    configured = os.environ.get(TODAY_ENV)
    if not configured:
        return real
    return datetime.combine(parse_day(configured, source=TODAY_ENV), real.timetz())


def today(explicit: date | str | None = None) -> date:
    """The reference date: ``explicit`` (``--today``, a run's date), else ``JCW_TODAY``,
    else today in Europe/Berlin."""
    if isinstance(explicit, date):
        return explicit
    if explicit:
        return parse_day(explicit, source="--today")
    configured = os.environ.get(TODAY_ENV)
    if configured:
        return parse_day(configured, source=TODAY_ENV)
    return datetime.now(UTC).astimezone(TIMEZONE).date()


def berlin_day(moment: datetime) -> date:
    """The calendar day of a moment in Germany (deadlines are German calendar days)."""
    return moment.astimezone(TIMEZONE).date()


def berlin_midnight(day: date) -> datetime:
    """The first moment of a German calendar day, in UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=TIMEZONE).astimezone(UTC)
