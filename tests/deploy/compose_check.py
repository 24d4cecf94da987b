"""Static checks of docker-compose.yml, the Dockerfile and .env.example against the repository.

There is no Docker engine where the tests run, so the deployment files are proven consistent
without one: `check_deployment` returns a list of plain-language problems (empty = consistent).
It knows the facts a reviewer would check by hand: every image tag pinned, every long-running
service health-checked, every named volume declared, every command pointing at a file, module
or CLI subcommand that exists, every Airflow option spelled as Airflow knows it, every variable
of the file defined in .env.example, no secret written into the file itself, and who may log
in: the FAB auth manager with personal accounts, never the development-only SimpleAuthManager,
anonymous access, a secret with a default value or a password on a command line.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).with_name("compose_schema.json")
# Where the Dockerfile puts the repository inside the image.
IMAGE_ROOT = "/opt/jcw"
# Directories whose code reads JCW_* variables (the product, not the tests).
CODE_DIRS = ("ingest", "dags", "plugins", "scripts")
SECRET_WORDS = ("PASSWORD", "SECRET", "FERNET", "TOKEN")
# Airflow's [scheduler] scheduler_health_check_server_port default.
SCHEDULER_HEALTH_PORT = "8974"
# The auth manager of production (docs/operations.md, "People and roles").
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
# Command-line options that carry a password (visible in `ps` and shell history).
PASSWORD_OPTIONS = ("-p", "--password", "--conn-password", "--use-random-password")

_VAR = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


class InterpolationError(ValueError):
    """A required variable (`${VAR:?message}`) is not set."""


def parse_env_file(text: str) -> dict[str, str]:
    """Parse a compose .env file: KEY=value lines, # comments, no quotes processing."""
    env: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if sep:
            env[key.strip()] = value
    return env


def variables(text: str) -> dict[str, str | None]:
    """Every variable the compose text interpolates, with its operator (None, '-', '?')."""
    found: dict[str, str | None] = {}
    for m in _VAR.finditer(text):
        name = m.group("name") or m.group("bare")
        if name:
            op = (m.group("op") or "").lstrip(":") or None
            if found.get(name) != "?":
                found[name] = op
    return found


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's interpolation on every string of a parsed file ($$ is a literal $)."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group("name") or m.group("bare")
        op, arg = m.group("op"), m.group("arg") or ""
        current = env.get(name)
        unset_or_empty = not current if op and op.startswith(":") else current is None
        if op and op.endswith("-"):
            return arg if unset_or_empty else current
        if op and op.endswith("?"):
            if unset_or_empty:
                raise InterpolationError(f"{name}: {arg}")
            return current
        return current or ""

    return _VAR.sub(repl, value)


@dataclass
class Deployment:
    """The three deployment files, as text, plus the repository they refer to."""

    compose: str
    env_example: str
    dockerfile: str
    repo: Path = REPO

    @classmethod
    def from_repo(cls, repo: Path = REPO) -> Deployment:
        return cls(
            compose=(repo / "docker-compose.yml").read_text(),
            env_example=(repo / ".env.example").read_text(),
            dockerfile=(repo / "Dockerfile").read_text(),
            repo=repo,
        )


def schema_problems(raw: dict) -> list[str]:
    """Validate the parsed (not yet interpolated) file against tests/deploy/compose_schema.json."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    return [
        f"schema: {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.path)))
    ]


def _airflow_options() -> dict[str, set[str]]:
    from airflow.configuration import conf

    return {
        section: set(body.get("options", {}))
        for section, body in conf.configuration_description.items()
    }


def _airflow_cli_error(argv: list[str]) -> str | None:
    """None if Airflow's CLI parser accepts `argv`, else its complaint."""
    import contextlib
    import io

    from airflow.cli.cli_parser import get_parser

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            get_parser().parse_args(argv)
    except SystemExit as exc:
        if exc.code:
            lines = [x for x in err.getvalue().splitlines() if "error" in x.lower()]
            return lines[-1] if lines else f"exit {exc.code}"
    return None


