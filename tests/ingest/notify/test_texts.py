"""The German of the mails: plural rules, month names, dates, one closing (pure texts)."""

from __future__ import annotations

from datetime import date

from ingest.notify import texts

PERIOD = "2026-10"


def _verdict(ags: str, warnings: int) -> dict:
    warning = {"rule": "bg_size_plausible_x", "severity": "soft", "message": "m", "rows": []}
    return {"kreis_ags": ags, "period": PERIOD, "revision": 1, "warnings": [warning] * warnings}


def test_digest_counts_follow_the_german_plural_rule():
    subject, _ = texts.digest_mail(date(2026, 11, 20), [_verdict("05113", 1)])
    assert subject == "[jcw] Hinweise vom 20.11.2026: 1 Hinweis zu 1 Bericht"
    subject, body = texts.digest_mail(
        date(2026, 11, 20), [_verdict("05113", 2), _verdict("01054", 1)]
    )
    assert subject == "[jcw] Hinweise vom 20.11.2026: 3 Hinweise zu 2 Berichten"
    assert "05113 Stadt Essen, Oktober 2026, Revision 1:" in body


def test_the_missing_list_says_fehlt_for_one_and_fehlen_for_many():
    due, today = date(2026, 11, 10), date(2026, 11, 11)
    subject, body = texts.missing_list_mail(PERIOD, due, today, ["05113"])
    assert subject == "[jcw] Fehlende Berichte Oktober 2026: 1 Jobcenter"
    assert "Für Oktober 2026 (fällig am 10.11.2026) fehlt am 11.11.2026 noch 1 Bericht:" in body
    assert "Das Jobcenter wurde erinnert." in body
    _, body = texts.missing_list_mail(PERIOD, due, today, ["05113", "01054"])
    assert "fehlen am 11.11.2026 noch 2 Berichte:" in body
    assert "Die Jobcenter wurden einzeln erinnert." in body


def test_a_rejection_with_many_rules_and_one_warning_is_one_mail():
    finding = {"rule": "elb_subgroups_le_total", "severity": "hard", "message": "m", "rows": []}
    warning = {"rule": "bg_size_plausible_x", "severity": "soft", "message": "w", "rows": []}
    verdict = {
        "kreis_ags": "05113",
        "period": PERIOD,
        "revision": 3,
        "sha256": "ab" * 32,
        "fetched_at": "2026-07-01T22:30:00+00:00",  # summer time: 00:30 the next day
        "findings": [finding, {**finding, "rule": "counts_non_negative"}],
        "warnings": [warning],
    }
    subject, body = texts.rejection_mail(verdict)
    assert subject == "[jcw] Bericht abgelehnt: 05113 Stadt Essen, Oktober 2026"
    assert "empfangen am 02.07.2026, 00:30 Uhr" in body
    assert "Folgende 2 Regeln sind verletzt:" in body
    assert "Zusätzlich gibt es 1 Hinweis, den Sie bitte prüfen:" in body
    assert "   - " not in body  # no rows, no row lines


def test_a_row_reference_names_line_gemeinde_and_compared_values():
    ref = {
        "row": 1,
        "line": 2,
        "gemeinde_ags": "05113000",
        "gemeinde_name": "Essen",
        "column": "elb_frauen",
        "value": 1130,
        "compared": {"elb": 1125},
    }
    finding = {"rule": "elb_subgroups_le_total", "message": "m", "rows": [ref] * 52}
    lines = texts.finding_block(1, finding)
    assert lines[3] == (
        "   - Zeile 2, Gemeinde 05113000 Essen, Spalte ELB Frauen (elb_frauen), Wert 1.130, "
        "verglichen mit ELB (elb) 1.125"
    )
    assert lines[-1] == "   … und 2 weitere Zeilen"
