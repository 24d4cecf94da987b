"""The jobcenter world: Gemeinden per Kreis and their monthly figures, deterministic from a seed.

Everything here is pure: a ``World`` is a function of (seed, scale), and the figures of a
month are a function of the world and the period. Money is kept in integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simulator.periods import month_index
from simulator.registry import Jobcenter, jobcenters

# Month index of 2018-12 (the registry's population Stichtag).
REFERENCE_MONTH = month_index("2018-12")
# Calibration: average people (elb + nef) in stock over 2018 for the 104 real jobcenters.
TARGET_PERSONS_2018 = 1_500_000
# Months for which the national level curve is defined (2005-01 .. 2060-12).
HORIZON = 56 * 12

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
MONEY_COLUMNS: tuple[str, ...] = ("leistungen_lebensunterhalt_eur", "leistungen_unterkunft_eur")
KEY_COLUMNS: tuple[str, ...] = ("kreis_ags", "gemeinde_ags", "gemeinde_name", "period")
COLUMNS: tuple[str, ...] = KEY_COLUMNS + COUNT_COLUMNS + MONEY_COLUMNS

# ELB stock relative to 2018 (annual means, before seasonality and breaks).
_LEVEL_ANCHORS = {
    2005: 1.08,
    2006: 1.15,
    2007: 1.12,
    2008: 1.07,
    2009: 1.08,
    2010: 1.06,
    2011: 1.03,
    2012: 1.01,
    2013: 1.02,
    2014: 1.02,
    2015: 1.03,
    2016: 1.03,
    2017: 1.02,
    2018: 1.00,
    2019: 0.96,
    2020: 0.96,
    2021: 0.95,
    2022: 0.95,
    2023: 0.97,
    2024: 0.98,
    2025: 0.99,
    2026: 0.99,
}
# Seasonal factors by calendar month (Jan..Dec): high Q1, lower second half.
_SEASON_ELB = np.array(
    [1.012, 1.015, 1.012, 1.006, 1.002, 0.998, 0.998, 0.996, 0.99, 0.988, 0.99, 0.993]
)
_SEASON_ARBEITSLOS = np.array(
    [1.04, 1.04, 1.02, 1.0, 0.98, 0.97, 0.99, 1.0, 0.98, 0.97, 0.98, 1.01]
)
_SEASON_ZUGAENGE = np.array([1.15, 1.0, 1.0, 0.95, 0.95, 1.0, 1.05, 1.05, 1.0, 0.95, 0.95, 0.95])
# Integrations: January well below average (60k of ~88k nationally in Jan 2019); mean 1.
_SEASON_INTEGRATIONEN = np.array(
    [0.75, 0.9, 1.05, 1.05, 1.0, 0.95, 1.0, 1.15, 1.15, 1.05, 1.0, 0.95]
)

_PREFIXES = (
    "",
    "",
    "",
    "Ober",
    "Nieder",
    "Groß",
    "Klein",
    "Alt",
    "Neu",
    "Bad ",
    "Hohen",
    "Wald",
    "Mittel",
    "Unter",
)
_ROOTS = (
    "Ahl",
    "Bir",
    "Eich",
    "Elm",
    "Fried",
    "Grün",
    "Hamm",
    "Har",
    "Hell",
    "Holz",
    "Kalt",
    "Lin",
    "Mühl",
    "Ros",
    "Schön",
    "Sonn",
    "Stein",
    "Tann",
    "Wal",
    "Wies",
    "Bör",
    "Küh",
    "Lör",
    "Dürr",
    "Fahr",
    "Gold",
    "Horn",
    "Lau",
    "Mar",
    "Ot",
    "Rein",
    "Sül",
    "Esch",
    "Frau",
    "Wend",
    "Brun",
    "Alb",
    "Asch",
    "Buch",
    "Hag",
)
_STEMS = (
    "bach",
    "berg",
    "burg",
    "dorf",
    "feld",
    "furt",
    "hausen",
    "heim",
    "hofen",
    "kirchen",
    "münster",
    "stadt",
    "stedt",
    "tal",
    "weiler",
    "wiesen",
    "rode",
    "brück",
    "lingen",
    "ow",
    "au",
    "ingen",
    "beck",
    "hagen",
)


def _national_level() -> np.ndarray:
    """ELB level per month index (2018 mean = 1): trend, seasonality, 2020 and 2022 breaks."""
    months = np.arange(HORIZON, dtype=float)
    years = sorted(_LEVEL_ANCHORS)
    level = np.interp(
        months, [(y - 2005) * 12 + 5.5 for y in years], [_LEVEL_ANCHORS[y] for y in years]
    )
    level *= _SEASON_ELB[np.arange(HORIZON) % 12]
    breaks = np.ones(HORIZON)
    covid = month_index("2020-04")
    # Covid: +3 % in April 2020, +5 % from May, fading out over 2021.
    breaks[covid] = 1.03
    breaks[covid + 1 : covid + 9] = 1.05
    fade = month_index("2021-12") - (covid + 9) + 1
    breaks[covid + 9 : covid + 9 + fade] = np.linspace(1.05, 1.0, fade)
    # Ukrainian refugees enter SGB II from June 2022 (+4 %, +7 %, +8 %), settling at +5 %.
    ukr = month_index("2022-06")
    breaks[ukr : ukr + 3] = [1.04, 1.07, 1.08]
    settle = month_index("2024-12") - (ukr + 3) + 1
    breaks[ukr + 3 : ukr + 3 + settle] = np.linspace(1.08, 1.05, settle)
    breaks[ukr + 3 + settle :] = 1.05
    level *= breaks
    y2018 = slice(month_index("2018-01"), month_index("2018-12") + 1)
    return level / level[y2018].mean()


def _gemeinde_names(rng: np.random.Generator, n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        prefix = _PREFIXES[rng.integers(len(_PREFIXES))] if names else ""
        root = _ROOTS[rng.integers(len(_ROOTS))]
        stem = _STEMS[rng.integers(len(_STEMS))]
        name = prefix + (root.lower() if prefix and not prefix.endswith(" ") else root) + stem
        if name not in names:
            names.append(name)
    return names


def _city_name(jc: Jobcenter) -> str:
    for prefix in ("Landeshauptstadt ", "Stadt "):
        if jc.name.startswith(prefix):
            return jc.name[len(prefix) :]
    return jc.name


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    rest = total - int(out.sum())
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


@dataclass(frozen=True)
class Gemeinden:
    """Static facts of every Gemeinde of the world, flattened over all Kreise."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    kreis: np.ndarray  # index into World.jobcenters
    pop_reference: np.ndarray  # population at 2018-12 (sums to the Kreis reference)
    growth: np.ndarray  # yearly population growth rate
    bis_rag_share: np.ndarray
    elb_weight: np.ndarray  # ELB rate relative to the Kreis rate (pop-weighted mean 1)
    shares: np.ndarray  # (n, 4): elb_frauen, elb_unter_25, elb_ab_55, elb_alleinerziehend


