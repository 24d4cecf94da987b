"""All three channels at once: pull, push and signed notice, with the gateway's faults.

A real gateway (uvicorn on its own port) and a real simulator process that reaches it over
HTTP only (``--gateway-credentials``): a few jobcenters push their file on their
publication day, about half send signed notices, the rest only serve their reports. The
simulator's clock moves from 2026-10-31 to 2026-12-01 (the product's day), so every
publication of October 2026 happens during the test; two corrections follow (one pushed,
one announced). Faults over HTTP, sent by the test: a bad signature, a stale timestamp, a
replayed notice, another jobcenter's key and an oversized upload, each refused with its
status and recorded in ``data/gateway/attempts``, nothing landed for them. Content faults
in the simulator (a rule broken in a pushed file, broken rows behind a notice, an HTML
page, a report never published, a late one) run through the same channels.

The product's stages run in-process as the DAGs call them: ``jcw_intake`` (claim the
events, fetch the notice'd reports, skip the pushed ones, validate, acknowledge), then the
daily sweep of ``jcw_collect`` for every jobcenter, then the warehouse build and publish.
The published warehouse must equal the simulator's truth exactly: every report accepted,
rejected with its reasons or visibly missing; per jobcenter and national figures.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from standardwebhooks.webhooks import Webhook

from harness.simulator import SimulatorProcess
from ingest.core import clock, registry
from ingest.gateway import attempts
from tests.e2e.test_faulty_month import latest_verdict, truth_rules
from tests.e2e.test_pipeline_inprocess import COUNTS, read_snapshot
from tests.ingest.gateway.conftest import Gateway, issue_credentials

PERIOD = "2026-10"
SIM_START = "2026-10-31"  # before the first publication of October (from 11-01 on)
TODAY = date(2026, 12, 1)  # the product's day (tests/conftest.py), the simulator's at the end
AGS = sorted(jc.kreis_ags for jc in registry.jobcenters())
PUSHERS = AGS[::13]  # 8 jobcenters upload their file
NOTIFIERS = [a for a in AGS[1::2] if a not in PUSHERS]  # about half send signed notices
PULL_ONLY = [a for a in AGS if a not in PUSHERS and a not in NOTIFIERS]
FAULTS = [
    {"kreis_ags": PUSHERS[1], "fault": "violated_rule", "rule": "subgroup_exceeds_total"},
    {"kreis_ags": NOTIFIERS[0], "fault": "broken_rows", "kind": "non_numeric"},
    {"kreis_ags": NOTIFIERS[1], "fault": "html_200"},
    {"kreis_ags": PULL_ONLY[0], "fault": "never"},
    {"kreis_ags": PULL_ONLY[1], "fault": "late", "day": 25},
    {"kreis_ags": PULL_ONLY[2], "fault": "violated_rule", "rule": "population_off"},
]
HISTORY_WARNINGS = {"elb_change", "gemeinde_set_changed"}
CORRECTED = (PUSHERS[2], NOTIFIERS[3])  # a pushed and an announced correction


def _credentials(data_dir: Path, path: Path, gateway: Gateway) -> dict:
    """The product issues every secret and the pushers' keys (``jcw gateway credentials``);
    the pull-only jobcenters' copy of the file has no secret (they send nothing)."""
    doc = issue_credentials(data_dir, path, gateway, PUSHERS)
    doc["secrets"] = {a: s for a, s in doc["secrets"].items() if a in NOTIFIERS}
    path.write_text(json.dumps(doc))
    assert sorted(doc["keys"]) == PUSHERS and sorted(doc["secrets"]) == NOTIFIERS
    return doc


def _notice(gateway: Gateway, secret: str, ags: str, msg_id: str, moment) -> requests.Response:
    body = json.dumps({"kreis_ags": ags, "period": PERIOD})
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=body)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
    }
    return requests.post(gateway.url("/v1/notifications"), data=body, headers=headers, timeout=60)


def _put(gateway: Gateway, ags: str, key: str, body: bytes) -> requests.Response:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "text/csv; charset=utf-8"}
    url = gateway.url(f"/v1/reports/{ags}/{PERIOD}")
    return requests.put(url, data=body, headers=headers, timeout=60)


