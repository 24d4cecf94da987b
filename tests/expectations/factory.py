"""Valid monthly reports built directly as DataFrames (independent of simulator/ and parse)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ingest.core import contract, registry

# Shares of one Gemeinde's population that keep every hard and soft rule satisfied.
ELB_SHARE = 0.05  # ELB quote 6.25 % of einwohner_bis_rag
BIS_RAG_SHARE = 0.8


def gemeinden(kreis_ags: str, n: int | None = None) -> list[tuple[str, str, int]]:
    """(gemeinde_ags, name, einwohner) summing exactly to the registry reference population."""
    jc = registry.get(kreis_ags)
    if n is None:
        n = 1 if jc.kind == "kreisfreie Stadt" else 6
    if n == 1:
        return [(f"{kreis_ags}000", jc.name, jc.population)]
    weights = list(range(1, n + 1))
    pops = [jc.population * w // sum(weights) for w in weights]
    pops[-1] += jc.population - sum(pops)
    return [(f"{kreis_ags}{i:03d}", f"Gemeinde {i}", p) for i, p in enumerate(pops, start=1)]


def row(
    kreis_ags: str, period: str, gemeinde_ags: str, name: str, einwohner: int, scale: float = 1.0
) -> dict:
    """One valid row; ``scale`` multiplies the caseload (for month-over-month changes)."""
    elb = int(einwohner * ELB_SHARE * scale)
    integ_svb, integ_ausb, integ_selb = int(elb * 0.015), int(elb * 0.003), int(elb * 0.002)
    integ = integ_svb + integ_ausb + integ_selb
    return {
        "kreis_ags": kreis_ags,
        "gemeinde_ags": gemeinde_ags,
        "gemeinde_name": name,
        "period": period,
        "einwohner": einwohner,
        "einwohner_bis_rag": int(einwohner * BIS_RAG_SHARE),
        "bedarfsgemeinschaften": int(elb / 1.35),
        "elb": elb,
        "nef": int(elb * 0.4),
        "elb_frauen": elb // 2,
        "elb_unter_25": elb // 10,
        "elb_ab_55": elb // 5,
        "elb_alleinerziehend": elb // 10,
        "elb_langzeit": int(elb * 0.6),
        "elb_arbeitslos": int(elb * 0.4),
        "elb_zugaenge": elb // 30,
        "elb_abgaenge": elb // 30,
        "integrationen": integ,
        "integrationen_svb": integ_svb,
        "integrationen_ausbildung": integ_ausb,
        "integrationen_selbstaendig": integ_selb,
        "integrationen_frauen": integ // 2,
        "integrationen_langzeit": integ // 3,
        "integrationen_alleinerziehend": integ // 10,
        "leistungen_lebensunterhalt_eur": Decimal(elb * 45025) / 100,
        "leistungen_unterkunft_eur": Decimal(elb * 38010) / 100,
    }


def valid_report(
    kreis_ags: str, period: str, *, n: int | None = None, scale: float = 1.0
) -> pd.DataFrame:
    """A report that breaks no rule: contract columns in order plus ``_row``."""
    rows = [row(kreis_ags, period, g, name, p, scale) for g, name, p in gemeinden(kreis_ags, n)]
    df = pd.DataFrame(rows, columns=list(contract.COLUMNS))
    df["_row"] = range(1, len(df) + 1)
    return df
