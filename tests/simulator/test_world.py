"""The simulated world: deterministic, valid by every hard rule, quiet by every soft rule in
normal months, and calibrated to the 2018 figures of the 104 kommunale Jobcenter."""

from __future__ import annotations

import csv
from datetime import date

import numpy as np
import pytest

from simulator.periods import month_index, period_of
from simulator.registry import REGISTRY_SEED
from simulator.service import Simulator
from simulator.world import World
from tests.simulator.contract_checks import (
    hard_violations,
    parse,
    soft_warnings,
    totals,
    truth_rows,
)

TODAY = date(2026, 11, 21)
REFERENCE = {
    r["kreis_ags"]: int(r["population_2018_12_31"])
    for r in csv.DictReader(REGISTRY_SEED.open(encoding="utf-8"))
}
KINDS = {r["kreis_ags"]: r["kind"] for r in csv.DictReader(REGISTRY_SEED.open(encoding="utf-8"))}
ALL_MONTHS = [period_of(i) for i in range(month_index("2005-01"), month_index("2026-10") + 1)]
# Months around the breaks, the first month, the calibration year and the latest month.
SAMPLE = [
    "2005-01",
    "2005-02",
    "2009-06",
    "2015-12",
    "2016-01",
    "2018-06",
    "2020-03",
    "2020-04",
    "2020-05",
    "2022-05",
    "2022-06",
    "2022-07",
    "2022-08",
    "2026-09",
    "2026-10",
]


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(seed=42, today=TODAY)


def test_same_seed_same_bytes_other_seed_other_bytes():
    a, b, c = Simulator(42, today=TODAY), Simulator(42, today=TODAY), Simulator(7, today=TODAY)
    for ags in ("03157", "05113", "08111"):
        for period in ("2005-01", "2018-12", "2026-10"):
            assert a.latest(ags, period, TODAY).body == b.latest(ags, period, TODAY).body
            assert a.latest(ags, period, TODAY).body != c.latest(ags, period, TODAY).body
    assert a.profiles == b.profiles
    assert World(42).gemeinden.codes == World(42).gemeinden.codes


def test_gemeinden_per_kreis(sim):
    w = sim.world
    for jc in w.jobcenters:
        start, end = w.bounds[w.index[jc.kreis_ags]]
        codes = w.gemeinden.codes[start:end]
        names = w.gemeinden.names[start:end]
        if KINDS[jc.kreis_ags] == "kreisfreie Stadt":
            assert codes == (f"{jc.kreis_ags}000",)
        else:
            assert 5 <= len(codes) <= 40
            assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
        assert all(len(c) == 8 and c.isdigit() and c.startswith(jc.kreis_ags) for c in codes)
        assert all(n.strip() and n.encode("cp1252") for n in names)


def test_population_sums_to_reference_in_2018_and_drifts_within_2_percent(sim):
    w = sim.world
    kreis = w.gemeinden.kreis
    ref = np.array([REFERENCE[jc.kreis_ags] for jc in w.jobcenters])
    exact = np.bincount(kreis, weights=w.month("2018-12")["einwohner"])
    assert exact.astype(np.int64).tolist() == ref.tolist()
    for period in ALL_MONTHS:
        m = w.month(period)
        pop = np.bincount(kreis, weights=m["einwohner"])
        assert np.abs(pop / ref - 1).max() <= 0.02, period
        share = m["einwohner_bis_rag"] / m["einwohner"]
        assert share.min() >= 0.78 and share.max() <= 0.84, period


def test_kreis_elb_never_moves_more_than_15_percent_month_over_month(sim):
    w = sim.world
    kreis = w.gemeinden.kreis
    previous = None
    worst = 0.0
    for period in ALL_MONTHS:
        elb = np.bincount(kreis, weights=w.month(period)["elb"])
        if previous is not None:
            worst = max(worst, float(np.abs(elb / previous - 1).max()))
        previous = elb
    assert worst < 0.15
    # the 2020 and 2022 breaks are visible nationally
    national = {p: w.month(p)["elb"].sum() for p in ("2020-03", "2020-06", "2022-05", "2022-09")}
    assert national["2020-06"] > national["2020-03"] * 1.02
    assert national["2022-09"] > national["2022-05"] * 1.04


