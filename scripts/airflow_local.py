"""Run the real Airflow 3.3 components for the embedded default (what `make airflow` runs).

Starts the scheduler, dag-processor, triggerer and api-server as separate subprocesses with
AIRFLOW_HOME below the data directory, waits until the api-server reports every component
healthy, and stops them cleanly (SIGTERM, then SIGKILL of the whole process group).

Every setting is an environment default: anything already set in the environment wins, so
the production-deployment engineer starts the same components against PostgreSQL and Celery
with e.g. ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg://...``,
``AIRFLOW__CORE__EXECUTOR=CeleryExecutor``, ``AIRFLOW__CORE__PARALLELISM=32`` and
``JCW_AIRFLOW_PORT=8080``.

Usage:
    python scripts/airflow_local.py ui [--no-world]   # start everything, print the login, wait
    python scripts/airflow_local.py init              # migrate the metadata DB, create pools

The module is also the library the demo and the end-to-end tests use: ``airflow_env``,
``AirflowStack``, ``ApiClient`` and ``World`` (simulator + SMTP sink subprocesses).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
COMPONENTS = ("scheduler", "dag-processor", "triggerer", "api-server")
ADMIN_USER = "admin"
# The 1-slot pool that serialises every DuckDB writer (dbt build, publish, docs).
POOLS = {"duckdb_writer": (1, "DuckDB allows one writer: dbt build / publish / docs")}
# DAGs the embedded default unpauses on start. jcw_intake must be unpaused for its
# AssetWatcher to be registered; jcw_collect's first unpause runs one sweep at once.
# jcw_monitor stays paused until someone decides reminders should go out (the demo does).
UNPAUSE = ("jcw_intake", "jcw_warehouse", "jcw_report", "jcw_collect")
# Simulator clock and seed of the embedded default world.
SIM_SEED = 42


def data_dir() -> Path:
    """The JCW data directory (``JCW_DATA_DIR``, default ``<repo>/data``)."""
    return Path(os.environ.get("JCW_DATA_DIR", PROJECT_ROOT / "data")).resolve()


def airflow_env(
    data: Path | None = None,
    *,
    api_port: int | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of every Airflow process: os.environ wins over the embedded defaults."""
    data = (data or data_dir()).resolve()
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
    return env


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


