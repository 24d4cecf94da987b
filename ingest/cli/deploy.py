"""``jcw deploy``: the steps the production image and docker-compose.yml run at start-up.

jcw deploy admin-password --file PASSWORDS_JSON
    writes the SimpleAuthManager passwords file with the admin password taken from the
    environment variable AIRFLOW_ADMIN_PASSWORD (never from the command line);
jcw deploy connections --out FILE  < lines
    turns ``AIRFLOW_CONN_JC_<AGS>=<json>`` lines (e.g. from ``python -m simulator
    connections``) into a file for ``airflow connections import``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


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


def write_admin_password(path: Path, password: str, user: str = "admin") -> None:
    """Store the SimpleAuthManager password of `user` in its passwords file (mode 0600)."""
    if not password:
        raise DeployError("AIRFLOW_ADMIN_PASSWORD is empty; set it in .env")
    passwords = json.loads(path.read_text() or "{}") if path.exists() else {}
    passwords[user] = password
    _write_private(path, json.dumps(passwords) + "\n")


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


def cmd_admin_password(args: argparse.Namespace) -> int:
    write_admin_password(args.file, os.environ.get("AIRFLOW_ADMIN_PASSWORD", ""))
    print(f"admin password stored in {args.file}")
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
    d = sub.add_parser("deploy", help="deployment steps run by the image and docker-compose")
    steps = d.add_subparsers(dest="step", required=True, parser_class=type(d))
    p = steps.add_parser("admin-password", help="write $AIRFLOW_ADMIN_PASSWORD to the file")
    p.add_argument("--file", type=Path, required=True, help="SimpleAuthManager passwords file")
    p.set_defaults(func=cmd_admin_password)
    p = steps.add_parser("connections", help="AIRFLOW_CONN_* lines -> connections import file")
    p.add_argument(
        "--from", dest="source", type=Path, default=Path("-"), help="lines (default - = stdin)"
    )
    p.add_argument("--out", type=Path, required=True, help="file for airflow connections import")
    p.set_defaults(func=cmd_connections)
