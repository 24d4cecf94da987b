"""The feedback on a pushed report: the verdict document as the jobcenter reads it.

JSON (:func:`as_json`): verdict, revision, sha256 and every finding, one entry per place it
broke (rule, severity, row as delivered, ``line`` as the jobcenter's spreadsheet numbers it,
Gemeinde, column, value, German message, ``fix_de`` what to do). HTML (:func:`as_html`): the
same as a German page.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from ingest.core.findings import column_label, describe_ref
from ingest.core.german import count, fmt_int, month_name
from ingest.core.rules import fix_text
from ingest.gateway import attempts
from ingest.gateway.refusals import page

VERDICT_DE = {"accepted": "angenommen", "rejected": "abgelehnt"}


def _entries(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for f in findings:
        base = {
            "rule": f["rule"],
            "severity": f["severity"],
            "message": f["message"],
            "fix_de": fix_text(f["rule"]),
        }
        refs = f.get("rows") or [{}]
        for ref in refs:
            described = describe_ref({"row": None, "column": None, **ref})
            out.append(
                {
                    **base,
                    "row": ref.get("row"),
                    "line": ref.get("line"),
                    "gemeinde_ags": ref.get("gemeinde_ags"),
                    "gemeinde_name": ref.get("gemeinde_name"),
                    "column": ref.get("column"),
                    "value": ref.get("value"),
                    "where_de": described["where"],
                    "value_de": described["value"],
                }
            )
    return out


def as_json(verdict: dict[str, Any], *, is_new: bool) -> dict[str, Any]:
    """The feedback document of a verdict file."""
    accepted = verdict["verdict"] == "accepted"
    findings = _entries(verdict.get("findings") or [])
    warnings = _entries(verdict.get("warnings") or [])
    if accepted:
        message = f"Der Bericht wurde angenommen ({count(len(warnings), 'Hinweis', 'Hinweise')})."
    else:
        message = (
            f"Der Bericht wurde abgelehnt ({count(len(findings), 'Befund', 'Befunde')}). Bitte "
            "korrigieren Sie die genannten Zeilen und senden Sie die Datei erneut."
        )
    if not is_new:
        message += " Diese Datei war bereits eingegangen (gleicher Inhalt, gleiche Revision)."
    return {
        "kreis_ags": verdict["kreis_ags"],
        "period": verdict["period"],
        "revision": verdict["revision"],
        "sha256": verdict["sha256"],
        "verdict": verdict["verdict"],
        "verdict_de": VERDICT_DE.get(verdict["verdict"], verdict["verdict"]),
        "new_revision": is_new,
        "message": message,
        "findings": findings,
        "warnings": warnings,
    }


def _table(entries: list[dict[str, Any]]) -> str:
    head = "<tr><th>Wo</th><th>Gemeinde</th><th>Spalte</th><th>Wert</th><th>Befund</th>"
    head += "<th>Was zu tun ist</th></tr>"
    rows = []
    for e in entries:
        gemeinde = " ".join(str(p) for p in (e["gemeinde_ags"], e["gemeinde_name"]) if p)
        column = column_label(e["column"]) if e["column"] else ""
        cells = (e["where_de"], gemeinde, column, e["value_de"], e["message"])
        cells += (e["fix_de"] or "",)
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c or ''))}</td>" for c in cells))
    return f"<table>{head}{''.join(r + '</tr>' for r in rows)}</table>"


def as_html(feedback: dict[str, Any]) -> str:
    """The feedback as a German page."""
    title = f"Rückmeldung: Jobcenter {feedback['kreis_ags']}, {month_name(feedback['period'])}"
    return page(title, section_html(feedback))


def section_html(feedback: dict[str, Any]) -> str:
    """The feedback's verdict, revision and findings as HTML (escaped), for a page."""
    verdict = feedback["verdict_de"]
    parts = [
        f'<p class="{verdict}"><strong>{html.escape(verdict.capitalize())}</strong>: '
        f"{html.escape(feedback['message'])}</p>",
        f"<p>Revision {fmt_int(feedback['revision'])}, SHA-256 "
        f"<code>{feedback['sha256']}</code></p>",
    ]
    if feedback["findings"]:
        parts += ["<h2>Befunde</h2>", _table(feedback["findings"])]
    if feedback["warnings"]:
        parts += ["<h2>Hinweise</h2>", _table(feedback["warnings"])]
    return "\n".join(parts)


def answer(delivery: Any, now: datetime, seen: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The feedback document of a push and its HTTP status (201 new and accepted, 200 known
    bytes, 422 rejected), the attempt recorded."""
    doc = as_json(delivery.verdict, is_new=delivery.is_new)
    status = 422 if doc["verdict"] != "accepted" else (201 if delivery.is_new else 200)
    attempts.record(
        now,
        status=status,
        reason=doc["verdict"],
        revision=doc["revision"],
        sha256=doc["sha256"],
        verdict=doc["verdict"],
        findings=len(doc["findings"]),
        **seen,
    )
    return doc, status
