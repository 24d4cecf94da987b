"""Regenerate the example target agreements ``dbt_project/seeds/zielvereinbarungen.csv``.

The real Zielvereinbarungen (§ 48b SGB II) are not available here. The demo ships example
targets derived from the simulated world (seed 42): each jobcenter's target for year Y is
its own simulated value of year Y-1 moved by a deterministic, jobcenter-specific step, the
way a "dezentrales Planungsverfahren" derives targets from the previous year. Every row is
marked ``is_example = true``. Tests may import the simulator; the product never does.

Usage: ``.venv/bin/python -m tests.report.example_targets [--first 2015 --last 2026]``
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from simulator.world import world

SEED_PATH = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "zielvereinbarungen.csv"
SOURCE = "Beispieldaten: aus der simulierten Welt abgeleitet, keine echte Zielvereinbarung"
HEADER = [
    "kreis_ags",
    "year",
    "indicator",
    "target_value",
    "unit",
    "better_when",
    "is_example",
    "source",
]


def _kreis_totals(year: int) -> dict[str, dict[str, np.ndarray]]:
    """Per Kreis, the monthly integrations, ELB, and LZB of ``year`` (index 0 = Dec Y-1)."""
    w = world(42)
    kreis = w.gemeinden.kreis
    n = len(w.jobcenters)
    out = {"integrationen": [], "elb": [], "elb_langzeit": []}
    periods = [f"{year - 1}-12"] + [f"{year}-{m:02d}" for m in range(1, 13)]
    for period in periods:
        month = w.month(period)
        for col in out:
            out[col].append(np.bincount(kreis, weights=month[col], minlength=n))
    return {col: np.array(v) for col, v in out.items()}


def year_values(year: int) -> dict[str, np.ndarray]:
    """K2 (Jahreswert), LZB annual average and integrations of ``year`` per jobcenter."""
    t = _kreis_totals(year)
    integ = t["integrationen"][1:].sum(axis=0)
    k2 = integ * 1200.0 / t["elb"][:-1].sum(axis=0)
    lzb_avg = t["elb_langzeit"][1:].mean(axis=0)
    return {"k2": k2, "integrationen": integ, "lzb_avg": lzb_avg}


def rows(first: int, last: int) -> list[list[str]]:
    """Seed rows for the years first..last, sorted by jobcenter, year, indicator."""
    w = world(42)
    out = []
    prev = year_values(first - 1)
    prev_lzb = year_values(first - 2)["lzb_avg"]
    for year in range(first, last + 1):
        rng = np.random.default_rng([42, 4848, year])
        step_k2 = rng.uniform(-0.06, 0.05, len(w.jobcenters))
        step_int = rng.uniform(-0.06, 0.05, len(w.jobcenters))
        lzb_trend = (prev["lzb_avg"] / prev_lzb - 1.0) * 100.0
        step_k3 = rng.uniform(-2.0, 1.0, len(w.jobcenters))
        for k, jc in enumerate(w.jobcenters):
            base = [jc.kreis_ags, str(year)]
            out.append(
                base
                + [
                    "K2",
                    f"{prev['k2'][k] * (1 + step_k2[k]):.1f}",
                    "percent",
                    "higher",
                    "true",
                    SOURCE,
                ]
            )
            out.append(
                base
                + ["K3", f"{lzb_trend[k] + step_k3[k]:.1f}", "percent", "lower", "true", SOURCE]
            )
            target_int = int(round(prev["integrationen"][k] * (1 + step_int[k]), -1))
            out.append(base + ["integrationen", str(target_int), "count", "higher", "true", SOURCE])
        prev_lzb = prev["lzb_avg"]
        prev = year_values(year)
    out.sort(key=lambda r: (r[0], r[1], r[2]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=int, default=2015)
    parser.add_argument("--last", type=int, default=2026)
    args = parser.parse_args()
    with SEED_PATH.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows(args.first, args.last))
    print(SEED_PATH)


if __name__ == "__main__":
    main()
