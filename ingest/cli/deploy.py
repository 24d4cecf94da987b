"""``jcw deploy``: the steps the production image and docker-compose.yml run at start-up.

jcw deploy admin-user --username U --email E --firstname F --lastname L
    creates the first administrator, a named person's account with the FAB role Admin, with
    the password taken from the environment variable AIRFLOW_ADMIN_PASSWORD (never from a
    command line); an account that exists already is left as it is;
jcw deploy connections --out FILE  < lines
    turns ``AIRFLOW_CONN_JC_<AGS>=<json>`` lines (e.g. from ``python -m simulator
    connections``) into a file for ``airflow connections import``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

# The FAB role of the first administrator (docs/operations.md, "People and roles").
ADMIN_ROLE = "Admin"
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class DeployError(RuntimeError):
    """A deployment step could not be done; the message says which and why."""


def _write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only, atomically (temp name, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def create_admin_user(
    username: str, email: str, firstname: str, lastname: str, password: str
) -> str:
    """Create ``username`` with the role Admin unless the account exists; Airflow's answer.

    Runs Airflow's own ``airflow users create`` in this process, so the password is on no
    process's command line (``ps``) and in no shell history. An existing account keeps its
    roles and password: this is the first administrator, not a password reset.
    """
    if not password:
        raise DeployError("AIRFLOW_ADMIN_PASSWORD is empty; set it in .env")
    if not _USERNAME.fullmatch(username):
        raise DeployError(f"{username!r} is not a user name (letters, digits, . _ @ -)")
    if "@" not in email.strip("@"):
        raise DeployError(f"{email!r} is not an e-mail address")
    from airflow.cli.cli_parser import get_parser

    args = get_parser().parse_args(
        ["users", "create", "--role", ADMIN_ROLE, "--username", username, "--email", email,
         "--firstname", firstname, "--lastname", lastname, "--password", password]
    )  # fmt: skip
    answer = io.StringIO()
    try:
        with contextlib.redirect_stdout(answer):
            args.func(args)
    except SystemExit as exc:
        raise DeployError(f"airflow users create: {exc}") from None
    return answer.getvalue().strip()


def connections_import_file(lines: str) -> dict[str, dict]:
    """Turn `AIRFLOW_CONN_JC_<AGS>=<json>` lines into `{"jc_<ags>": {...}}` for import."""
    connections: dict[str, dict] = {}
    for number, line in enumerate(lines.splitlines(), 1):
        key, sep, value = line.strip().partition("=")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not sep or not key.startswith("AIRFLOW_CONN_"):
            raise DeployError(f"line {number}: expected AIRFLOW_CONN_<ID>=<json>, got {key!r}")
        try:
            conn = json.loads(value.strip().strip("'"))
        except ValueError:
            raise DeployError(f"line {number}: {key} does not hold a JSON connection") from None
        connections[key.removeprefix("AIRFLOW_CONN_").lower()] = conn
    if not connections:
        raise DeployError("no connection lines found")
    return connections


def cmd_admin_user(args: argparse.Namespace) -> int:
    password = os.environ.get("AIRFLOW_ADMIN_PASSWORD", "")
    print(create_admin_user(args.username, args.email, args.firstname, args.lastname, password))
    return 0


def cmd_connections(args: argparse.Namespace) -> int:
    try:
        lines = sys.stdin.read() if str(args.source) == "-" else args.source.read_text()
    except OSError as exc:
        raise DeployError(f"cannot read {args.source}: {exc.strerror or exc}") from None
    connections = connections_import_file(lines)
    _write_private(args.out, json.dumps(connections, indent=1) + "\n")
    print(f"{len(connections)} connections written to {args.out}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """``jcw deploy ...``."""
    d = sub.add_parser("deploy", help="Schritte der Bereitstellung (Image und docker-compose)")
    steps = d.add_subparsers(dest="step", required=True, parser_class=type(d))
    p = steps.add_parser(
        "admin-user", help="den ersten Admin anlegen (Passwort aus $AIRFLOW_ADMIN_PASSWORD)"
    )
    p.add_argument("--username", required=True, help="Benutzername der Person")
    p.add_argument("--email", required=True)
    p.add_argument("--firstname", required=True)
    p.add_argument("--lastname", required=True)
    p.set_defaults(func=cmd_admin_user)
    p = steps.add_parser(
        "connections", help="AIRFLOW_CONN_*-Zeilen in eine Importdatei für Verbindungen schreiben"
    )
    p.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=Path("-"),
        help="Zeilen (Standard - = Standardeingabe)",
    )
    p.add_argument("--out", type=Path, required=True, help="Datei für airflow connections import")
    p.set_defaults(func=cmd_connections)
