"""Ground truth rules that need no server: bounds of transient faults, lateness, warnings of
the month after a soft warning, scenario files through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from simulator.faults import FaultError
from simulator.service import Simulator

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 21)
PERIOD = "2026-10"


def expected(fault: dict, period: str = PERIOD, today: date = TODAY) -> dict:
    sim = Simulator(42, today=today, faults=[{"kreis_ags": "03157", "period": PERIOD, **fault}])
    return sim.expected("03157", period, today)


@pytest.mark.parametrize(
    ("fault", "verdict", "kind"),
    [
        ({"fault": "http_5xx_burst", "n": 4}, "accepted", None),
        ({"fault": "http_5xx_burst", "n": 5}, "missing", "server_error"),
        ({"fault": "rate_limited", "n": 2, "retry_after": 2}, "accepted", None),
        ({"fault": "rate_limited", "n": 2, "retry_after": 600}, "missing", "rate_limited"),
        ({"fault": "truncated_body", "n": 2}, "accepted", None),
        ({"fault": "truncated_body", "n": 3}, "missing", "truncated"),
        ({"fault": "truncated_body"}, "missing", "truncated"),
        ({"fault": "late", "day": 22}, "missing", "not_published"),
        ({"fault": "late", "day": 21}, "accepted", None),
    ],
)
def test_transient_and_late_bounds(fault, verdict, kind):
    e = expected(fault)
    assert e["expected"] == verdict
    assert e.get("kind") == kind


def test_month_after_an_elb_jump_warns_about_the_drop():
    sim = Simulator(
        42,
        today=TODAY,
        faults=[
            {
                "kreis_ags": "03157",
                "period": "2026-08",
                "fault": "soft_warning",
                "rule": "elb_jump",
            },
            {"kreis_ags": "03157", "period": "2026-09", "fault": "never"},
        ],
    )
    assert sim.expected("03157", "2026-08", TODAY)["warnings"] == ["elb_change"]
    # 2026-09 is missing, so 2026-10 is compared with the jumped 2026-08
    assert sim.expected("03157", "2026-09", TODAY)["expected"] == "missing"
    assert sim.expected("03157", PERIOD, TODAY)["warnings"] == ["elb_change"]


def test_rejected_month_is_not_the_comparison_base():
    sim = Simulator(
        42,
        today=TODAY,
        faults=[
            {
                "kreis_ags": "03157",
                "period": "2026-09",
                "fault": "soft_warning",
                "rule": "gemeinde_missing",
            },
            {
                "kreis_ags": "03157",
                "period": "2026-09",
                "fault": "violated_rule",
                "rule": "wrong_period",
            },
        ],
    )
    assert sim.expected("03157", "2026-09", TODAY)["rule"] == "wrong_period"
    assert sim.expected("03157", PERIOD, TODAY)["warnings"] == []


def test_unknown_faults_and_params_are_refused():
    with pytest.raises(FaultError, match="unknown fault"):
        Simulator(42, faults=[{"kreis_ags": "03157", "fault": "gremlins"}])
    with pytest.raises(FaultError, match="unknown parameters"):
        Simulator(42, faults=[{"kreis_ags": "03157", "fault": "late", "hour": 3}])
    with pytest.raises(FaultError, match="quote it"):
        Simulator(42, faults=[{"kreis_ags": 3157, "fault": "never"}])
    with pytest.raises(FaultError, match="unknown hard rule"):
        Simulator(42, faults=[{"kreis_ags": "03157", "fault": "violated_rule", "rule": "x"}])


def test_scenario_file_through_the_cli(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "faults:\n"
        "  - {kreis_ags: '03157', period: '2026-10', fault: never}\n"
        "  - {kreis_ags: '05113', fault: violated_rule, rule: population_off}\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "truth",
            "--period",
            PERIOD,
            "--today",
            "2026-11-21",
            "--scenario",
            str(scenario),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    truth = json.loads(out)
    assert truth["summary"] == {
        "accepted": 102,
        "correction_rejected": 0,
        "rejected": 1,
        "missing": 1,
    }
    assert truth["reports"]["05113"]["rule"] == "population_off"
    assert truth["national"]["jobcenters_reporting"] == 102
    accepted = [e for e in truth["reports"].values() if e["expected"] == "accepted"]
    assert truth["national"]["elb"] == sum(e["totals"]["elb"] for e in accepted)
    bad = subprocess.run(
        [sys.executable, "-m", "simulator", "truth", "--period", "2026-13"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "2026-13" in bad.stderr


def test_every_correction_has_new_bytes_and_stays_quiet():
    sim = Simulator(42, today=TODAY)
    for ags in ("03157", "05113", "16053"):
        etags = {sim.latest(ags, PERIOD, TODAY).etag}
        for revision in (2, 3, 4):
            event = sim.correct(ags, PERIOD)
            assert event["revision"] == revision
            etags.add(event["etag"])
            assert sim.expected(ags, PERIOD, TODAY)["warnings"] == []
        assert len(etags) == 4


def test_a_rejected_correction_leaves_revision_1_valid_and_counted():
    faults = [
        {"kreis_ags": "03157", "period": PERIOD, "fault": "correction", "revisions": 2},
        {"kreis_ags": "03157", "period": PERIOD, "fault": "violated_rule", "from_revision": 2},
    ]
    sim = Simulator(42, today=TODAY, faults=faults)
    e = sim.expected("03157", PERIOD, TODAY)
    assert (e["expected"], e["rule"], e["revision"], e["latest_revision"]) == (
        "correction_rejected",
        "subgroup_exceeds_total",
        1,
        2,
    )
    assert e["sha256"] == e["revisions"][0]["sha256"]
    clean = Simulator(42, today=TODAY).truth(PERIOD)
    truth = sim.truth(PERIOD)
    assert truth["summary"]["correction_rejected"] == 1
    assert truth["national"]["jobcenters_reporting"] == 104
    # revision 1 has the figures of the uncorrected report
    assert truth["national"] == clean["national"]


def test_lateness_is_the_german_day_of_the_first_publication():
    sim = Simulator(42, today=TODAY, faults=[{"kreis_ags": "03157", "fault": "late", "day": 10}])
    assert sim.expected("03157", PERIOD, TODAY)["late"] is False
    sim = Simulator(42, today=TODAY, faults=[{"kreis_ags": "03157", "fault": "late", "day": 11}])
    assert sim.expected("03157", PERIOD, TODAY)["late"] is True


def test_without_today_the_simulator_reads_the_worlds_clock(monkeypatch):
    monkeypatch.setenv("JCW_TODAY", "2027-01-01")
    assert Simulator(42).today() == date(2027, 1, 1)
    assert Simulator(42, today=TODAY).today() == TODAY
