"""PostgreSQL and Redis from Debian packages, on loopback, for the production topology.

The production deployment (docker-compose.yml) runs Airflow on PostgreSQL with a Redis broker.
Where no Docker engine exists (CI, this machine) the same topology is run from Debian's
packages: this module installs them with apt-get when they are missing, starts a private
PostgreSQL cluster and a private Redis server under a directory of your choice, and stops them.

    python scripts/prod_services.py start --root /tmp/jcw-prod --pg-port 5433 --redis-port 6380
    python scripts/prod_services.py stop --root /tmp/jcw-prod

`start` prints the environment Airflow needs (AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, the Celery
broker and result backend) as KEY=value lines. Nothing is installed system-wide except the two
Debian packages, and nothing listens on anything but 127.0.0.1. The steps the image itself
runs at start-up are ``jcw deploy`` commands of the product (ingest/cli/deploy.py).
"""

from __future__ import annotations

import argparse
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PG_VERSION = "15"
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
PG_DATABASE = "airflow"
PG_OS_USER = "postgres"
REDIS_SERVER = Path("/usr/bin/redis-server")
READY_TIMEOUT_S = 60.0


class ServiceError(RuntimeError):
    """A service could not be installed, started or stopped; the message says which and why."""


@dataclass(frozen=True)
class Postgres:
    """A running private PostgreSQL cluster."""

    data_dir: Path
    socket_dir: Path
    port: int

    @property
    def sqlalchemy_url(self) -> str:
        """Airflow's metadata connection (psycopg 3; Airflow 3.3 also builds an asyncpg engine)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{PG_DATABASE}"

    @property
    def celery_result_backend(self) -> str:
        """Celery's result backend on the same database (Celery's `db+` SQLAlchemy form)."""
        return f"db+postgresql+psycopg://postgres@127.0.0.1:{self.port}/{PG_DATABASE}"


@dataclass(frozen=True)
class Redis:
    """A running private Redis server."""

    root: Path
    port: int
    pid: int

    @property
    def broker_url(self) -> str:
        """Celery broker URL."""
        return f"redis://127.0.0.1:{self.port}/0"


def _run(cmd: list[str], what: str, user: str | None = None) -> str:
    """Run a command (as `user` if given) and return stdout; raise ServiceError on failure."""
    if user is not None and os.geteuid() == 0:
        cmd = ["runuser", "-u", user, "--", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ServiceError(f"{what} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def ensure_debian_package(package: str, probe: Path) -> None:
    """Install a Debian package with apt-get if `probe` (a file it ships) is missing."""
    if probe.exists():
        return
    if os.geteuid() != 0:
        raise ServiceError(f"{probe} is missing and installing {package} needs root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", package],
    ):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            raise ServiceError(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-2000:]}")
    if not probe.exists():
        raise ServiceError(f"installed {package} but {probe} is still missing")


def _wait_for_port(port: int, what: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    """Block until something accepts TCP connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise ServiceError(f"{what} did not accept connections on 127.0.0.1:{port} in {timeout_s}s")


def _give_to(path: Path, user: str) -> None:
    """Make `path` (recursively) owned by `user` when running as root."""
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam(user)
    for p in [path, *path.rglob("*")]:
        os.chown(p, entry.pw_uid, entry.pw_gid)


