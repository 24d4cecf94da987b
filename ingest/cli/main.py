"""``jcw``: the operator's command line, one entry point for everything an operator runs.

    jcw fetch  --period 2026-10[..2026-12] [--jobcenter AGS ...]   fetch, land, then validate
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

from ingest.cli import commands, deploy, gateway
from ingest.cli.commands import UsageError
from ingest.core import layout
from ingest.core.clock import InvalidDate
from ingest.core.errors import InvalidDataDir, InvalidKey, JcwError

# Commands that read or write the data directory: it is checked before they start.
_DATA_COMMANDS = frozenset(
    {
        "fetch",
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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"jcw: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _pipeline_commands(sub: argparse._SubParsersAction) -> None:
    f = sub.add_parser("fetch", help="fetch and land reports, then validate them")
    f.add_argument("--period", action="append", required=True, help="YYYY-MM or YYYY-MM..YYYY-MM")
    f.add_argument("--jobcenter", action="append", help="Kreisschlüssel (repeatable; default all)")
    f.add_argument("--workers", type=int, default=8, help="parallel jobcenters (default 8)")
    f.add_argument(
        "--yes",
        action="store_true",
        help=f"fetch more than {commands.MAX_FETCH_MONTHS} months × every jobcenter at once",
    )
    f.set_defaults(func=commands.cmd_fetch)

    s = sub.add_parser("status", help="state of every jobcenter for one month")
    s.add_argument("--period", required=True)
    s.add_argument(
        "--today", help="reference date YYYY-MM-DD (default: JCW_TODAY, else today in Berlin)"
    )
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=commands.cmd_status)

    c = sub.add_parser("check", help="parse and validate one local file like the pipeline")
    c.add_argument("file")
    c.add_argument("--jobcenter", required=True)
    c.add_argument("--period", required=True)
    c.set_defaults(func=commands.cmd_check)

    v = sub.add_parser("validate", help="validate every landed report without a verdict")
    v.add_argument("--period", action="append")
    v.set_defaults(func=commands.cmd_validate)


def _warehouse_commands(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("build", help="build the warehouse (dbt) and publish the BI snapshot")
    b.add_argument("--period", action="append")
    b.add_argument(
        "--no-publish", dest="publish", action="store_false", help="build only, do not publish"
    )
    b.set_defaults(func=commands.cmd_build)

    pub = sub.add_parser("publish", help="publish the last green build as the BI snapshot")
    pub.set_defaults(func=commands.cmd_publish)

    r = sub.add_parser("rebuild", help="delete the warehouse and rebuild it from the files")
    r.set_defaults(func=commands.cmd_rebuild)

    d = sub.add_parser("docs", help="generate the dbt docs into data/docs/dbt")
    d.set_defaults(func=commands.cmd_docs)

    n = sub.add_parser("report", help="the monthly national report (HTML, PDF, profiles)")
    n.add_argument("--period", help="YYYY-MM (default: the latest published month)")
    n.add_argument("--out", help="output folder (default: data/docs/report/<period>)")
    n.add_argument("--no-pdf", action="store_true", help="HTML only")
    n.set_defaults(func=commands.cmd_report)


def _mail_commands(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser("mail", help="deliver pending alert mails")
    m.set_defaults(func=commands.cmd_mail)

    k = sub.add_parser("smtp-sink", help="local SMTP server storing mail in a Maildir")
    k.add_argument("--host", default="127.0.0.1")
    k.add_argument("--port", type=int, default=8025)
    k.add_argument("--maildir", default="data/mail")
    k.set_defaults(func=commands.cmd_smtp_sink)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jcw", description="National warehouse of the kommunale Jobcenter.")
    p.add_argument("-v", "--verbose", action="store_true", help="log retries and progress")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _pipeline_commands(sub)
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
        print(f"jcw: error: {exc}", file=sys.stderr)
        return 2
    except (JcwError, deploy.DeployError) as exc:
        print(f"jcw: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("jcw: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("jcw: terminated", file=sys.stderr)
        return 143
    except Exception as exc:  # one clear line, never a stack trace
        print(f"jcw: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
