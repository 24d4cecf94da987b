"""The report client against real HTTP(S) servers on loopback: retries, limits, safety."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.collect.client import ReportClient
from ingest.collect.credentials import Endpoint, endpoint
from ingest.core import settings
from ingest.core.errors import FetchError
from tests.ingest.data import reports
from tests.ingest.data.httpd import LoopbackServer, black_hole, make_certs, tls_context

AGS, PERIOD = "05113", "2026-10"
TOKEN = "tok-5e3f9c1d8a7b6e2f0c4d"
BODY = reports.english_csv(reports.rows_for(AGS, PERIOD, n=1))


@pytest.fixture
def servers() -> Iterator[list[LoopbackServer]]:
    started: list[LoopbackServer] = []
    yield started
    for s in started:
        s.close()


def serve(servers: list[LoopbackServer], handle, **kw) -> LoopbackServer:
    s = LoopbackServer(handle, **kw)
    servers.append(s)
    return s


def client_for(server: LoopbackServer | str, **kw) -> ReportClient:
    base = server if isinstance(server, str) else server.base_url
    kw.setdefault("backoff_base_s", 0.05)
    kw.setdefault("connect_timeout_s", 1)
    kw.setdefault("read_timeout_s", 1)
    kw.setdefault("deadline_s", 10)
    return ReportClient(resolve=lambda ags: Endpoint(base, TOKEN), **kw)


def sequence(*steps):
    """A handler that plays ``steps`` in order (the last one repeats)."""
    calls = {"n": 0}

    def handle(h) -> None:
        step = steps[min(calls["n"], len(steps) - 1)]
        calls["n"] += 1
        step(h)

    return handle


def ok(h) -> None:
    h.reply(200, BODY, headers={"ETag": '"abc"', "X-Report-Revision": "1"})


def status(code: int, **headers: str):
    return lambda h: h.reply(
        code, b"", headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


def fetch_error(client: ReportClient, period: str = PERIOD) -> FetchError:
    with pytest.raises(FetchError) as exc:
        client.fetch_report(AGS, period)
    assert TOKEN not in str(exc.value)
    return exc.value


# -- success and conditional requests -----------------------------------------------------


def test_report_is_fetched_with_metadata_and_bearer_token(servers) -> None:
    s = serve(servers, ok)
    r = client_for(s).fetch_report(AGS, PERIOD)
    assert r is not None and r.body == BODY
    assert (r.etag, r.source_revision, r.http_status) == ('"abc"', 1, 200)
    assert r.url == f"{s.base_url}/v1/reports/{PERIOD}"
    assert s.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert s.requests[0]["path"] == f"/jc/{AGS}/v1/reports/{PERIOD}"


def test_matching_etag_gives_304_and_none(servers) -> None:
    def handle(h) -> None:
        if h.headers.get("If-None-Match") == '"abc"':
            h.reply(304)
        else:
            ok(h)

    s = serve(servers, handle)
    assert client_for(s).fetch_report(AGS, PERIOD, etag='"abc"') is None
    assert client_for(s).fetch_report(AGS, PERIOD, etag='"old"') is not None


def test_index_lists_published_periods(servers) -> None:
    doc = (
        b'{"kreis_ags": "05113", "reports": [{"period": "2026-09", "revision": 2, '
        b'"etag": "\\"e1\\"", "published_at": "2026-10-05T06:00:00+00:00"}]}'
    )
    s = serve(servers, lambda h: h.reply(200, doc, content_type="application/json"))
    [entry] = client_for(s).fetch_index(AGS)
    assert (entry.period, entry.revision, entry.etag) == ("2026-09", 2, '"e1"')
    assert s.requests[0]["path"] == f"/jc/{AGS}/v1/reports"


# -- retries ----------------------------------------------------------------------------------


def test_503_503_200_is_absorbed_by_retries(servers) -> None:
    s = serve(servers, sequence(status(503), status(503), ok))
    r = client_for(s).fetch_report(AGS, PERIOD)
    assert r is not None and r.body == BODY
    assert len(s.requests) == 3


def test_persistent_503_gives_up_after_bounded_retries(servers) -> None:
    s = serve(servers, status(503))
    err = fetch_error(client_for(s, max_retries=3))
    assert err.kind == "server_error" and err.transient
    assert len(s.requests) == 4
    assert "jobcenter 05113 2026-10" in str(err) and "HTTP 503" in str(err)


def test_429_retry_after_is_never_undercut(servers) -> None:
    s = serve(servers, sequence(status(429, Retry_After="1"), ok))
    assert client_for(s).fetch_report(AGS, PERIOD) is not None
    gap = s.requests[1]["t"] - s.requests[0]["t"]
    assert gap >= 1.0, f"re-requested after {gap:.3f}s, server asked for 1s"


def test_retry_after_beyond_the_cap_gives_up_as_rate_limited(servers) -> None:
    s = serve(servers, status(429, Retry_After="3600"))
    err = fetch_error(client_for(s, max_retry_after_s=5))
    assert err.kind == "rate_limited" and "3600" in err.reason
    assert len(s.requests) == 1


def test_retry_after_waits_are_capped_in_total_per_report(servers) -> None:
    s = serve(servers, sequence(status(503, Retry_After="1"), status(503, Retry_After="1"), ok))
    err = fetch_error(client_for(s, max_retry_after_s=1.5))
    assert err.kind == "server_error"
    assert len(s.requests) == 2  # the second wait would exceed the budget: no third request


@pytest.mark.parametrize(
    ("code", "kind"), [(401, "unauthorized"), (403, "unauthorized"), (404, "not_published")]
)
def test_client_errors_are_not_retried(servers, code: int, kind: str) -> None:
    s = serve(servers, status(code))
    err = fetch_error(client_for(s))
    assert err.kind == kind and not err.transient
    assert f"HTTP {code}" in str(err) and "05113" in str(err)
    assert len(s.requests) == 1


def test_connection_reset_is_retried(servers) -> None:
    def reset(h) -> None:
        h.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )
        h.connection.close()

    s = serve(servers, sequence(reset, ok))
    assert client_for(s).fetch_report(AGS, PERIOD) is not None
    assert len(s.requests) == 2


def test_truncated_body_is_retried_then_reported(servers) -> None:
    def truncated(h) -> None:
        h.reply(200, BODY[:50], content_length=len(BODY))

    s = serve(servers, sequence(truncated, ok))
    assert client_for(s).fetch_report(AGS, PERIOD).body == BODY
    s2 = serve(servers, truncated)
    err = fetch_error(client_for(s2))
    assert err.kind == "truncated"
    assert len(s2.requests) == 3  # the first try and two retries


# -- limits -----------------------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_connect_black_hole_times_out() -> None:
    sock, fillers = black_hole()
    try:
        host, port = sock.getsockname()
        err = fetch_error(client_for(f"http://{host}:{port}/jc/05113", connect_timeout_s=0.5))
        assert err.kind == "timeout"
    finally:
        for c in [*fillers, sock]:
            c.close()


@pytest.mark.timeout(30)
def test_stall_after_headers_times_out(servers) -> None:
    def stall(h) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        h.wfile.write(b"kreis_ags,")
        h.wfile.flush()
        time.sleep(20)

    s = serve(servers, stall)
    err = fetch_error(client_for(s, read_timeout_s=0.5))
    assert err.kind == "timeout" and "stalled" in err.reason


@pytest.mark.timeout(30)
def test_one_byte_per_second_trickle_is_cut_by_the_deadline(servers) -> None:
    def trickle(h) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.send_header("Content-Length", str(len(BODY)))
        h.end_headers()
        for byte in BODY:  # each byte well within the read timeout
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(0.2)

    s = serve(servers, trickle)
    err = fetch_error(client_for(s, read_timeout_s=1, deadline_s=2))
    assert err.kind == "timeout" and "deadline" in err.reason


@pytest.mark.timeout(30)
def test_headers_trickling_in_are_cut_by_the_deadline(servers) -> None:
    def trickle_headers(h) -> None:
        head = b"HTTP/1.0 200 OK\r\nContent-Type: text/csv\r\n" + b"X-Pad: " + b"a" * 200
        for byte in head:  # each byte well within the read timeout, headers never end
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(0.2)

    s = serve(servers, trickle_headers)
    err = fetch_error(client_for(s, read_timeout_s=1, deadline_s=2))
    assert err.kind == "timeout" and "deadline" in err.reason


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "no-length"])
def test_body_over_the_cap_is_aborted(servers, with_length: bool) -> None:
    big = b"x" * 50_000

    def handle(h) -> None:
        h.reply(200, big, content_length=None if with_length else False)

    s = serve(servers, handle)
    err = fetch_error(client_for(s, max_body_bytes=10_000))
    assert err.kind == "too_large"
    assert ("Content-Length" in err.reason) == with_length


def test_html_login_page_with_200_is_unexpected_content(servers) -> None:
    page = b"<html><body><form>Passwort</form></body></html>"
    s = serve(servers, lambda h: h.reply(200, page, content_type="text/html; charset=utf-8"))
    err = fetch_error(client_for(s))
    assert err.kind == "unexpected_content" and "text/html" in err.reason


# -- redirects and TLS --------------------------------------------------------------------------


def test_redirect_to_another_host_is_refused_and_the_token_stays_home(servers) -> None:
    other = serve(servers, ok, host="127.0.0.2")
    target = f"{other.origin}/jc/05113/v1/reports/{PERIOD}"
    s = serve(servers, lambda h: h.reply(302, b"", headers={"Location": target}))
    err = fetch_error(client_for(s))
    assert err.kind == "redirect_refused" and "127.0.0.2" in err.reason
    assert other.requests == []  # nothing at all reached the other host, least of all the token


def test_redirect_within_the_origin_is_followed(servers) -> None:
    def handle(h) -> None:
        if h.path.endswith("/old"):
            ok(h)
        else:
            h.reply(301, b"", headers={"Location": "/jc/05113/v1/reports/old"})

    s = serve(servers, handle)
    r = client_for(s).fetch_report(AGS, PERIOD)
    assert r is not None and r.url.endswith("/old")
    assert s.requests[1]["headers"]["Authorization"] == f"Bearer {TOKEN}"


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    return make_certs(tmp_path_factory.mktemp("certs"))


def test_self_signed_certificate_is_refused(servers, certs) -> None:
    s = serve(servers, ok, tls=tls_context(certs["self_cert"], certs["self_key"]))
    err = fetch_error(client_for(s))
    assert err.kind == "connection" and "TLS" in err.reason
    assert s.requests == []


def test_trusted_https_works_and_a_downgrade_to_http_is_refused(servers, certs) -> None:
    plain = serve(servers, ok)
    tls = tls_context(certs["server_cert"], certs["server_key"])
    s = serve(servers, ok, tls=tls)
    assert client_for(s, ca_bundle=str(certs["ca"])).fetch_report(AGS, PERIOD).body == BODY
    target = f"http://127.0.0.1:{s.httpd.server_address[1]}/jc/05113/v1/reports/{PERIOD}"
    down = serve(servers, lambda h: h.reply(302, b"", headers={"Location": target}), tls=tls)
    err = fetch_error(client_for(down, ca_bundle=str(certs["ca"])))
    assert err.kind == "redirect_refused" and "http://127.0.0.1" in err.reason
    assert plain.requests == []


def test_tls_verification_is_never_switched_off() -> None:
    ingest = Path(settings.PROJECT_ROOT) / "ingest"
    found = subprocess.run(
        ["grep", "-rn", "verify=False", str(ingest)], capture_output=True, text=True
    )
    assert found.stdout == "", found.stdout


# -- credentials and secrecy ------------------------------------------------------------------


def test_endpoint_from_environment_hides_its_token(monkeypatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_JC_05113",
        f'{{"conn_type": "http", "host": "http://127.0.0.1:1/jc/05113", "password": "{TOKEN}"}}',
    )
    ep = endpoint("05113")
    assert ep.base_url == "http://127.0.0.1:1/jc/05113" and ep.token == TOKEN
    assert TOKEN not in repr(ep) and TOKEN not in str(ep) and TOKEN not in f"{[ep]}"
    monkeypatch.delenv("AIRFLOW_CONN_JC_05113")
    with pytest.raises(FetchError) as exc:
        endpoint("05113")
    assert exc.value.kind == "no_credentials" and "AIRFLOW_CONN_JC_05113" in str(exc.value)


def test_token_never_appears_in_errors_or_logs(servers, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    handlers = [
        status(503),
        status(429, Retry_After="0"),
        status(401),
        lambda h: h.reply(302, b"", headers={"Location": f"http://127.0.0.2:9/{TOKEN}"}),
        lambda h: h.reply(200, b"<html>", content_type="text/html"),
    ]
    messages = []
    for handle in handlers:
        s = serve(servers, handle)
        messages.append(str(fetch_error(client_for(s, max_retries=1))))
    assert len(messages) == 5
    assert TOKEN not in caplog.text
    assert all(TOKEN not in m for m in messages)


def test_airflow_connection_and_environment_give_the_same_endpoint(monkeypatch) -> None:
    from ingest.collect import credentials

    conn = f'{{"conn_type": "http", "host": "https://jc.example.test/api", "password": "{TOKEN}"}}'
    monkeypatch.setenv("AIRFLOW_CONN_JC_05113", conn)
    via_airflow = credentials._from_airflow("05113")  # airflow.sdk BaseHook.get_connection
    assert via_airflow == credentials._from_env("05113")
    assert via_airflow.base_url == "https://jc.example.test/api"
    uri_style = '{"conn_type": "http", "host": "jc.example.test", "schema": "https", "port": 8443}'
    monkeypatch.setenv("AIRFLOW_CONN_JC_05113", uri_style[:-1] + f', "password": "{TOKEN}"}}')
    assert credentials._from_airflow("05113").base_url == "https://jc.example.test:8443"
    assert credentials._from_env("05113").base_url == "https://jc.example.test:8443"
