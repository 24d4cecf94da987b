"""``jcw``: the operator's command line, one entry point for everything an operator runs.

    jcw fetch  --period 2026-10[..2026-12] [--jobcenter AGS ...]   fetch, land, then validate
    jcw backfill 2024-11..2026-10                                  every stage for a range
    jcw status --period 2026-10 [--today YYYY-MM-DD] [--json]      who is missing/rejected
    jcw check  FILE --jobcenter AGS --period 2026-10               validate one local file
    jcw validate   jcw build   jcw publish   jcw rebuild   jcw docs   jcw mail
    jcw report [--period 2026-10] [--no-pdf] [--out DIR]           the national report
    jcw smtp-sink   jcw deploy {admin-user,connections}
    jcw gateway {serve,key,secret}                                   the intake gateway

Errors print one line on stderr, never a stack trace. Exit codes: 0 ok, 1 the work found a
problem (a rejected file, failed fetches, a failed build, an unreadable file), 2 usage error
(an argument that is not what it must be, a fetch beyond the limit without --yes, a
JCW_DATA_DIR that is empty, not a directory or under a missing parent), 130 interrupted,
143 terminated (SIGTERM): a dbt started by the command is stopped with it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys

from ingest.cli import commands, deploy, gateway, pipeline
from ingest.cli.commands import UsageError
from ingest.cli.parser import GermanParser
from ingest.core import layout
from ingest.core.clock import InvalidDate
from ingest.core.errors import InvalidDataDir, InvalidKey, JcwError

# Commands that read or write the data directory: it is checked before they start.
_DATA_COMMANDS = frozenset(
    {
        "fetch",
        "backfill",
        "status",
        "check",
        "validate",
        "build",
        "publish",
        "rebuild",
        "docs",
        "mail",
        "report",
        "gateway",
    }
)


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like KeyboardInterrupt, so a running dbt is stopped too."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def _command(
    sub: argparse._SubParsersAction, name: str, help_: str, examples: list[str], func
) -> argparse.ArgumentParser:
    """A subcommand with its help line and its examples under ``jcw NAME --help``."""
    parser = sub.add_parser(
        name,
        help=help_,
        description=help_,
        epilog="Beispiele:\n" + "\n".join(f"  {e}" for e in examples),
    )
    parser.set_defaults(func=func)
    return parser


_PERIODS_HELP = "Berichtsmonat JJJJ-MM oder Bereich JJJJ-MM..JJJJ-MM (wiederholbar)"
_JSON_HELP = "eine JSON-Ausgabe für Skripte statt Text, ohne Fortschrittsbalken"


def _fetch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--jobcenter",
        action="append",
        metavar="AGS",
        help="nur dieses Jobcenter, fünfstelliger Kreisschlüssel (wiederholbar; "
        "Standard: alle 104), z. B. --jobcenter 05113",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=8,
        help="so viele Jobcenter gleichzeitig abrufen (Standard 8), z. B. --workers 16",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help=f"mehr als {commands.MAX_FETCH_MONTHS} Monate × alle Jobcenter auf einmal "
        "abrufen (Schutz vor Tippfehlern im Bereich)",
    )
    p.add_argument("--json", action="store_true", help=_JSON_HELP)


def _pipeline_commands(sub: argparse._SubParsersAction) -> None:
    f = _command(
        sub,
        "fetch",
        "Berichte abrufen, ablegen und prüfen",
        ["jcw fetch --period 2026-10", "jcw fetch --period 2026-07..2026-09 --jobcenter 05113"],
        pipeline.cmd_fetch,
    )
    f.add_argument("--period", action="append", required=True, help=_PERIODS_HELP)
    _fetch_options(f)

    b = _command(
        sub,
        "backfill",
        "alle Stufen für einen Zeitraum: abrufen, prüfen, Warehouse bauen, veröffentlichen "
        "(wiederaufnehmbar: ein zweiter Lauf setzt fort, wo der erste stand)",
        ["jcw backfill 2024-11..2026-10", "jcw backfill 2026-01..2026-06 --no-build --json"],
        pipeline.cmd_backfill,
    )
    b.add_argument(
        "range", metavar="VON..BIS", help="Monate JJJJ-MM..JJJJ-MM, z. B. 2025-01..2026-10"
    )
    _fetch_options(b)
    b.add_argument(
        "--no-build", action="store_true", help="nur abrufen und prüfen, kein Warehouse-Build"
    )


def _inspection_commands(sub: argparse._SubParsersAction) -> None:
    s = _command(
        sub,
        "status",
        "Stand jedes Jobcenters für einen Berichtsmonat",
        ["jcw status --period 2026-10", "jcw status --period 2026-10 --today 2026-11-21 --json"],
        commands.cmd_status,
    )
    s.add_argument("--period", required=True, help="Berichtsmonat JJJJ-MM, z. B. 2026-10")
    s.add_argument(
        "--today",
        metavar="JJJJ-MM-TT",
        help="Stichtag (Standard: JCW_TODAY, sonst heute in Berlin), z. B. --today 2026-11-21",
    )
    s.add_argument("--json", action="store_true", help=_JSON_HELP)

    c = _command(
        sub,
        "check",
        "eine Datei prüfen wie die Pipeline, ohne etwas abzulegen",
        ["jcw check bericht.csv --jobcenter 05113 --period 2026-10"],
        commands.cmd_check,
    )
    c.add_argument("file", metavar="DATEI", help="CSV- oder JSON-Datei, z. B. bericht.csv")
    c.add_argument("--jobcenter", required=True, metavar="AGS", help="Kreisschlüssel, z. B. 05113")
    c.add_argument("--period", required=True, help="Berichtsmonat JJJJ-MM, z. B. 2026-10")

    v = _command(
        sub,
        "validate",
        "jeden abgelegten, noch ungeprüften Bericht prüfen",
        ["jcw validate", "jcw validate --period 2026-10"],
        pipeline.cmd_validate,
    )
    v.add_argument("--period", action="append", help=_PERIODS_HELP + "; Standard: alle")
    v.add_argument("--json", action="store_true", help=_JSON_HELP)


def _warehouse_commands(sub: argparse._SubParsersAction) -> None:
    b = _command(
        sub,
        "build",
        "das Warehouse bauen (dbt) und den BI-Snapshot veröffentlichen",
        ["jcw build", "jcw build --period 2026-10 --no-publish"],
        pipeline.cmd_build,
    )
    b.add_argument("--period", action="append", help=_PERIODS_HELP + "; Standard: alle")
    b.add_argument(
        "--no-publish",
        dest="publish",
        action="store_false",
        help="nur bauen, den Snapshot nicht veröffentlichen",
    )
    b.add_argument("--json", action="store_true", help=_JSON_HELP)

    pub = _command(
        sub,
        "publish",
        "den letzten erfolgreichen Build als BI-Snapshot veröffentlichen",
        ["jcw publish"],
        pipeline.cmd_publish,
    )
    pub.add_argument("--json", action="store_true", help=_JSON_HELP)

    r = _command(
        sub,
        "rebuild",
        "das Warehouse löschen und aus den Dateien neu bauen, dann veröffentlichen",
        ["jcw rebuild"],
        pipeline.cmd_rebuild,
    )
    r.add_argument("--json", action="store_true", help=_JSON_HELP)

    _command(
        sub,
        "docs",
        "die dbt-Dokumentation erzeugen (eine Seite, öffnet aus dem Dateisystem)",
        ["jcw docs"],
        commands.cmd_docs,
    )

    n = _command(
        sub,
        "report",
        "der monatliche Bundesbericht (HTML, PDF, Profile je Jobcenter)",
        ["jcw report", "jcw report --period 2026-10 --no-pdf --out /tmp/bericht"],
        commands.cmd_report,
    )
    n.add_argument("--period", help="Berichtsmonat JJJJ-MM (Standard: der neueste veröffentlichte)")
    n.add_argument(
        "--out", metavar="ORDNER", help="Zielordner (Standard: data/docs/report/<Monat>)"
    )
    n.add_argument("--no-pdf", action="store_true", help="nur HTML, kein PDF")


def _mail_commands(sub: argparse._SubParsersAction) -> None:
    _command(sub, "mail", "wartende Mails zustellen", ["jcw mail"], commands.cmd_mail)

    k = _command(
        sub,
        "smtp-sink",
        "lokaler SMTP-Server, der Mails in einem Maildir ablegt (Entwicklung)",
        ["jcw smtp-sink --port 8025 --maildir data/mail"],
        commands.cmd_smtp_sink,
    )
    k.add_argument("--host", default="127.0.0.1", help="Adresse (Standard 127.0.0.1)")
    k.add_argument("--port", type=int, default=8025, help="Port (Standard 8025)")
    k.add_argument("--maildir", default="data/mail", help="Maildir-Ordner (Standard data/mail)")


def build_parser() -> argparse.ArgumentParser:
    p = GermanParser(
        prog="jcw",
        description="Nationales Warehouse der kommunalen Jobcenter: die Befehle des "
        "Betriebs. Hilfe und Beispiele je Befehl: jcw BEFEHL --help",
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="Protokoll: Wiederholungen, dbt-Ausgabe"
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=GermanParser)
    _pipeline_commands(sub)
    _inspection_commands(sub)
    _warehouse_commands(sub)
    _mail_commands(sub)
    deploy.add_parser(sub)
    gateway.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Console script entry point."""
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO if args.verbose else logging.ERROR)
    handler.setFormatter(logging.Formatter("jcw: %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=handler.level, handlers=[handler])
    with contextlib.suppress(ValueError):  # not the main thread (main() called by a test)
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        if args.command in _DATA_COMMANDS:
            layout.data_dir()
        return int(args.func(args))
    except (UsageError, InvalidDate, InvalidKey, InvalidDataDir) as exc:
        print(f"jcw: Fehler: {exc}", file=sys.stderr)
        return 2
    except (JcwError, deploy.DeployError) as exc:
        print(f"jcw: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("jcw: abgebrochen", file=sys.stderr)
        return 130
    except Terminated:
        print("jcw: beendet (SIGTERM)", file=sys.stderr)
        return 143
    except Exception as exc:  # one clear line, never a stack trace
        print(f"jcw: unerwarteter Fehler {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