def pick_port(preferred: int) -> int:
    """``preferred`` if nothing listens there, else a free port (and say so)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    print(f"  port {preferred} is busy, using {port}")
    return port


def _wait_port(host: str, port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited with code {proc.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    # Every process was started with start_new_session=True: its pid is its group id.
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _stop_groups(procs: list[subprocess.Popen], timeout: float = 20) -> None:
    """SIGTERM the process groups of ``procs`` at once, then SIGKILL whatever is left."""
    for proc in procs:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    # Leaders that ignored SIGTERM, and children that outlived their leader.
    for proc in procs:
        _signal_group(proc, signal.SIGKILL)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


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
        _wait_port("127.0.0.1", self.port, timeout, self.procs.get("api-server"))
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
        _stop_groups([*self.procs.values(), *self._dead])
        self.procs.clear()
        self._dead.clear()

    def __enter__(self) -> AirflowStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ApiClient:
    """A small client of the Airflow REST API v2 (JWT from POST /auth/token)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = {"username": username, "password": password}
        self._session = requests.Session()
        self._token_at: float | None = None

    def _auth(self) -> None:
        if self._token_at is not None and time.monotonic() - self._token_at < 600:
            return
        r = self._session.post(f"{self.base_url}/auth/token", json=self._credentials, timeout=30)
        r.raise_for_status()
        self._session.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        self._token_at = time.monotonic()

    def request(self, method: str, path: str, **kwargs) -> dict:
        """One API call; raises with the server's answer on an error status."""
        self._auth()
        r = self._session.request(method, f"{self.base_url}/api/v2{path}", timeout=30, **kwargs)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {r.status_code}: {r.text[:500]}")
        return r.json() if r.content else {}

    def wait_dags(self, dag_ids: Iterable[str], timeout: float = 180) -> None:
        """Wait until the dag-processor has serialised every DAG and none has import errors."""
        wanted = set(dag_ids)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            errors = self.request("GET", "/importErrors").get("import_errors", [])
            if errors:
                raise RuntimeError(f"DAG import errors: {errors}")
            dags = {d["dag_id"] for d in self.request("GET", "/dags?limit=100")["dags"]}
            if wanted <= dags:
                return
            time.sleep(1)
        raise TimeoutError(f"DAGs {sorted(wanted)} not parsed after {timeout:.0f} s")

    def unpause(self, *dag_ids: str) -> None:
        for dag_id in dag_ids:
            self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(
        self, dag_id: str, conf: dict | None = None, logical_date: str | None = None
    ) -> str:
        """Trigger a manual run (by default with logical_date null) and return its run id."""
        body = {"logical_date": logical_date, "conf": conf or {}}
        return self.request("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        return self.request("GET", f"/dags/{dag_id}/dagRuns?limit=100&order_by=-run_after")[
            "dag_runs"
        ]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 900) -> str:
        """Wait until one run has finished and return its state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return state
            time.sleep(1)
        raise TimeoutError(f"{dag_id} run {run_id} not finished after {timeout:.0f} s")

    def wait_idle(self, dag_ids: Iterable[str], timeout: float = 900, settle: float = 5) -> None:
        """Wait until no run of these DAGs is queued or running for ``settle`` seconds."""
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            busy = [
                r["dag_run_id"]
                for d in dag_ids
                for r in self.runs(d)
                if r["state"] in ("queued", "running")
            ]
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return
            time.sleep(1)
        raise TimeoutError(f"runs of {sorted(dag_ids)} still busy after {timeout:.0f} s")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        """Every task instance of a run (the REST API returns at most 100 per page)."""
        tis: list[dict] = []
        while True:
            page = self.request(
                "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=100&offset={len(tis)}"
            )
            tis += page["task_instances"]
            total = page.get("total_entries")
            if not page["task_instances"] or (total is not None and len(tis) >= total):
                return tis


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
            sys.executable, "-m", "ingest.smtp_sink", "--host", "127.0.0.1",
            "--port", str(self.smtp_port), "--maildir", str(self.data / "mail"),
        ]  # fmt: skip
        for name, args in (("simulator", sim), ("smtp_sink", smtp)):
            log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 (owned by the process)
            self.procs[name] = subprocess.Popen(
                args, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
            log.close()
        _wait_port("127.0.0.1", self.sim_port, 60, self.procs["simulator"])
        _wait_port("127.0.0.1", self.smtp_port, 60, self.procs["smtp_sink"])

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
        _stop_groups(list(self.procs.values()), timeout=10)
        self.procs.clear()


def _ui(args: argparse.Namespace) -> int:
    data = data_dir()
    world = (
        World(data, sim_port=pick_port(8765), smtp_port=pick_port(8025), today=args.today)
        if args.world
        else None
    )
    stack: AirflowStack | None = None
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    try:
        extra = {}
        if world:
            world.start()
            extra = world.airflow_vars()
        port = int(os.environ.get("JCW_AIRFLOW_PORT", "0")) or pick_port(8080)
        stack = AirflowStack(airflow_env(data, api_port=port, extra=extra))
        stack.init()
        stack.start()
        stack.wait_healthy()
        api = ApiClient(stack.url, ADMIN_USER, admin_password(stack.env))
        api.wait_dags(UNPAUSE)
        if args.unpause:
            api.unpause(*UNPAUSE)
        print(f"Airflow UI: {stack.url}  (user {ADMIN_USER}, password {admin_password(stack.env)})")
        print(f"AIRFLOW_HOME={stack.home}; component logs in {stack.log_dir}")
        if world:
            print(f"Simulator {world.sim_url}, SMTP sink 127.0.0.1:{world.smtp_port}")
        print("Press Ctrl-C to stop.", flush=True)
        while not stop["now"]:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        if stack:
            stack.stop()
        if world:
            world.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ui = sub.add_parser("ui", help="start all Airflow components and wait (Ctrl-C stops)")
    ui.add_argument(
        "--no-world",
        dest="world",
        action="store_false",
        help="do not start the simulator and the SMTP sink (for a real deployment)",
    )
    ui.add_argument(
        "--no-unpause",
        dest="unpause",
        action="store_false",
        help=f"leave the DAGs' pause state as it is (default: unpause {', '.join(UNPAUSE)})",
    )
    ui.add_argument("--today", help="simulator clock YYYY-MM-DD (default: the real date)")
    sub.add_parser("init", help="migrate the metadata DB and create the pools")
    args = parser.parse_args(argv)
    if args.command == "init":
        stack = AirflowStack(airflow_env())
        stack.init()
        print(f"initialised {stack.home}")
        return 0
    return _ui(args)


if __name__ == "__main__":
    sys.exit(main())
