"""``jcw gateway``: run the intake gateway and issue its credentials.

    jcw gateway serve [--host 127.0.0.1] [--port 8090]     the HTTP service (uvicorn)
    jcw gateway key AGS [--revoke]                          a delivery key (printed once)
    jcw gateway secret AGS                                  a signing secret for notices

A jobcenter has at most two valid keys (and two secrets): issuing a third retires the
oldest, so a new key can be rolled out before the old one stops; ``--revoke`` retires all.
"""

from __future__ import annotations

import argparse

from ingest.core import keys
from ingest.core.clock import utc_now


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ingest.gateway.app import create_app

    print(f"Annahmestelle (Gateway) auf http://{args.host}:{args.port}/ (Strg+C beendet)")
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    from ingest.gateway import credentials

    ags = keys.registered_ags(args.kreis_ags)
    if args.revoke:
        n = credentials.revoke_keys(ags)
        print(f"Jobcenter {ags}: {n} Lieferschlüssel zurückgezogen")
        return 0
    key = credentials.issue_key(ags, utc_now())
    print(
        f"Jobcenter {ags}: neuer Lieferschlüssel (wird nur jetzt angezeigt; höchstens "
        f"{credentials.MAX_VALID} gelten zugleich, der älteste entfällt): {key}"
    )
    return 0


def cmd_secret(args: argparse.Namespace) -> int:
    from ingest.gateway import credentials

    ags = keys.registered_ags(args.kreis_ags)
    secret = credentials.issue_secret(ags, utc_now())
    print(f"Jobcenter {ags}: neues Signaturgeheimnis für Meldungen: {secret}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("gateway", help="the intake gateway: serve, delivery keys, secrets")
    gsub = g.add_subparsers(dest="gateway_command", required=True, parser_class=type(g))
    s = gsub.add_parser("serve", help="run the gateway (data dir from JCW_DATA_DIR)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8090)
    s.set_defaults(func=cmd_serve)
    k = gsub.add_parser("key", help="issue a delivery key (shown once, the last word)")
    k.add_argument("kreis_ags")
    k.add_argument("--revoke", action="store_true", help="retire every key of the jobcenter")
    k.set_defaults(func=cmd_key)
    c = gsub.add_parser("secret", help="issue a signing secret for notices")
    c.add_argument("kreis_ags")
    c.set_defaults(func=cmd_secret)