class World:
    """The simulated world for one seed: Gemeinden, Kreis parameters and monthly figures."""

    def __init__(self, seed: int = 42, scale: int = 1) -> None:
        self.seed = seed
        self.scale = scale
        self.jobcenters: tuple[Jobcenter, ...] = jobcenters(seed, scale)
        self.index = {jc.kreis_ags: k for k, jc in enumerate(self.jobcenters)}
        self._build()
        self.level = _national_level()

    def _build(self) -> None:
        codes: list[str] = []
        names: list[str] = []
        kreis, pop, growth, bis, weight, shares, bounds = [], [], [], [], [], [], []
        kp = {
            key: []
            for key in (
                "rate",
                "nef",
                "ppb",
                "lz",
                "al",
                "zug",
                "ir",
                "trend",
                "amp",
                "svb",
                "aus",
                "ifr",
                "ilz",
                "ial",
                "money",
                "kdu",
            )
        }
        for k, jc in enumerate(self.jobcenters):
            rng = np.random.default_rng([self.seed, int(jc.kreis_ags), 1])
            if jc.kreisfrei:
                n = 1
                gcodes = [f"{jc.kreis_ags}000"]
                gnames = [_city_name(jc)]
                w = np.ones(1)
            else:
                n = int(rng.integers(5, 41))
                nums = np.sort(rng.choice(np.arange(1, 1000), size=n, replace=False))
                gcodes = [f"{jc.kreis_ags}{int(x):03d}" for x in nums]
                gnames = _gemeinde_names(rng, n)
                w = rng.lognormal(0.0, 0.9, n)
                w[0] *= 3.0  # the Kreisstadt
                w = np.maximum(w / w.sum(), 0.003)
                w /= w.sum()
                small = int(np.argmin(w))
                if w[small] > 0.02:  # at least one Gemeinde below 2 % of the Kreis
                    w = np.delete(w, small) / np.delete(w, small).sum() * 0.98
                    w = np.insert(w, small, 0.02)
            start = len(codes)
            codes += gcodes
            names += gnames
            bounds.append((start, start + n))
            kreis.append(np.full(n, k))
            pop.append(_largest_remainder(w, jc.population_2018_12_31))
            g_k = rng.uniform(-0.0009, 0.0009)
            growth.append(np.clip(g_k + rng.uniform(-0.0008, 0.0008, n), -0.00125, 0.00125))
            bis.append(rng.uniform(0.797, 0.823) + rng.uniform(-0.006, 0.006, n))
            ew = rng.lognormal(0.0, 0.25, n)
            ew[0] *= 1.3
            weight.append(ew / np.average(ew, weights=w))
            base = np.array(
                [
                    rng.uniform(0.48, 0.52),
                    rng.uniform(0.16, 0.21),
                    rng.uniform(0.17, 0.22),
                    rng.uniform(0.10, 0.14),
                ]
            )
            shares.append(np.clip(base + rng.uniform(-0.01, 0.01, (n, 4)), 0.05, 0.6))
            city = jc.kreisfrei
            kp["rate"].append(rng.lognormal(np.log(0.060 if city else 0.036), 0.25))
            # persons and ELB per Bedarfsgemeinschaft fix the NEF share of persons (~29 %)
            ppb, epb = rng.uniform(1.82, 1.92), rng.uniform(1.28, 1.38)
            kp["nef"].append(1.0 - epb / ppb)
            kp["ppb"].append(ppb)
            kp["lz"].append(rng.uniform(0.60, 0.67))
            kp["al"].append(rng.uniform(0.37, 0.43))
            kp["zug"].append(rng.uniform(0.030, 0.045))
            kp["ir"].append(rng.uniform(0.85, 1.15))
            kp["trend"].append(rng.uniform(-0.005, 0.005))
            kp["amp"].append(rng.uniform(0.7, 1.3))
            kp["svb"].append(rng.uniform(0.78, 0.84))
            kp["aus"].append(rng.uniform(0.09, 0.13))
            kp["ifr"].append(rng.uniform(0.38, 0.44))
            kp["ilz"].append(rng.uniform(0.40, 0.48))
            kp["ial"].append(rng.uniform(0.08, 0.12))
            kp["money"].append(rng.uniform(0.96, 1.04))
            kp["kdu"].append(rng.uniform(0.94, 1.04))
        self.gemeinden = Gemeinden(
            codes=tuple(codes),
            names=tuple(names),
            kreis=np.concatenate(kreis),
            pop_reference=np.concatenate(pop).astype(float),
            growth=np.concatenate(growth),
            bis_rag_share=np.concatenate(bis),
            elb_weight=np.concatenate(weight),
            shares=np.concatenate(shares),
        )
        self.bounds = bounds
        self.kreis_params = {key: np.array(v) for key, v in kp.items()}
        self._calibrate()

    def _calibrate(self) -> None:
        """Scale the Kreis ELB rates so the 104 real jobcenters serve ~1.5 M people in 2018."""
        p = self.kreis_params
        real = np.array([not jc.synthetic for jc in self.jobcenters])
        pop = np.array([jc.population_2018_12_31 for jc in self.jobcenters], dtype=float)
        persons_per_elb = 1.0 / (1.0 - p["nef"])
        rate = p["rate"]
        for _ in range(8):
            persons = (pop * rate * persons_per_elb)[real].sum()
            rate = np.clip(rate * TARGET_PERSONS_2018 / persons, 0.022, 0.066)
        p["rate"] = rate

    @lru_cache(maxsize=48)  # noqa: B019 - one world per process; the cache is the point
    def month(self, period: str) -> dict[str, np.ndarray]:
        """Drivers and derived figures of every Gemeinde for one period (cached)."""
        m = month_index(period)
        g = self.gemeinden
        p = {key: v[g.kreis] for key, v in self.kreis_params.items()}
        t = (m - REFERENCE_MONTH) / 12.0
        cal = m % 12
        pop_f = g.pop_reference * np.exp(g.growth * t)
        pop = np.rint(pop_f).astype(np.int64)
        bis = np.floor(pop * np.clip(g.bis_rag_share - 0.0007 * t, 0.781, 0.839)).astype(np.int64)
        noise = np.random.default_rng([self.seed, 7, m]).random((len(g.codes), 4))

        def smooth(mi: int) -> np.ndarray:
            return self.level[mi] * np.exp(p["trend"] * (mi - REFERENCE_MONTH) / 12.0)

        seasonal = 1.0 + (_SEASON_ELB[cal] - 1.0) * (p["amp"] - 1.0)
        level = smooth(m) * seasonal
        prev = smooth(max(m - 1, 0)) * (1.0 + (_SEASON_ELB[(m - 1) % 12] - 1.0) * (p["amp"] - 1.0))
        drivers = {
            "pop": pop,
            "bis": bis,
            "elb_f": pop_f * p["rate"] * g.elb_weight * level * (1 + 0.006 * (noise[:, 0] - 0.5)),
            "growth": 1.0 - prev / level,
            "lz": p["lz"] * (1 + 0.01 * (noise[:, 1] - 0.5)),
            "al": p["al"] * _SEASON_ARBEITSLOS[cal],
            "zug": p["zug"] * _SEASON_ZUGAENGE[cal],
            "int_rate": 0.02
            * p["ir"]
            * _SEASON_INTEGRATIONEN[cal]
            * (1 + 0.1 * (noise[:, 2] - 0.5)),
            "money": 450.0 * 1.011 ** (m / 12.0) * p["money"] * (1 + 0.01 * (noise[:, 3] - 0.5)),
            "kdu": 400.0 * 1.013 ** (m / 12.0) * p["kdu"],
            "nef_ratio": p["nef"] / (1.0 - p["nef"]),
            "ppb": p["ppb"],
            "shares": g.shares,
            "svb": p["svb"],
            "aus": p["aus"],
            "ifr": p["ifr"],
            "ilz": p["ilz"],
            "ial": p["ial"],
        }
        return drivers | derive(drivers)

    def kreis_rows(
        self,
        kreis_ags: str,
        period: str,
        elb_factor: dict[int, float] | None = None,
        int_rate: float | None = None,
    ) -> list[dict]:
        """Canonical rows of one Kreis and period (money in integer cents).

        ``elb_factor`` multiplies the ELB of single Gemeinden (by position) and
        ``int_rate`` overrides the monthly integration rate; subgroups follow consistently.
        """
        k = self.index[kreis_ags]
        start, end = self.bounds[k]
        month = self.month(period)
        if elb_factor or int_rate is not None:
            derived = COUNT_COLUMNS + MONEY_COLUMNS
            drivers = {key: v[start:end] for key, v in month.items() if key not in derived}
            drivers["elb_f"] = drivers["elb_f"].copy()
            for pos, factor in (elb_factor or {}).items():
                drivers["elb_f"][pos] *= factor
            if int_rate is not None:
                drivers["int_rate"] = np.full(end - start, int_rate)
            figures = derive(drivers)
            sl = slice(None)
        else:
            figures, sl = month, slice(start, end)
        cols = {c: figures[c][sl].tolist() for c in COUNT_COLUMNS + MONEY_COLUMNS}
        return [
            {
                "kreis_ags": kreis_ags,
                "gemeinde_ags": self.gemeinden.codes[start + i],
                "gemeinde_name": self.gemeinden.names[start + i],
                "period": period,
                **{c: cols[c][i] for c in COUNT_COLUMNS + MONEY_COLUMNS},
            }
            for i in range(end - start)
        ]


