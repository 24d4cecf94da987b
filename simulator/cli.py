"""Command line: ``python -m simulator serve|truth|connections|registry``."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from simulator.registry import registry_csv
from simulator.server import connection_env, serve
from simulator.service import Simulator


def load_scenario(path: Path | None) -> list[dict[str, Any]]:
    """The fault list of a scenario YAML file ``{faults: [...]}`` (empty without a file)."""
    if path is None:
        return []
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(doc.get("faults") or [])


def _simulator(args: argparse.Namespace) -> Simulator:
    gateway = None
    if getattr(args, "gateway_credentials", None) is not None:
        from simulator.gateway import GatewayClient

        gateway = GatewayClient.from_file(args.gateway_credentials, args.gateway)
    return Simulator(
        gateway=gateway,
        seed=args.seed,
        scale=args.scale,
        today=getattr(args, "today", None),
        faults=load_scenario(getattr(args, "scenario", None)),
    )


def _connections_from_server(base_url: str) -> dict[str, str] | None:
    """Ask a running simulator (it knows runtime faults and its black hole)."""
    url = f"{base_url.rstrip('/')}/admin/connections?base_url={base_url.rstrip('/')}"
    if not url.startswith(("http://", "https://")):
        return None
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - scheme checked
            return json.load(resp)
    except (OSError, urllib.error.URLError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seed", type=int, default=42)
        p.add_argument(
            "--scale", type=int, default=1, help="104 * scale jobcenters (scale-1 synthetic copies)"
        )

    p_serve = sub.add_parser("serve", help="run the HTTP server")
    common(p_serve)
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8765)
    p_serve.add_argument("--today", type=date.fromisoformat, default=None)
    p_serve.add_argument("--scenario", type=Path, default=None)
    p_serve.add_argument(
        "--gateway-credentials",
        type=Path,
        default=None,
        help="JSON from `jcw gateway credentials`: publications are pushed or announced to "
        "the product's gateway over HTTP (without it, jobcenters only serve their reports)",
    )
    p_serve.add_argument("--gateway", default=None, help="gateway URL (default: from the file)")
    p_serve.add_argument("--verbose", action="store_true", help="log every request")

    p_truth = sub.add_parser("truth", help="print the ground truth of a period as JSON")
    common(p_truth)
    p_truth.add_argument("--period", required=True)
    p_truth.add_argument("--today", type=date.fromisoformat, default=None)
    p_truth.add_argument("--scenario", type=Path, default=None)

    p_conn = sub.add_parser("connections", help="print AIRFLOW_CONN_JC_<AGS>=... lines")
    common(p_conn)
    p_conn.add_argument("--base-url", default="http://127.0.0.1:8765")
    p_conn.add_argument("--scenario", type=Path, default=None)
    p_conn.add_argument(
        "--offline",
        action="store_true",
        help="do not ask a running simulator (no black hole addresses)",
    )

    p_reg = sub.add_parser("registry", help="write a registry CSV with synthetic jobcenters")
    common(p_reg)
    p_reg.add_argument("--output", type=Path, default=None, help="file (default: stdout)")

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (ValueError, yaml.YAMLError, OSError) as e:
        parser.error(str(e))


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        serve(_simulator(args), args.host, args.port, quiet=not args.verbose)
    elif args.command == "truth":
        json.dump(_simulator(args).truth(args.period), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.command == "connections":
        env = None if args.offline else _connections_from_server(args.base_url)
        if env is None:
            env = connection_env(_simulator(args), args.base_url.rstrip("/"), None)
        for name, value in env.items():
            print(f"{name}={shlex.quote(value)}")
    elif args.command == "registry":
        text = registry_csv(args.seed, args.scale)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    return 0