def _send_faults(gateway: Gateway, creds: dict) -> dict[str, tuple[int, str]]:
    """The five refused deliveries, for real over HTTP; ``{case: (status, reason)}``."""
    now = clock.utc_now()
    notifier, pusher, stranger = NOTIFIERS[4], PUSHERS[3], PULL_ONLY[3]
    secret, key = creds["secrets"][notifier], creds["keys"][pusher]
    forged = "whsec_" + "QUJD" * 8  # a well-formed secret the product never issued
    stale = now - timedelta(minutes=10)
    sent = {
        "bad_signature": _notice(gateway, forged, notifier, "msg_forged", now),
        "stale_timestamp": _notice(gateway, secret, notifier, "msg_stale", stale),
        "first": _notice(gateway, secret, notifier, "msg_twice", now),
        "replay": _notice(gateway, secret, notifier, "msg_twice", now),
        "wrong_key": _put(gateway, stranger, key, b"kreis_ags\n" + stranger.encode()),
        "oversized": _put(gateway, pusher, key, b"a" * (5 * 1024 * 1024 + 1)),
    }  # fmt: skip
    return {case: (r.status_code, r.json().get("fehler", "")) for case, r in sent.items()}


def _run_intake() -> int:
    """What ``jcw_intake`` does: claim, fetch the notice'd reports (pushed ones are landed),
    validate, acknowledge. Returns the number of events handled."""
    from ingest.collect import events
    from ingest.collect.collector import collect
    from ingest.validate.run import process_pending

    pending = events.pending(events.events_dir())
    wanted: dict[str, set[str]] = {}
    for e in pending:
        if e.get("channel") != "push":
            wanted.setdefault(e["kreis_ags"], set()).add(e["period"])
    for ags, periods in sorted(wanted.items()):
        collect(ags, sorted(periods))
    process_pending()
    events.acknowledge(events.events_dir(), [e["file"] for e in pending])
    return len(pending)


