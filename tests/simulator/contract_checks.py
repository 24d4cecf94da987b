"""An independent reading of docs/report_contract.md for the simulator tests.

Parses the three wire formats with the standard library and checks hard and soft rules.
It imports nothing from ingest/ or simulator/, so the tests compare two separate writings.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

KEYS = ("kreis_ags", "gemeinde_ags", "gemeinde_name", "period")
COUNTS = (
    "einwohner",
    "einwohner_bis_rag",
    "bedarfsgemeinschaften",
    "elb",
    "nef",
    "elb_frauen",
    "elb_unter_25",
    "elb_ab_55",
    "elb_alleinerziehend",
    "elb_langzeit",
    "elb_arbeitslos",
    "elb_zugaenge",
    "elb_abgaenge",
    "integrationen",
    "integrationen_svb",
    "integrationen_ausbildung",
    "integrationen_selbstaendig",
    "integrationen_frauen",
    "integrationen_langzeit",
    "integrationen_alleinerziehend",
)
MONEY = ("leistungen_lebensunterhalt_eur", "leistungen_unterkunft_eur")
COLUMNS = KEYS + COUNTS + MONEY
GERMAN = {
    "Kreisschlüssel": "kreis_ags",
    "Gemeindeschlüssel": "gemeinde_ags",
    "Gemeinde": "gemeinde_name",
    "Berichtsmonat": "period",
    "Einwohner": "einwohner",
    "Einwohner bis RAG": "einwohner_bis_rag",
    "Bedarfsgemeinschaften": "bedarfsgemeinschaften",
    "ELB": "elb",
    "NEF": "nef",
    "ELB Frauen": "elb_frauen",
    "ELB unter 25": "elb_unter_25",
    "ELB ab 55": "elb_ab_55",
    "ELB Alleinerziehende": "elb_alleinerziehend",
    "ELB Langzeitleistungsbeziehende": "elb_langzeit",
    "ELB arbeitslos": "elb_arbeitslos",
    "Zugänge ELB": "elb_zugaenge",
    "Abgänge ELB": "elb_abgaenge",
    "Integrationen": "integrationen",
    "Integrationen SvB": "integrationen_svb",
    "Integrationen Ausbildung": "integrationen_ausbildung",
    "Integrationen Selbständige": "integrationen_selbstaendig",
    "Integrationen Frauen": "integrationen_frauen",
    "Integrationen Langzeitleistungsbeziehende": "integrationen_langzeit",
    "Integrationen Alleinerziehende": "integrationen_alleinerziehend",
    "Leistungen Lebensunterhalt EUR": "leistungen_lebensunterhalt_eur",
    "Leistungen Unterkunft EUR": "leistungen_unterkunft_eur",
}
SUBGROUPS = {
    "elb": (
        "elb_frauen",
        "elb_unter_25",
        "elb_ab_55",
        "elb_alleinerziehend",
        "elb_langzeit",
        "elb_arbeitslos",
    ),
    "integrationen": (
        "integrationen_frauen",
        "integrationen_langzeit",
        "integrationen_alleinerziehend",
    ),
}


class Unparseable(ValueError):
    """The body cannot be read as a report (encoding, row shape, number syntax)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(f"{rule}: {detail}")
        self.rule = rule


