"""Submission contract v1: the canonical columns of a monthly report and their wire names.

One report per jobcenter (``kreis_ags``) and reporting month (``period``), one row per
Gemeinde. See docs/report_contract.md for the prose version and docs/glossary.md for terms.
"""

from __future__ import annotations

from decimal import Decimal

# Identifying columns, in contract order.
KEY_COLUMNS: tuple[str, ...] = ("kreis_ags", "gemeinde_ags", "gemeinde_name", "period")

# Non-negative integer counts, in contract order.
COUNT_COLUMNS: tuple[str, ...] = (
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

# Non-negative euro amounts with exactly two decimals (Parquet: decimal(15, 2)).
MONEY_COLUMNS: tuple[str, ...] = (
    "leistungen_lebensunterhalt_eur",
    "leistungen_unterkunft_eur",
)

COLUMNS: tuple[str, ...] = KEY_COLUMNS + COUNT_COLUMNS + MONEY_COLUMNS

# Bounds that keep every accepted value within the warehouse's types (docs/report_contract.md):
# a count fits 32 bits (and the suites bound it by the Kreis's population, see
# POPULATION_TOLERANCE); a euro amount fits decimal(15, 2), and so does a Kreis's monthly
# total of it, so that a national total of up to 1,000 jobcenters fits decimal(18, 2).
MAX_COUNT = 2**31 - 1
MONEY_LIMIT = Decimal(10) ** 13  # exclusive: 9,999,999,999,999.99 is the largest amount
MAX_MONEY_CENTS = 10**15 - 1

# Headers of the German CSV variant (Windows-1252, semicolon, decimal comma).
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

# JSON variant: top-level keys; rows live under "zeilen" and carry every column except
# kreis_ags and period, which the top level states once.
JSON_TOP_LEVEL_KEYS: tuple[str, ...] = ("kreis_ags", "period", "erstellt_am", "software", "zeilen")
JSON_ROW_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in ("kreis_ags", "period"))

# Subgroups that must not exceed their total (hard rule).
SUBGROUPS: dict[str, tuple[str, ...]] = {
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
# integrationen = sum of its kinds (hard rule).
INTEGRATION_KINDS: tuple[str, ...] = (
    "integrationen_svb",
    "integrationen_ausbildung",
    "integrationen_selbstaendig",
)
# Sum of einwohner must lie within this share of the Kreis reference population (hard rule).
POPULATION_TOLERANCE = 0.05
