"""The one clock: every date the product reads comes from here.

Two kinds of time, kept apart:

- the **reference date** (:func:`today`): the day a decision is made for (which months are
  due, late, overdue, provisional or final; reminders; the demo's months). Inside Airflow it
  is the run's logical date, passed in by the DAG; on the command line ``--today``; else the
  environment variable ``JCW_TODAY`` (``YYYY-MM-DD``); else today's date in Europe/Berlin.
- the **moment** (:func:`utc_now`): when something happened (a report was fetched, a verdict
  written, a mail sent), recorded as a fact in UTC.

No other module calls ``datetime.now()`` or ``date.today()``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Berlin")
TODAY_ENV = "JCW_TODAY"


class InvalidDate(ValueError):
    """A reference date that is not a real calendar day ``YYYY-MM-DD``."""


def parse_day(text: str, *, source: str = "date") -> date:
    """``YYYY-MM-DD`` as a date; InvalidDate naming the value and where it came from."""
    try:
        if len(text) != 10 or not text.isascii():
            raise ValueError
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidDate(f"{source} {text!r} is not a calendar day YYYY-MM-DD") from None


def utc_now() -> datetime:
    """The moment, in UTC: when something happened."""
    return datetime.now(UTC)


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
    return utc_now().astimezone(TIMEZONE).date()
