"""The real Airflow 3.3 components as subprocesses: the embedded default's stack.

``airflow_env`` is the environment of every Airflow process: the embedded defaults (SQLite,
LocalExecutor, parallelism 8, SimpleAuthManager with one local ``admin``, short parse
intervals, AIRFLOW_HOME below the data directory), where anything already set in the
environment wins, so the same components start against PostgreSQL and Celery with e.g.
``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg://...``,
``AIRFLOW__CORE__EXECUTOR=CeleryExecutor`` and ``AIRFLOW__CORE__PARALLELISM=32``, and with
the production auth manager (``AIRFLOW__CORE__AUTH_MANAGER=`` ``FAB_AUTH_MANAGER``), which
drops every SimpleAuthManager setting. The SimpleAuthManager is Airflow's development-only
login: the embedded default says so when it starts (``LOCAL_LOGIN_NOTICE``).
``AirflowStack`` starts the scheduler, dag-processor, triggerer and api-server, waits until
the api-server reports every component healthy, and stops them (SIGTERM, then SIGKILL of
each process group).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from harness.ports import wait_port
from harness.processes import stop_groups
from ingest.core import layout
from ingest.core.clock import TIMEZONE

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
COMPONENTS = ("scheduler", "dag-processor", "triggerer", "api-server")
ADMIN_USER = "admin"
SIMPLE_AUTH_MANAGER = (
    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
)
# Production's auth manager: personal accounts with roles (docs/operations.md).
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
# The one line `make demo` and `make airflow` print when they start.
LOCAL_LOGIN_NOTICE = (
    f"Login: Airflow's SimpleAuthManager with one local user {ADMIN_USER!r}, for development "
    "on this machine only; production uses the FAB auth manager with personal accounts and "
    'roles (docs/operations.md, "People and roles").'
)
# The 1-slot pool that serialises every DuckDB writer (dbt build, publish, docs).
POOLS = {"duckdb_writer": (1, "DuckDB allows one writer: dbt build / publish / docs")}
# DAGs the embedded default unpauses on start. jcw_intake must be unpaused for its
# AssetWatcher to be registered; jcw_collect's first unpause runs one sweep at once.
# jcw_monitor stays paused until someone decides reminders should go out (the demo does).
UNPAUSE = ("jcw_intake", "jcw_warehouse", "jcw_report", "jcw_collect")


def airflow_env(
    data: Path | None = None,
    *,
    api_port: int | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of every Airflow process: os.environ wins over the embedded defaults."""
    data = (data or layout.data_dir()).resolve()
    home = Path(os.environ.get("AIRFLOW_HOME", data / "airflow"))
    port = api_port or int(os.environ.get("JCW_AIRFLOW_PORT", "8080"))
    base_url = f"http://127.0.0.1:{port}"
    defaults = {
        "JCW_DATA_DIR": str(data),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        # Log timestamps and naive times in German time; the UI shows the browser's zone.
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": str(TIMEZONE),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        # SQLite on 2 cores dies with "database is locked" at the default 32 (platform notes
        # §2); 8 held and leaves CPU for the fetch threads inside the tasks.
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "8",
        # New DAGs start paused: unpausing a cron DAG runs its latest missed interval at once
        # (catchup=False still runs the most recent one), e.g. reminders before anything was
        # fetched. The launcher unpauses what should run (see UNPAUSE).
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        # Short parse intervals so a demo sees new DAG files and watchers within seconds.
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        # An idle scheduler loops every 0.2 s instead of 1 s: each hop from one task to the
        # next (and from an asset event to its run) waits for a loop, and a correction
        # crosses seven of them (bench/README.md).
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
        # A killed scheduler's tasks are found and retried within a minute, not five.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(port + 1),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(port + 2),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__LOGGING__DAG_PROCESSOR_CHILD_PROCESS_LOG_DIRECTORY": str(
            home / "logs" / "dag_processor"
        ),
        "AIRFLOW__API__EXPOSE_CONFIG": "False",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    env = dict(os.environ)
    for key, value in defaults.items():
        env.setdefault(key, value)
    if "AIRFLOW__API_AUTH__JWT_SECRET" not in env:
        env["AIRFLOW__API_AUTH__JWT_SECRET"] = _persistent_secret(Path(env["AIRFLOW_HOME"]))
    env.update(extra or {})
    if not uses_simple_auth(env):
        env = {k: v for k, v in env.items() if "SIMPLE_AUTH_MANAGER" not in k}
    return env


