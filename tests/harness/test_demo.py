"""The demo's months and the simulator's publications on one clock, on every kind of day.

`make demo` must work on any day of the year: it covers the months whose reports are due by
its date, every one of them is published in its simulated world (except what its scenario
withholds), and the jobcenter it corrects has a report to correct.
"""

from __future__ import annotations

from datetime import date

import pytest

from harness.demo import CORRECTED, default_periods, resolve_scenario
from ingest.core import periods
from simulator.service import Simulator

DAYS = [
    date(2026, 11, 1),
    date(2026, 11, 9),
    date(2026, 11, 10),
    date(2026, 11, 11),
    date(2026, 11, 30),
    date(2026, 12, 1),
    date(2026, 12, 31),
    date(2027, 1, 1),
    date(2027, 1, 10),
    date(2027, 1, 11),
]
EXPECTED_LAST = {
    date(2026, 11, 1): "2026-09",
    date(2026, 11, 9): "2026-09",
    date(2026, 11, 10): "2026-09",
    date(2026, 11, 11): "2026-10",
    date(2026, 11, 30): "2026-10",
    date(2026, 12, 1): "2026-10",
    date(2026, 12, 31): "2026-11",
    date(2027, 1, 1): "2026-11",
    date(2027, 1, 10): "2026-11",
    date(2027, 1, 11): "2026-12",
}


def withheld(faults: list[dict], period: str) -> set[str]:
    """Jobcenters the demo scenario lets publish late or never in ``period``."""
    return {
        f["kreis_ags"]
        for f in faults
        if f["fault"] in ("never", "late") and f.get("period") in (None, period)
    }


@pytest.mark.parametrize("day", DAYS, ids=[d.isoformat() for d in DAYS])
def test_the_demo_covers_24_due_months_and_every_one_is_published(day: date) -> None:
    first, last = default_periods(day)
    assert last == EXPECTED_LAST[day]
    assert periods.period_range(first, last)[-24:] == periods.period_range(first, last)
    assert len(periods.period_range(first, last)) == 24
    assert periods.due_date(last) < day <= periods.due_date(periods.shift(last, 1))
    faults = resolve_scenario(last)["faults"]
    sim = Simulator(42, today=day, faults=faults)
    for period in (first, last):
        unpublished = {ags for ags in sim.profiles if not sim.revisions(ags, period, day)}
        assert unpublished == withheld(faults, period), (period, sorted(unpublished))
    # the scenario's faults fall into the demo's months, whatever the day
    assert {f["period"] for f in faults if "period" in f} <= set(periods.period_range(first, last))
    assert any(f["fault"] == "never" and f["period"] == last for f in faults)
    # the correction of the demo has a published report to correct
    assert sim.revisions(CORRECTED, last, day)
    assert CORRECTED not in withheld(faults, last)
