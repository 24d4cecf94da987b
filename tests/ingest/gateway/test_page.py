"""The jobcenter page through a real gateway: sign-in, cookie, CSRF, upload with feedback,
the list of deliveries, the XLSX template, and one jobcenter never seeing another's data."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import requests
from starlette.testclient import TestClient

from ingest.core import clock, contract, layout
from ingest.gateway import attempts, credentials, intake
from ingest.gateway.app import create_app
from ingest.validate.parse import parse_report
from tests.expectations.factory import valid_report
from tests.ingest.gateway.conftest import ESSEN, ISSUED, NORDFRIESLAND, PERIOD, Gateway, report_csv

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_KEY = "jcw_05113_" + "A" * 43


@pytest.fixture(scope="module")
def page_gateway() -> Iterator[Gateway]:
    g = Gateway(per_minute=6000, burst=1000, signin_per_minute=6000).start()
    yield g
    g.stop()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signed_in(gateway: Gateway, key: str) -> tuple[requests.Session, str]:
    """A browser-like session signed in with ``key``; its overview page."""
    s = requests.Session()
    first = s.get(gateway.url("/jobcenter"), timeout=30)
    r = s.post(
        gateway.url("/jobcenter/anmelden"),
        data={"schluessel": key, "csrf": csrf_of(first.text)},
        timeout=30,
    )
    assert r.status_code == 200 and r.url.endswith("/jobcenter"), r.text
    return s, r.text


def upload(
    gateway: Gateway, s: requests.Session, page: str, name: str, body: bytes, month: str = PERIOD
) -> requests.Response:
    return s.post(
        gateway.url("/jobcenter/hochladen"),
        data={"csrf": csrf_of(page), "monat": month},
        files={"datei": (name, body, "application/octet-stream")},
        timeout=60,
    )


def test_a_wrong_key_fails_with_a_german_message_and_is_recorded(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    issue_key(ESSEN)
    s = requests.Session()
    first = s.get(page_gateway.url("/jobcenter"), timeout=30)
    assert first.status_code == 200 and 'lang="de"' in first.text
    assert "Lieferschlüssel Ihres Jobcenters" in first.text
    r = s.post(
        page_gateway.url("/jobcenter/anmelden"),
        data={"schluessel": BAD_KEY, "csrf": csrf_of(first.text)},
        timeout=30,
    )
    assert r.status_code == 401
    assert (
        "Anmeldung fehlgeschlagen: Der Lieferschlüssel ist ungültig oder nicht mehr gültig."
        in r.text
    )
    assert "Abmelden" not in r.text
    (attempt,) = attempts.read_day(clock.today())
    assert (attempt["channel"], attempt["status"], attempt["reason"]) == (
        "page",
        401,
        "signin_failed",
    )
    day_file = layout.gateway_attempts(clock.today()).read_text(encoding="utf-8")
    assert BAD_KEY not in day_file and BAD_KEY[10:] not in day_file


def test_the_session_cookie_is_signed_httponly_samesite_and_never_holds_the_key(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    key = issue_key(ESSEN)
    s = requests.Session()
    first = s.get(page_gateway.url("/jobcenter"), timeout=30)
    r = s.post(
        page_gateway.url("/jobcenter/anmelden"),
        data={"schluessel": key, "csrf": csrf_of(first.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/jobcenter")
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("jcw_sitzung=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/jobcenter", "max-age=28800"} <= flags
    assert "secure" not in flags  # plain http on loopback
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    payload = json.loads(base64.urlsafe_b64decode(value.split(".")[0] + "=="))
    assert payload["ags"] == ESSEN and len(payload["key_id"]) == 12
    assert key not in cookie and key[10:] not in base64.urlsafe_b64decode(
        value.split(".")[0] + "=="
    ).decode("utf-8")
    secret = layout.gateway_session_secret()
    assert secret.stat().st_mode & 0o777 == 0o600
    # a cookie whose payload was changed to another jobcenter is no session
    forged = base64.urlsafe_b64encode(
        json.dumps({**payload, "ags": NORDFRIESLAND}).encode()
    ).rstrip(b"=")
    tampered = forged.decode() + value[value.index(".") :]
    t = requests.get(page_gateway.url("/jobcenter"), cookies={"jcw_sitzung": tampered}, timeout=30)
    assert "Lieferschlüssel Ihres Jobcenters" in t.text and NORDFRIESLAND not in t.text


def test_the_cookie_is_secure_over_https(issue_key, data_dir: Path):
    key = issue_key(ESSEN)
    with TestClient(create_app(warm=False), base_url="https://testserver") as c:
        first = c.get("/jobcenter")
        assert "secure" in first.headers["set-cookie"].lower()
        r = c.post(
            "/jobcenter/anmelden",
            data={"schluessel": key, "csrf": csrf_of(first.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert "; secure" in r.headers["set-cookie"].lower()


def test_a_post_without_or_with_a_wrong_csrf_token_is_403(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    key = issue_key(ESSEN)
    s, page = signed_in(page_gateway, key)
    body = report_csv(ESSEN)
    for token in (None, "", "falsch", csrf_of(page)[:-1] + "x"):
        data = {"monat": PERIOD} | ({} if token is None else {"csrf": token})
        r = s.post(
            page_gateway.url("/jobcenter/hochladen"),
            data=data,
            files={"datei": ("bericht.csv", body, "text/csv")},
            timeout=30,
        )
        assert r.status_code == 403, token
        assert "Das Formular ist abgelaufen oder stammt nicht von dieser Seite" in r.text
    for path in ("/jobcenter/abmelden", "/jobcenter/anmelden"):
        r = s.post(page_gateway.url(path), data={"schluessel": key}, timeout=30)
        assert r.status_code == 403, path
    assert not layout.landing_records_root().exists()  # nothing was landed
    assert "Abmelden" in s.get(page_gateway.url("/jobcenter"), timeout=30).text  # still in


def test_a_broken_upload_shows_the_findings_then_the_correction_is_accepted(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    key = issue_key(NORDFRIESLAND)
    s, page = signed_in(page_gateway, key)
    assert "Noch keine Lieferungen." in page
    broken = report_csv(NORDFRIESLAND, elb_frauen_2=999999)
    r = upload(page_gateway, s, page, "oktober.csv", broken)
    assert r.status_code == 422
    assert "<strong>Abgelehnt</strong>: Der Bericht wurde abgelehnt" in r.text
    assert (
        "<tr><td>Zeile 4</td><td>01054003 Gemeinde 3</td><td>ELB Frauen (elb_frauen)</td>"
        "<td>999.999</td>" in r.text
    )
    assert "<td>999.999</td>" in r.text
    row = re.search(r'<tr data-period="2026-10" data-revision="1" data-state="rejected">', r.text)
    assert row, r.text
    assert "dürfen nicht größer sein als die ELB insgesamt." in r.text.split('data-revision="1"')[1]

    fixed = upload(page_gateway, s, r.text, "oktober.csv", report_csv(NORDFRIESLAND))
    assert fixed.status_code == 201
    assert "<strong>Angenommen</strong>: Der Bericht wurde angenommen" in fixed.text
    states = re.findall(r'data-revision="(\d+)" data-state="(\w+)"', fixed.text)
    assert states == [("2", "accepted"), ("1", "rejected")]
    assert "angenommen, noch nicht im veröffentlichten Warehouse" in fixed.text
    records = [a for a in attempts.read_day(clock.today()) if a["channel"] == "page"]
    assert [(a["reason"], a.get("revision")) for a in records] == [
        ("signed_in", None),
        ("rejected", 1),
        ("accepted", 2),
    ]


def test_the_template_lists_the_gemeinden_and_filled_in_it_is_accepted(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    previous = valid_report(NORDFRIESLAND, "2026-09")
    intake.push(NORDFRIESLAND, "2026-09", report_csv(NORDFRIESLAND, "2026-09"), "text/csv", ISSUED)
    key = issue_key(NORDFRIESLAND)
    s, page = signed_in(page_gateway, key)
    r = s.get(page_gateway.url("/jobcenter/vorlage"), params={"monat": PERIOD}, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == (
        f'attachment; filename="Monatsbericht_{NORDFRIESLAND}_{PERIOD}.xlsx"'
    )
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Bericht", "Hinweise"]
    ws = wb["Bericht"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [contract.GERMAN_HEADERS[c] for c in contract.COLUMNS]
    listed = [r[:4] for r in rows[1:] if any(v is not None for v in r)]
    expected = sorted(zip(previous["gemeinde_ags"], previous["gemeinde_name"], strict=True))
    assert listed == [(NORDFRIESLAND, g, n, PERIOD) for g, n in expected]
    assert all(v is None for r in rows[1 : len(listed) + 1] for v in r[4:])
    assert all(ws.cell(i, 2).number_format == "@" for i in range(2, len(listed) + 2))
    assert "Ändern Sie Kreisschlüssel" in " ".join(str(c.value) for c in wb["Hinweise"]["A"])

    figures = valid_report(NORDFRIESLAND, PERIOD).set_index("gemeinde_ags")
    for i in range(2, len(listed) + 2):
        g = ws.cell(i, 2).value
        for j, col in enumerate(contract.COLUMNS[4:], start=5):
            value = figures.at[g, col]
            ws.cell(i, j).value = float(value) if col in contract.MONEY_COLUMNS else int(value)
    out = io.BytesIO()
    wb.save(out)
    df = parse_report(out.getvalue(), XLSX, kreis_ags=NORDFRIESLAND, period=PERIOD)
    assert len(df) == len(listed)
    done = upload(page_gateway, s, page, "vorlage.xlsx", out.getvalue())
    assert done.status_code == 201, done.text
    assert "<strong>Angenommen</strong>" in done.text


def test_a_session_never_shows_another_jobcenters_deliveries(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    intake.push(NORDFRIESLAND, PERIOD, report_csv(NORDFRIESLAND), "text/csv", ISSUED)
    intake.push(ESSEN, "2026-09", report_csv(ESSEN, "2026-09"), "text/csv", ISSUED)
    _, page = signed_in(page_gateway, issue_key(ESSEN))
    assert re.findall(r'data-period="([\d-]+)" data-revision', page) == ["2026-09"]
    assert NORDFRIESLAND not in page and "Nordfriesland" not in page
    s = requests.Session()
    r = s.get(page_gateway.url(f"/jobcenter/vorlage/{PERIOD}.xlsx"), timeout=30)
    assert r.status_code == 401 and "nicht (mehr) angemeldet" in r.text


def test_sign_in_attempts_are_limited_per_address(issue_key, data_dir: Path):
    g = Gateway(per_minute=6000, burst=1000, signin_per_minute=3).start()
    try:
        s = requests.Session()
        token = csrf_of(s.get(g.url("/jobcenter"), timeout=30).text)
        statuses = [
            s.post(
                g.url("/jobcenter/anmelden"),
                data={"schluessel": BAD_KEY, "csrf": token},
                timeout=30,
            )
            for _ in range(4)
        ]
        assert [r.status_code for r in statuses] == [401, 401, 401, 429]
        assert "Zu viele Anmeldeversuche von dieser Adresse" in statuses[-1].text
        assert int(statuses[-1].headers["Retry-After"]) >= 1
    finally:
        g.stop()


def test_an_unknown_file_type_is_refused_in_german(page_gateway: Gateway, issue_key, data_dir):
    s, page = signed_in(page_gateway, issue_key(ESSEN))
    r = upload(page_gateway, s, page, "bericht.pdf", b"%PDF-1.7")
    assert r.status_code == 415
    assert (
        "Nicht unterstütztes Dateiformat (.pdf). Bitte laden Sie eine Excel-Arbeitsmappe (.xlsx), "
        "eine CSV-Datei (.csv) oder eine JSON-Datei (.json) hoch." in r.text
    )
    assert not layout.landing_records_root().exists()


def test_without_an_accepted_report_a_landkreis_template_has_the_header_only(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    s, _ = signed_in(page_gateway, issue_key(NORDFRIESLAND))
    r = s.get(page_gateway.url(f"/jobcenter/vorlage/{PERIOD}.xlsx"), timeout=60)
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    rows = [r for r in wb["Bericht"].iter_rows(values_only=True) if any(r)]
    assert len(rows) == 1
    hints = [c.value for c in wb["Hinweise"]["A"]]
    assert hints[0] == "Monatsbericht Oktober 2026 – Jobcenter Kreis Nordfriesland (01054)"
    assert hints[-1].startswith("Für dieses Jobcenter liegt noch kein angenommener Bericht vor")


def test_an_xlsx_push_gets_the_same_verdict_as_the_page(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    key = issue_key(ESSEN)
    df = valid_report(ESSEN, PERIOD).drop(columns=["_row"])
    wb = openpyxl.Workbook()
    wb.active.append(list(contract.COLUMNS))
    for rec in df.to_dict("records"):
        wb.active.append([float(v) if hasattr(v, "as_tuple") else v for v in rec.values()])
    out = io.BytesIO()
    wb.save(out)
    r = requests.put(
        page_gateway.url(f"/v1/reports/{ESSEN}/{PERIOD}"),
        data=out.getvalue(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": XLSX},
        timeout=60,
    )
    assert (r.status_code, r.json()["verdict"], r.json()["revision"]) == (201, "accepted", 1)
    s, page = signed_in(page_gateway, key)
    again = upload(page_gateway, s, page, "bericht.xlsx", out.getvalue())
    assert again.status_code == 200
    assert "Diese Datei war bereits eingegangen (gleicher Inhalt, gleiche Revision)." in again.text


def test_sign_out_and_a_revoked_key_end_the_session(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    s, page = signed_in(page_gateway, issue_key(ESSEN))
    r = s.post(page_gateway.url("/jobcenter/abmelden"), data={"csrf": csrf_of(page)}, timeout=30)
    assert r.status_code == 200 and "Lieferschlüssel Ihres Jobcenters" in r.text
    assert "Abmelden" not in r.text
    s, page = signed_in(page_gateway, issue_key(ESSEN))
    assert credentials.revoke_keys(ESSEN) == 2
    r = s.get(page_gateway.url("/jobcenter"), timeout=30)
    assert "Lieferschlüssel Ihres Jobcenters" in r.text and "Abmelden" not in r.text
    reasons = [a["reason"] for a in attempts.read_day(clock.today()) if a["channel"] == "page"]
    assert reasons == ["signed_in", "signed_out", "signed_in"]


def test_a_copy_of_the_cookie_kept_from_before_signing_out_is_refused(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    s, page = signed_in(page_gateway, issue_key(ESSEN))
    kept = s.cookies.get("jcw_sitzung")
    r = s.post(page_gateway.url("/jobcenter/abmelden"), data={"csrf": csrf_of(page)}, timeout=30)
    assert r.status_code == 200 and "Abmelden" not in r.text
    copy = requests.Session()
    copy.cookies.set("jcw_sitzung", kept)
    r = copy.get(page_gateway.url("/jobcenter"), timeout=30)
    assert "Lieferschlüssel Ihres Jobcenters" in r.text and "Abmelden" not in r.text
    r = upload(page_gateway, copy, page, "bericht.csv", report_csv(ESSEN))
    assert r.status_code == 401 and "nicht (mehr) angemeldet" in r.text, r.text
    assert not layout.landing_dir().exists()
    # signing in again gives a new session, which the ended one does not touch
    s, page = signed_in(page_gateway, issue_key(ESSEN))
    assert "Abmelden" in s.get(page_gateway.url("/jobcenter"), timeout=30).text
    assert len(list(layout.gateway_ended_sessions_dir().iterdir())) == 1


def test_an_oversized_upload_is_refused_before_anything_lands(
    page_gateway: Gateway, issue_key, data_dir: Path
):
    s, page = signed_in(page_gateway, issue_key(ESSEN))
    r = upload(page_gateway, s, page, "gross.csv", b"a" * (5 * 1024 * 1024 + 1))
    assert r.status_code == 413
    assert "Die Datei ist zu groß: höchstens 5 MiB je Bericht." in r.text
    assert not layout.landing_records_root().exists()
