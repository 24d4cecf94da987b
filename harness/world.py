"""The embedded default world: the jobcenter simulator and the local SMTP sink, as processes."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness.ports import wait_port
from harness.processes import stop_groups

PROJECT_ROOT = Path(__file__).resolve().parents[1]
JCW = str(Path(sys.executable).parent / "jcw")
# Simulator seed of the embedded default world.
SIM_SEED = 42


@dataclass
class World:
    """The embedded default world: the jobcenter simulator and the local SMTP sink."""

    data: Path
    sim_port: int = 8765
    smtp_port: int = 8025
    today: str | None = None
    scenario: Path | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    def start(self) -> None:
        """Start both servers and wait until they listen."""
        log_dir = self.data / "airflow" / "logs" / "components"
        log_dir.mkdir(parents=True, exist_ok=True)
        (self.data / "events").mkdir(parents=True, exist_ok=True)
        sim = [
            sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1",
            "--port", str(self.sim_port), "--seed", str(SIM_SEED),
            "--notify-dir", str(self.data / "events"),
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