def start_postgres(root: Path, port: int) -> Postgres:
    """Initialise (once) and start a PostgreSQL cluster in `root/pg`, create the airflow DB.

    `root` must be traversable by the `postgres` user (a directory under /tmp, not a
    0700 pytest tmp_path), because PostgreSQL refuses to run as root.
    """
    ensure_debian_package("postgresql", PG_BIN / "initdb")
    pg_root = root / "pg"
    data_dir, socket_dir = pg_root / "data", pg_root / "sock"
    socket_dir.mkdir(parents=True, exist_ok=True)
    # The postgres user must be able to traverse into its directories (search bit only).
    os.chmod(root, 0o711)  # noqa: S103
    os.chmod(pg_root, 0o711)  # noqa: S103
    _give_to(pg_root, PG_OS_USER)
    if not (data_dir / "PG_VERSION").exists():
        _run(
            [str(PG_BIN / "initdb"), "-D", str(data_dir), "--auth=trust", "-U", "postgres"],
            "initdb",
            user=PG_OS_USER,
        )
    _run(
        [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data_dir),
            "-l",
            str(pg_root / "postgres.log"),
            "-o",
            f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c max_connections=200",
            "-w",
            "start",
        ],
        "pg_ctl start",
        user=PG_OS_USER,
    )
    _wait_for_port(port, "PostgreSQL")
    psql = [str(PG_BIN / "psql"), "-h", str(socket_dir), "-p", str(port), "-U", "postgres"]
    exists = _run(
        [*psql, "-tAc", f"select 1 from pg_database where datname = '{PG_DATABASE}'"],
        "psql",
        user=PG_OS_USER,
    )
    if exists.strip() != "1":
        _run([*psql, "-c", f"create database {PG_DATABASE}"], "create database", user=PG_OS_USER)
    return Postgres(data_dir=data_dir, socket_dir=socket_dir, port=port)


def stop_postgres(root: Path) -> None:
    """Stop the cluster in `root/pg` (fast shutdown: rolls back open transactions)."""
    data_dir = root / "pg" / "data"
    if not (data_dir / "postmaster.pid").exists():
        return
    _run(
        [str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"],
        "pg_ctl stop",
        user=PG_OS_USER,
    )


def start_redis(root: Path, port: int) -> Redis:
    """Start a Redis server without persistence on 127.0.0.1:port; pid file in `root/redis`."""
    ensure_debian_package("redis-server", REDIS_SERVER)
    redis_root = root / "redis"
    redis_root.mkdir(parents=True, exist_ok=True)
    log = open(redis_root / "redis.log", "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(
        [
            str(REDIS_SERVER),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(redis_root),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    (redis_root / "redis.pid").write_text(str(proc.pid))
    try:
        _wait_for_port(port, "Redis")
    except ServiceError:
        proc.kill()
        raise
    return Redis(root=redis_root, port=port, pid=proc.pid)


def stop_redis(root: Path) -> None:
    """Stop the Redis server started by start_redis under `root` (SIGTERM, then SIGKILL)."""
    pid_file = root / "redis" / "redis.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink()
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
            if waited == pid:
                break
        except ChildProcessError:
            # Not our child (started by another process): poll for its disappearance.
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink()


def airflow_env(pg: Postgres, redis: Redis | None) -> dict[str, str]:
    """The Airflow settings that point at these services (CeleryExecutor when Redis is given)."""
    env = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg.sqlalchemy_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
    }
    if redis is not None:
        env |= {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": redis.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": pg.celery_result_backend,
        }
    return env


def build_parser() -> argparse.ArgumentParser:
    """The command line of this module."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    for name in ("start", "stop"):
        p = sub.add_parser(name, help=f"{name} PostgreSQL and Redis under --root")
        p.add_argument("--root", type=Path, required=True, help="directory for data and logs")
        p.add_argument("--pg-port", type=int, default=5433)
        p.add_argument("--redis-port", type=int, default=6380)
        p.add_argument("--no-redis", action="store_true", help="PostgreSQL only (LocalExecutor)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command line: start or stop the services."""
    args = build_parser().parse_args(argv)
    try:
        root: Path = args.root.resolve()
        if args.action == "start":
            root.mkdir(parents=True, exist_ok=True)
            pg = start_postgres(root, args.pg_port)
            redis = None if args.no_redis else start_redis(root, args.redis_port)
            for key, value in airflow_env(pg, redis).items():
                print(f"{key}={value}")
        else:
            stop_redis(root)
            stop_postgres(root)
    except ServiceError as exc:
        print(f"prod_services: {exc}", file=sys.stderr)
        return 1
    return 0
