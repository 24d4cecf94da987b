"""The embedded default's mail relay: a local SMTP server storing every message in a Maildir.

    jcw smtp-sink --host 127.0.0.1 --port 8025 --maildir data/mail

Runs until SIGTERM or SIGINT. Prints one line ``smtp_sink listening on HOST:PORT`` when ready.
"""

from __future__ import annotations

import signal
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
