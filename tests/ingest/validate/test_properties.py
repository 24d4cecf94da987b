"""Property-based tests (Hypothesis) of parsing and validation.

1. Arbitrary bytes and arbitrary JSON documents never make the parser raise anything but
   ReportRejected (a finding for the jobcenter).
2. Reports near the contract's edges (a valid report with a few cells replaced by boundary
   values, Unicode digits, NaN, text) never make parse + validate raise, and every report
   that is accepted satisfies the hard rules, re-checked here in exact integer arithmetic,
   independently of the product's frames and suites.

Example counts are modest (each validation runs the Great Expectations suites).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ingest.core import contract, registry
from ingest.core.errors import ReportRejected
from ingest.validate.checks import validate_report
from ingest.validate.parse import parse_report
from tests.ingest.data import reports

AGS, PERIOD = "03157", "2026-10"  # Landkreis Peine
TODAY = date(2026, 11, 21)
CONTENT_TYPES = [reports.CSV_EN, reports.CSV_DE, reports.JSON, "text/csv", ""]
QUICK = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_reject(body: bytes, content_type: str):
    """The rows, or None when the report is rejected with findings; anything else raises."""
    try:
        return parse_report(body, content_type, kreis_ags=AGS, period=PERIOD)
    except ReportRejected as exc:
        assert exc.findings and all(f.severity == "hard" for f in exc.findings)
        for f in exc.findings:
            json.dumps(f.to_dict(), allow_nan=False)  # a verdict file any reader takes
        return None


@QUICK
@given(body=st.binary(max_size=2000), content_type=st.sampled_from(CONTENT_TYPES))
def test_arbitrary_bytes_are_parsed_or_rejected_never_raise(body: bytes, content_type: str):
    parse_or_reject(body, content_type)


@QUICK
@given(body=st.binary(max_size=400))
def test_bytes_after_a_valid_header_are_parsed_or_rejected(body: bytes):
    header = ",".join(contract.COLUMNS).encode() + b"\r\n"
    parse_or_reject(header + body, reports.CSV_EN)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
ROW_KEYS = st.sampled_from([*contract.JSON_ROW_COLUMNS, "kreis_ags", "period", "x"])


@QUICK
@given(doc=JSON_VALUES)
def test_arbitrary_json_is_parsed_or_rejected(doc):
    parse_or_reject(json.dumps(doc).encode(), reports.JSON)


@QUICK
@given(
    rows=st.lists(st.dictionaries(ROW_KEYS, JSON_VALUES, max_size=30), max_size=4),
    top=st.fixed_dictionaries(
        {"kreis_ags": st.sampled_from([AGS, 3157, None]), "period": st.just(PERIOD)}
    ),
)
def test_json_shaped_like_a_report_is_parsed_or_rejected(rows, top):
    parse_or_reject(json.dumps({**top, "zeilen": rows}).encode(), reports.JSON)


# -- reports near the edges ------------------------------------------------------------------

POPULATION = registry.get(AGS).population
BOUND = POPULATION * 105 // 100
EDGE_COUNTS = [0, 1, 2, BOUND, BOUND + 1, 2**31 - 1, 2**31, 2**53, 2**53 + 1, 2**63 - 1, -1]
TEXTS = ["１２３", "٤٥٦", "12a", "1.5", "", " 7 ", "0x10", "1e3", "NaN", "Bad\x00Stadt", "=1+1"]
COUNT_VALUES = st.one_of(
    st.sampled_from(EDGE_COUNTS),
    st.integers(min_value=0, max_value=BOUND),
    st.sampled_from(TEXTS),
    st.floats(allow_nan=True, allow_infinity=True),
)
MONEY_VALUES = st.one_of(
    st.decimals(min_value=0, max_value=Decimal("99999999999999.99"), places=2),
    st.sampled_from([Decimal("9999999999999.99"), Decimal("10000000000000.00"), Decimal("1.005")]),
    st.sampled_from(TEXTS),
)
CELLS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),
        st.sampled_from(contract.COUNT_COLUMNS + contract.MONEY_COLUMNS + ("gemeinde_name",)),
        st.data(),
    ),
    max_size=3,
)


def _value(column: str, data) -> object:
    if column in contract.MONEY_COLUMNS:
        return data.draw(MONEY_VALUES)
    if column == "gemeinde_name":
        return data.draw(st.sampled_from(TEXTS + ["Göttingen"]))
    return data.draw(COUNT_VALUES)


def _english_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(contract.COLUMNS)
    for r in rows:
        w.writerow([f"{r[c]:.2f}" if isinstance(r[c], Decimal) else r[c] for c in contract.COLUMNS])
    return out.getvalue().encode("utf-8")


def _json(rows: list[dict]) -> bytes:
    def plain(v):
        return str(v) if isinstance(v, Decimal) else v

    doc = {
        "kreis_ags": AGS,
        "period": PERIOD,
        "zeilen": [{c: plain(r[c]) for c in contract.JSON_ROW_COLUMNS} for r in rows],
    }
    return json.dumps(doc).encode()


def hard_rules_hold(df) -> list[str]:
    """The hard rules of the contract, checked in Python ints and Fractions; what broke."""
    broken = []
    rows = df.to_dict("records")
    counts = [{c: r[c] for c in contract.COUNT_COLUMNS} for r in rows]
    for r, n in zip(rows, counts, strict=True):
        if not all(type(v) is int or hasattr(v, "item") for v in n.values()):
            broken.append("count is not an integer")
        n = {c: int(v) for c, v in n.items()}
        if not all(0 <= v <= BOUND for v in n.values()):
            broken.append("count outside 0..population bound")
        if any(n[s] > n[t] for t, subs in contract.SUBGROUPS.items() for s in subs):
            broken.append("subgroup above total")
        if n["integrationen"] != sum(n[k] for k in contract.INTEGRATION_KINDS):
            broken.append("integrationen != sum of kinds")
        if not n["bedarfsgemeinschaften"] <= n["elb"] + n["nef"] <= n["einwohner_bis_rag"]:
            broken.append("bg / persons / einwohner_bis_rag")
        if n["einwohner_bis_rag"] > n["einwohner"]:
            broken.append("einwohner_bis_rag above einwohner")
        g = r["gemeinde_ags"]
        if not (len(g) == 8 and g.isascii() and g.isdigit() and g.startswith(AGS)):
            broken.append("gemeinde_ags")
        if (r["kreis_ags"], r["period"]) != (AGS, PERIOD) or not r["gemeinde_name"]:
            broken.append("keys")
        if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in r["gemeinde_name"]):
            broken.append("control character")
        for m in contract.MONEY_COLUMNS:
            value = Decimal(r[m])
            if value < 0 or value != value.quantize(Decimal("0.01")):
                broken.append(f"{m} not a non-negative amount in cents")
    if len({r["gemeinde_ags"] for r in rows}) != len(rows):
        broken.append("gemeinde twice")
    total = sum(int(n["einwohner"]) for n in counts)
    if abs(Fraction(total, POPULATION) - 1) > Fraction(5, 100):
        broken.append("einwohner off the reference by more than 5 %")
    for m in contract.MONEY_COLUMNS:
        if sum(Decimal(r[m]) for r in rows) > Decimal("9999999999999.99"):
            broken.append(f"{m} total beyond decimal(15, 2)")
    return broken


@SLOW
@given(cells=CELLS, as_json=st.booleans())
def test_every_accepted_report_satisfies_the_hard_rules_in_exact_integers(cells, as_json):
    rows = reports.rows_for(AGS, PERIOD, n=3)
    for i, column, data in cells:
        rows[i][column] = _value(column, data)
    body = _json(rows) if as_json else _english_csv(rows)
    df = parse_or_reject(body, reports.JSON if as_json else reports.CSV_EN)
    if df is None:
        event("rejected by the parser")
        return
    verdict = validate_report(df, AGS, PERIOD, previous=None, today=TODAY)
    event("accepted" if verdict.accepted else "rejected by the suites")
    if verdict.accepted:
        assert hard_rules_hold(df) == [], cells
    else:
        assert verdict.findings and all(f.severity == "hard" for f in verdict.findings)
