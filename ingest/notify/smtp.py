"""SMTP settings from the Airflow connection ``smtp_default``, and opening a session.

The connection comes from the environment variable ``AIRFLOW_CONN_SMTP_DEFAULT`` (URI or
JSON), else from Airflow's connection lookup inside a task. TLS is verified whenever used.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ingest.core import settings


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    login: str | None
    password: str | None
    use_ssl: bool
    use_starttls: bool
    from_email: str
    timeout: float

    def __repr__(self) -> str:  # never show the password
        return f"SmtpSettings(host={self.host!r}, port={self.port}, ssl={self.use_ssl})"


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def smtp_settings() -> SmtpSettings:
    """Settings of the ``smtp_default`` connection (env var first, then Airflow)."""
    raw = os.environ.get(f"AIRFLOW_CONN_{settings.SMTP_CONN_ID.upper()}")
    if raw:
        raw = raw.strip()
        if raw.startswith("{"):
            doc = json.loads(raw)
            extra = doc.get("extra") or {}
            if isinstance(extra, str):
                extra = json.loads(extra)
            host, port = doc.get("host"), doc.get("port")
            login, password = doc.get("login"), doc.get("password")
        else:
            parts = urlsplit(raw)
            extra = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            host, port = parts.hostname, parts.port
            login = unquote(parts.username) if parts.username else None
            password = unquote(parts.password) if parts.password else None
    else:
        try:
            from airflow.sdk import BaseHook

            conn = BaseHook.get_connection(settings.SMTP_CONN_ID)
        except Exception as exc:
            raise RuntimeError(
                f"no SMTP connection {settings.SMTP_CONN_ID!r} configured ({type(exc).__name__})"
            ) from None
        extra = conn.extra_dejson or {}
        host, port, login, password = conn.host, conn.port, conn.login, conn.password
    if not host:
        raise RuntimeError(f"SMTP connection {settings.SMTP_CONN_ID!r} has no host")
    use_ssl = not _truthy(extra.get("disable_ssl", False))
    return SmtpSettings(
        host=str(host),
        port=int(port or (465 if use_ssl else 25)),
        login=login or None,
        password=password or None,
        use_ssl=use_ssl,
        use_starttls=not _truthy(extra.get("disable_tls", False)) and not use_ssl,
        from_email=str(extra.get("from_email") or settings.MAIL_FROM),
        timeout=float(extra.get("timeout", 10)),
    )


def open_smtp(cfg: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if cfg.use_ssl:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            cfg.host, cfg.port, timeout=cfg.timeout, context=context
        )
    else:
        server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        if cfg.use_starttls:
            server.starttls(context=context)
    if cfg.login:
        server.login(cfg.login, cfg.password or "")
    return server