def _parser_error(parser, argv: list[str]) -> str | None:
    """The last line an argparse parser prints when it refuses ``argv``, or None."""
    import contextlib
    import io

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(argv)
    except SystemExit as exc:
        if exc.code:
            return err.getvalue().strip().splitlines()[-1]
    return None


def _services_error(argv: list[str]) -> str | None:
    """Why ``scripts/prod_services.py ARGV`` (harness/services.py) would refuse, or None."""
    from harness.services import build_parser

    return _parser_error(build_parser(), argv)


def _jcw_error(argv: list[str]) -> str | None:
    """Why ``jcw ARGV`` would refuse, or None."""
    from ingest.cli.main import build_parser

    return _parser_error(build_parser(), argv)


def _command_lines(service: dict) -> list[list[str]]:
    """The commands a service runs, each as argv (shell scripts split per line)."""
    entry, command = service.get("entrypoint"), service.get("command")
    entry = shlex.split(entry) if isinstance(entry, str) else list(entry or [])
    command = shlex.split(command) if isinstance(command, str) else list(command or [])
    argvs: list[list[str]] = []
    if entry[:2] == ["/bin/bash", "-c"] or entry[:2] == ["sh", "-c"]:
        scripts = command
    elif command[:2] in (["sh", "-c"], ["/bin/bash", "-c"]):
        scripts = command[2:]
    else:
        return [entry + command] if entry + command else []
    for script in scripts:
        for line in script.splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "set ", "for ", "case ", "done", "esac")):
                continue
            if line.startswith("exec "):
                line = line[len("exec ") :]
            argvs.append(shlex.split(line, comments=True))
    return argvs


def _check_argv(argv: list[str], where: str, repo: Path) -> list[str]:
    """Problems of one command line: unknown program, file, module or subcommand."""
    problems: list[str] = []
    prog = argv[0]
    if prog == "airflow":
        if error := _airflow_cli_error(argv[1:]):
            problems.append(f"{where}: `{' '.join(argv)}` is not an Airflow command: {error}")
    elif prog == "python":
        if argv[1:2] == ["-m"]:
            module = argv[2]
            local = repo / module.replace(".", "/")
            if not (local / "__main__.py").exists() and not local.with_suffix(".py").exists():
                if importlib.util.find_spec(module) is None:
                    problems.append(f"{where}: module {module} does not exist")
        elif argv[1:2] == ["-c"]:
            compile(argv[2], where, "exec")
        elif argv[1].startswith(IMAGE_ROOT + "/"):
            path = repo / argv[1][len(IMAGE_ROOT) + 1 :]
            if not path.is_file():
                problems.append(f"{where}: {argv[1]} does not exist in the repository")
            elif path.name == "prod_services.py":
                if error := _services_error(argv[2:]):
                    problems.append(f"{where}: `{' '.join(argv)}`: {error}")
        else:
            problems.append(f"{where}: python runs {argv[1]}, which is not in the image")
    elif prog == "jcw":
        if error := _jcw_error(argv[1:]):
            problems.append(f"{where}: `{' '.join(argv)}` is not a jcw command: {error}")
    elif prog == "celery":
        app = argv[argv.index("--app") + 1] if "--app" in argv else ""
        module = app.rpartition(".")[0]
        if not module or importlib.util.find_spec(module) is None:
            problems.append(f"{where}: celery app {app!r} cannot be imported")
    elif prog not in ("mkdir", "rm", "grep", "redis-server", "pg_isready", "redis-cli", "/mailpit"):
        problems.append(f"{where}: unknown program {prog!r}")
    return problems


def _image_problems(name: str, image: str) -> list[str]:
    ref = image.rsplit("/", 1)[-1]
    if "@sha256:" in image:
        return []
    if ":" not in ref:
        return [f"service {name}: image {image} has no tag (pin one)"]
    tag = ref.rsplit(":", 1)[1]
    if tag == "latest" or not re.search(r"\d+\.\d+", tag):
        return [f"service {name}: image {image} is not pinned to a version"]
    return []


