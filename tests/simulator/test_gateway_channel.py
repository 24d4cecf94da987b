"""The simulator reaches the product only over HTTP: signed notices and push uploads to a
real gateway, with the ground truth unchanged by the channel."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.simulator import SimulatorProcess
from ingest.collect import events, landing
from ingest.core import clock, layout
from ingest.gateway import attempts
from tests.ingest.gateway.conftest import Gateway, issue_credentials

PUSHER = "05113"  # pushes its file
NOTIFIER = "01054"  # serves its file and sends signed notices
PERIOD = "2026-10"


def test_publications_reach_the_product_as_notices_and_pushes(data_dir: Path, tmp_path: Path):
    # Warm like `jcw gateway serve`: the rules and GX are loaded before the first request.
    gateway = Gateway(per_minute=600, warm=True).start()
    sim = None
    try:
        creds = tmp_path / "jobcenters" / "credentials.json"
        doc = issue_credentials(data_dir, creds, gateway, [PUSHER])
        assert oct(creds.stat().st_mode & 0o777) == "0o600"
        assert list(doc["keys"]) == [PUSHER] and len(doc["secrets"]) == 103
        sim = SimulatorProcess(
            tmp_path / "simulator", today=os.environ["JCW_TODAY"], gateway_credentials=creds
        )
        before = {p for p in data_dir.rglob("*")}
        notice = sim.correct(NOTIFIER, PERIOD)
        assert notice["delivery"] == {"channel": "notice", "status": 202}
        pushed = sim.correct(PUSHER, PERIOD)
        assert pushed["delivery"] == {
            "channel": "push",
            "status": 201,
            "verdict": "accepted",
            "revision": 1,
            "findings": 0,
        }
        # The simulator wrote nothing into the product's data directory itself: every new
        # file there belongs to the gateway's stages (landing, validation, events, gateway).
        owners = {"landing", "validation", "accepted", "events", "gateway", "docs", "outbox"}
        new = {p.relative_to(data_dir).parts[0] for p in data_dir.rglob("*") if p not in before}
        assert new <= owners, new
        truth = sim.truth(PERIOD)["reports"][PUSHER]
        assert (truth["revision"], truth["etag"]) == (2, pushed["etag"])
    finally:
        if sim is not None:
            sim.stop()
        gateway.stop()
    announced = events.pending(events.events_dir())
    assert sorted((e["kreis_ags"], e["channel"]) for e in announced) == [
        (NOTIFIER, "notice"),
        (PUSHER, "push"),
    ]
    # The pushed bytes are exactly the revision the truth describes (same sha256).
    record = landing.latest(PUSHER, PERIOD)
    assert record is not None and record.channel == "push"
    assert f'"{record.sha256}"' == pushed["etag"]
    verdict = json.loads(layout.verdict(PUSHER, PERIOD, record.revision).read_text())
    assert verdict["verdict"] == "accepted"
    channels = sorted(a["channel"] for a in attempts.read_day(clock.today()))
    assert channels == ["notice", "push"]
