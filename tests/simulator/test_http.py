"""HTTP semantics of the simulated jobcenter endpoints, over a real server on loopback."""

from __future__ import annotations

import base64
import hashlib
import json

import requests

AGS = "03157"  # Landkreis Peine
PERIOD = "2026-10"


def _get(sim, ags: str, period: str | None = None, token: str | None = None, **headers):
    auth = token if token is not None else sim.token(ags)
    return requests.get(
        sim.url(ags, period),
        headers={"Authorization": f"Bearer {auth}", **headers},
        timeout=30,
        allow_redirects=False,
    )


def test_connections_cover_every_jobcenter(simulator_module):
    env = simulator_module.env
    assert len(env) == 104
    conn = json.loads(env[f"AIRFLOW_CONN_JC_{AGS}"])
    assert conn["conn_type"] == "http"
    assert conn["host"] == f"{simulator_module.base_url}/jc/{AGS}"
    assert len({json.loads(v)["password"] for v in env.values()}) == 104


def test_report_has_etag_of_body_and_revision(simulator_module):
    resp = _get(simulator_module, AGS, PERIOD)
    assert resp.status_code == 200
    digest = hashlib.sha256(resp.content).hexdigest()
    assert resp.headers["ETag"] == f'"{digest}"'
    # RFC 9530: the SHA-256 of the representation, as a structured-field byte sequence
    b64 = base64.b64encode(hashlib.sha256(resp.content).digest()).decode()
    assert resp.headers["Repr-Digest"] == f"sha-256=:{b64}:"
    assert resp.headers["X-Report-Revision"] == "1"
    assert resp.headers["Last-Modified"].endswith("GMT")
    truth = simulator_module.truth(PERIOD)["reports"][AGS]
    assert truth["sha256"] == digest
    assert resp.headers["Content-Type"] == truth["content_type"]


def test_bad_or_missing_token_is_401(simulator_module):
    assert _get(simulator_module, AGS, PERIOD, token="wrong").status_code == 401
    other = simulator_module.token("03159")
    assert _get(simulator_module, AGS, PERIOD, token=other).status_code == 401
    resp = requests.get(simulator_module.url(AGS, PERIOD), timeout=30)
    assert resp.status_code == 401


def test_unpublished_month_is_404(simulator_module):
    # today is 2026-11-21: November 2026 is not over, so it cannot be published
    assert _get(simulator_module, AGS, "2026-11").status_code == 404


def test_if_none_match_gives_304(simulator_module):
    first = _get(simulator_module, AGS, PERIOD)
    again = _get(simulator_module, AGS, PERIOD, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    other = _get(simulator_module, AGS, PERIOD, **{"If-None-Match": '"0000"'})
    assert other.status_code == 200


def test_index_lists_every_published_month_with_its_etag(simulator_module):
    resp = _get(simulator_module, AGS)
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["kreis_ags"] == AGS
    periods = [r["period"] for r in doc["reports"]]
    assert periods[0] == "2005-01"
    assert periods[-1] == PERIOD
    assert len(periods) == 262
    last = doc["reports"][-1]
    assert last["etag"] == _get(simulator_module, AGS, PERIOD).headers["ETag"]
    assert last["revision"] == 1
