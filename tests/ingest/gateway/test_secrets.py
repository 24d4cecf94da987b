"""No key, secret or signature in any file, log or response; keys rotate; the CLI issues
them once and ``jcw gateway serve`` answers on a real port."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from standardwebhooks.webhooks import Webhook

from ingest.core import clock
from ingest.gateway import credentials
from tests.conftest import free_port
from tests.ingest.gateway.conftest import ESSEN, PERIOD, Gateway, put, report_csv


def _all_bytes(root: Path, *, but: Path | None = None) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file() and p != but)


def test_no_key_secret_or_signature_is_written_logged_or_answered(
    gateway: Gateway, issue_key, issue_secret, data_dir: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    key, secret = issue_key(ESSEN), issue_secret(ESSEN)
    answers = [
        put(gateway, ESSEN, report_csv(ESSEN, elb_0=-1), key),
        put(gateway, ESSEN, report_csv(ESSEN), key),
        put(gateway, "01054", report_csv(ESSEN), key),
        put(gateway, ESSEN, report_csv(ESSEN), key + "x"),
        put(gateway, ESSEN, report_csv(ESSEN), key, accept="text/html"),
    ]
    body = json.dumps({"kreis_ags": ESSEN, "period": PERIOD})
    signature = Webhook(secret).sign(msg_id="m1", timestamp=clock.utc_now(), data=body)
    headers = {
        "webhook-id": "m1",
        "webhook-timestamp": str(int(clock.utc_now().timestamp())),
        "webhook-signature": signature,
    }
    url = gateway.url("/v1/notifications")
    answers += [requests.post(url, data=body, headers=headers, timeout=30) for _ in range(2)]
    assert [a.status_code for a in answers] == [422, 201, 403, 401, 200, 202, 409]
    sig_value = signature.split(",", 1)[1]
    # The secret is stored for the HMAC, in its own file that only the gateway may read;
    # nowhere else.
    secrets_file = credentials.layout.gateway_secrets(ESSEN)
    assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"
    stored = _all_bytes(data_dir, but=secrets_file)
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    for needle in (key, key.split("_", 2)[2], secret.removeprefix("whsec_"), sig_value):
        assert needle.encode() not in stored
        assert needle not in logged
        for a in answers:
            assert needle not in a.text and needle not in str(a.headers)


def test_two_keys_are_valid_for_rotation_and_revoke_retires_all(
    gateway: Gateway, issue_key, data_dir: Path
):
    first, second = issue_key(ESSEN), issue_key(ESSEN)
    bad = report_csv(ESSEN)
    assert put(gateway, ESSEN, bad, first, content_type="x/y").status_code == 415
    assert put(gateway, ESSEN, bad, second, content_type="x/y").status_code == 415
    third = issue_key(ESSEN)
    assert put(gateway, ESSEN, bad, first, content_type="x/y").status_code == 401
    assert put(gateway, ESSEN, bad, third, content_type="x/y").status_code == 415
    assert credentials.revoke_keys(ESSEN) == 2
    assert put(gateway, ESSEN, bad, third, content_type="x/y").status_code == 401


def _jcw(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ingest.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_issues_a_key_once_and_serve_accepts_it(data_dir: Path):
    env = {**os.environ, "JCW_DATA_DIR": str(data_dir)}
    issued = _jcw("gateway", "key", ESSEN, env=env)
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.split()[-1]
    assert key.startswith(f"jcw_{ESSEN}_") and "nur jetzt angezeigt" in issued.stdout
    assert key.encode() not in _all_bytes(data_dir)
    assert _jcw("gateway", "key", "99999", env=env).returncode == 2
    secret = _jcw("gateway", "secret", ESSEN, env=env).stdout.split()[-1]
    assert secret.startswith("whsec_")

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ingest.cli.main", "gateway", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.3)
        r = requests.put(
            f"http://127.0.0.1:{port}/v1/reports/{ESSEN}/{PERIOD}",
            data=report_csv(ESSEN),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
            timeout=60,
        )
        assert (r.status_code, r.json()["verdict"]) == (201, "accepted")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert key not in out + err and secret not in out + err
