"""The fault catalogue over real HTTP: each fault behaves as documented and the ground truth
states what the pipeline must conclude."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import socket

import pytest
import requests

from simulator.registry import REGISTRY_SEED
from tests.simulator.contract_checks import (
    Unparseable,
    hard_violations,
    parse,
    soft_warnings,
    truth_rows,
)

PERIOD = "2026-10"
REGISTRY = list(csv.DictReader(REGISTRY_SEED.open(encoding="utf-8")))
REFERENCE = {r["kreis_ags"]: int(r["population_2018_12_31"]) for r in REGISTRY}
HARD = [
    "subgroup_exceeds_total",
    "integration_sum_mismatch",
    "foreign_gemeinde",
    "duplicate_gemeinde",
    "wrong_period",
    "population_off",
    "bg_exceeds_persons",
    "negative_count",
    "missing_column",
]
SOFT = {
    "elb_jump": "elb_change",
    "gemeinde_missing": "gemeinde_set_changed",
    "integration_rate": "integration_rate",
}
# One jobcenter per fault (registry order); kreisfreie Städte too (05113 Essen = index 18).
FAULTS: list[tuple[str, dict]] = [
    ("late", {}),
    ("never", {}),
    ("http_5xx_burst", {"n": 2}),
    ("rate_limited", {"n": 2, "retry_after": 1}),
    ("connect_blackhole", {}),
    ("stall_after_headers", {}),
    ("slow_trickle", {}),
    ("truncated_body", {}),
    ("html_200", {}),
    ("oversized_body", {"size_mb": 8}),
    ("oversized_body", {"size_mb": 8, "content_length": False}),
    ("wrong_encoding", {}),
    ("broken_rows", {}),
    ("broken_rows", {"kind": "non_numeric"}),
    ("correction", {}),
    ("redirect_other_host", {}),
    ("formula_cells", {}),
    ("http_5xx_burst", {"n": 5}),
    *[("violated_rule", {"rule": r}) for r in HARD],
    *[("soft_warning", {"rule": r}) for r in SOFT],
    ("truncated_body", {"content_length": "matching"}),
    ("soft_warning", {"rule": "gemeinde_missing"}),  # on a kreisfreie Stadt (below)
]
ASSIGNED = [r["kreis_ags"] for r in REGISTRY if r["kind"] == "Landkreis"][: len(FAULTS) - 1]
ASSIGNED.append(next(r["kreis_ags"] for r in REGISTRY if r["kind"] != "Landkreis"))
SCENARIO = {
    "faults": [
        {"kreis_ags": ags, "period": PERIOD, "fault": name, **params}
        for ags, (name, params) in zip(ASSIGNED, FAULTS, strict=True)
    ]
}
CAP = 5 * 1024 * 1024


def ags_of(name: str, **params) -> str:
    """The jobcenter that carries a fault (first match)."""
    for ags, (n, p) in zip(ASSIGNED, FAULTS, strict=True):
        if n == name and all(p.get(k) == v for k, v in params.items()):
            return ags
    raise KeyError(name)


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    from harness.simulator import SimulatorProcess

    process = SimulatorProcess(tmp_path_factory.mktemp("faults"), SCENARIO)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def truth(sim):
    return sim.truth(PERIOD)["reports"]


def get(sim, ags, period=PERIOD, timeout=(3, 10), **kw):
    return requests.get(
        sim.url(ags, period),
        headers={"Authorization": f"Bearer {sim.token(ags)}"},
        timeout=timeout,
        allow_redirects=False,
        **kw,
    )


def test_untouched_jobcenters_stay_accepted(truth):
    clean = [a for a in REFERENCE if a not in ASSIGNED]
    assert clean and all(truth[a]["expected"] == "accepted" for a in clean)
    assert all(truth[a]["warnings"] == [] for a in clean)


@pytest.mark.parametrize("name", ["late", "never"])
def test_unpublished_is_404_and_missing(sim, truth, name):
    ags = ags_of(name)
    assert get(sim, ags).status_code == 404
    assert truth[ags] | {} == {"expected": "missing", "kind": "not_published", "faults": [name]}
    assert PERIOD not in [r["period"] for r in get(sim, ags, None).json()["reports"]]
    assert get(sim, ags, "2026-09").status_code == 200


def test_5xx_burst_then_ok_and_accepted(sim, truth):
    ags = ags_of("http_5xx_burst", n=2)
    first, second, third = (get(sim, ags) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [503, 503, 200]
    assert first.headers["Retry-After"] == "1"
    assert third.headers["ETag"] == truth[ags]["etag"]
    assert truth[ags]["expected"] == "accepted"


def test_long_5xx_burst_is_missing(truth):
    assert truth[ags_of("http_5xx_burst", n=5)] | {} == {
        "expected": "missing",
        "kind": "server_error",
        "faults": ["http_5xx_burst"],
    }


def test_rate_limited_then_ok(sim, truth):
    ags = ags_of("rate_limited")
    statuses = [get(sim, ags) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "1"
    assert truth[ags]["expected"] == "accepted"


def test_connect_blackhole_times_out_on_connect(sim, truth):
    ags = ags_of("connect_blackhole")
    host = sim.connection(ags)["host"]
    assert not host.startswith(sim.base_url)
    with pytest.raises(requests.exceptions.ConnectTimeout):
        get(sim, ags, timeout=(1, 1))
    assert truth[ags]["expected"] == "missing" and truth[ags]["kind"] == "timeout"
    # every other jobcenter still points at the server
    others = [a for a in REFERENCE if a != ags]
    assert all(sim.connection(a)["host"] == f"{sim.base_url}/jc/{a}" for a in others)


def test_stall_after_headers_sends_headers_then_nothing(sim, truth):
    ags = ags_of("stall_after_headers")
    with get(sim, ags, timeout=(3, 1), stream=True) as resp:
        assert resp.status_code == 200
        assert int(resp.headers["Content-Length"]) > 0
        with pytest.raises(requests.exceptions.ConnectionError):
            next(resp.iter_content(1))
    assert truth[ags]["kind"] == "timeout"


def test_slow_trickle_delivers_a_byte_at_a_time(sim, truth):
    ags = ags_of("slow_trickle")
    with get(sim, ags, timeout=(3, 5), stream=True) as resp:
        assert resp.status_code == 200
        first = resp.raw.read(1)
        assert len(first) == 1
        assert int(resp.headers["Content-Length"]) > 1000
    assert truth[ags]["kind"] == "timeout"


def test_truncated_body_closes_early(sim, truth):
    ags = ags_of("truncated_body")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(sim, ags)
    with get(sim, ags, stream=True) as resp:
        declared = int(resp.headers["Content-Length"])
        got = b""
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for chunk in resp.iter_content(1024):
                got += chunk
        assert 0 < len(got) < declared
    assert truth[ags]["kind"] == "truncated"


def test_truncated_body_under_a_matching_length_differs_only_from_its_digest(sim, truth):
    ags = ags_of("truncated_body", content_length="matching")
    resp = get(sim, ags)
    assert resp.status_code == 200
    assert int(resp.headers["Content-Length"]) == len(resp.content)  # the wire is consistent
    whole = bytes.fromhex(resp.headers["ETag"].strip('"'))  # the ETag is the whole body's
    assert hashlib.sha256(resp.content).digest() != whole
    assert resp.headers["Repr-Digest"] == f"sha-256=:{base64.b64encode(whole).decode()}:"
    assert truth[ags]["kind"] == "truncated"


def test_html_200_is_a_login_page(sim, truth):
    ags = ags_of("html_200")
    resp = get(sim, ags)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "<form" in resp.text
    assert truth[ags]["kind"] == "unexpected_content"


@pytest.mark.parametrize("with_length", [True, False])
def test_oversized_body_exceeds_the_cap(sim, truth, with_length):
    ags = (
        ags_of("oversized_body", size_mb=8)
        if with_length
        else ags_of("oversized_body", content_length=False)
    )
    with get(sim, ags, stream=True) as resp:
        assert resp.status_code == 200
        if with_length:
            assert int(resp.headers["Content-Length"]) == 8 * 1024 * 1024
        else:
            assert "Content-Length" not in resp.headers
        received = 0
        for chunk in resp.iter_content(64 * 1024):
            received += len(chunk)
            if received > CAP:
                break
        assert received > CAP
    assert truth[ags]["kind"] == "too_large"


def test_redirect_points_to_another_host(sim, truth):
    ags = ags_of("redirect_other_host")
    resp = get(sim, ags)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("http://127.0.0.2:")
    assert truth[ags]["kind"] == "redirect_refused"


def test_wrong_encoding_breaks_umlauts(sim, truth):
    ags = ags_of("wrong_encoding")
    resp = get(sim, ags)
    assert resp.headers["Content-Type"] == "text/csv; charset=windows-1252"
    assert "Kreisschlüssel" not in resp.content.decode("cp1252")
    with pytest.raises(Unparseable) as err:
        parse(resp.content, resp.headers["Content-Type"])
    assert err.value.rule == "encoding"
    assert truth[ags] | {} == truth[ags] | {"expected": "rejected", "rule": "encoding"}


@pytest.mark.parametrize("kind", ["field_count", "non_numeric"])
def test_broken_rows_cannot_be_read(sim, truth, kind):
    ags = ags_of("broken_rows", kind=kind) if kind == "non_numeric" else ags_of("broken_rows")
    resp = get(sim, ags)
    with pytest.raises(Unparseable) as err:
        parse(resp.content, resp.headers["Content-Type"])
    assert err.value.rule == "broken_rows"
    assert truth[ags]["expected"] == "rejected" and truth[ags]["rule"] == "broken_rows"


@pytest.mark.parametrize("rule", HARD)
def test_violated_rule_breaks_exactly_that_rule(sim, truth, rule):
    ags = ags_of("violated_rule", rule=rule)
    resp = get(sim, ags)
    assert resp.headers["ETag"] == truth[ags]["etag"]
    assert truth[ags]["expected"] == "rejected" and truth[ags]["rule"] == rule
    if rule == "missing_column":
        with pytest.raises(Unparseable) as err:
            parse(resp.content, resp.headers["Content-Type"])
        assert err.value.rule == "missing_column"
        return
    kreis, stated, rows = parse(resp.content, resp.headers["Content-Type"])
    if stated is not None:  # JSON states the period once at the top
        rows = [{**r, "period": stated} for r in rows]
    assert hard_violations(rows, ags, PERIOD, REFERENCE[ags]) == {rule}


@pytest.mark.parametrize("rule", [*SOFT, "gemeinde_missing_city"])
def test_soft_warning_is_accepted_with_that_warning(sim, truth, rule):
    if rule == "gemeinde_missing_city":
        ags, rule = ASSIGNED[-1], "gemeinde_missing"
    else:
        ags = ags_of("soft_warning", rule=rule)
    resp = get(sim, ags)
    rows = parse(resp.content, resp.headers["Content-Type"])[2]
    prev = get(sim, ags, "2026-09")
    previous = parse(prev.content, prev.headers["Content-Type"])[2]
    assert hard_violations(rows, ags, PERIOD, REFERENCE[ags]) == set()
    assert soft_warnings(rows, previous) == {SOFT[rule]}
    assert truth[ags]["expected"] == "accepted"
    assert truth[ags]["warnings"] == [SOFT[rule]]
    assert rows == truth_rows(truth[ags])


def test_correction_fault_serves_revision_2(sim, truth):
    ags = ags_of("correction")
    resp = get(sim, ags)
    assert resp.headers["X-Report-Revision"] == "2"
    entry = truth[ags]
    assert entry["expected"] == "accepted" and entry["revision"] == 2
    assert [r["revision"] for r in entry["revisions"]] == [1, 2]
    assert entry["revisions"][1]["etag"] == resp.headers["ETag"] != entry["revisions"][0]["etag"]
    assert entry["warnings"] == []


def test_formula_cells_are_text_and_accepted(sim, truth):
    ags = ags_of("formula_cells")
    rows = parse(get(sim, ags).content, truth[ags]["content_type"])[2]
    assert rows[0]["gemeinde_name"] == '=HYPERLINK("http://x")'
    assert truth[ags]["expected"] == "accepted"
    assert truth[ags]["rows"][0]["gemeinde_name"] == '=HYPERLINK("http://x")'


def test_faults_added_at_runtime(simulator):
    ags = "05113"
    assert get(simulator, ags).status_code == 200
    simulator.add_faults([{"kreis_ags": ags, "fault": "html_200"}])
    assert get(simulator, ags).headers["Content-Type"].startswith("text/html")
    assert get(simulator, ags, "2010-01").headers["Content-Type"].startswith("text/html")
    assert simulator.truth(PERIOD)["reports"][ags]["kind"] == "unexpected_content"
    simulator.add_faults([{"kreis_ags": "01054", "fault": "connect_blackhole"}])
    assert simulator.connection("01054")["host"] != f"{simulator.base_url}/jc/01054"
    bad = requests.post(
        f"{simulator.base_url}/admin/faults",
        json={"faults": [{"kreis_ags": ags, "fault": "gremlins"}]},
        timeout=10,
    )
    assert bad.status_code == 400 and "gremlins" in bad.json()["error"]


def test_late_report_published_at_runtime(simulator_factory):
    sim = simulator_factory(
        {"faults": [{"kreis_ags": "03157", "period": PERIOD, "fault": "late", "day": 24}]}
    )
    assert get(sim, "03157").status_code == 404
    event = sim.publish("03157", PERIOD)
    resp = get(sim, "03157")
    assert resp.status_code == 200
    assert event["etag"] == resp.headers["ETag"] and event["revision"] == 1
    entry = sim.truth(PERIOD)["reports"]["03157"]
    assert entry["expected"] == "accepted" and entry["late"] is True


def test_late_before_today_is_published_late(simulator_factory):
    sim = simulator_factory(
        {"faults": [{"kreis_ags": "03157", "period": PERIOD, "fault": "late", "day": 15}]}
    )
    resp = get(sim, "03157")
    assert resp.status_code == 200
    assert resp.headers["Last-Modified"].startswith("Sun, 15 Nov 2026")
    assert sim.truth(PERIOD)["reports"]["03157"]["late"] is True


def test_blackhole_socket_really_never_accepts(sim):
    host = sim.connection(ags_of("connect_blackhole"))["host"]
    port = int(host.split(":")[2].split("/")[0])
    s = socket.socket()
    s.settimeout(1)
    with pytest.raises(TimeoutError):
        s.connect(("127.0.0.1", port))
    s.close()
    assert json.loads(sim.env[f"AIRFLOW_CONN_JC_{ags_of('connect_blackhole')}"])["password"]
