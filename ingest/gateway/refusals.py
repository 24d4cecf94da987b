"""Every refusal of the gateway: HTTP status, a stable reason code and a German message.

The message is what a person at the jobcenter reads (in JSON as ``meldung``, or on a German
HTML page), so it says what was wrong and what to do; it never echoes a key or a secret.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ingest.core.german import fmt_int

MIB = 1024 * 1024


@dataclass
class Refusal(Exception):
    """A request the gateway does not carry out."""

    status: int
    reason: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, object]:
        return {"status": self.status, "fehler": self.reason, "meldung": self.message}


def unauthenticated() -> Refusal:
    return Refusal(
        401,
        "unauthenticated",
        "Nicht angemeldet: Der Lieferschlüssel fehlt oder ist ungültig. Bitte senden Sie den "
        "Schlüssel Ihres Jobcenters als »Authorization: Bearer <Schlüssel>«; einen neuen "
        "Schlüssel erhalten Sie bei der Zentrale.",
        {"WWW-Authenticate": 'Bearer realm="jcw"'},
    )


def wrong_jobcenter(path_ags: str) -> Refusal:
    return Refusal(
        403,
        "wrong_jobcenter",
        f"Dieser Lieferschlüssel gilt nicht für das Jobcenter {path_ags}. Jeder Schlüssel "
        "gilt nur für das eigene Jobcenter.",
    )


def unknown_jobcenter() -> Refusal:
    return Refusal(
        404,
        "unknown_jobcenter",
        "Unbekanntes Jobcenter: Der Kreisschlüssel in der Adresse ist kein kommunales "
        "Jobcenter (erwartet: fünf Ziffern, z. B. /v1/reports/05113/2026-10).",
    )


def unknown_period(reason: str) -> Refusal:
    return Refusal(
        422,
        "unknown_period",
        "Unbekannter Berichtsmonat: erwartet wird ein Monat JJJJ-MM ab 2005-01 bis zum "
        f"laufenden Monat ({reason}).",
    )


def too_large(limit: int) -> Refusal:
    return Refusal(
        413,
        "too_large",
        f"Die Datei ist zu groß: höchstens {fmt_int(limit // MIB)} MiB je Bericht. Ein "
        "Monatsbericht hat eine Zeile je Gemeinde und ist viel kleiner; bitte prüfen Sie, ob "
        "die richtige Datei gesendet wurde.",
    )


def unsupported_type(given: str) -> Refusal:
    return Refusal(
        415,
        "unsupported_type",
        f"Nicht unterstütztes Dateiformat ({given or 'ohne Content-Type'}). Erlaubt sind "
        "»text/csv« (UTF-8 mit Komma oder Windows-1252 mit Semikolon, charset angeben), "
        "»application/json« und für Excel-Arbeitsmappen "
        "»application/vnd.openxmlformats-officedocument.spreadsheetml.sheet«.",
    )


def too_many(retry_after: int) -> Refusal:
    return Refusal(
        429,
        "too_many_requests",
        f"Zu viele Anfragen mit diesem Schlüssel. Bitte versuchen Sie es in "
        f"{fmt_int(retry_after)} Sekunden erneut.",
        {"Retry-After": str(retry_after)},
    )


def bad_notice(reason: str, message: str, status: int = 401) -> Refusal:
    return Refusal(status, reason, message)


def internal() -> Refusal:
    return Refusal(
        500,
        "internal_error",
        "Die Lieferung konnte wegen eines Fehlers bei der Zentrale nicht verarbeitet werden. "
        "Die Zentrale ist informiert; bitte senden Sie die Datei später erneut.",
    )


def page(title: str, body_html: str) -> str:
    """A small German HTML page around ``body_html`` (already escaped)."""
    return (
        '<!doctype html>\n<html lang="de"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3rem .5rem;"
        "text-align:left;vertical-align:top}.abgelehnt{color:#a00}.angenommen{color:#060}"
        f"</style></head><body><h1>{html.escape(title)}</h1>\n{body_html}\n</body></html>\n"
    )


def refusal_page(refusal: Refusal) -> str:
    return page(
        f"Lieferung abgewiesen ({refusal.status})", f"<p>{html.escape(refusal.message)}</p>"
    )
