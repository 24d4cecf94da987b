"""On time, late, overdue: the one definition, used by status, warehouse, report and mails.

A report for month M is due on the due day of M+1 (:func:`ingest.core.periods.due_date`).

- **on time**: the jobcenter published its *first* revision on or before the due date (a
  German calendar day); a correction never changes this;
- **late**: the first revision was published after the due date;
- **overdue**: no revision yet, and the due date has passed on the reference date;
- **not due**: no revision yet, and the due date has not passed.

When was the first revision published? What the endpoint says, if it is plausible: the
``X-Report-First-Published`` header, else ``Last-Modified`` of a response that is revision 1.
A claim is implausible when it lies before the reporting month ended, before the previous
fetch that found nothing (the endpoint said 404 then), or after the fetch itself. Without a
plausible claim, the first time the pipeline saw the report is the bound. The collect stage
records this per landed revision (``first_published_at``/``first_published_on``); a report's
first publication is the earliest over its revisions.
"""

from __future__ import annotations

from datetime import date, datetime

from ingest.core import periods
from ingest.core.clock import berlin_day, berlin_midnight

ON_TIME, LATE, OVERDUE, NOT_DUE = "on_time", "late", "overdue", "not_due"


def month_end(period: str) -> datetime:
    """The moment a reporting month ends: midnight (German time) starting the next month."""
    following = periods.shift(period, 1)
    return berlin_midnight(date(int(following[:4]), int(following[5:]), 1))


def is_plausible(
    claimed: datetime | None, period: str, fetched_at: datetime, not_found_at: datetime | None
) -> bool:
    """True if a claimed publication moment can be true for a report fetched at ``fetched_at``."""
    if claimed is None:
        return False
    earliest = max(month_end(period), not_found_at or month_end(period))
    return earliest <= claimed <= fetched_at


def first_publication(
    period: str,
    fetched_at: datetime,
    *,
    first_published: datetime | None = None,
    last_modified: datetime | None = None,
    source_revision: int | None = None,
    not_found_at: datetime | None = None,
) -> tuple[datetime, str]:
    """When revision 1 of a report was published, as far as one fetch can tell, and how it
    is known: ``first_published`` (the header), ``last_modified`` or ``first_seen``."""
    if is_plausible(first_published, period, fetched_at, not_found_at):
        return first_published, "first_published"  # type: ignore[return-value]
    if source_revision in (None, 1) and is_plausible(
        last_modified, period, fetched_at, not_found_at
    ):
        return last_modified, "last_modified"  # type: ignore[return-value]
    return fetched_at, "first_seen"


def timeliness(first_published_on: date | None, period: str, today: date) -> str:
    """``on_time``, ``late``, ``overdue`` or ``not_due`` (see the module docstring)."""
    due = periods.due_date(period)
    if first_published_on is None:
        return OVERDUE if today > due else NOT_DUE
    return ON_TIME if first_published_on <= due else LATE


__all__ = ["berlin_day", "first_publication", "is_plausible", "month_end", "timeliness"]
