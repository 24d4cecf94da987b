"""The words for where a report stands: one set, used by status, warehouse, report and mails.

States (``submission_status.status`` in the warehouse, ``StatusRow.state`` in ``jcw status``):

- ``accepted``: the latest revision was accepted;
- ``correction_rejected``: accepted, but a later correction was rejected; the accepted
  revision stays valid and the figures come from it;
- ``rejected``: the latest revision was rejected and none was accepted;
- ``received``: landed, not validated yet;
- ``missing``: nothing landed (with the reason: not published yet, or a fetch failure).

Timeliness is :mod:`ingest.core.timeliness`. What people read names the German word with the
machine code in parentheses (:func:`labelled`).
"""

from __future__ import annotations

STATES = ("accepted", "correction_rejected", "rejected", "received", "missing")

STATES_DE = {
    "accepted": "angenommen",
    "correction_rejected": "angenommen, Korrektur abgelehnt",
    "rejected": "abgelehnt",
    "received": "eingegangen, ungeprüft",
    "missing": "fehlt",
}

TIMELINESS_DE = {
    "on_time": "pünktlich",
    "late": "verspätet",
    "overdue": "überfällig",
    "not_due": "noch nicht fällig",
}

# What one fetch of one report came to (``fetch_log`` outcomes).
FETCH_OUTCOMES_DE = {
    "landed": "neu abgelegt",
    "unchanged": "unverändert",
    "not_published": "noch nicht veröffentlicht",
    "failed": "fehlgeschlagen",
}

# Why a fetch found no report (``FetchError.kind``, ``last_fetch_failure_kind``).
FETCH_FAILURES_DE = {
    "not_published": "noch nicht veröffentlicht",
    "no_credentials": "keine Zugangsdaten hinterlegt",
    "unauthorized": "Zugang verweigert",
    "timeout": "Zeitüberschreitung",
    "connection": "keine Verbindung",
    "server_error": "Serverfehler",
    "unexpected_status": "unerwartete HTTP-Antwort",
    "unexpected_content": "unerwarteter Inhalt",
    "redirect_refused": "Weiterleitung abgelehnt",
    "too_large": "Bericht zu groß",
    "internal": "interner Fehler",
}


def labelled(code: str | None, words: dict[str, str]) -> str:
    """``noch nicht veröffentlicht (not_published)``; the bare code when it has no word."""
    if not code:
        return "–"
    word = words.get(code)
    return f"{word} ({code})" if word else code
