"""Runtime corrections and events, the command line, and synthetic jobcenters (scale)."""

from __future__ import annotations

import csv
import io
import json
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import requests

from simulator.registry import REGISTRY_SEED
from simulator.service import Simulator
from tests.simulator.contract_checks import hard_violations, parse, soft_warnings, truth_rows

ROOT = Path(__file__).resolve().parents[2]
PERIOD = "2026-10"
AGS = "06431"  # Kreis Bergstraße
REAL = list(csv.DictReader(REGISTRY_SEED.open(encoding="utf-8")))


def cli(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def get(sim, ags, period=PERIOD, **headers):
    return requests.get(
        sim.url(ags, period),
        headers={"Authorization": f"Bearer {sim.token(ags)}", **headers},
        timeout=30,
    )


def test_correction_publishes_revision_2(simulator):
    before = get(simulator, AGS)
    truth_before = simulator.truth(PERIOD)
    rev1 = truth_before["reports"][AGS]
    event = simulator.correct(AGS, PERIOD)
    assert event["kreis_ags"] == AGS and event["period"] == PERIOD and event["revision"] == 2
    after = get(simulator, AGS, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["X-Report-Revision"] == "2"
    assert after.headers["ETag"] == event["etag"] != before.headers["ETag"]
    rev2 = simulator.truth(PERIOD)["reports"][AGS]
    assert rev2["revision"] == 2 and rev2["etag"] == event["etag"]
    assert [r["etag"] for r in rev2["revisions"]] == [rev1["etag"], event["etag"]]
    changed = [(a, b) for a, b in zip(rev1["rows"], rev2["rows"], strict=True) if a != b]
    assert len(changed) == 1
    old, new = changed[0]
    assert 1.02 <= new["elb"] / old["elb"] <= 1.04
    assert new["einwohner"] == old["einwohner"]
    rows = parse(after.content, after.headers["Content-Type"])[2]
    assert rows == truth_rows(rev2)
    reference = next(int(r["population_2018_12_31"]) for r in REAL if r["kreis_ags"] == AGS)
    assert hard_violations(rows, AGS, PERIOD, reference) == set()
    prev = get(simulator, AGS, "2026-09")
    assert soft_warnings(rows, parse(prev.content, prev.headers["Content-Type"])[2]) == set()
    assert rev2["warnings"] == []
    index = get(simulator, AGS, None).json()["reports"]
    assert index[-1] == {
        "period": PERIOD,
        "revision": 2,
        "etag": event["etag"],
        "published_at": event["published_at"],
    }
    national = simulator.truth(PERIOD)["national"]
    assert national["elb"] - truth_before["national"]["elb"] == new["elb"] - old["elb"] > 0
    assert simulator.correct(AGS, PERIOD)["revision"] == 3


def test_correcting_an_unpublished_report_is_refused(simulator):
    resp = requests.post(
        f"{simulator.base_url}/admin/correct",
        json={"kreis_ags": AGS, "period": "2026-11"},
        timeout=10,
    )
    assert resp.status_code == 409
    assert get(simulator, AGS, "2026-11").status_code == 404


def test_advancing_the_clock_publishes_on_schedule(simulator):
    assert get(simulator, AGS, "2026-11").status_code == 404
    events = simulator.advance("2026-12-04")
    assert events and all(e["period"] == "2026-11" for e in events)
    assert {e["kreis_ags"] for e in events} == {
        a for a, e in simulator.truth("2026-11")["reports"].items() if e["expected"] == "accepted"
    }
    published = events[0]
    resp = get(simulator, published["kreis_ags"], "2026-11")
    assert resp.status_code == 200 and resp.headers["ETag"] == published["etag"]
    later = simulator.advance("2026-12-10")
    assert {e["kreis_ags"] for e in events} | {e["kreis_ags"] for e in later} == set(
        simulator.truth("2026-11")["reports"]
    )
    backwards = requests.post(
        f"{simulator.base_url}/admin/advance", json={"today": "2026-12-01"}, timeout=10
    )
    assert backwards.status_code == 400


def test_cli_truth_equals_server_truth(simulator_module):
    out = json.loads(cli("truth", "--period", "2019-07", "--today", "2026-11-21"))
    assert out == simulator_module.truth("2019-07")
    assert out["summary"] == {
        "accepted": 104,
        "correction_rejected": 0,
        "rejected": 0,
        "missing": 0,
    }


def test_connections_lines_are_shell_safe():
    lines = cli("connections", "--base-url", "http://127.0.0.1:9999", "--offline").splitlines()
    assert len(lines) == 104
    env = {}
    for line in lines:
        name, _, quoted = line.partition("=")
        (value,) = shlex.split(quoted)
        env[name] = json.loads(value)
    conn = env["AIRFLOW_CONN_JC_08111"]
    assert conn["host"] == "http://127.0.0.1:9999/jc/08111"
    assert conn["conn_type"] == "http" and len(conn["password"]) >= 32
    # a shell that evaluates the line gets exactly the JSON back
    line = next(x for x in lines if x.startswith("AIRFLOW_CONN_JC_08111="))
    script = 'eval "export $0"; printf %s "$AIRFLOW_CONN_JC_08111"'
    shell = subprocess.run(["bash", "-c", script, line], capture_output=True, text=True)
    assert json.loads(shell.stdout) == conn


def test_registry_scale_adds_synthetic_jobcenters():
    rows = list(csv.DictReader(io.StringIO(cli("registry", "--scale", "3"))))
    assert len(rows) == 312
    assert list(rows[0]) == list(REAL[0])
    assert rows[:104] == REAL
    synthetic = rows[104:]
    real_ags = {r["kreis_ags"] for r in REAL}
    codes = [r["kreis_ags"] for r in synthetic]
    assert len(set(codes)) == 208 and not set(codes) & real_ags
    assert all(len(c) == 5 and c[:2] in ("17", "18", "19") for c in codes)
    assert {r["land"] for r in synthetic} == {"XX"}
    assert all(int(r["population_2018_12_31"]) > 0 for r in synthetic)


def test_scaled_server_serves_synthetic_jobcenters(simulator_factory):
    sim = simulator_factory(scale=2)
    assert len(sim.env) == 208
    resp = get(sim, "17001")
    assert resp.status_code == 200
    truth = sim.truth(PERIOD)
    assert truth["national"]["jobcenters_reporting"] == 208
    assert resp.headers["ETag"] == truth["reports"]["17001"]["etag"]
    rows = parse(resp.content, resp.headers["Content-Type"])[2]
    assert all(r["gemeinde_ags"].startswith("17001") for r in rows)
    # the real jobcenters are the same world as without scale
    unscaled = Simulator(42, today=date(2026, 11, 21)).truth(PERIOD)["reports"]["08111"]
    assert truth["reports"]["08111"]["etag"] == unscaled["etag"]
