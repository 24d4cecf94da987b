"""The jobcenters the simulator plays: the 104 real ones from the registry seed, plus
synthetic ones for load tests (``scale``)."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REGISTRY_SEED = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "jobcenters.csv"
REGISTRY_COLUMNS = ("kreis_ags", "name", "land", "kind", "population_2018_12_31", "contact_email")
# Land codes 17..19 do not exist in Germany, so synthetic Kreisschlüssel collide with no real one.
SYNTHETIC_LANDS = ("17", "18", "19")
SYNTHETIC_PER_LAND = 999


@dataclass(frozen=True)
class Jobcenter:
    """One jobcenter (one Kreis): registry facts."""

    kreis_ags: str
    name: str
    land: str
    kind: str
    population_2018_12_31: int
    contact_email: str
    synthetic: bool = False

    @property
    def kreisfrei(self) -> bool:
        """True for a kreisfreie Stadt (one Gemeinde)."""
        return self.kind != "Landkreis"


@lru_cache(maxsize=4)
def real_jobcenters(path: Path = REGISTRY_SEED) -> tuple[Jobcenter, ...]:
    """The 104 kommunale Jobcenter of the registry seed, in file order."""
    with path.open(encoding="utf-8", newline="") as f:
        return tuple(
            Jobcenter(
                kreis_ags=r["kreis_ags"],
                name=r["name"],
                land=r["land"],
                kind=r["kind"],
                population_2018_12_31=int(r["population_2018_12_31"]),
                contact_email=r["contact_email"],
            )
            for r in csv.DictReader(f)
        )


def _synthetic(seed: int, index: int, real: tuple[Jobcenter, ...]) -> Jobcenter:
    land = SYNTHETIC_LANDS[index // SYNTHETIC_PER_LAND]
    ags = f"{land}{index % SYNTHETIC_PER_LAND + 1:03d}"
    h = int.from_bytes(hashlib.sha256(f"{seed}:synthetic:{ags}".encode()).digest()[:8], "big")
    model = real[h % len(real)]
    return Jobcenter(
        kreis_ags=ags,
        name=f"Synthetischer Kreis {ags}",
        land="XX",
        kind=model.kind,
        population_2018_12_31=model.population_2018_12_31,
        contact_email=f"statistik@jc-{ags}.jobcenter.test",
        synthetic=True,
    )


@lru_cache(maxsize=8)
def jobcenters(seed: int = 42, scale: int = 1) -> tuple[Jobcenter, ...]:
    """The real jobcenters followed by ``104 * (scale - 1)`` synthetic ones (Land codes 17-19)."""
    real = real_jobcenters()
    n_synth = len(real) * (max(scale, 1) - 1)
    if n_synth > SYNTHETIC_PER_LAND * len(SYNTHETIC_LANDS):
        raise ValueError(f"scale {scale} exceeds the synthetic Kreisschlüssel space")
    return real + tuple(_synthetic(seed, i, real) for i in range(n_synth))


def registry_csv(seed: int = 42, scale: int = 1) -> str:
    """The registry as CSV text, same columns as dbt_project/seeds/jobcenters.csv."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(REGISTRY_COLUMNS)
    for jc in jobcenters(seed, scale):
        w.writerow([getattr(jc, c) for c in REGISTRY_COLUMNS])
    return out.getvalue()
