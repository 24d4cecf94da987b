"""Replies a jobcenter endpoint should never send, against real loopback servers.

Every 5xx but 501/505 retried, a reply the client cannot read failing at once, a body that
does not match its Repr-Digest retried as truncated, headers and index entries parsed into
checked values, and no credential ever stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.collect import collector, fetch_log, landing
from ingest.collect.reply import redact_url, repr_digest
from tests.ingest.collect.test_client import (
    AGS,
    BODY,
    PERIOD,
    TOKEN,
    client_for,
    fetch_error,
    ok,
    sequence,
    serve,
    status,
)
from tests.ingest.data.httpd import LoopbackServer


@pytest.fixture
def servers() -> Iterator[list[LoopbackServer]]:
    started: list[LoopbackServer] = []
    yield started
    for s in started:
        s.close()


DIGEST = repr_digest(BODY)
# The body cut inside its last field: still a well-formed CSV with a changed last value.
CUT = BODY.rstrip(b"\r\n")[:-1]


def test_the_digest_is_rfc_9530_sha_256() -> None:
    expected = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert DIGEST == f"sha-256=:{expected}:"


# -- statuses ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [500, 502, 507, 508, 599])
def test_every_5xx_but_501_and_505_is_retried(servers, code: int) -> None:
    s = serve(servers, sequence(status(code), status(code), ok))
    r = client_for(s).fetch_report(AGS, PERIOD)
    assert r is not None and r.body == BODY
    assert len(s.requests) == 3


@pytest.mark.parametrize("code", [501, 505])
def test_501_and_505_are_final(servers, code: int) -> None:
    s = serve(servers, status(code))
    err = fetch_error(client_for(s))
    assert (err.kind, err.transient) == ("server_error", False)
    assert f"HTTP {code}" in err.reason
    assert len(s.requests) == 1


def test_persistent_500_gives_up_within_the_same_budget_as_503(servers) -> None:
    s = serve(servers, status(500))
    err = fetch_error(client_for(s, max_retries=3))
    assert (err.kind, err.transient) == ("server_error", True)
    assert len(s.requests) == 4


def _many_headers(h) -> None:
    head = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(10_000))
    h.wfile.write(
        f"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {len(BODY)}\r\n"
        f"{head}\r\n".encode()
        + BODY
    )
    h.close_connection = True


def test_a_reply_with_10000_headers_fails_at_once_with_its_cause(servers) -> None:
    s = serve(servers, _many_headers)
    err = fetch_error(client_for(s))
    assert (err.kind, err.transient) == ("unreadable_response", False)
    assert "got more than 100 headers" in err.reason and s.origin in err.reason
    assert len(s.requests) == 1


# -- Repr-Digest ------------------------------------------------------------------------------


def _cut(h) -> None:
    """The body cut inside its last field under a matching Content-Length."""
    h.reply(200, CUT, headers={"Repr-Digest": DIGEST, "X-Report-Revision": "1"})


def _whole(h) -> None:
    h.reply(200, BODY, headers={"Repr-Digest": DIGEST, "X-Report-Revision": "1"})


def test_a_body_cut_short_under_a_matching_length_is_caught_by_its_digest(servers) -> None:
    s = serve(servers, sequence(_cut, _whole))
    r = client_for(s).fetch_report(AGS, PERIOD)
    assert r is not None and r.body == BODY
    assert len(s.requests) == 2
    always = serve(servers, _cut)
    err = fetch_error(client_for(always))
    assert err.kind == "truncated" and "does not match its Repr-Digest" in err.reason
    assert len(always.requests) == 3  # the first try and two retries, as for a short body


def test_a_malformed_digest_is_unexpected_content_and_another_algorithm_is_not_checked(
    servers,
) -> None:
    bad = serve(servers, lambda h: h.reply(200, BODY, headers={"Repr-Digest": "sha-256=:x:"}))
    err = fetch_error(client_for(bad))
    assert err.kind == "unexpected_content" and "Repr-Digest" in err.reason
    other = serve(servers, lambda h: h.reply(200, CUT, headers={"Repr-Digest": "sha-512=:AA==:"}))
    assert client_for(other).fetch_report(AGS, PERIOD).body == CUT


# -- headers and index entries as checked values ------------------------------------------------


@pytest.mark.parametrize("value", ["3000000000", "0", "-1", "\u00b2", "1.5", "9" * 40])
def test_x_report_revision_out_of_range_is_refused(servers, value: str) -> None:
    s = serve(servers, lambda h: h.reply(200, BODY, headers={"X-Report-Revision": value}))
    err = fetch_error(client_for(s))
    assert err.kind == "unexpected_content" and "X-Report-Revision" in err.reason


def test_index_entries_that_are_not_checked_values_are_left_out(servers) -> None:
    good = {"period": "2026-09", "revision": 2, "etag": '"e1"', "published_at": None}
    entries = [
        {"period": "../../x", "revision": 1},
        {"period": "2026-10\n", "revision": 1},
        {"period": "２０２６-１０", "revision": 1},
        {"period": "2026-10", "revision": 3_000_000_000},
        {"period": "2026-08", "etag": {"not": "text"}},
        "2026-07",
        good,
    ]
    doc = json.dumps({"kreis_ags": AGS, "reports": entries}).encode()
    s = serve(servers, lambda h: h.reply(200, doc, content_type="application/json"))
    [entry] = client_for(s).fetch_index(AGS)
    assert (entry.period, entry.revision, entry.etag) == ("2026-09", 2, '"e1"')


def test_an_index_month_after_the_reference_month_is_not_discovered(servers, data_dir) -> None:
    from datetime import date

    entries = [{"period": p, "revision": 1, "etag": f'"{p}"'} for p in ("2026-10", "2099-01")]
    doc = json.dumps({"kreis_ags": AGS, "reports": entries}).encode()
    s = serve(servers, lambda h: h.reply(200, doc, content_type="application/json"))
    found = collector.discover(AGS, client_for(s), today=date(2026, 11, 21))
    assert found == [("2026-10", 1, '"2026-10"')]


# -- credentials --------------------------------------------------------------------------------


def test_a_redirect_that_adds_userinfo_is_refused(servers) -> None:
    def handle(h) -> None:
        host, port = h.server.server_address[:2]
        location = f"http://user:s3cret@{host}:{port}/jc/05113/v1/reports/other"
        h.reply(302, b"", headers={"Location": location})

    s = serve(servers, handle)
    err = fetch_error(client_for(s))
    assert err.kind == "redirect_refused" and "credentials" in err.reason
    assert "s3cret" not in str(err)
    assert len(s.requests) == 1


def test_a_token_in_a_redirect_query_is_never_stored(servers, data_dir: Path) -> None:
    """Row 32: the report is landed from a same-origin redirect whose URL carries a token;
    the landing record keeps the URL with its query values redacted, and no file under the
    data directory contains the secret."""

    def handle(h) -> None:
        if "?" in h.path:
            ok(h)
        else:
            h.reply(302, b"", headers={"Location": f"{h.path}?token=s3cret&sig=0xfeed"})

    s = serve(servers, handle)
    [outcome] = collector.collect(AGS, [PERIOD], client=client_for(s))
    assert outcome["outcome"] == "landed"
    [record] = landing.revisions(AGS, PERIOD)
    assert record.url == f"{s.base_url}/v1/reports/{PERIOD}?token=REDACTED&sig=REDACTED"
    assert fetch_log.read(AGS, PERIOD)["outcome"] == "landed"
    for path in data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"s3cret" not in data and b"0xfeed" not in data and TOKEN.encode() not in data


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("http://u:pw@h:8/a?t=1&u=2#f", "http://h:8/a?t=REDACTED&u=REDACTED"),
        ("https://h/a?SECRETWORD", "https://h/a?REDACTED"),
        ("http://[::1]:8/a", "http://[::1]:8/a"),
        ("http://h/a", "http://h/a"),
    ],
)
def test_stored_urls_have_no_userinfo_and_no_query_values(url: str, stored: str) -> None:
    assert redact_url(url) == stored
