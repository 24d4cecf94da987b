"""A real gateway on loopback (uvicorn in a thread of the test process, so ``caplog`` sees
its logs), keys and secrets issued like ``jcw gateway key/secret``, and report bodies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import uvicorn

from ingest.gateway import credentials
from ingest.gateway.app import create_app
from tests.conftest import free_port
from tests.expectations.factory import valid_report

ESSEN = "05113"  # Stadt Essen, one Gemeinde
NORDFRIESLAND = "01054"  # a Landkreis with several Gemeinden
PERIOD = "2026-10"
ISSUED = datetime(2026, 12, 1, 8, tzinfo=UTC)


class Gateway:
    """A running gateway: ``url(path)`` and the server, stopped at the end."""

    def __init__(
        self,
        per_minute: float,
        burst: int | None = None,
        warm: bool = False,
        signin_per_minute: float | None = None,
    ) -> None:
        self.port = free_port()
        app = create_app(
            per_minute=per_minute, burst=burst, warm=warm, signin_per_minute=signin_per_minute
        )
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> Gateway:
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("gateway did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def issue_credentials(
    data_dir: Path, path: Path, gateway: Gateway, pushers: Iterable[str] = ()
) -> dict:
    """Every jobcenter's notice secret and the pushers' delivery keys, issued into
    ``data_dir`` by the product's own command (``jcw gateway credentials``)."""
    issued = subprocess.run(
        [sys.executable, "-m", "ingest.cli.main", "gateway", "credentials", "--out", str(path),
         "--gateway", gateway.url(""), *(a for ags in pushers for a in ("--push", ags))],
        env={**os.environ, "JCW_DATA_DIR": str(data_dir)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    g = Gateway(per_minute=6000, burst=1000).start()
    yield g
    g.stop()


@pytest.fixture(scope="module")
def slow_gateway() -> Iterator[Gateway]:
    """A gateway with a rate limit of 3 requests per minute (burst 3)."""
    g = Gateway(per_minute=3).start()
    yield g
    g.stop()


@pytest.fixture
def issue_key(data_dir: Path):
    def issue(ags: str) -> str:
        return credentials.issue_key(ags, ISSUED)

    return issue


@pytest.fixture
def issue_secret(data_dir: Path):
    def issue(ags: str) -> str:
        return credentials.issue_secret(ags, ISSUED)

    return issue


def report_csv(kreis_ags: str, period: str = PERIOD, **changes: object) -> bytes:
    """A valid English CSV of the report, with cells changed as ``{column}_{index}=value``."""
    df = valid_report(kreis_ags, period).drop(columns=["_row"])
    for name, value in changes.items():
        column, _, index = name.rpartition("_")
        df[column] = df[column].astype(object)
        df.at[int(index), column] = value
    return df.to_csv(index=False).encode("utf-8")


def put(
    gateway: Gateway,
    ags: str,
    body: bytes,
    key: str | None,
    *,
    period: str = PERIOD,
    content_type: str = "text/csv; charset=utf-8",
    accept: str = "application/json",
) -> requests.Response:
    headers = {"Content-Type": content_type, "Accept": accept}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return requests.put(
        gateway.url(f"/v1/reports/{ags}/{period}"), data=body, headers=headers, timeout=60
    )