@pytest.mark.parametrize("period", SAMPLE)
def test_every_served_report_parses_keeps_every_hard_rule_and_no_soft_rule(sim, period):
    previous_period = period_of(month_index(period) - 1) if period != "2005-01" else None
    for ags in sim.profiles:
        served = sim.latest(ags, period, TODAY)
        kreis, stated, rows = parse(served.body, served.content_type)
        assert kreis in (None, ags) and stated in (None, period)
        assert hard_violations(rows, ags, period, REFERENCE[ags]) == set(), (ags, period)
        prev = None
        if previous_period:
            p = sim.latest(ags, previous_period, TODAY)
            prev = parse(p.body, p.content_type)[2]
        assert soft_warnings(rows, prev) == set(), (ags, period)


def test_ratios_are_plausible(sim):
    for period in ("2007-03", "2018-06", "2024-09"):
        t = sim.truth(period, TODAY)
        for ags, e in t["reports"].items():
            tot = totals(truth_rows(e))
            persons = tot["elb"] + tot["nef"]
            assert 0.015 <= tot["elb"] / tot["einwohner"] <= 0.085, (ags, period)
            assert 1.7 <= persons / tot["bedarfsgemeinschaften"] <= 2.0
            assert 1.25 <= tot["elb"] / tot["bedarfsgemeinschaften"] <= 1.42
            assert 0.23 <= tot["nef"] / persons <= 0.34
            assert 0.59 <= tot["elb_langzeit"] / tot["elb"] <= 0.68
            assert 0.34 <= tot["elb_arbeitslos"] / tot["elb"] <= 0.46
            assert 400 <= tot["leistungen_lebensunterhalt_eur"] / persons <= 620
            assert 370 <= tot["leistungen_unterkunft_eur"] / tot["bedarfsgemeinschaften"] <= 570


def test_calibration_2018(sim):
    months = [f"2018-{m:02d}" for m in range(1, 13)]
    truths = [sim.truth(p, TODAY) for p in months]
    people = [t["national"]["personen"] for t in truths]
    integrations = sum(t["national"]["integrationen"] for t in truths)
    elb_avg = sum(t["national"]["elb"] for t in truths) / 12
    assert all(t["national"]["jobcenters_reporting"] == 104 for t in truths)
    assert truths[-1]["national"]["einwohner"] == 22_652_442
    assert abs(sum(people) / 12 / 1_500_000 - 1) <= 0.10
    assert abs(integrations / 250_000 - 1) <= 0.10
    assert 0.20 <= integrations / elb_avg <= 0.27
    # seasonality: integrations in January well below the monthly average
    assert truths[0]["national"]["integrationen"] < integrations / 12 * 0.85


def test_every_month_keeps_hard_rules_per_gemeinde_and_soft_quotas_per_kreis(sim):
    w = sim.world
    kreis = w.gemeinden.kreis
    subgroups = (
        "elb_frauen",
        "elb_unter_25",
        "elb_ab_55",
        "elb_alleinerziehend",
        "elb_langzeit",
        "elb_arbeitslos",
    )
    for period in ALL_MONTHS:
        m = w.month(period)
        counts = [m[c] for c in m if c.startswith(("einwohner", "elb", "nef", "integ", "bedarf"))]
        assert all((c >= 0).all() for c in counts), period
        assert all((m[s] <= m["elb"]).all() for s in subgroups), period
        for s in (
            "integrationen_frauen",
            "integrationen_langzeit",
            "integrationen_alleinerziehend",
        ):
            assert (m[s] <= m["integrationen"]).all(), period
        kinds = m["integrationen_svb"] + m["integrationen_ausbildung"]
        assert (m["integrationen"] == kinds + m["integrationen_selbstaendig"]).all()
        persons = m["elb"] + m["nef"]
        assert (m["bedarfsgemeinschaften"] <= persons).all(), period
        assert (persons <= m["einwohner_bis_rag"]).all(), period
        assert (m["einwohner_bis_rag"] <= m["einwohner"]).all(), period

        def total(column: str, month=m) -> np.ndarray:
            return np.bincount(kreis, weights=month[column])

        elb = total("elb")
        assert (0.003 <= total("integrationen") / elb).all(), period
        assert (total("integrationen") / elb <= 0.06).all(), period
        assert (
            (0.01 <= elb / total("einwohner_bis_rag")) & (elb / total("einwohner_bis_rag") <= 0.15)
        ).all()
        assert ((0.40 <= total("elb_langzeit") / elb) & (total("elb_langzeit") / elb <= 0.80)).all()
        assert (elb / total("bedarfsgemeinschaften") <= 2.5).all(), period
