"""The simulator's own writing of submission contract v1 (docs/report_contract.md).

Rows are canonical dicts in contract column order with money in integer cents.
"""

from __future__ import annotations

import csv
import io
import json

from simulator.world import COLUMNS, COUNT_COLUMNS, MONEY_COLUMNS

FORMATS = ("csv_en", "csv_de", "json")
CONTENT_TYPES = {
    "csv_en": "text/csv; charset=utf-8",
    "csv_de": "text/csv; charset=windows-1252",
    "csv_de_bom": "text/csv; charset=windows-1252",
    "json": "application/json",
}
GERMAN_HEADERS: dict[str, str] = {
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


def euro(cents: int) -> str:
    """Cents as an English decimal with two places: ``123456`` -> ``1234.56``."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _german_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _german_euro(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{_german_int(abs(cents) // 100)},{abs(cents) % 100:02d}"


def _formatter(column: str, german: bool):
    """The cell writer of a column: counts and money as numbers, anything else as text."""
    if column in MONEY_COLUMNS:
        number = _german_euro if german else euro
    elif column in COUNT_COLUMNS:
        number = _german_int if german else str
    else:
        return str

    def cell(value: object) -> str:
        return number(value) if type(value) is int else str(value)

    return cell


def to_csv(rows: list[dict], german: bool, columns: tuple[str, ...] = COLUMNS) -> str:
    """CSV text of the rows: English (comma) or German (semicolon, German numbers/headers)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";" if german else ",", lineterminator="\r\n")
    w.writerow([GERMAN_HEADERS.get(c, c) if german else c for c in columns])
    cells = [(c, _formatter(c, german)) for c in columns]
    w.writerows([fmt(row[c]) if c in row else "" for c, fmt in cells] for row in rows)
    return out.getvalue()


def to_json(
    rows: list[dict],
    kreis_ags: str,
    period: str,
    erstellt_am: str,
    software: str,
    money_as_string: bool,
    columns: tuple[str, ...] = COLUMNS,
) -> str:
    """JSON text of the report: top-level kreis_ags/period/erstellt_am/software/zeilen."""
    fields = [(c, f'"{c}": ') for c in columns if c not in ("kreis_ags", "period")]
    lines = []
    for row in rows:
        parts = []
        for c, key in fields:
            if c not in row:
                continue
            v = row[c]
            if type(v) is not int:
                text = json.dumps(v, ensure_ascii=False)
            elif c in MONEY_COLUMNS:
                text = f'"{euro(v)}"' if money_as_string else euro(v)
            else:
                text = str(v)
            parts.append(key + text)
        lines.append("    {" + ", ".join(parts) + "}")
    head = {
        "kreis_ags": kreis_ags,
        "period": period,
        "erstellt_am": erstellt_am,
        "software": software,
    }
    top = json.dumps(head, ensure_ascii=False)[:-1]
    return top + ', "zeilen": [\n' + ",\n".join(lines) + "\n  ]}\n"


def encode(
    fmt: str,
    rows: list[dict],
    kreis_ags: str,
    period: str,
    erstellt_am: str,
    software: str,
    columns: tuple[str, ...] = COLUMNS,
) -> tuple[bytes, str]:
    """Body bytes and content type of a report in wire format ``fmt``."""
    if fmt == "csv_en":
        body = to_csv(rows, german=False, columns=columns).encode("utf-8")
    elif fmt == "csv_de":
        body = to_csv(rows, german=True, columns=columns).encode("cp1252")
    elif fmt == "csv_de_bom":
        body = b"\xef\xbb\xbf" + to_csv(rows, german=True, columns=columns).encode("utf-8")
    elif fmt in ("json", "json_str"):
        text = to_json(rows, kreis_ags, period, erstellt_am, software, fmt == "json_str", columns)
        body = text.encode("utf-8")
        fmt = "json"
    else:
        raise ValueError(f"unknown wire format {fmt!r}")
    return body, CONTENT_TYPES[fmt]
