"""The registry of jobcenters: the dbt seed ``jobcenters.csv`` read as Python objects."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from ingest.core import settings


@dataclass(frozen=True)
class Jobcenter:
    kreis_ags: str
    name: str
    land: str
    kind: str  # "Landkreis" or "kreisfreie Stadt"
    population: int  # 31.12.2018, the reference for the 5 % population rule
    contact_email: str


@lru_cache(maxsize=1)
def jobcenters() -> tuple[Jobcenter, ...]:
    """All registered jobcenters, ordered by Kreisschlüssel."""
    with open(settings.REGISTRY_CSV, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple(
        Jobcenter(
            kreis_ags=r["kreis_ags"],
            name=r["name"],
            land=r["land"],
            kind=r["kind"],
            population=int(r["population_2018_12_31"]),
            contact_email=r["contact_email"],
        )
        for r in rows
    )


def by_ags() -> dict[str, Jobcenter]:
    return {jc.kreis_ags: jc for jc in jobcenters()}


def get(kreis_ags: str) -> Jobcenter:
    """The jobcenter with this Kreisschlüssel; KeyError names it if unknown."""
    try:
        return by_ags()[kreis_ags]
    except KeyError:
        raise KeyError(
            f"unknown jobcenter {kreis_ags!r}: not in {settings.REGISTRY_CSV.name}"
        ) from None