def derive(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Integer figures of Gemeinden from their drivers; every hard rule holds by construction."""
    elb_f = d["elb_f"]
    elb = np.rint(elb_f).astype(np.int64)
    nef = np.rint(elb_f * d["nef_ratio"]).astype(np.int64)
    persons = elb + nef
    bg = np.minimum(np.rint(persons / d["ppb"]).astype(np.int64), persons)
    sub = np.floor(elb[:, None] * d["shares"]).astype(np.int64)
    zug = np.rint(elb_f * d["zug"])
    abg = np.maximum(np.rint(zug - elb_f * d["growth"]), 0)
    int_f = elb_f * d["int_rate"]
    svb = np.rint(int_f * d["svb"]).astype(np.int64)
    aus = np.rint(int_f * d["aus"]).astype(np.int64)
    selb = np.rint(int_f * (1.0 - d["svb"] - d["aus"])).astype(np.int64)
    integ = svb + aus + selb
    return {
        "einwohner": d["pop"],
        "einwohner_bis_rag": d["bis"],
        "bedarfsgemeinschaften": bg,
        "elb": elb,
        "nef": nef,
        "elb_frauen": sub[:, 0],
        "elb_unter_25": sub[:, 1],
        "elb_ab_55": sub[:, 2],
        "elb_alleinerziehend": sub[:, 3],
        "elb_langzeit": np.floor(elb * d["lz"]).astype(np.int64),
        "elb_arbeitslos": np.floor(elb * d["al"]).astype(np.int64),
        "elb_zugaenge": zug.astype(np.int64),
        "elb_abgaenge": abg.astype(np.int64),
        "integrationen": integ,
        "integrationen_svb": svb,
        "integrationen_ausbildung": aus,
        "integrationen_selbstaendig": selb,
        "integrationen_frauen": np.floor(integ * d["ifr"]).astype(np.int64),
        "integrationen_langzeit": np.floor(integ * d["ilz"]).astype(np.int64),
        "integrationen_alleinerziehend": np.floor(integ * d["ial"]).astype(np.int64),
        "leistungen_lebensunterhalt_eur": np.rint(persons * d["money"] * 100).astype(np.int64),
        "leistungen_unterkunft_eur": np.rint(bg * d["kdu"] * 100).astype(np.int64),
    }


@lru_cache(maxsize=8)
def world(seed: int = 42, scale: int = 1) -> World:
    """The (cached) world of a seed and scale."""
    return World(seed, scale)
