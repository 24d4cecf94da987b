"""The production services start from Debian packages and Airflow migrates onto them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness.ports import free_port
from ingest.cli import deploy
from tests.deploy.conftest import REPO, prod_services

AIRFLOW = str(Path(sys.executable).parent / "airflow")


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.production
def test_cli_starts_and_stops_both_servers(prod_root: Path) -> None:
    """The runbook's `prod_services.py start/stop` prints Airflow's settings and cleans up."""
    pg_port, redis_port = free_port(), free_port()
    script = [sys.executable, str(REPO / "scripts" / "prod_services.py")]
    started = subprocess.run(
        [*script, "start", "--root", str(prod_root), "--pg-port", str(pg_port),
         "--redis-port", str(redis_port)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    env = dict(line.split("=", 1) for line in started.stdout.splitlines())
    assert env == {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg://postgres@127.0.0.1:{pg_port}/airflow",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg://postgres@127.0.0.1:{pg_port}/airflow",
    }  # fmt: skip
    assert listening(pg_port) and listening(redis_port)
    stopped = subprocess.run(
        [*script, "stop", "--root", str(prod_root)], capture_output=True, text=True, timeout=120
    )
    assert stopped.returncode == 0, stopped.stderr
    assert not listening(pg_port) and not listening(redis_port)


@pytest.mark.production
def test_airflow_migrates_onto_postgres_and_redis_answers(postgres, redis, tmp_path: Path) -> None:
    """`airflow db migrate` builds the metadata schema in PostgreSQL; Redis speaks RESP."""
    import psycopg
    import redis as redis_client

    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        **prod_services.airflow_env(postgres, redis),
    }
    migrated = subprocess.run(
        [AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=600
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    dsn = f"host=127.0.0.1 port={postgres.port} user=postgres dbname=airflow"
    with psycopg.connect(dsn) as conn:
        tables = {r[0] for r in conn.execute("select tablename from pg_tables").fetchall()}
        version = conn.execute("select version_num from alembic_version").fetchone()
    assert {"dag", "dag_run", "task_instance", "connection", "slot_pool"} <= tables
    assert version is not None
    # Idempotent: a second migrate (what airflow-init does on every `up`) changes nothing.
    again = subprocess.run(
        [AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr[-3000:]
    client = redis_client.Redis(host="127.0.0.1", port=redis.port)
    assert client.ping() is True
    client.close()


def test_admin_user_refuses_bad_input_and_the_connections_file_is_private(
    tmp_path: Path,
) -> None:
    """The two deployment helpers: the first admin needs a password from the environment
    and a plain user name (the account itself is created by the production e2e tests);
    the connections import file is owner-only and never echoed."""
    script = [str(Path(sys.executable).parent / "jcw"), "deploy", "admin-user"]
    person = ["--email", "erika@jcw.test", "--firstname", "Erika", "--lastname", "Mustermann"]
    for username, password, message in (
        ("erika", "", "AIRFLOW_ADMIN_PASSWORD is empty; set it in .env"),
        ("erika; drop", "pw-4711", "'erika; drop' is not a user name (letters, digits, . _ @ -)"),
    ):
        done = subprocess.run(
            [*script, "--username", username, *person],
            env={**os.environ, "AIRFLOW_ADMIN_PASSWORD": password},
            capture_output=True, text=True,
        )  # fmt: skip
        assert (done.returncode, done.stderr.strip()) == (1, f"jcw: DeployError: {message}")
        assert "pw-4711" not in done.stdout + done.stderr

    lines = (
        'AIRFLOW_CONN_JC_08111=\'{"conn_type": "http", "host": "http://h/jc/08111", '
        '"password": "tok"}\'\n'
    )
    assert deploy.connections_import_file(lines) == {
        "jc_08111": {"conn_type": "http", "host": "http://h/jc/08111", "password": "tok"}
    }
    with pytest.raises(deploy.DeployError, match="line 1: expected AIRFLOW_CONN_"):
        deploy.connections_import_file("JC_08111=x\n")
    with pytest.raises(deploy.DeployError, match="does not hold a JSON connection"):
        deploy.connections_import_file("AIRFLOW_CONN_JC_08111=http://h\n")
    out = tmp_path / "jc_connections.json"
    source = tmp_path / "jc_connections.env"
    source.write_text(lines)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "jcw"), "deploy", "connections", "--from", str(source),
         "--out", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, f"1 connections written to {out}\n")
    assert json.loads(out.read_text())["jc_08111"]["password"] == "tok"
    assert out.stat().st_mode & 0o077 == 0