def _env_vars_read_by_code(repo: Path) -> tuple[set[str], set[str]]:
    """JCW_* variables the product reads, and those it reads without a default."""
    read: set[str] = set()
    required: set[str] = set()
    for folder in CODE_DIRS:
        for path in (repo / folder).rglob("*.py"):
            text = path.read_text()
            read |= set(re.findall(r"[\"'](JCW_[A-Z0-9_]+)[\"']", text))
            required |= set(re.findall(r"os\.environ\[[\"'](JCW_[A-Z0-9_]+)[\"']\]", text))
    return read, required


def check_deployment(dep: Deployment) -> list[str]:
    """Every inconsistency between the deployment files and the repository, in plain words."""
    problems: list[str] = []
    try:
        raw = yaml.safe_load(dep.compose)
    except yaml.YAMLError as exc:
        return [f"docker-compose.yml is not valid YAML: {exc}"]
    problems += schema_problems(raw)
    if problems:
        return problems

    example = parse_env_file(dep.env_example)
    used = variables(dep.compose)
    for name, op in sorted(used.items()):
        if op == "?" and name not in example:
            problems.append(f".env.example does not define the required variable {name}")
    for name in sorted(set(example) - set(used)):
        problems.append(f".env.example defines {name}, which docker-compose.yml never uses")
    for name, value in sorted(example.items()):
        if any(w in name for w in SECRET_WORDS) and "change-me" not in value:
            problems.append(f".env.example: {name} must be a change-me placeholder, not a value")
    for m in _VAR.finditer(dep.compose):
        name, op = m.group("name"), m.group("op") or ""
        if name and any(w in name for w in SECRET_WORDS) and op.endswith("-"):
            problems.append(
                f"{name} has a default value in docker-compose.yml; a secret comes only from "
                f".env (use ${{{name}:?...}})"
            )
    try:
        spec = interpolate(raw, example)
    except InterpolationError as exc:
        return [*problems, f"interpolation with .env.example fails: {exc}"]

    services: dict[str, dict] = spec["services"]
    declared = set(spec.get("volumes") or {})
    mounted: set[str] = set()
    host_ports: dict[str, str] = {}
    options = _airflow_options()
    read_by_code, required_by_code = _env_vars_read_by_code(dep.repo)
    one_shots = {n for n, s in services.items() if s.get("restart") == "no"}

    for name, svc in services.items():
        where = f"service {name}"
        problems += _image_problems(name, svc["image"])
        if name not in one_shots and "healthcheck" not in svc:
            problems.append(f"{where}: no healthcheck")
        for dep_name, cond in (svc.get("depends_on") or {}).items():
            target = services.get(dep_name)
            if target is None:
                problems.append(f"{where}: depends on unknown service {dep_name}")
                continue
            if cond["condition"] == "service_healthy" and "healthcheck" not in target:
                problems.append(f"{where}: waits for {dep_name} to be healthy; it has no check")
            if cond["condition"] == "service_completed_successfully" and dep_name not in one_shots:
                problems.append(f"{where}: waits for {dep_name} to complete; it never exits")
            if target.get("profiles") and not set(target["profiles"]) & set(
                svc.get("profiles") or []
            ):
                problems.append(f"{where}: depends on {dep_name}, which only runs in a profile")
        for volume in svc.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                if source.startswith(".") and not (dep.repo / source).exists():
                    problems.append(f"{where}: bind mount {source} does not exist")
                continue
            mounted.add(source)
            if source not in declared:
                problems.append(f"{where}: volume {source} is not declared under volumes:")
        for port in svc.get("ports") or []:
            host, _, container = port.partition(":")
            if host in host_ports:
                problems.append(
                    f"{where}: host port {host} is also published by {host_ports[host]}"
                )
            host_ports[host] = name
            cmd = [str(c) for c in (svc.get("command") or [])]
            if "--port" in cmd and cmd[cmd.index("--port") + 1] != container.split("/")[0]:
                problems.append(f"{where}: publishes container port {container}, listens elsewhere")
        env = {k: "" if v is None else str(v) for k, v in (svc.get("environment") or {}).items()}
        for key, value in env.items():
            if key.startswith("AIRFLOW__"):
                _, section, option = key.lower().split("__", 2)
                if option not in options.get(section, set()):
                    problems.append(f"{where}: {key} is not an Airflow {section}.{option} option")
            if key.startswith("JCW_") and key not in read_by_code:
                problems.append(f"{where}: {key} is set but no code reads it")
            secret = any(w in key for w in SECRET_WORDS) and not key.endswith("_FILE")
            if secret and value and not _from_env(raw, name, key):
                problems.append(f"{where}: {key} is written into the file; take it from .env")
        if env.get("AIRFLOW_HOME") or any(k.startswith("AIRFLOW__") for k in env):
            for key in sorted(required_by_code - set(env)):
                problems.append(f"{where}: the code requires {key}, which is not set")
            problems += _airflow_wiring(name, env, services)
            problems += _auth_problems(where, env)
        for argv in _command_lines(svc):
            problems += _check_argv(argv, where, dep.repo)
            problems += _password_argv_problems(argv, where)
        for argv in _healthcheck_argvs(svc):
            problems += _check_argv(argv, f"{where} healthcheck", dep.repo)
            joined = " ".join(argv)
            if ":8974/" in joined and env.get("AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK") != "true":
                problems.append(f"{where}: healthcheck polls :8974 but the health server is off")
            cmd = [str(c) for c in svc.get("command") or []]
            listens = {cmd[cmd.index("--port") + 1]} if "--port" in cmd else set()
            listens.add(SCHEDULER_HEALTH_PORT)
            for port in re.findall(r"localhost\W{1,3}(\d{2,5})", joined):
                if port not in listens:
                    problems.append(f"{where}: healthcheck probes port {port}; nothing listens")
    for volume in sorted(declared - mounted):
        problems.append(f"volume {volume} is declared but no service mounts it")
    problems += dockerfile_problems(dep)
    return problems


