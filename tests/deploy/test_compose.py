"""The deployment files are consistent, checked without a Docker engine.

Two independent validators: Debian's docker-compose 1.29 (`config`, fetched with
`apt-get download` into a cache directory at test time, never installed system-wide) and our
own checks (tests/deploy/compose_check.py: JSON schema plus consistency with the repository).
Both must accept the committed files and reject broken variants of them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy import e2e_commands, runbook
from tests.deploy.compose_check import FAB_AUTH_MANAGER as FAB
from tests.deploy.compose_check import REPO, Deployment, check_deployment

SIMPLE = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"

# Debian bookworm's docker-compose v1 and the Python libraries it imports (platform notes §8).
COMPOSE_DEBS = (
    "docker-compose python3-docker python3-dockerpty python3-docopt python3-dotenv "
    "python3-jsonschema python3-attr python3-pyrsistent python3-texttable python3-websocket "
    "python3-requests python3-urllib3 python3-idna python3-certifi python3-charset-normalizer "
    "python3-chardet python3-yaml python3-distro python3-packaging"
).split()
CACHE = Path(os.environ.get("JCW_COMPOSE_V1_CACHE", "/tmp/jcw-compose-v1"))


@pytest.fixture(scope="session")
def compose_v1() -> list[str]:
    """argv prefix running docker-compose 1.29 from .debs unpacked into a cache directory."""
    root = CACHE / "root"
    script = root / "usr" / "bin" / "docker-compose"
    system_python = shutil.which("python3", path="/usr/bin")
    if system_python is None:
        pytest.fail("docker-compose 1.29 needs Debian's /usr/bin/python3")
    if not script.exists():
        if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
            pytest.fail("apt-get/dpkg not found: the static compose check needs a Debian host")
        debs = CACHE / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        got = subprocess.run(
            ["apt-get", "download", *COMPOSE_DEBS], cwd=debs, capture_output=True, text=True
        )
        if got.returncode != 0 and "Unable to locate" in got.stderr:
            subprocess.run(["apt-get", "update"], capture_output=True, check=True)
            got = subprocess.run(
                ["apt-get", "download", *COMPOSE_DEBS], cwd=debs, capture_output=True, text=True
            )
        assert got.returncode == 0, got.stderr
        staging = CACHE / "root.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        for deb in sorted(debs.glob("*.deb")):
            subprocess.run(["dpkg", "-x", str(deb), str(staging)], check=True)
        shutil.rmtree(root, ignore_errors=True)
        staging.rename(root)
    return [system_python, str(script)]


def run_compose_v1(compose_v1: list[str], folder: Path) -> subprocess.CompletedProcess:
    """`docker-compose config` on the files in `folder`, every profile enabled."""
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(CACHE / "root" / "usr" / "lib" / "python3" / "dist-packages"),
    }
    return subprocess.run(
        [*compose_v1, "--project-directory", str(folder), "-f", str(folder / "docker-compose.yml"),
         "--env-file", str(folder / ".env.example"), "--profile", "test", "--profile", "demo",
         "config"],
        capture_output=True, text=True, env=env, cwd=folder,
    )  # fmt: skip


def write_variant(tmp_path: Path, dep: Deployment) -> Path:
    """Put a (possibly broken) copy of the deployment files in a folder for docker-compose."""
    (tmp_path / "docker-compose.yml").write_text(dep.compose)
    (tmp_path / ".env.example").write_text(dep.env_example)
    (tmp_path / "Dockerfile").write_text(dep.dockerfile)
    return tmp_path


def mutate(text: str, old: str, new: str) -> str:
    """Replace `old` once; fail loudly if the file no longer contains it (the test would lie)."""
    assert text.count(old) >= 1, f"mutation target not found: {old!r}"
    return text.replace(old, new, 1)


def test_committed_files_pass_our_checks() -> None:
    assert check_deployment(Deployment.from_repo()) == []


def test_committed_files_pass_docker_compose_v1(compose_v1: list[str], tmp_path: Path) -> None:
    folder = write_variant(tmp_path, Deployment.from_repo())
    result = run_compose_v1(compose_v1, folder)
    assert result.returncode == 0, result.stderr
    # The normalised output has every service, with .env.example's values filled in.
    for service in ("postgres", "redis", "airflow-init", "airflow-apiserver", "airflow-scheduler",
                    "airflow-dag-processor", "airflow-triggerer", "airflow-worker", "mailpit",
                    "simulator", "simulator-connections"):  # fmt: skip
        assert f"\n  {service}:\n" in result.stdout
    assert "redis://:change-me-redis@redis:6379/0" in result.stdout
    assert not re.search(r"(?<!\$)\$\{", result.stdout), "a variable was left uninterpolated"


def test_compose_v1_rejects_a_broken_file(compose_v1: list[str], tmp_path: Path) -> None:
    dep = Deployment.from_repo()
    dep.compose = mutate(dep.compose, "    stop_grace_period: 5m\n",
                         "    stop_grace_period: 5m\n    bogus_key: 1\n")  # fmt: skip
    result = run_compose_v1(compose_v1, write_variant(tmp_path, dep))
    assert result.returncode != 0
    assert "bogus_key" in result.stderr


def test_compose_v1_rejects_a_missing_secret(compose_v1: list[str], tmp_path: Path) -> None:
    dep = Deployment.from_repo()
    dep.env_example = mutate(dep.env_example, "REDIS_PASSWORD=change-me-redis\n", "")
    result = run_compose_v1(compose_v1, write_variant(tmp_path, dep))
    assert result.returncode != 0
    assert "REDIS_PASSWORD" in result.stderr


# Each broken variant: (what is broken, file, old text, new text, expected problem fragment).
BROKEN = [
    ("unpinned image", "compose", "image: redis:7.0.15-bookworm", "image: redis:latest",
     "image redis:latest is not pinned"),
    ("image without tag", "compose", "image: postgres:15.10-bookworm", "image: postgres",
     "image postgres has no tag"),
    ("undeclared volume", "compose", "      - redis-data:/data\n", "      - redis-cache:/data\n",
     "volume redis-cache is not declared"),
    ("volume declared, never mounted", "compose", "  airflow-logs:\n",
     "  airflow-logs:\n  orphan-volume:\n", "volume orphan-volume is declared but no service"),
    ("missing healthcheck", "compose",
     '    healthcheck:\n      test: ["CMD", "python", "-c", "import urllib.request as u; '
     "u.urlopen('http://localhost:8974/health', timeout=5)\"]\n      interval: 30s\n"
     "      timeout: 10s\n      retries: 5\n      start_period: 60s\n",
     "", "service airflow-scheduler: no healthcheck"),
    ("healthcheck key misspelt", "compose",
     '    healthcheck:\n      test: ["CMD", "pg_isready"',
     '    healthcheck:\n      tests: ["CMD", "pg_isready"', "schema: services/postgres"),
    ("misspelt Airflow option", "compose", "AIRFLOW__CORE__PARALLELISM:",
     "AIRFLOW__CORE__PARALELLISM:", "AIRFLOW__CORE__PARALELLISM is not an Airflow"),
    ("option in the wrong section", "compose", "AIRFLOW__CELERY__WORKER_CONCURRENCY:",
     "AIRFLOW__CORE__WORKER_CONCURRENCY:", "AIRFLOW__CORE__WORKER_CONCURRENCY is not an"),
    ("command points at a missing file", "compose",
     "jcw deploy admin-user --username \"$$AIRFLOW_ADMIN_USERNAME\"",
     "python /opt/jcw/scripts/make_admin.py --username \"$$AIRFLOW_ADMIN_USERNAME\"",
     "/opt/jcw/scripts/make_admin.py does not exist"),
    ("wrong subcommand of our command line", "compose", "jcw deploy admin-user",
     "jcw deploy admin-usr", "'admin-usr' ist keine der möglichen Angaben"),
    ("Airflow subcommand that does not exist", "compose", '["airflow", "celery", "worker"]',
     '["airflow", "celery", "wrker"]', "is not an Airflow command"),
    ("misspelt Airflow CLI option", "compose", "airflow connections import --overwrite",
     "airflow connections import --overwrite-all", "is not an Airflow command"),
    ("module that does not exist", "compose", '"-m", "simulator", "serve"',
     '"-m", "simulatr", "serve"', "module simulatr does not exist"),
    ("depends on an unknown service", "compose", "    depends_on:\n      postgres:\n",
     "    depends_on:\n      postgresql:\n", "depends on unknown service postgresql"),
    ("a core service depends on a profile-only service", "compose",
     "    airflow-init:\n      condition: service_completed_successfully\n\nservices:",
     "    airflow-init:\n      condition: service_completed_successfully\n"
     "    mailpit:\n      condition: service_healthy\n\nservices:",
     "depends on mailpit, which only runs in a profile"),
    ("secret written into the file", "compose",
     "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}",
     "      POSTGRES_PASSWORD: hunter2", "POSTGRES_PASSWORD is written into the file"),
    ("execution API on a host that is no service", "compose", "http://airflow-apiserver:8080/exec",
     "http://airflow-api:8080/exec", "points at airflow-api, not a service"),
    ("broker on the wrong port", "compose", "@redis:6379/0", "@redis:6380/0",
     "AIRFLOW__CELERY__BROKER_URL uses port 6380"),
    ("published port is not the one the server listens on", "compose",
     '"${AIRFLOW_API_PORT:-8080}:8080"', '"${AIRFLOW_API_PORT:-8080}:8081"',
     "publishes container port 8081"),
    ("healthcheck on the wrong port", "compose",
     "u.urlopen('http://localhost:8080/api/v2/monitor/health'",
     "u.urlopen('http://localhost:8000/api/v2/monitor/health'",
     "healthcheck probes port 8000; nothing listens"),
    ("simulator probed on the wrong port", "compose", "('localhost', 8765)", "('localhost', 8766)",
     "healthcheck probes port 8766"),
    ("JCW variable nobody reads", "compose", "  JCW_DATA_DIR: /data\n",
     "  JCW_DATA_DIR: /data\n  JCW_DATADIR: /data\n", "JCW_DATADIR is set but no code reads it"),
    ("scheduler health server switched off", "compose",
     'AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK: "true"',
     'AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK: "false"', "health server is off"),
    ("no Celery worker", "compose", '["airflow", "celery", "worker"]', '["airflow", "scheduler"]',
     "CeleryExecutor but no `airflow celery worker`"),
    ("required variable missing from .env.example", "env",
     "AIRFLOW_JWT_SECRET=change-me-jwt-secret\n", "",
     "does not define the required variable AIRFLOW_JWT_SECRET"),
    ("real secret in .env.example", "env", "AIRFLOW_ADMIN_PASSWORD=change-me-admin-password",
     "AIRFLOW_ADMIN_PASSWORD=s3cr3t", "AIRFLOW_ADMIN_PASSWORD must be a change-me placeholder"),
    ("stale variable in .env.example", "env", "MAILPIT_UI_PORT=8025\n",
     "MAILPIT_UI_PORT=8025\nJCW_UNUSED=1\n", "defines JCW_UNUSED, which docker-compose.yml never"),
    # Who may log in: the FAB auth manager with personal accounts, nothing of the simple one.
    ("SimpleAuthManager in production", "compose", f"AIRFLOW__CORE__AUTH_MANAGER: {FAB}",
     f"AIRFLOW__CORE__AUTH_MANAGER: {SIMPLE}",
     f"AIRFLOW__CORE__AUTH_MANAGER is {SIMPLE}; production uses"),
    ("no auth manager: Airflow's default", "compose",
     f"  AIRFLOW__CORE__AUTH_MANAGER: {FAB}\n", "",
     "AIRFLOW__CORE__AUTH_MANAGER is not set (Airflow's default is the SimpleAuthManager)"),
    ("simple manager's user with a default password", "compose",
     "  AIRFLOW__CORE__EXECUTION_API_SERVER_URL:",
     "  AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: admin:admin\n"
     "  AIRFLOW__CORE__EXECUTION_API_SERVER_URL:",
     "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS configures the SimpleAuthManager"),
    ("everyone an admin", "compose", "  AIRFLOW__CORE__EXECUTION_API_SERVER_URL:",
     '  AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS: "true"\n'
     "  AIRFLOW__CORE__EXECUTION_API_SERVER_URL:",
     "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS configures the SimpleAuthManager"),
    ("anonymous access", "compose", "  AIRFLOW__CORE__EXECUTION_API_SERVER_URL:",
     "  AIRFLOW__FAB__AUTH_ROLE_PUBLIC: Viewer\n  AIRFLOW__CORE__EXECUTION_API_SERVER_URL:",
     "AIRFLOW__FAB__AUTH_ROLE_PUBLIC gives anonymous requests the role Viewer"),
    ("tokens in clear text", "compose", "  AIRFLOW__CORE__EXECUTION_API_SERVER_URL:",
     '  AIRFLOW__CORE__HIDE_SENSITIVE_VAR_CONN_FIELDS: "false"\n'
     "  AIRFLOW__CORE__EXECUTION_API_SERVER_URL:",
     "tokens would appear in clear text"),
    ("default admin password", "compose",
     "AIRFLOW_ADMIN_PASSWORD: ${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in .env}",
     "AIRFLOW_ADMIN_PASSWORD: ${AIRFLOW_ADMIN_PASSWORD:-admin}",
     "AIRFLOW_ADMIN_PASSWORD has a default value in docker-compose.yml"),
    ("admin password on a command line", "compose", "jcw deploy admin-user --username",
     'airflow users create --role Admin --password "$$AIRFLOW_ADMIN_PASSWORD" --username',
     "`airflow users create ...` has --password: no password on a command line"),
    ("generated shared admin password", "compose", "jcw deploy admin-user --username",
     "airflow users create --role Admin --use-random-password --username",
     "`airflow users create ...` has --use-random-password"),
    ("image without the FAB auth manager", "dockerfile",
     f"    AIRFLOW__CORE__AUTH_MANAGER={FAB} \\\n", "",
     f"the image does not set AIRFLOW__CORE__AUTH_MANAGER={FAB}"),
    ("image switched to the simple manager", "dockerfile",
     f"    AIRFLOW__CORE__AUTH_MANAGER={FAB} \\\n",
     f"    AIRFLOW__CORE__AUTH_MANAGER={SIMPLE} \\\n",
     "Dockerfile: configures the SimpleAuthManager"),
    ("unpinned base image", "dockerfile", "FROM python:3.11.11-slim-bookworm AS build",
     "FROM python:3-slim AS build", "image python:3-slim is not pinned"),
    ("no bytecode", "dockerfile", "UV_COMPILE_BYTECODE=1", "UV_COMPILE_BYTECODE=0",
     "UV_COMPILE_BYTECODE=1 is not set"),
    ("lock not enforced", "dockerfile", "uv sync --frozen --no-dev --no-install-project",
     "uv sync --no-dev --no-install-project", "not installed with `uv sync --frozen`"),
    ("copies a folder that does not exist", "dockerfile", "COPY --chown=50000:0 plugins/ plugins/",
     "COPY --chown=50000:0 plugin/ plugins/", "COPY plugin/: not in the repository"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "which", "old", "new", "expected"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_our_checks_reject_a_broken_variant(
    what: str, which: str, old: str, new: str, expected: str
) -> None:
    dep = Deployment.from_repo()
    attr = {"compose": "compose", "env": "env_example", "dockerfile": "dockerfile"}[which]
    setattr(dep, attr, mutate(getattr(dep, attr), old, new))
    problems = check_deployment(dep)
    assert any(expected in p for p in problems), f"{what}: {problems}"


def test_runbook_names_every_service_and_volume() -> None:
    """docs/operations.md documents what the compose file runs (names an operator types)."""
    import yaml

    spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    text = runbook.RUNBOOK.read_text()
    missing = [n for n in [*spec["services"], *spec["volumes"]] if f"`{n}`" not in text]
    assert missing == []


def test_runbook_commands_are_valid() -> None:
    """Each command an operator copies from the runbook parses with the real CLI."""
    from ingest.cli.main import build_parser as jcw_parser
    from tests.deploy.compose_check import _airflow_cli_error, _services_error

    commands = runbook.commands()
    assert len(commands) >= 15
    problems = []
    for argv in commands:
        if argv[0] == "airflow":
            error = _airflow_cli_error(argv[1:])
        elif argv[0] == "jcw":
            try:
                jcw_parser().parse_args(argv[1:])
                error = None
            except SystemExit as exc:
                error = f"exit {exc.code}"
        elif argv[1].endswith("prod_services.py"):
            error = _services_error(argv[2:])
        elif argv[1:3] == ["-m", "simulator"]:
            error = None
        else:
            error = None if argv[1] == "-c" else f"unexpected python command {argv}"
        if error:
            problems.append(f"{' '.join(argv)}: {error}")
    assert problems == []


# The commands the production e2e tests run (tests/deploy/test_production_e2e.py), each of
# which the runbook must show an operator.
E2E_COMMANDS = (
    "airflow db migrate",
    "jcw deploy admin-user --username",
    "airflow pools set duckdb_writer 1",
    "jcw deploy connections --from",
    "airflow connections import --overwrite",
    "airflow celery worker --concurrency 8",
    "airflow dags trigger jcw_collect --run-id rerun_",
    "prod_services.py start --root",
    # People and roles: the e2e tests run these runbook lines verbatim (runbook.command).
    "airflow users create --role Viewer",
    "airflow users create --role User",
    "airflow users list",
    "airflow users reset-password --username",
    "airflow users remove-role --username",
    "airflow users add-role --username",
    "airflow users delete --username",
    "/api/v2/eventLogs?",
)


def test_runbook_shows_the_commands_the_e2e_tests_run() -> None:
    text = runbook.RUNBOOK.read_text()
    assert [c for c in E2E_COMMANDS if c not in text] == []
    # And the e2e tests do run them: as an argv (the words side by side in one call or
    # list) or as the runbook's own line (runbook.command / runbook.url with that prefix).
    argvs, verbatim = e2e_commands.read(
        [REPO / "tests" / "deploy" / n for n in ("test_production_e2e.py", "test_prod_services.py")]
    )
    assert [c for c in E2E_COMMANDS if not e2e_commands.runs(c, argvs, verbatim)] == []
    # The check itself can fail: words of a command the tests do not run, or out of order.
    assert not e2e_commands.runs("airflow db downgrade", argvs, verbatim)
    assert not e2e_commands.runs("airflow migrate db", argvs, verbatim)
    assert not e2e_commands.runs("airflow pools set duckdb_writer 2", argvs, verbatim)


def test_every_user_management_command_of_the_runbook_is_run_by_the_e2e_tests() -> None:
    """No `airflow users ...` line in the runbook that the production tests do not run."""
    users = [" ".join(a) for a in runbook.commands() if a[:2] == ["airflow", "users"]]
    users += [" ".join(a) for a in runbook.commands() if a[:3] == ["jcw", "deploy", "admin-user"]]
    assert len(users) >= 7
    untested = [c for c in users if not any(c.startswith(p) for p in E2E_COMMANDS)]
    assert untested == []


def test_the_simulator_reaches_the_product_only_through_the_gateway() -> None:
    """Issue 14: the gateway is the only writer of the event inbox; the simulated
    jobcenters get no data volume, only their own credentials, issued by the product."""
    import yaml

    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    simulator = services["simulator"]
    assert [v.split(":")[0] for v in simulator["volumes"]] == ["simulator-credentials"]
    assert simulator["volumes"][0].endswith(":ro")
    assert "--notify-dir" not in simulator["command"]
    assert "--gateway-credentials" in simulator["command"]
    gateway = services["gateway"]
    assert gateway["command"][:3] == ["jcw", "gateway", "serve"]
    assert "jcw-data:/data" in gateway["volumes"] and "profiles" not in gateway
    issuer = services["gateway-credentials"]
    assert issuer["command"][:3] == ["jcw", "gateway", "credentials"]
    assert simulator["depends_on"] == {
        "gateway-credentials": {"condition": "service_completed_successfully"}
    }
