"""The jobcenter simulator as a subprocess, with its admin API (demo, bench and tests).

``SimulatorProcess(workdir)`` runs ``python -m simulator serve --today 2026-11-21 --seed 42``
on a free loopback port. With ``gateway_credentials`` (a file from ``jcw gateway
credentials``) its publications are pushed or announced to the product's gateway over HTTP,
as real jobcenters would; without, its jobcenters only serve their reports.

- ``.base_url`` (``http://127.0.0.1:<port>``), ``.today``
- ``.env``: ``{"AIRFLOW_CONN_JC_<AGS>": "<json>"}`` for every jobcenter, from the
  ``connections`` command (black-holed jobcenters point at the simulator's black hole)
- ``.truth(period)``, ``.correct(ags, period)``, ``.publish(ags, period)``,
  ``.advance("2026-12-05")`` (clock forward, scheduled publications become events),
  ``.add_faults([...])`` (also refreshes ``.env``), ``.token(ags)``, ``.url(ags, period)``
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from harness.ports import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TODAY = "2026-11-21"
DEFAULT_SEED = 42


class SimulatorProcess:
    """A running ``python -m simulator serve`` subprocess and its admin API."""

    def __init__(
        self,
        workdir: Path,
        scenario: dict[str, Any] | None = None,
        scale: int | None = None,
        today: str = DEFAULT_TODAY,
        seed: int = DEFAULT_SEED,
        gateway_credentials: Path | None = None,
    ) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.today = today
        self.seed = seed
        self.scale = scale or 1
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "simulator",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--seed",
            str(seed),
            "--today",
            today,
            *(["--gateway-credentials", str(gateway_credentials)] if gateway_credentials else []),
            "--scale",
            str(self.scale),
        ]
        if scenario:
            path = workdir / "scenario.yaml"
            path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
            cmd += ["--scenario", str(path)]
        self.log_path = workdir / "simulator.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )
        self._wait_ready()
        self.env: dict[str, str] = {}
        self.refresh_env()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"simulator exited: {self.log_path.read_text()}")
            try:
                self._get("/admin/health")
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"simulator did not answer within {timeout} s")

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base_url + path, timeout=60) as resp:
            return json.load(resp)

    def _post(self, path: str, doc: Any) -> Any:
        req = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(doc).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.load(resp)

    def refresh_env(self) -> dict[str, str]:
        """Reload ``.env`` from the ``connections`` command (asks the running server)."""
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "simulator",
                "connections",
                "--base-url",
                self.base_url,
                "--seed",
                str(self.seed),
                "--scale",
                str(self.scale),
            ],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        env = {}
        for line in out.splitlines():
            name, _, value = line.partition("=")
            env[name] = shlex.split(value)[0]
        self.env = env
        return env

    def connection(self, ags: str) -> dict[str, str]:
        """The Airflow connection (conn_type, host, password) of a jobcenter."""
        return json.loads(self.env[f"AIRFLOW_CONN_JC_{ags}"])

    def token(self, ags: str) -> str:
        """The bearer token of a jobcenter."""
        return self.connection(ags)["password"]

    def url(self, ags: str, period: str | None = None) -> str:
        """The index URL of a jobcenter, or of one report."""
        base = f"{self.connection(ags)['host']}/v1/reports"
        return base if period is None else f"{base}/{period}"

    def truth(self, period: str) -> dict[str, Any]:
        """Ground truth of a period (reflects runtime corrections and faults)."""
        return self._get(f"/admin/truth?period={period}")

    def correct(self, ags: str, period: str) -> dict[str, Any]:
        """Publish a new revision; returns the event."""
        return self._post("/admin/correct", {"kreis_ags": ags, "period": period})

    def publish(self, ags: str, period: str) -> dict[str, Any]:
        """Publish a (late) report now; returns the event."""
        return self._post("/admin/publish", {"kreis_ags": ags, "period": period})

    def advance(self, today: str) -> list[dict[str, Any]]:
        """Move the simulator clock forward (YYYY-MM-DD); returns the publication events."""
        events = self._post("/admin/advance", {"today": today})["events"]
        self.today = today
        return events

    def add_faults(self, faults: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add faults at runtime and refresh ``.env``."""
        added = self._post("/admin/faults", {"faults": faults})["added"]
        self.refresh_env()
        return added

    def stop(self) -> None:
        """Terminate the process."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
