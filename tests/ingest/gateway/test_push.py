"""Push upload through a real gateway: the refusals in order, the feedback, the landing."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from ingest.collect import events, landing
from ingest.core import clock, layout, registry
from ingest.gateway import attempts
from tests.ingest.gateway.conftest import (
    ESSEN,
    NORDFRIESLAND,
    PERIOD,
    Gateway,
    put,
    report_csv,
)


def _today_attempts() -> list[dict]:
    return attempts.read_day(clock.today())


def test_a_key_reaches_only_its_own_jobcenter(gateway: Gateway, issue_key, data_dir: Path):
    key = issue_key(ESSEN)
    body = report_csv(ESSEN)
    others = [ags for ags in registry.by_ags() if ags != ESSEN]
    assert len(others) == 103
    for ags in others:
        r = put(gateway, ags, body, key)
        assert r.status_code == 403, ags
        assert r.json()["fehler"] == "wrong_jobcenter"
        assert f"nicht für das Jobcenter {ags}" in r.json()["meldung"]
    assert not layout.landing_records_root().exists()
    refused = [a for a in _today_attempts() if a["status"] == 403]
    assert sorted(a["kreis_ags"] for a in refused) == sorted(others)


def test_missing_or_wrong_key_is_401(gateway: Gateway, issue_key, data_dir: Path):
    key = issue_key(ESSEN)
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for presented in (None, "", "nonsense", forged, key.upper()):
        r = put(gateway, ESSEN, report_csv(ESSEN), presented)
        assert r.status_code == 401, presented
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Nicht angemeldet" in r.json()["meldung"]
    assert [a["status"] for a in _today_attempts()] == [401] * 5


def test_unknown_jobcenter_404_and_month_422(gateway: Gateway, issue_key, data_dir: Path):
    key = issue_key(ESSEN)
    assert put(gateway, "99999", b"x", key).status_code == 404
    assert put(gateway, "0511x", b"x", key).status_code == 404
    future = put(gateway, ESSEN, b"x", key, period="2027-01")
    assert future.status_code == 422
    assert "Berichtsmonat" in future.json()["meldung"]
    assert put(gateway, ESSEN, b"x", key, period="2026-1").status_code == 422


def test_oversized_upload_is_413_before_the_body_is_read(
    gateway: Gateway, issue_key, data_dir: Path
):
    key = issue_key(ESSEN)
    big = b"a" * (5 * 1024 * 1024 + 1)
    r = put(gateway, ESSEN, big, key)
    assert r.status_code == 413
    assert "höchstens 5 MiB" in r.json()["meldung"]

    def chunks():  # no Content-Length: the cap holds while streaming
        for _ in range(6):
            yield b"b" * (1024 * 1024)

    r = requests.put(
        gateway.url(f"/v1/reports/{ESSEN}/{PERIOD}"),
        data=chunks(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
        timeout=60,
    )
    assert r.status_code == 413
    assert not layout.landing_records_root().exists()


def test_unsupported_type_is_415(gateway: Gateway, issue_key, data_dir: Path):
    key = issue_key(ESSEN)
    for ctype in ("application/pdf", "text/html", ""):
        r = put(gateway, ESSEN, report_csv(ESSEN), key, content_type=ctype)
        assert r.status_code == 415, ctype
        assert "Dateiformat" in r.json()["meldung"]


def test_rate_limit_is_429_with_retry_after(slow_gateway: Gateway, issue_key, data_dir: Path):
    key = issue_key(ESSEN)
    statuses = [put(slow_gateway, ESSEN, b"", key, content_type="x/y") for _ in range(4)]
    assert [r.status_code for r in statuses] == [415, 415, 415, 429]
    last = statuses[-1]
    assert int(last.headers["Retry-After"]) >= 1
    assert "Zu viele Anfragen" in last.json()["meldung"]
    assert _today_attempts()[-1]["reason"] == "too_many_requests"


def test_broken_push_gets_findings_then_the_correction_is_accepted(
    gateway: Gateway, issue_key, data_dir: Path
):
    key = issue_key(NORDFRIESLAND)
    broken = report_csv(NORDFRIESLAND, elb_frauen_2=999999)
    r = put(gateway, NORDFRIESLAND, broken, key)
    assert r.status_code == 422
    doc = r.json()
    assert (doc["verdict"], doc["verdict_de"], doc["revision"]) == ("rejected", "abgelehnt", 1)
    hits = [f for f in doc["findings"] if f["column"] == "elb_frauen"]
    assert hits, doc["findings"]
    # Row index 2 is the third Gemeinde: line 4 of the spreadsheet (the header is line 1).
    assert hits[0]["line"] == 4 and hits[0]["row"] == 3
    assert hits[0]["where_de"] == "Zeile 4"
    assert hits[0]["fix_de"] and hits[0]["message"]
    # The same verdict files as the pipeline writes.
    verdict = json.loads(layout.verdict(NORDFRIESLAND, PERIOD, 1).read_text())
    assert verdict["verdict"] == "rejected" and verdict["sha256"] == doc["sha256"]
    assert layout.quarantine(NORDFRIESLAND, PERIOD, 1).exists()

    page = put(gateway, NORDFRIESLAND, broken, key, accept="text/html")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "Abgelehnt" in page.text and "Zeile 4" in page.text and 'lang="de"' in page.text
    assert page.text.count("Revision 1,") == 1  # same bytes: same revision

    fixed = put(gateway, NORDFRIESLAND, report_csv(NORDFRIESLAND), key)
    assert fixed.status_code == 201
    assert (fixed.json()["verdict"], fixed.json()["revision"]) == ("accepted", 2)
    again = put(gateway, NORDFRIESLAND, report_csv(NORDFRIESLAND), key)
    assert (again.status_code, again.json()["revision"]) == (200, 2)
    assert layout.accepted(NORDFRIESLAND, PERIOD, 2).exists()
    records = landing.revisions(NORDFRIESLAND, PERIOD)
    assert [(r.revision, r.channel) for r in records] == [(1, "push"), (2, "push")]

    announced = events.pending(events.events_dir())
    assert {(e["channel"], e["revision"]) for e in announced} == {("push", 1), ("push", 2)}
    assert [a["verdict"] for a in _today_attempts()] == [
        "rejected",
        "rejected",
        "accepted",
        "accepted",
    ]


def test_a_push_validates_its_revision_alone_as_the_pipeline_would(
    gateway: Gateway, issue_key, data_dir: Path, tmp_path: Path, monkeypatch
):
    from ingest.collect.client import FetchedReport
    from ingest.validate import run, store

    # Essen's report was fetched by the pipeline and is not validated yet.
    fetched = FetchedReport(report_csv(ESSEN), "text/csv", None, None, 1, 200, "http://h/r")
    landing.land(ESSEN, PERIOD, fetched, clock.utc_now())
    key = issue_key(NORDFRIESLAND)
    broken = report_csv(NORDFRIESLAND, elb_frauen_2=999999)
    good = report_csv(NORDFRIESLAND)
    answers = [put(gateway, NORDFRIESLAND, body, key).json() for body in (broken, good)]
    assert [(a["verdict"], a["revision"]) for a in answers] == [("rejected", 1), ("accepted", 2)]
    pushed = [store.read_verdict(NORDFRIESLAND, PERIOD, r) for r in (1, 2)]
    # The push left Essen's revision to the pipeline, which does not validate the pushed ones.
    assert store.read_verdict(ESSEN, PERIOD, 1) is None
    counts = run.process_pending([PERIOD])
    assert (counts["accepted"], counts["rejected"]) == (1, 0)
    assert [store.read_verdict(NORDFRIESLAND, PERIOD, r) for r in (1, 2)] == pushed

    # The same bytes validated by the pipeline in another data directory: the same verdicts.
    other = tmp_path / "pipeline"
    other.mkdir()
    monkeypatch.setenv("JCW_DATA_DIR", str(other))
    for body in (broken, good):
        fetched = FetchedReport(body, "text/csv; charset=utf-8", None, None, 1, 200, "http://h/r")
        landing.land(NORDFRIESLAND, PERIOD, fetched, clock.utc_now())
    run.process_pending([PERIOD])
    moments = ("fetched_at", "validated_at")
    for revision, doc in enumerate(pushed, start=1):
        batch = store.read_verdict(NORDFRIESLAND, PERIOD, revision)
        assert {k: v for k, v in batch.items() if k not in moments} == {
            k: v for k, v in doc.items() if k not in moments
        }
