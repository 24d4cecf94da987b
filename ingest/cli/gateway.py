"""``jcw gateway``: run the intake gateway and issue its credentials.

    jcw gateway serve [--host 127.0.0.1] [--port 8090]     the HTTP service (uvicorn)
    jcw gateway key AGS [--revoke]                          a delivery key (printed once)
    jcw gateway secret AGS                                  a signing secret for notices
    jcw gateway credentials --out FILE [--push AGS ...]     both, for a simulated world

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


def cmd_credentials(args: argparse.Namespace) -> int:
    """Issue a key to every ``--push`` jobcenter and a secret to every other one, into one
    file (mode 0600) that the simulator reads: the simulated jobcenters' own copies."""
    import json
    import os
    from pathlib import Path

    from ingest.core import registry
    from ingest.gateway import credentials

    push = sorted({keys.registered_ags(a) for a in args.push or []})
    now = utc_now()
    doc = {
        "gateway": args.gateway,
        "keys": {ags: credentials.issue_key(ags, now) for ags in push},
        "secrets": {
            ags: credentials.issue_secret(ags, now)
            for ags in sorted(registry.by_ags())
            if ags not in push
        },
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    print(
        f"{len(doc['keys'])} Lieferschlüssel und {len(doc['secrets'])} Signaturgeheimnisse "
        f"ausgegeben nach {out}"
    )
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser(
        "gateway", help="das Eingangs-Gateway: Dienst, Lieferschlüssel, Signaturgeheimnisse"
    )
    gsub = g.add_subparsers(dest="gateway_command", required=True, parser_class=type(g))
    s = gsub.add_parser("serve", help="das Gateway starten (Datenordner aus JCW_DATA_DIR)")
    s.add_argument("--host", default="127.0.0.1", help="Adresse (Standard 127.0.0.1)")
    s.add_argument("--port", type=int, default=8090, help="Port (Standard 8090)")
    s.set_defaults(func=cmd_serve)
    k = gsub.add_parser(
        "key", help="einen Lieferschlüssel ausgeben (einmal gezeigt, das letzte Wort)"
    )
    k.add_argument("kreis_ags", metavar="AGS", help="Kreisschlüssel, z. B. 05113")
    k.add_argument(
        "--revoke", action="store_true", help="alle Schlüssel des Jobcenters zurückziehen"
    )
    k.set_defaults(func=cmd_key)
    c = gsub.add_parser("secret", help="ein Signaturgeheimnis für Meldungen ausgeben")
    c.add_argument("kreis_ags", metavar="AGS", help="Kreisschlüssel, z. B. 05113")
    c.set_defaults(func=cmd_secret)
    w = gsub.add_parser(
        "credentials", help="Schlüssel und Geheimnisse für eine simulierte Welt, eine Datei"
    )
    w.add_argument("--out", required=True, help="Datei für die Seite der Jobcenter (Modus 0600)")
    w.add_argument("--push", action="append", help="Jobcenter, das hochlädt (wiederholbar)")
    w.add_argument(
        "--gateway", default="http://127.0.0.1:8090", help="URL des Gateways in der Datei"
    )
    w.set_defaults(func=cmd_credentials)
