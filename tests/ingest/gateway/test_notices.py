"""Signed notices (Standard Webhooks) through a real gateway: accepted once, every fault refused."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import requests
from standardwebhooks.webhooks import Webhook

from ingest.collect import events
from ingest.core import clock
from ingest.gateway import attempts
from tests.ingest.gateway.conftest import ESSEN, NORDFRIESLAND, PERIOD, Gateway


def send(
    gateway: Gateway,
    secret: str,
    doc: dict,
    *,
    msg_id: str = "msg_1",
    shift_s: int = 0,
    signature: str | None = None,
) -> requests.Response:
    body = json.dumps(doc)
    moment = clock.utc_now() + timedelta(seconds=shift_s)
    sig = signature or Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=body)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": sig,
        "Content-Type": "application/json",
    }
    return requests.post(gateway.url("/v1/notifications"), data=body, headers=headers, timeout=30)


def _reasons() -> list[tuple[int, str]]:
    return [(a["status"], a["reason"]) for a in attempts.read_day(clock.today())]


def test_a_valid_notice_asks_for_exactly_that_report(
    gateway: Gateway, issue_secret, data_dir: Path
):
    secret = issue_secret(ESSEN)
    r = send(gateway, secret, {"kreis_ags": ESSEN, "period": PERIOD})
    assert r.status_code == 202, r.text
    assert "wird abgeholt" in r.json()["meldung"]
    pending = events.pending(events.events_dir())
    assert [(e["kreis_ags"], e["period"], e["channel"]) for e in pending] == [
        (ESSEN, PERIOD, "notice")
    ]
    assert _reasons() == [(202, "announced")]


def test_bad_signature_stale_timestamp_replay_and_foreign_secret_are_refused(
    gateway: Gateway, issue_secret, data_dir: Path
):
    essen, nordfriesland = issue_secret(ESSEN), issue_secret(NORDFRIESLAND)
    doc = {"kreis_ags": ESSEN, "period": PERIOD}
    assert send(gateway, essen, doc, msg_id="a").status_code == 202
    replay = send(gateway, essen, doc, msg_id="a")
    assert replay.status_code == 409 and "bereits eingegangen" in replay.json()["meldung"]
    stale = send(gateway, essen, doc, msg_id="b", shift_s=-301)
    assert stale.status_code == 401 and "5 Minuten" in stale.json()["meldung"]
    future = send(gateway, essen, doc, msg_id="c", shift_s=301)
    assert future.status_code == 401
    assert send(gateway, essen, doc, msg_id="d", shift_s=-290).status_code == 202
    forged = send(gateway, essen, doc, msg_id="e", signature="v1,AAAA")
    assert forged.status_code == 401 and "Signatur" in forged.json()["meldung"]
    # Signed with another jobcenter's secret: never reaches Essen's report.
    foreign = send(gateway, nordfriesland, doc, msg_id="f")
    assert foreign.status_code == 401
    # The body changed after signing.
    signed = Webhook(essen).sign(msg_id="g", timestamp=clock.utc_now(), data=json.dumps(doc))
    tampered = send(gateway, essen, {**doc, "period": "2026-09"}, msg_id="g", signature=signed)
    assert tampered.status_code == 401
    missing = requests.post(gateway.url("/v1/notifications"), json=doc, timeout=30)
    assert missing.status_code == 400
    unknown = send(gateway, essen, {"kreis_ags": "99999", "period": PERIOD}, msg_id="h")
    assert unknown.status_code == 404
    month = send(gateway, essen, {"kreis_ags": ESSEN, "period": "2027-05"}, msg_id="i")
    assert month.status_code == 422
    assert _reasons() == [
        (202, "announced"),
        (409, "replay"),
        (401, "stale_timestamp"),
        (401, "stale_timestamp"),
        (202, "announced"),
        (401, "bad_signature"),
        (401, "bad_signature"),
        (401, "bad_signature"),
        (400, "missing_signature_headers"),
        (404, "unknown_jobcenter"),
        (422, "unknown_period"),
    ]
    announced = events.pending(events.events_dir())
    assert len(announced) == 2 and {e["kreis_ags"] for e in announced} == {ESSEN}


def test_two_secrets_are_valid_for_rotation_and_a_third_retires_the_oldest(
    gateway: Gateway, issue_secret, data_dir: Path
):
    first, second = issue_secret(ESSEN), issue_secret(ESSEN)
    doc = {"kreis_ags": ESSEN, "period": PERIOD}
    assert send(gateway, first, doc, msg_id="1").status_code == 202
    assert send(gateway, second, doc, msg_id="2").status_code == 202
    issue_secret(ESSEN)
    assert send(gateway, first, doc, msg_id="3").status_code == 401
    assert send(gateway, second, doc, msg_id="4").status_code == 202
