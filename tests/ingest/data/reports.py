"""Hand-built reports in the three wire formats, written independently of ingest.parse.

``rows_for`` produces figures that satisfy every hard rule of the contract (sums, subgroups,
population within 5 % of the registry), so a test can also run them through validation.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from ingest.core import contract, registry

NAMES = ["Göttingen", "Hann. Münden", "Duderstadt", "Bovenden", "Rosdorf", "Friedland"]


def rows_for(kreis_ags: str, period: str, n: int = 3) -> list[dict]:
    """n Gemeinden of a registry jobcenter with consistent, plausible figures."""
    population = registry.get(kreis_ags).population
    shares = [population // n] * n
    shares[0] += population - sum(shares)
    rows = []
    for i, p in enumerate(shares):
        elb = p * 6 // 100
        nef = elb * 45 // 100
        svb, ausb, selbst = elb * 16 // 1000, elb * 2 // 1000, elb // 1000
        integ = svb + ausb + selbst
        bg = elb * 3 // 4
        rows.append(
            {
                "kreis_ags": kreis_ags,
                "gemeinde_ags": f"{kreis_ags}{i:03d}",
                "gemeinde_name": NAMES[i % len(NAMES)],
                "period": period,
                "einwohner": p,
                "einwohner_bis_rag": p * 82 // 100,
                "bedarfsgemeinschaften": bg,
                "elb": elb,
                "nef": nef,
                "elb_frauen": elb // 2,
                "elb_unter_25": elb * 15 // 100,
                "elb_ab_55": elb * 17 // 100,
                "elb_alleinerziehend": elb // 10,
                "elb_langzeit": elb * 63 // 100,
                "elb_arbeitslos": elb * 40 // 100,
                "elb_zugaenge": elb * 4 // 100,
                "elb_abgaenge": elb * 4 // 100,
                "integrationen": integ,
                "integrationen_svb": svb,
                "integrationen_ausbildung": ausb,
                "integrationen_selbstaendig": selbst,
                "integrationen_frauen": integ * 4 // 10,
                "integrationen_langzeit": integ // 2,
                "integrationen_alleinerziehend": integ // 10,
                "leistungen_lebensunterhalt_eur": (elb + nef) * Decimal("501.37"),
                "leistungen_unterkunft_eur": bg * Decimal("447.25"),
            }
        )
    return rows


def _csv(header: list[str], lines: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(lines)
    return out.getvalue()


def english_csv(rows: list[dict], *, delimiter: str = ",") -> bytes:
    """The English CSV variant: UTF-8, comma, '.' decimals."""
    lines = [
        [f"{r[c]:.2f}" if isinstance(r[c], Decimal) else str(r[c]) for c in contract.COLUMNS]
        for r in rows
    ]
    return _csv(list(contract.COLUMNS), lines, delimiter).encode("utf-8")


def german_number(value: int | Decimal) -> str:
    """1234567 → '1.234.567'; Decimal('1234.5') → '1.234,50'."""
    if isinstance(value, Decimal):
        whole, cents = f"{value:.2f}".split(".")
        return f"{int(whole):,}".replace(",", ".") + "," + cents
    return f"{value:,}".replace(",", ".")


# The German CSV variant's headers as docs/report_contract.md publishes them, written here
# by hand and not taken from the product's table (ingest/core/contract.GERMAN_HEADERS), so a
# changed or misspelt header in the product makes the parser tests fail.
GERMAN_HEADERS = {
    "kreis_ags": "Kreisschlüssel",
    "gemeinde_ags": "Gemeindeschlüssel",
    "gemeinde_name": "Gemeinde",
    "period": "Berichtsmonat",
    "einwohner": "Einwohner",
    "einwohner_bis_rag": "Einwohner bis RAG",
    "bedarfsgemeinschaften": "Bedarfsgemeinschaften",
    "elb": "ELB",
    "nef": "NEF",
    "elb_frauen": "ELB Frauen",
    "elb_unter_25": "ELB unter 25",
    "elb_ab_55": "ELB ab 55",
    "elb_alleinerziehend": "ELB Alleinerziehende",
    "elb_langzeit": "ELB Langzeitleistungsbeziehende",
    "elb_arbeitslos": "ELB arbeitslos",
    "elb_zugaenge": "Zugänge ELB",
    "elb_abgaenge": "Abgänge ELB",
    "integrationen": "Integrationen",
    "integrationen_svb": "Integrationen SvB",
    "integrationen_ausbildung": "Integrationen Ausbildung",
    "integrationen_selbstaendig": "Integrationen Selbständige",
    "integrationen_frauen": "Integrationen Frauen",
    "integrationen_langzeit": "Integrationen Langzeitleistungsbeziehende",
    "integrationen_alleinerziehend": "Integrationen Alleinerziehende",
    "leistungen_lebensunterhalt_eur": "Leistungen Lebensunterhalt EUR",
    "leistungen_unterkunft_eur": "Leistungen Unterkunft EUR",
}


def german_csv(rows: list[dict], *, bom: bool = False, encoding: str = "cp1252") -> bytes:
    """The German CSV variant: semicolon, German headers, decimal comma, thousands dots."""
    header = [GERMAN_HEADERS[c] for c in contract.COLUMNS]
    lines = [
        [german_number(r[c]) if isinstance(r[c], int | Decimal) else r[c] for c in contract.COLUMNS]
        for r in rows
    ]
    text = _csv(header, lines, ";")
    if bom:
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def json_report(rows: list[dict]) -> bytes:
    """The JSON variant: kreis_ags and period once at the top, money as numbers."""
    top = {
        "kreis_ags": rows[0]["kreis_ags"],
        "period": rows[0]["period"],
        "erstellt_am": "2026-11-08T06:00:00+00:00",
        "software": "Testsoftware 1.0",
        "zeilen": [
            {
                c: (float(r[c]) if isinstance(r[c], Decimal) else r[c])
                for c in contract.JSON_ROW_COLUMNS
            }
            for r in rows
        ],
    }
    return json.dumps(top, ensure_ascii=False).encode("utf-8")


CSV_EN = "text/csv; charset=utf-8"
CSV_DE = "text/csv; charset=windows-1252"
JSON = "application/json"