def _from_env(raw: dict, service: str, key: str) -> bool:
    """True if the raw (uninterpolated) value of a variable comes from ${...}."""
    value = (raw["services"][service].get("environment") or {}).get(key)
    return isinstance(value, str) and "${" in value


def _healthcheck_argvs(svc: dict) -> list[list[str]]:
    test = (svc.get("healthcheck") or {}).get("test") or []
    if not test:
        return []
    if test[0] == "CMD":
        return [test[1:]]
    return [shlex.split(part) for part in re.split(r"\|", test[1])]


def _auth_problems(where: str, env: dict[str, str]) -> list[str]:
    """Who may log in: FAB with personal accounts; no simple manager, no anonymous role."""
    problems: list[str] = []
    for key in sorted(env):
        if "SIMPLE_AUTH_MANAGER" in key:
            problems.append(
                f"{where}: {key} configures the SimpleAuthManager, which is for development "
                "only; production uses the FAB auth manager with personal accounts"
            )
    manager = env.get("AIRFLOW__CORE__AUTH_MANAGER", "")
    if manager != FAB_AUTH_MANAGER:
        manager = manager or "not set (Airflow's default is the SimpleAuthManager)"
        problems.append(
            f"{where}: AIRFLOW__CORE__AUTH_MANAGER is {manager}; production uses {FAB_AUTH_MANAGER}"
        )
    if env.get("AIRFLOW__FAB__AUTH_ROLE_PUBLIC"):
        problems.append(
            f"{where}: AIRFLOW__FAB__AUTH_ROLE_PUBLIC gives anonymous requests the role "
            f"{env['AIRFLOW__FAB__AUTH_ROLE_PUBLIC']}; every request must log in"
        )
    if env.get("AIRFLOW__CORE__HIDE_SENSITIVE_VAR_CONN_FIELDS", "true").lower() in ("false", "0"):
        problems.append(
            f"{where}: AIRFLOW__CORE__HIDE_SENSITIVE_VAR_CONN_FIELDS is off: the jobcenters' "
            "tokens would appear in clear text in the UI and the API"
        )
    return problems