def uses_simple_auth(env: dict[str, str]) -> bool:
    """True if these Airflow processes log in with the development-only SimpleAuthManager."""
    return env.get("AIRFLOW__CORE__AUTH_MANAGER", SIMPLE_AUTH_MANAGER) == SIMPLE_AUTH_MANAGER


def _persistent_secret(home: Path) -> str:
    """One JWT secret per AIRFLOW_HOME, shared by all components (never printed)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "jwt_secret"
    if not path.exists():
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        tmp.write_text(secrets.token_urlsafe(64))  # HS512 wants >= 64 bytes
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return path.read_text().strip()


def admin_password(env: dict[str, str]) -> str:
    """The admin password of SimpleAuthManager, created once in its passwords file."""
    path = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        passwords = json.loads(path.read_text() or "{}")
        if ADMIN_USER in passwords:
            return passwords[ADMIN_USER]
    else:
        passwords = {}
    passwords[ADMIN_USER] = secrets.token_urlsafe(12)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(passwords) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return passwords[ADMIN_USER]


@dataclass
class AirflowStack:
    """The four Airflow components as subprocesses sharing one environment."""

    env: dict[str, str]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    _dead: list[subprocess.Popen] = field(default_factory=list)

    @property
    def home(self) -> Path:
        return Path(self.env["AIRFLOW_HOME"])

    @property
    def port(self) -> int:
        return int(self.env["AIRFLOW__API__PORT"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs" / "components"

    def _airflow(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(VENV_BIN / "airflow"), *args],
            env=self.env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=check,
        )

    def init(self) -> None:
        """Migrate the metadata DB (creates airflow.cfg once) and create the pools."""
        self.home.mkdir(parents=True, exist_ok=True)
        if uses_simple_auth(self.env):
            admin_password(self.env)
        result = self._airflow("db", "migrate", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{result.stderr[-3000:]}")
        for name, (slots, description) in POOLS.items():
            self._airflow("pools", "set", name, str(slots), description)

    def start(self, components: Iterable[str] = COMPONENTS) -> None:
        """Start the given components (each in its own process group, logs in log_dir)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in components:
            args = [str(VENV_BIN / "airflow"), name]
            if name == "api-server":
                args += ["--host", "127.0.0.1", "--port", str(self.port)]
            log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (owned by the process)
            self.procs[name] = subprocess.Popen(
                args,
                env=self.env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            log.close()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to one component's main process only (a crash, not a shutdown)."""
        proc = self.procs.pop(name)
        os.kill(proc.pid, sig)
        proc.wait(30)
        self._dead.append(proc)

    def wait_healthy(self, timeout: float = 180) -> dict:
        """Wait until the api-server answers and reports every component healthy."""
        wait_port("127.0.0.1", self.port, timeout, self.procs.get("api-server"))
        deadline = time.monotonic() + timeout
        last: dict = {}
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"airflow {name} exited with code {proc.returncode}; "
                        f"see {self.log_dir / (name + '.log')}"
                    )
            try:
                last = requests.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
            except (requests.RequestException, ValueError):
                last = {}
            wanted = {"metadatabase", "scheduler", "triggerer", "dag_processor"}
            if {k for k, v in last.items() if (v or {}).get("status") == "healthy"} >= wanted:
                return last
            time.sleep(1)
        raise TimeoutError(f"Airflow not healthy after {timeout:.0f} s: {last}")

    def stop(self) -> None:
        """Stop every component (and whatever a killed one left behind)."""
        stop_groups([*self.procs.values(), *self._dead])
        self.procs.clear()
        self._dead.clear()

    def __enter__(self) -> AirflowStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
