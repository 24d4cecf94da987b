"""Collecting whole months from the simulator over HTTP, reconciled with its ground truth."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.collect import collector, fetch_log, landing
from ingest.collect.client import ReportClient
from ingest.core import registry
from ingest.validate import parse

PERIOD = "2026-10"
ALL = [jc.kreis_ags for jc in registry.jobcenters()]


def use(sim, monkeypatch) -> None:
    for name, value in sim.env.items():
        monkeypatch.setenv(name, value)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def canonical(df) -> list[dict]:
    rows = df.drop(columns=["_row", "_line"]).to_dict(orient="records")
    return [{k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows]


def test_a_month_of_104_lands_exactly_the_truth_and_a_rerun_changes_nothing(
    simulator, monkeypatch, data_dir: Path
) -> None:
    use(simulator, monkeypatch)
    truth = simulator.truth(PERIOD)["reports"]
    outcomes = collector.collect_many(ALL, [PERIOD])
    assert len(outcomes) == 104
    by_ags = {o["kreis_ags"]: o for o in outcomes}
    accepted = [a for a in ALL if truth[a]["expected"] == "accepted"]
    assert len(accepted) > 90
    for ags in accepted:
        assert by_ags[ags]["outcome"] == "landed", by_ags[ags]
        [rec] = landing.revisions(ags, PERIOD)
        assert rec.sha256 == truth[ags]["sha256"]
        assert (rec.source_revision, rec.etag) == (1, truth[ags]["etag"])
        df = parse.parse_report(
            landing.read_object(rec), rec.content_type, kreis_ags=ags, period=PERIOD
        )
        assert canonical(df) == truth[ags]["rows"], ags
        assert fetch_log.read(ags, PERIOD)["outcome"] == "landed"

    landed_before = snapshot(data_dir / "landing")
    again = collector.collect_many(ALL, [PERIOD])
    assert {o["outcome"] for o in again if o["kreis_ags"] in accepted} == {"unchanged"}
    assert snapshot(data_dir / "landing") == landed_before


def test_same_bytes_from_a_new_fetch_are_not_a_new_revision(
    simulator, monkeypatch, data_dir: Path
) -> None:
    use(simulator, monkeypatch)
    ags = ALL[0]
    [first] = collector.collect(ags, [PERIOD])
    with ReportClient() as client:
        fresh = client.fetch_report(ags, PERIOD)  # unconditional: the full body again
    assert fresh is not None
    moved = dataclasses.replace(fresh, url=fresh.url.replace("/v1/", "/v1/mirror/"))
    landed = landing.land(ags, PERIOD, moved, datetime(2026, 11, 22, tzinfo=UTC))
    assert (landed.revision, landed.is_new) == (first["revision"], False)
    assert len(landing.revisions(ags, PERIOD)) == 1


def test_correction_is_discovered_and_lands_as_revision_two(
    simulator, monkeypatch, data_dir: Path
) -> None:
    use(simulator, monkeypatch)
    ags = ALL[5]
    collector.collect(ags, ["2026-09", PERIOD])
    with ReportClient() as client:
        assert collector.discover(ags, client, periods=["2026-09", PERIOD]) == []
        event = simulator.correct(ags, PERIOD)
        found = collector.discover(ags, client, periods=["2026-09", PERIOD])
        assert found == [(PERIOD, 2, event["etag"])]
        [outcome] = collector.collect(ags, [PERIOD], client=client)
    assert (outcome["outcome"], outcome["revision"]) == ("landed", 2)
    truth = simulator.truth(PERIOD)["reports"][ags]
    recs = landing.revisions(ags, PERIOD)
    assert [r.sha256 for r in recs] == [r["sha256"] for r in truth["revisions"]]
    assert [hashlib.sha256(landing.read_object(r)).hexdigest() for r in recs] == [
        r.sha256 for r in recs
    ]
    assert [r.source_revision for r in recs] == [1, 2]


FAULTS = {
    "http_5xx_burst": {"n": 2},
    "rate_limited": {"n": 2, "retry_after": 1},
    "html_200": {},
    "oversized_body": {"content_length": True},
    "redirect_other_host": {},
    "truncated_body": {},
    "never": {},
    "stall_after_headers": {},
    "slow_trickle": {},
    "connect_blackhole": {},
}


@pytest.mark.timeout(300)
def test_faulty_jobcenters_fail_with_the_truths_kind_and_never_hold_up_the_others(
    simulator_factory, monkeypatch, data_dir: Path
) -> None:
    faulty = dict(zip(ALL[10 : 10 + len(FAULTS)], FAULTS.items(), strict=True))
    oversized_no_length = ALL[30]
    scenario = {
        "faults": [
            {"kreis_ags": ags, "period": PERIOD, "fault": name, **params}
            for ags, (name, params) in faulty.items()
        ]
        + [
            {
                "kreis_ags": oversized_no_length,
                "period": PERIOD,
                "fault": "oversized_body",
                "content_length": False,
            }
        ]
    }
    sim = simulator_factory(scenario=scenario)
    use(sim, monkeypatch)
    bad_token = json.loads(sim.env[f"AIRFLOW_CONN_JC_{ALL[40]}"])
    monkeypatch.setenv(
        f"AIRFLOW_CONN_JC_{ALL[40]}", json.dumps({**bad_token, "password": "wrong-token"})
    )
    truth = sim.truth(PERIOD)["reports"]

    def client() -> ReportClient:
        return ReportClient(connect_timeout_s=1, read_timeout_s=1, deadline_s=6, backoff_base_s=0.2)

    outcomes = {
        o["kreis_ags"]: o for o in collector.collect_many(ALL, [PERIOD], client_factory=client)
    }
    for ags in ALL:
        expected = truth[ags]
        o = outcomes[ags]
        if ags == ALL[40]:
            assert (o["outcome"], o["kind"]) == ("failed", "unauthorized")
            assert "HTTP 401" in o["reason"]
        elif expected["expected"] == "missing":
            want = "not_published" if expected["kind"] == "not_published" else "failed"
            assert (o["outcome"], o["kind"]) == (want, expected["kind"]), (ags, expected["faults"])
            assert landing.revisions(ags, PERIOD) == []
        else:
            assert o["outcome"] == "landed", (ags, o)
    kinds = {outcomes[a]["kind"] for a in faulty}
    assert {"timeout", "too_large", "unexpected_content", "redirect_refused", "truncated"} <= kinds
    assert outcomes[oversized_no_length]["kind"] == "too_large"
    assert outcomes[ALL[10]]["outcome"] == outcomes[ALL[11]]["outcome"] == "landed"

    # nothing under data/ carries a token, and failed fetches left no file in the landing zone
    tokens = [json.loads(v)["password"] for v in sim.env.values()]
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(t.encode() in content for t in tokens), path
    landed_objects = list((data_dir / "landing" / "objects").rglob("*"))
    assert len([p for p in landed_objects if p.is_file()]) == sum(
        1 for o in outcomes.values() if o["outcome"] == "landed"
    )


CONTENT_FAULTS = [
    ("wrong_encoding", {}, "parse_encoding"),
    ("broken_rows", {"kind": "field_count"}, "parse_field_count"),
    ("broken_rows", {"kind": "non_numeric"}, "parse_not_integer"),
    ("violated_rule", {"rule": "missing_column"}, "parse_missing_column"),
    ("violated_rule", {"rule": "negative_count"}, "parse_negative"),
    ("formula_cells", {}, None),
    ("violated_rule", {"rule": "subgroup_exceeds_total"}, None),  # for validation to find
]


def test_content_faults_are_rejected_by_the_parser_with_the_right_rule(
    simulator_factory, monkeypatch, data_dir: Path
) -> None:
    from ingest.core.errors import ReportRejected

    # a German CSV jobcenter for wrong_encoding, otherwise one of each wire format in turn
    sim = simulator_factory()
    formats = {a: e.get("wire_format") for a, e in sim.truth(PERIOD)["reports"].items()}
    german = [a for a in ALL if formats[a] and formats[a].startswith("csv_de")]
    others = [a for a in ALL if a not in german[:1]]
    picked = [german[0], *others[: len(CONTENT_FAULTS) - 1]]
    scenario = {
        "faults": [
            {"kreis_ags": ags, "period": PERIOD, "fault": name, **params}
            for ags, (name, params, _) in zip(picked, CONTENT_FAULTS, strict=True)
        ]
    }
    sim = simulator_factory(scenario=scenario)
    use(sim, monkeypatch)
    truth = sim.truth(PERIOD)["reports"]
    outcomes = collector.collect_many(picked, [PERIOD])
    assert {o["outcome"] for o in outcomes} == {"landed"}
    for ags, (name, params, rule) in zip(picked, CONTENT_FAULTS, strict=True):
        [rec] = landing.revisions(ags, PERIOD)
        body = landing.read_object(rec)
        if rule is None:
            df = parse.parse_report(body, rec.content_type, kreis_ags=ags, period=PERIOD)
            if truth[ags]["expected"] == "accepted":
                assert canonical(df) == truth[ags]["rows"], name
            continue
        assert truth[ags]["expected"] == "rejected", (name, truth[ags])
        with pytest.raises(ReportRejected) as exc:
            parse.parse_report(body, rec.content_type, kreis_ags=ags, period=PERIOD)
        found = {f.rule for f in exc.value.findings}
        assert rule in found, (name, params, formats[ags], found)


TRANSIENT = [
    ("http_5xx_burst", {"n": 4, "retry_after": 0}),
    ("http_5xx_burst", {"n": 5, "retry_after": 0}),
    ("truncated_body", {"n": 2}),
    ("truncated_body", {"n": 3}),
    # cut inside the last field under a matching Content-Length: only Repr-Digest tells
    ("truncated_body", {"n": 2, "content_length": "matching"}),
    ("truncated_body", {"n": 3, "content_length": "matching"}),
    ("rate_limited", {"n": 2, "retry_after": 1}),
    ("rate_limited", {"n": 1, "retry_after": 31}),
]


@pytest.mark.timeout(300)
def test_transient_faults_end_as_the_truth_says(
    simulator_factory, monkeypatch, data_dir: Path
) -> None:
    picked = ALL[50 : 50 + len(TRANSIENT)]
    scenario = {
        "faults": [
            {"kreis_ags": ags, "period": PERIOD, "fault": name, **params}
            for ags, (name, params) in zip(picked, TRANSIENT, strict=True)
        ]
    }
    sim = simulator_factory(scenario=scenario)
    use(sim, monkeypatch)
    truth = sim.truth(PERIOD)["reports"]
    outcomes = collector.collect_many(
        picked, [PERIOD], client_factory=lambda: ReportClient(backoff_base_s=0.1)
    )
    for o, (name, params) in zip(outcomes, TRANSIENT, strict=True):
        expected = truth[o["kreis_ags"]]
        if expected["expected"] == "accepted":
            assert o["outcome"] == "landed", (name, params, o)
            # never a cut body with a changed value: exactly the bytes the jobcenter published
            assert o["sha256"] == expected["sha256"], (name, params)
        else:
            assert (o["outcome"], o["kind"]) == ("failed", expected["kind"]), (name, params, o)
            assert landing.revisions(o["kreis_ags"], PERIOD) == []
    assert [o["outcome"] for o in outcomes] == ["landed", "failed"] * 4
