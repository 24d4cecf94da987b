"""The embedded default world: the jobcenter simulator and the local SMTP sink, as processes,
and the product's intake gateway that the simulated jobcenters reach over HTTP.

The gateway (``jcw gateway serve``) starts first; ``jcw gateway credentials`` issues every
jobcenter's secret (and a delivery key to those in :data:`PUSHERS`) into a file outside the
data directory, in a private temporary folder: the jobcenters' own copies. The simulator
reads only that file and writes nothing into the data directory: its publications arrive as
signed notices or push uploads at the gateway, which writes the event inbox.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.ports import wait_port
from harness.processes import stop_groups

PROJECT_ROOT = Path(__file__).resolve().parents[1]
JCW = str(Path(sys.executable).parent / "jcw")
# Simulator seed of the embedded default world.
SIM_SEED = 42
# Jobcenters of the default world that push their file to the gateway on publication.
PUSHERS = ("01054",)


@dataclass
class World:
    """The embedded default world: the jobcenter simulator and the local SMTP sink."""

    data: Path
    sim_port: int = 8765
    smtp_port: int = 8025
    gateway_port: int = 8090
    today: str | None = None
    scenario: Path | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    jobcenters_dir: Path | None = None

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def credentials(self) -> Path:
        """The simulated jobcenters' keys and secrets (outside the data directory)."""
        if self.jobcenters_dir is None:
            self.jobcenters_dir = Path(tempfile.mkdtemp(prefix="jcw-jobcenters-"))
        return self.jobcenters_dir / "credentials.json"

    def _env(self) -> dict[str, str]:
        env = {**os.environ, "JCW_DATA_DIR": str(self.data)}
        if self.today:
            env["JCW_TODAY"] = self.today
        return env

    def start(self) -> None:
        """Start the gateway, then the simulator and the SMTP sink; wait until they listen."""
        log_dir = self.data / "airflow" / "logs" / "components"
        log_dir.mkdir(parents=True, exist_ok=True)
        env = self._env()
        log = open(log_dir / "gateway.log", "ab")  # noqa: SIM115 (owned by the process)
        self.procs["gateway"] = subprocess.Popen(
            [JCW, "gateway", "serve", "--host", "127.0.0.1", "--port", str(self.gateway_port)],
            cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        log.close()
        subprocess.run(
            [JCW, "gateway", "credentials", "--out", str(self.credentials),
             "--gateway", self.gateway_url, *(a for ags in PUSHERS for a in ("--push", ags))],
            cwd=PROJECT_ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        sim = [
            sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1",
            "--port", str(self.sim_port), "--seed", str(SIM_SEED),
            "--gateway-credentials", str(self.credentials),
        ]  # fmt: skip
        if self.today:
            sim += ["--today", self.today]
        if self.scenario:
            sim += ["--scenario", str(self.scenario)]
        smtp = [
            JCW, "smtp-sink", "--host", "127.0.0.1",
            "--port", str(self.smtp_port), "--maildir", str(self.data / "mail"),
        ]  # fmt: skip
        for name, args in (("simulator", sim), ("smtp_sink", smtp)):
            log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 (owned by the process)
            self.procs[name] = subprocess.Popen(
                args, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
            log.close()
        wait_port("127.0.0.1", self.gateway_port, 120, self.procs["gateway"])
        wait_port("127.0.0.1", self.sim_port, 60, self.procs["simulator"])
        wait_port("127.0.0.1", self.smtp_port, 60, self.procs["smtp_sink"])

    def airflow_vars(self) -> dict[str, str]:
        """Connections for Airflow: one per jobcenter (from the simulator) plus SMTP."""
        out = subprocess.run(
            [sys.executable, "-m", "simulator", "connections", "--base-url", self.sim_url,
             "--seed", str(SIM_SEED),
             *(["--scenario", str(self.scenario)] if self.scenario else [])],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        env = {}
        for line in out.splitlines():
            key, sep, value = line.partition("=")
            if sep and key.startswith("AIRFLOW_CONN_"):
                env[key] = value.strip().strip("'")
        env["AIRFLOW_CONN_SMTP_DEFAULT"] = (
            f"smtp://127.0.0.1:{self.smtp_port}?disable_ssl=true&disable_tls=true"
            "&from_email=jcw-pipeline%40jcw.test&timeout=10"
        )
        return env

    def stop(self) -> None:
        stop_groups(list(self.procs.values()), timeout=10)
        self.procs.clear()
        if self.jobcenters_dir is not None:
            shutil.rmtree(self.jobcenters_dir, ignore_errors=True)
            self.jobcenters_dir = None