def _password_argv_problems(argv: list[str], where: str) -> list[str]:
    """A password on a command line (``ps``, history) or a generated shared one."""
    options = PASSWORD_OPTIONS if argv[:1] == ["airflow"] else PASSWORD_OPTIONS[1:]  # mkdir -p
    found = [a for a in argv if a.split("=", 1)[0] in options]
    if not found:
        return []
    return [
        f"{where}: `{' '.join(argv[:3])} ...` has {found[0].split('=', 1)[0]}: no password on a "
        "command line and no generated shared one (the first admin comes from .env through "
        "`jcw deploy admin-user`)"
    ]


def _airflow_wiring(name: str, env: dict[str, str], services: dict[str, dict]) -> list[str]:
    """The Airflow URLs point at services of this file, on the ports those services use."""
    problems: list[str] = []
    for key, default_port in (
        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", 5432),
        ("AIRFLOW__CELERY__BROKER_URL", 6379),
        ("AIRFLOW__CELERY__RESULT_BACKEND", 5432),
        ("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", 8080),
    ):
        if key not in env:
            if key != "AIRFLOW__CELERY__RESULT_BACKEND":
                problems.append(f"service {name}: {key} is not set")
            continue
        url = urlsplit(env[key])
        if url.hostname not in services:
            problems.append(f"service {name}: {key} points at {url.hostname}, not a service")
            continue
        target = services[url.hostname]
        cmd = [str(c) for c in target.get("command") or []]
        port = int(cmd[cmd.index("--port") + 1]) if "--port" in cmd else default_port
        if (url.port or default_port) != port:
            problems.append(f"service {name}: {key} uses port {url.port}, {url.hostname} {port}")
    if env.get("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor":
        workers = [s for s, v in services.items() if "celery" in map(str, v.get("command") or [])]
        if not workers:
            problems.append(f"service {name}: CeleryExecutor but no `airflow celery worker`")
    return problems


def dockerfile_problems(dep: Deployment) -> list[str]:
    """The Dockerfile pins its bases, installs the lock with bytecode, copies what exists."""
    problems: list[str] = []
    text = dep.dockerfile
    for m in re.finditer(r"^FROM\s+(\S+)", text, re.MULTILINE):
        problems += _image_problems("Dockerfile", m.group(1))
    if not re.search(r"UV_COMPILE_BYTECODE=1", text):
        problems.append("Dockerfile: UV_COMPILE_BYTECODE=1 is not set")
    syncs = re.findall(r"uv sync[^\n]*", text)
    if not syncs or any("--frozen" not in line for line in syncs):
        problems.append("Dockerfile: the environment is not installed with `uv sync --frozen`")
    for m in re.finditer(r"^COPY\s+(?!--from)(?:--\S+\s+)*(.+)$", text, re.MULTILINE):
        *sources, _dest = m.group(1).split()
        for source in sources:
            if not (dep.repo / source).exists():
                problems.append(f"Dockerfile: COPY {source}: not in the repository")
    instructions = re.sub(r"^\s*#.*$", "", text, flags=re.MULTILINE)
    if re.search(r"simple_?auth_?manager", instructions, re.IGNORECASE):
        problems.append(
            "Dockerfile: configures the SimpleAuthManager, which is for development only"
        )
    if not re.search(rf"\bAIRFLOW__CORE__AUTH_MANAGER={re.escape(FAB_AUTH_MANAGER)}(\s|$)", text):
        problems.append(
            f"Dockerfile: the image does not set AIRFLOW__CORE__AUTH_MANAGER={FAB_AUTH_MANAGER}"
        )
    for folder in ("dags", "plugins", "expectations", "dbt_project", "ingest"):
        if not re.search(rf"^COPY\s.*\b{folder}/", text, re.MULTILINE):
            problems.append(f"Dockerfile: {folder}/ is not copied into the image")
    return problems
