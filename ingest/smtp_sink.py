"""The embedded default's mail relay: a local SMTP server storing every message in a Maildir.

    python -m ingest.smtp_sink --host 127.0.0.1 --port 8025 --maildir data/mail

Runs until SIGTERM or SIGINT. Prints one line ``smtp_sink listening on HOST:PORT`` when ready.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def prepare_maildir(maildir: Path) -> Path:
    """Create the Maildir folders (tmp/new/cur); the Mailbox handler needs them to exist."""
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    return maildir


def serve(host: str, port: int, maildir: Path) -> None:
    """Serve SMTP on ``host:port`` until a termination signal arrives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox

    prepare_maildir(maildir)
    controller = Controller(Mailbox(str(maildir)), hostname=host, port=port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    try:
        print(f"smtp_sink listening on {host}:{port}, maildir {maildir}", flush=True)
        stop.wait()
    finally:
        controller.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.smtp_sink", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--maildir", type=Path, default=Path("data/mail"))
    args = parser.parse_args(argv)
    try:
        serve(args.host, args.port, args.maildir.resolve())
    except OSError as exc:
        print(f"smtp_sink: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