def decode(body: bytes, content_type: str) -> str:
    """Text of a body: UTF-8 BOM wins, else the declared charset (strict)."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8")
    charset = "utf-8"
    if "charset=" in content_type:
        charset = content_type.split("charset=")[1].strip()
    try:
        return body.decode(charset)
    except UnicodeDecodeError as e:
        raise Unparseable("encoding", str(e)) from None


def _number(text: str, german: bool, money: bool) -> int | Decimal:
    t = text.strip()
    if german:
        t = t.replace(".", "").replace(",", ".")
    if money:
        return Decimal(t)
    if not t.lstrip("-").isdigit():
        raise Unparseable("broken_rows", f"not an integer: {text!r}")
    return int(t)


def parse(body: bytes, content_type: str) -> tuple[str | None, str | None, list[dict]]:
    """(kreis_ags, period, rows) of a report body; JSON states them at the top level."""
    text = decode(body, content_type)
    if content_type.startswith("application/json"):
        doc = json.loads(text)
        rows = []
        expected = set(COLUMNS) - {"kreis_ags", "period"}
        shapes = {frozenset(z) for z in doc["zeilen"]}
        if len(shapes) == 1 and expected - set(next(iter(shapes))):
            raise Unparseable("missing_column", f"{sorted(expected - next(iter(shapes)))}")
        for z in doc["zeilen"]:
            if set(z) != expected:
                raise Unparseable("broken_rows", f"row keys {sorted(z)}")
            row = {"kreis_ags": doc["kreis_ags"], "period": doc["period"], **z}
            for c in COUNTS:
                if not isinstance(row[c], int):
                    raise Unparseable("broken_rows", f"{c}={row[c]!r}")
            for c in MONEY:
                row[c] = Decimal(str(row[c]))
            rows.append(row)
        return doc["kreis_ags"], doc["period"], rows
    german = "windows-1252" in content_type or body.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";" if german else ",")
    header = next(reader)
    names = [GERMAN.get(h, h) if german else h for h in header]
    unknown = set(names) - set(COLUMNS)
    if unknown:
        raise Unparseable("encoding" if german else "unknown_column", f"{sorted(unknown)}")
    missing = set(COLUMNS) - set(names)
    if missing:
        raise Unparseable("missing_column", f"{sorted(missing)}")
    rows = []
    for cells in reader:
        if len(cells) != len(names):
            raise Unparseable("broken_rows", f"{len(cells)} fields, expected {len(names)}")
        raw = dict(zip(names, cells, strict=True))
        row = {c: raw[c] for c in KEYS}
        for c in COUNTS:
            row[c] = _number(raw[c], german, money=False)
        for c in MONEY:
            row[c] = _number(raw[c], german, money=True)
        rows.append(row)
    return None, None, rows


def hard_violations(rows: list[dict], kreis_ags: str, period: str, reference: int) -> set[str]:
    """Names of the hard rules the rows break."""
    out = set()
    seen = set()
    for r in rows:
        if r["period"] != period:
            out.add("wrong_period")
        if r["kreis_ags"] != kreis_ags:
            out.add("wrong_kreis")
        g = r["gemeinde_ags"]
        if len(g) != 8 or not g.isdigit() or not g.startswith(kreis_ags):
            out.add("foreign_gemeinde")
        if g in seen:
            out.add("duplicate_gemeinde")
        seen.add(g)
        if any(r[c] < 0 for c in COUNTS + MONEY):
            out.add("negative_count")
        if any(r[c] != r[c].quantize(Decimal("0.01")) for c in MONEY):
            out.add("money_decimals")
        for total, subs in SUBGROUPS.items():
            if any(r[s] > r[total] for s in subs):
                out.add("subgroup_exceeds_total")
        kinds = r["integrationen_svb"] + r["integrationen_ausbildung"]
        if r["integrationen"] != kinds + r["integrationen_selbstaendig"]:
            out.add("integration_sum_mismatch")
        if r["bedarfsgemeinschaften"] > r["elb"] + r["nef"]:
            out.add("bg_exceeds_persons")
        if not r["elb"] + r["nef"] <= r["einwohner_bis_rag"] <= r["einwohner"]:
            out.add("population_order")
    if abs(sum(r["einwohner"] for r in rows) / reference - 1) > 0.05:
        out.add("population_off")
    return out


def totals(rows: list[dict]) -> dict[str, int | Decimal]:
    """Kreis totals of every count and money column."""
    return {c: sum(r[c] for r in rows) for c in COUNTS + MONEY}


def soft_warnings(rows: list[dict], previous: list[dict] | None) -> set[str]:
    """Names of the soft rules the Kreis totals trigger against the previous month."""
    t = totals(rows)
    out = set()
    if previous is not None:
        p = totals(previous)
        if abs(t["elb"] / p["elb"] - 1) > 0.15:
            out.add("elb_change")
        if {r["gemeinde_ags"] for r in rows} != {r["gemeinde_ags"] for r in previous}:
            out.add("gemeinde_set_changed")
    if not 0.003 <= t["integrationen"] / t["elb"] <= 0.06:
        out.add("integration_rate")
    if not 0.01 <= t["elb"] / t["einwohner_bis_rag"] <= 0.15:
        out.add("elb_quote")
    if not 0.40 <= t["elb_langzeit"] / t["elb"] <= 0.80:
        out.add("langzeit_share")
    if t["elb"] / t["bedarfsgemeinschaften"] > 2.5:
        out.add("elb_per_bg")
    return out


def truth_rows(entry: dict) -> list[dict]:
    """Rows of a truth entry with money as Decimal (comparable with ``parse``)."""
    return [{**r, **{c: Decimal(r[c]) for c in MONEY}} for r in entry["rows"]]