@pytest.mark.timeout(600)
def test_pull_push_and_notice_with_faults_reconcile_with_the_truth(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.collect import landing
    from ingest.collect.collector import collect_many
    from ingest.status import reconcile
    from ingest.warehouse.build import build
    from ingest.warehouse.publish import publish

    gateway = Gateway(per_minute=6000, burst=1000, warm=True).start()
    sim = None
    try:
        creds_path = tmp_path / "jobcenters" / "credentials.json"
        creds_path.parent.mkdir()
        creds = _credentials(data_dir, creds_path, gateway)
        scenario = {"faults": [{"period": PERIOD, **f} for f in FAULTS]}
        sim = SimulatorProcess(
            tmp_path / "simulator", scenario, today=SIM_START, gateway_credentials=creds_path
        )
        for key, value in sim.env.items():
            monkeypatch.setenv(key, value)
        published = [e for e in sim.advance(TODAY.isoformat()) if e["period"] == PERIOD]
        published += [sim.correct(ags, PERIOD) for ags in CORRECTED]
        refused = _send_faults(gateway, creds)
        truth = sim.truth(PERIOD)
    finally:
        gateway.stop()
    try:
        _check_deliveries(published, refused)
        _run_intake()
        # Every pushed and announced report is in, before any sweep.
        for ags in PUSHERS:
            assert landing.latest(ags, PERIOD).channel == "push", ags
        for ags in NOTIFIERS:
            want = truth["reports"][ags]
            if want["expected"] != "missing":
                assert landing.latest(ags, PERIOD).sha256 == want["sha256"], ags
        assert [a for a in PULL_ONLY if landing.has_revisions(a, PERIOD)] == []
        # The daily sweep fetches the rest; the pushed and announced bytes are not new.
        before = {a: [r.sha256 for r in landing.revisions(a, PERIOD)] for a in PUSHERS}
        collect_many(AGS, [PERIOD])
        assert {a: [r.sha256 for r in landing.revisions(a, PERIOD)] for a in PUSHERS} == before
        from ingest.validate.run import process_pending

        process_pending([PERIOD])
        build([PERIOD], as_of=TODAY.isoformat())
        snapshot = publish()
    finally:
        sim.stop()

    _reconcile(truth, reconcile.reconcile(PERIOD, today=TODAY), data_dir)
    seen = read_snapshot(snapshot, PERIOD)
    [national] = seen["national"]
    assert {c: int(national[c]) for c in COUNTS} == {c: truth["national"][c] for c in COUNTS}
    for column in ("leistungen_lebensunterhalt_eur", "leistungen_unterkunft_eur"):
        assert f"{float(national[column]):.2f}" == truth["national"][column]
    per_jc = {row[0]: row[1:] for row in seen["jobcenters"]}
    assert per_jc == {
        ags: [r["totals"][c] for c in ("elb", "nef", "integrationen", "einwohner")]
        for ags, r in truth["reports"].items()
        if r["expected"] in ("accepted", "correction_rejected")
    }


def _check_deliveries(published: list[dict], refused: dict) -> None:
    """The simulator delivered over HTTP as its channels say; the faults were refused."""
    # Every report but the never-published one came out, and the two corrections.
    assert sorted({e["kreis_ags"] for e in published}) == [a for a in AGS if a != PULL_ONLY[0]]
    by_channel = Counter((e.get("delivery") or {}).get("channel", "pull") for e in published)
    assert by_channel == {
        "push": len(PUSHERS) + 1,
        "notice": len(NOTIFIERS) + 1,
        "pull": len(PULL_ONLY) - 1,
    }
    for e in published:
        delivery = e.get("delivery")
        if e["kreis_ags"] in PUSHERS:
            verdict = "rejected" if e["kreis_ags"] == PUSHERS[1] else "accepted"
            status = 422 if verdict == "rejected" else 201
            seen = (delivery["channel"], delivery["status"], delivery["verdict"])
            assert seen == ("push", status, verdict), e
            assert delivery["revision"] == e["revision"], e
        elif e["kreis_ags"] in NOTIFIERS:
            assert delivery == {"channel": "notice", "status": 202}, e
        else:
            assert delivery is None, e
    assert refused == {
        "bad_signature": (401, "bad_signature"),
        "stale_timestamp": (401, "stale_timestamp"),
        "first": (202, ""),
        "replay": (409, "replay"),
        "wrong_key": (403, "wrong_jobcenter"),
        "oversized": (413, "too_large"),
    }
    recorded = [
        (a["channel"], a["status"], a["reason"])
        for a in attempts.read_day(TODAY)
        if a["status"] not in (200, 201, 202, 422)
    ]
    assert sorted(recorded) == sorted(
        [
            ("notice", 401, "bad_signature"),
            ("notice", 401, "stale_timestamp"),
            ("notice", 409, "replay"),
            ("push", 403, "wrong_jobcenter"),
            ("push", 413, "too_large"),
        ]
    )
    # Nothing landed for the refused uploads: the stranger has no push, the pusher only
    # what the simulator pushed.
    from ingest.collect import landing

    assert landing.revisions(PULL_ONLY[3], PERIOD) == []
    pushed = [e for e in published if e["kreis_ags"] == PUSHERS[3]]
    assert [r.revision for r in landing.revisions(PUSHERS[3], PERIOD)] == [
        e["delivery"]["revision"] for e in pushed
    ]


def _reconcile(truth: dict, rows: list, data_dir: Path) -> None:
    """Every report is in the state the truth predicts, with its reasons or fetch kind."""
    by_ags = {r.kreis_ags: r for r in rows}
    assert sorted(by_ags) == AGS
    states = Counter()
    for ags, want in truth["reports"].items():
        row = by_ags[ags]
        assert row.state == want["expected"], (ags, want.get("faults"), row)
        states[want["expected"]] += 1
        if want["expected"] == "missing":
            assert row.fetch_kind == want["kind"], (ags, want["faults"], row)
            continue
        verdict = latest_verdict(data_dir, PERIOD, ags)
        if want["expected"] == "rejected":
            assert want["rule"] in truth_rules(verdict["findings"]), (ags, verdict)
        else:
            assert verdict["sha256"] == want["sha256"], (ags, want["faults"])
            # The product has no September: the history rules have nothing to compare with.
            expected = {w if isinstance(w, str) else w["rule"] for w in want["warnings"]}
            assert truth_rules(verdict["warnings"]) == expected - HISTORY_WARNINGS, ags
    assert states == {"accepted": 99, "rejected": 3, "missing": 2}
    assert {a for a, w in truth["reports"].items() if w["expected"] != "accepted"} == {
        PUSHERS[1],
        NOTIFIERS[0],
        PULL_ONLY[2],
        NOTIFIERS[1],
        PULL_ONLY[0],
    }
