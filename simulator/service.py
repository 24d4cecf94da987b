"""The simulated jobcenters as a service: publication state, served bodies, ground truth.

The HTTP layer (``simulator.server``) is a thin shell around ``Simulator``. Everything that
depends on the date takes ``today`` as a parameter; only ``Simulator.today()`` and
``Simulator.now()`` read the clock.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from simulator.faults import Fault, missing_kind, parse_fault, rejected_rule
from simulator.periods import (
    FIRST_PERIOD,
    due_month_start,
    last_closed_period,
    month_index,
    period_of,
    shift,
)
from simulator.wire import CONTENT_TYPES, GERMAN_HEADERS, encode, euro, to_csv
from simulator.world import COLUMNS, COUNT_COLUMNS, MONEY_COLUMNS, World, world

VENDORS = (
    "OPEN/PROSOZ 14.2",
    "AKDN-sozial 8.1",
    "LISSA SGB II 5.4",
    "comp.ASS 2.9",
    "KommSoz 3.0",
)
DUE_DAY = 10
BERLIN = ZoneInfo("Europe/Berlin")
# Outcomes whose figures count: the report itself, or its valid revision before a rejected
# correction.
ACCEPTED = ("accepted", "correction_rejected")
# Rendered bodies kept in memory (ETags are kept for every body ever rendered).
SERVED_CACHE = 4096
LOGIN_PAGE = (
    '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8"><title>Anmeldung'
    '</title></head>\n<body><h1>Bitte melden Sie sich an</h1>\n<form method="post" '
    'action="/login"><input name="benutzer"><input name="passwort" type="password">'
    "<button>Anmelden</button></form></body></html>\n"
)
# Soft rule thresholds (docs/report_contract.md), evaluated on Kreis totals.
ELB_CHANGE_MAX = 0.15
INTEGRATION_RATE = (0.003, 0.06)
ELB_QUOTE = (0.01, 0.15)
LANGZEIT_SHARE = (0.40, 0.80)
ELB_PER_BG_MAX = 2.5


@dataclass(frozen=True)
class Profile:
    """How one jobcenter publishes: wire format, token, publication day, vendor software."""

    kreis_ags: str
    wire_format: str  # csv_en | csv_de | csv_de_bom | json | json_str
    token: str
    publication_day: int
    software: str


@dataclass(frozen=True)
class Served:
    """One revision of a report as the endpoint serves it."""

    kreis_ags: str
    period: str
    revision: int
    body: bytes
    content_type: str
    published_at: datetime

    @property
    def sha256(self) -> str:
        """Hex sha256 of the body."""
        return hashlib.sha256(self.body).hexdigest()

    @property
    def etag(self) -> str:
        """Quoted ETag: the sha256 of the body."""
        return f'"{self.sha256}"'


def profile(seed: int, kreis_ags: str) -> Profile:
    """The deterministic publication profile of a jobcenter."""
    h = hashlib.sha256(f"jcw-simulator:{seed}:{kreis_ags}:profile".encode()).digest()
    kind = h[0] % 3
    if kind == 0:
        fmt = "csv_en"
    elif kind == 1:
        fmt = "csv_de_bom" if h[1] % 3 == 0 else "csv_de"
    else:
        fmt = "json_str" if h[1] % 2 else "json"
    token = hashlib.sha256(f"jcw-simulator:{seed}:{kreis_ags}:token".encode()).hexdigest()[:40]
    return Profile(kreis_ags, fmt, token, 1 + h[2] % DUE_DAY, VENDORS[h[3] % len(VENDORS)])


def kreis_totals(rows: list[dict]) -> dict[str, int]:
    """Sums of every count and money column (money in cents) over the rows."""
    return {c: sum(r[c] for r in rows) for c in COUNT_COLUMNS + MONEY_COLUMNS}


def soft_warnings(
    totals: dict[str, int],
    gemeinden: set[str],
    previous: tuple[dict[str, int], set[str]] | None,
) -> list[str]:
    """Names of the soft rules the Kreis totals trigger (previous = last accepted month)."""
    out = []
    elb = totals["elb"]
    if previous is not None:
        prev_totals, prev_gemeinden = previous
        if prev_totals["elb"] and abs(elb / prev_totals["elb"] - 1) > ELB_CHANGE_MAX:
            out.append("elb_change")
        if gemeinden != prev_gemeinden:
            out.append("gemeinde_set_changed")
    if elb:
        rate = totals["integrationen"] / elb
        if not INTEGRATION_RATE[0] <= rate <= INTEGRATION_RATE[1]:
            out.append("integration_rate")
        share = totals["elb_langzeit"] / elb
        if not LANGZEIT_SHARE[0] <= share <= LANGZEIT_SHARE[1]:
            out.append("langzeit_share")
    if totals["einwohner_bis_rag"]:
        quote = elb / totals["einwohner_bis_rag"]
        if not ELB_QUOTE[0] <= quote <= ELB_QUOTE[1]:
            out.append("elb_quote")
    if totals["bedarfsgemeinschaften"] and elb / totals["bedarfsgemeinschaften"] > ELB_PER_BG_MAX:
        out.append("elb_per_bg")
    return out


def canonical_row(row: dict) -> dict:
    """A row for JSON output: money as a two-decimal string."""
    return {c: (euro(row[c]) if c in MONEY_COLUMNS else row[c]) for c in COLUMNS}


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="seconds")


class Simulator:
    """All simulated jobcenters: state of publications, corrections and faults."""

    def __init__(
        self,
        seed: int = 42,
        scale: int = 1,
        today: date | None = None,
        faults: list[dict[str, Any]] | None = None,
        gateway: Any = None,
    ) -> None:
        self.seed = seed
        self.scale = scale
        self.world: World = world(seed, scale)
        self.fixed_today = today
        # A simulator.gateway.GatewayClient: publications reach the product over HTTP.
        self.gateway = gateway
        self.profiles = {jc.kreis_ags: profile(seed, jc.kreis_ags) for jc in self.world.jobcenters}
        self.faults: list[Fault] = []
        self._runtime_revisions: dict[tuple[str, str], list[datetime]] = {}
        self._published_now: dict[tuple[str, str], datetime] = {}
        self._counters: dict[tuple[str, str, str], int] = {}
        self._served: OrderedDict[tuple[str, str, int], Served] = OrderedDict()
        self._etags: dict[tuple[str, str, int, datetime], tuple[str, str]] = {}
        self._lock = threading.RLock()
        if faults:
            self.add_faults(faults)

    # -- clock (the only reads of the real time) ------------------------------------------

    def today(self) -> date:
        """The simulator's date: ``--today`` if given, else ``JCW_TODAY`` (the clock of the
        world it plays in), else the real date in Germany."""
        if self.fixed_today:
            return self.fixed_today
        configured = os.environ.get("JCW_TODAY")
        if configured:
            return date.fromisoformat(configured)
        return datetime.now(UTC).astimezone(BERLIN).date()

    def now(self) -> datetime:
        """The simulator's time: today's date with the real UTC time of day."""
        real = datetime.now(UTC)
        return datetime.combine(self.today(), real.time().replace(microsecond=0), tzinfo=UTC)

    # -- faults -----------------------------------------------------------------------------

    def add_faults(self, specs: list[dict[str, Any]]) -> list[Fault]:
        """Add faults (scenario entries); served bodies are recomputed."""
        parsed = [parse_fault(s, set(self.profiles)) for s in specs]
        with self._lock:
            self.faults.extend(parsed)
            self._served.clear()
            self._etags.clear()
        return parsed

    def faults_for(self, kreis_ags: str, period: str) -> list[Fault]:
        """Faults that apply to one report, in the order they were added."""
        return [f for f in self.faults if f.matches(kreis_ags, period)]

    def fault(self, kreis_ags: str, period: str, name: str) -> Fault | None:
        """The first fault named ``name`` that applies to a report, if any."""
        return next((f for f in self.faults_for(kreis_ags, period) if f.fault == name), None)

    def content_fault(self, kreis_ags: str, period: str, name: str, revision: int) -> Fault | None:
        """The content fault ``name`` if it spoils this revision of the report."""
        f = self.fault(kreis_ags, period, name)
        return f if f is not None and f.applies_to_revision(revision) else None

    def blackholed(self) -> set[str]:
        """Jobcenters whose connection goes to a black hole (per jobcenter, every period)."""
        return {f.kreis_ags for f in self.faults if f.fault == "connect_blackhole"}

    def take_transient(self, kreis_ags: str, period: str, name: str) -> Fault | None:
        """The transient fault ``name`` if it still has failures left; counts one use."""
        with self._lock:
            f = self.fault(kreis_ags, period, name)
            if f is None:
                return None
            key = (kreis_ags, period, name)
            used = self._counters.get(key, 0)
            limit = f.get("n")
            if limit is not None and used >= limit:
                return None
            self._counters[key] = used + 1
            return f

    # -- publication ------------------------------------------------------------------------

    def scheduled_publication(self, kreis_ags: str, period: str) -> datetime | None:
        """When revision 1 is published by the schedule (None: never)."""
        if self.fault(kreis_ags, period, "never"):
            return None
        late = self.fault(kreis_ags, period, "late")
        day = int(late.get("day")) if late else self.profiles[kreis_ags].publication_day
        start = due_month_start(period)
        return datetime.combine(start + timedelta(days=day - 1), time(6, 0), tzinfo=UTC)

    def revisions(self, kreis_ags: str, period: str, today: date) -> list[datetime]:
        """Publication times of the published revisions (index 0 is revision 1); [] if none."""
        first = self._published_now.get((kreis_ags, period))
        if first is None:
            first = self.scheduled_publication(kreis_ags, period)
            if first is None or first.date() > today:
                return []
        correction = self.fault(kreis_ags, period, "correction")
        static = int(correction.get("revisions")) if correction else 1
        times = [first + timedelta(hours=r) for r in range(static)]
        return times + self._runtime_revisions.get((kreis_ags, period), [])

    def published_periods(self, kreis_ags: str, today: date) -> list[str]:
        """Periods with at least one published revision, oldest first."""
        last = month_index(last_closed_period(today))
        return [
            period_of(i)
            for i in range(month_index(FIRST_PERIOD), last + 1)
            if self.revisions(kreis_ags, period_of(i), today)
        ]

    # -- content ----------------------------------------------------------------------------

    def rows(self, kreis_ags: str, period: str, revision: int) -> list[dict]:
        """Canonical rows of a revision, with accepted-content faults applied (cents)."""
        start, end = self.world.bounds[self.world.index[kreis_ags]]
        n = end - start
        factors: dict[int, float] = {}
        if revision > 1:
            # Each correction raises the ELB of one Gemeinde by 3 %, cycling through the
            # Gemeinden with at least 50 ELB (largest first), so every revision's bytes differ.
            base = self.world.kreis_rows(kreis_ags, period)
            order = sorted(range(n), key=lambda i: -base[i]["elb"])
            big = [i for i in order if base[i]["elb"] >= 50] or order
            for r in range(2, revision + 1):
                pos = big[(r - 2) % len(big)]
                factors[pos] = factors.get(pos, 1.0) * 1.03
        soft = self.fault(kreis_ags, period, "soft_warning")
        soft_rule = soft.get("rule") if soft else None
        int_rate = 0.08 if soft_rule == "integration_rate" else None
        if soft_rule == "elb_jump":
            factors = {p: factors.get(p, 1.0) * 1.30 for p in range(n)}
        rows = self.world.kreis_rows(kreis_ags, period, factors or None, int_rate)
        if soft_rule == "gemeinde_missing":
            if n == 1:  # a kreisfreie Stadt reports under a new Gemeindeschlüssel
                rows[0]["gemeinde_ags"] = f"{kreis_ags}001"
            else:  # the smallest Gemeinde (below 2 % of the Kreis) is left out
                rows.pop(min(range(n), key=lambda i: rows[i]["einwohner"]))
        formula = self.fault(kreis_ags, period, "formula_cells")
        if formula:
            rows[0]["gemeinde_name"] = str(formula.get("value"))
        return rows

    def served(self, kreis_ags: str, period: str, revision: int, published_at: datetime) -> Served:
        """The body of a revision as served (content faults applied), cached."""
        key = (kreis_ags, period, revision)
        with self._lock:
            hit = self._served.get(key)
        if hit is not None and hit.published_at == published_at:
            return hit
        served = self._render(kreis_ags, period, revision, published_at)
        with self._lock:
            self._served[key] = served
            while len(self._served) > SERVED_CACHE:
                self._served.popitem(last=False)
            self._etags[(*key, published_at)] = (served.etag, served.sha256)
        return served

    def etag(self, kreis_ags: str, period: str, revision: int, published_at: datetime) -> str:
        """ETag of a revision (remembered even after the body left the cache)."""
        hit = self._etags.get((kreis_ags, period, revision, published_at))
        if hit is not None:
            return hit[0]
        return self.served(kreis_ags, period, revision, published_at).etag

    def _render(self, kreis_ags: str, period: str, revision: int, published_at: datetime) -> Served:
        prof = self.profiles[kreis_ags]
        rows = self.rows(kreis_ags, period, revision)
        faults = self.faults_for(kreis_ags, period)
        names = {f.fault for f in faults}
        if "html_200" in names:
            body, ctype = LOGIN_PAGE.encode("utf-8"), "text/html; charset=utf-8"
            return Served(kreis_ags, period, revision, body, ctype, published_at)
        columns = COLUMNS
        violated = self.content_fault(kreis_ags, period, "violated_rule", revision)
        stated_period = period
        if violated:
            rows, columns, stated_period = _violate(
                rows, str(violated.get("rule")), kreis_ags, period, self.world
            )
        broken = self.content_fault(kreis_ags, period, "broken_rows", revision)
        fmt = prof.wire_format
        if broken and fmt.startswith("json"):
            row = rows[min(1, len(rows) - 1)]
            if broken.get("kind") == "non_numeric":
                row["elb"] = "zwölf"
            else:
                del row["elb"]
        elif broken and broken.get("kind") == "non_numeric":
            rows[min(1, len(rows) - 1)]["elb"] = "12a"
        if self.content_fault(kreis_ags, period, "wrong_encoding", revision):
            # German CSV in UTF-8 bytes, declared windows-1252: the umlauts break.
            body = to_csv(rows, german=True, columns=columns).encode("utf-8")
            ctype = CONTENT_TYPES["csv_de"]
        else:
            body, ctype = encode(
                fmt, rows, kreis_ags, stated_period, _iso(published_at), prof.software, columns
            )
        if broken and not fmt.startswith("json") and broken.get("kind") != "non_numeric":
            body = _extra_field(body, fmt)
        return Served(kreis_ags, period, revision, body, ctype, published_at)

    def latest(self, kreis_ags: str, period: str, today: date) -> Served | None:
        """The current revision of a report, or None while it is not published."""
        times = self.revisions(kreis_ags, period, today)
        if not times:
            return None
        return self.served(kreis_ags, period, len(times), times[-1])

    def index(self, kreis_ags: str, today: date) -> dict[str, Any]:
        """The ``GET /v1/reports`` document of a jobcenter."""
        reports = []
        for period in self.published_periods(kreis_ags, today):
            times = self.revisions(kreis_ags, period, today)
            etag = self.etag(kreis_ags, period, len(times), times[-1])
            reports.append(
                {
                    "period": period,
                    "revision": len(times),
                    "etag": etag,
                    "published_at": _iso(times[-1]),
                }
            )
        return {"kreis_ags": kreis_ags, "reports": reports}

    # -- runtime changes (admin) --------------------------------------------------------------

    def publish(self, kreis_ags: str, period: str) -> dict[str, Any]:
        """Publish a report now (a late report arrives); returns the event."""
        self._check(kreis_ags, period)
        with self._lock:
            today = self.today()
            if not self.revisions(kreis_ags, period, today):
                self._published_now[(kreis_ags, period)] = self.now()
            return self._emit(kreis_ags, period, today)

    def correct(self, kreis_ags: str, period: str) -> dict[str, Any]:
        """Publish a corrected revision of a published report; returns the event."""
        self._check(kreis_ags, period)
        with self._lock:
            today = self.today()
            times = self.revisions(kreis_ags, period, today)
            if not times:
                raise LookupError(f"{kreis_ags} {period} is not published, nothing to correct")
            at = max(self.now(), times[-1] + timedelta(seconds=1))
            self._runtime_revisions.setdefault((kreis_ags, period), []).append(at)
            return self._emit(kreis_ags, period, today)

    def scheduled_between(self, after: date, until: date) -> list[tuple[str, str]]:
        """Reports whose scheduled publication date lies in (after, until], by date."""
        found = []
        day = after + timedelta(days=1)
        while day <= until:
            first = date(day.year, day.month, 1)
            period = last_closed_period(first)
            for ags in self.profiles:
                if (ags, period) in self._published_now:
                    continue
                at = self.scheduled_publication(ags, period)
                if at is not None and at.date() == day:
                    found.append((ags, period))
            day += timedelta(days=1)
        return found

    def advance(self, until: date) -> list[dict[str, Any]]:
        """Move the simulator clock forward to ``until``; returns the events of the reports
        (scheduled, including late ones) that this publishes and delivers to the gateway."""
        with self._lock:
            before = self.today()
            if until < before:
                raise ValueError(f"the clock only moves forward ({before} -> {until})")
            due = self.scheduled_between(before, until)
            self.fixed_today = until
            return [self._emit(ags, period, until) for ags, period in due]

    def _check(self, kreis_ags: str, period: str) -> None:
        if kreis_ags not in self.profiles:
            raise KeyError(f"unknown kreis_ags {kreis_ags!r}")
        month_index(period)

    def _emit(self, kreis_ags: str, period: str, today: date) -> dict[str, Any]:
        s = self.latest(kreis_ags, period, today)
        assert s is not None  # noqa: S101 - called right after publishing
        event = {
            "kreis_ags": kreis_ags,
            "period": period,
            "revision": s.revision,
            "etag": s.etag,
            "published_at": _iso(s.published_at),
        }
        if self.gateway is not None:
            delivery = self.gateway.deliver(s, self.now())
            if delivery is not None:
                event["delivery"] = delivery
        return event

    # -- ground truth -----------------------------------------------------------------------

    def outcome(self, kreis_ags: str, period: str, today: date) -> tuple[str, str | None]:
        """("accepted", None), ("correction_rejected", rule), ("rejected", rule) or
        ("missing", fetch failure kind).

        A correction whose revision breaks a rule while an earlier revision was valid is
        ``correction_rejected``: the earlier revision stays valid (the truth assumes each
        revision was fetched while it was the current one).
        """
        times = self.revisions(kreis_ags, period, today)
        if not times:
            return "missing", "not_published"
        faults = self.faults_for(kreis_ags, period)
        if kreis_ags in self.blackholed():
            return "missing", "timeout"
        kind = missing_kind(faults)
        if kind:
            return "missing", kind
        rule = rejected_rule(faults, len(times))
        if rule:
            valid = self.valid_revision(kreis_ags, period, today)
            return ("correction_rejected" if valid else "rejected"), rule
        return "accepted", None

    def valid_revision(self, kreis_ags: str, period: str, today: date) -> int | None:
        """The latest published revision that breaks no rule (None: none does)."""
        faults = self.faults_for(kreis_ags, period)
        n = len(self.revisions(kreis_ags, period, today))
        return next((r for r in range(n, 0, -1) if rejected_rule(faults, r) is None), None)

    def _previous_accepted(self, kreis_ags: str, period: str, today: date) -> str | None:
        i = month_index(period) - 1
        while i >= 0:
            if self.outcome(kreis_ags, period_of(i), today)[0] in ACCEPTED:
                return period_of(i)
            i -= 1
            if month_index(period) - i > 36:
                break
        return None

    def expected(self, kreis_ags: str, period: str, today: date) -> dict[str, Any]:
        """Ground truth for one report: what the pipeline must conclude."""
        verdict, reason = self.outcome(kreis_ags, period, today)
        faults = [f.fault for f in self.faults_for(kreis_ags, period)]
        if kreis_ags in self.blackholed() and "connect_blackhole" not in faults:
            faults.append("connect_blackhole")
        entry: dict[str, Any] = {"expected": verdict, "faults": faults}
        if verdict == "missing":
            entry["kind"] = reason
            return entry
        times = self.revisions(kreis_ags, period, today)
        history = [self.served(kreis_ags, period, r + 1, t) for r, t in enumerate(times)]
        valid = self.valid_revision(kreis_ags, period, today)
        current = history[(valid or len(history)) - 1]
        first_day = history[0].published_at.astimezone(BERLIN).date()
        entry |= {
            "revision": current.revision,
            "sha256": current.sha256,
            "etag": current.etag,
            "content_type": current.content_type,
            "wire_format": self.profiles[kreis_ags].wire_format,
            "published_at": _iso(history[0].published_at),
            "late": first_day > due_month_start(period) + timedelta(days=DUE_DAY - 1),
            "revisions": [
                {
                    "revision": s.revision,
                    "sha256": s.sha256,
                    "etag": s.etag,
                    "published_at": _iso(s.published_at),
                }
                for s in history
            ],
        }
        if verdict != "accepted":
            entry["rule"] = reason
            entry["latest_revision"] = len(history)
        if verdict == "rejected":
            return entry
        entry |= self._figures(kreis_ags, period, current.revision, today)
        return entry

    def _figures(self, kreis_ags: str, period: str, revision: int, today: date) -> dict:
        """Totals, rows and expected warnings of the valid revision of a report."""
        rows = self.rows(kreis_ags, period, revision)
        totals = kreis_totals(rows)
        prev_period = self._previous_accepted(kreis_ags, period, today)
        previous = None
        if prev_period is not None:
            prev_revision = self.valid_revision(kreis_ags, prev_period, today)
            prev_rows = self.rows(kreis_ags, prev_period, prev_revision)
            previous = (kreis_totals(prev_rows), {r["gemeinde_ags"] for r in prev_rows})
        return {
            "warnings": soft_warnings(totals, {r["gemeinde_ags"] for r in rows}, previous),
            "totals": {c: (euro(v) if c in MONEY_COLUMNS else v) for c, v in totals.items()},
            "rows": [canonical_row(r) for r in rows],
        }

    def truth(self, period: str, today: date | None = None) -> dict[str, Any]:
        """Ground truth of one period for every jobcenter, with national totals."""
        today = today or self.today()
        month_index(period)
        reports = {ags: self.expected(ags, period, today) for ags in self.profiles}
        accepted = [e for e in reports.values() if e["expected"] in ACCEPTED]
        national: dict[str, Any] = {"jobcenters_reporting": len(accepted)}
        for c in COUNT_COLUMNS:
            national[c] = sum(e["totals"][c] for e in accepted)
        national["personen"] = national["elb"] + national["nef"]
        for c in MONEY_COLUMNS:
            cents = sum(int(e["totals"][c].replace(".", "")) for e in accepted)
            national[c] = euro(cents)
        summary = {
            v: sum(1 for e in reports.values() if e["expected"] == v)
            for v in ("accepted", "correction_rejected", "rejected", "missing")
        }
        return {
            "seed": self.seed,
            "scale": self.scale,
            "today": today.isoformat(),
            "period": period,
            "summary": summary,
            "national": national,
            "reports": reports,
        }


def _violate(
    rows: list[dict], rule: str, kreis_ags: str, period: str, w: World
) -> tuple[list[dict], tuple[str, ...], str]:
    """Break exactly one hard rule; returns rows, columns and the period the report states."""
    columns, stated = COLUMNS, period
    first, last = rows[0], rows[-1]
    if rule == "subgroup_exceeds_total":
        first["elb_frauen"] = first["elb"] + 1
    elif rule == "integration_sum_mismatch":
        first["integrationen"] += 1
    elif rule == "foreign_gemeinde":
        other = next(jc.kreis_ags for jc in w.jobcenters if jc.kreis_ags != kreis_ags)
        last["gemeinde_ags"] = other + last["gemeinde_ags"][5:]
    elif rule == "duplicate_gemeinde":
        if len(rows) == 1:
            rows.append(dict(first))
            half = {c: first[c] // 2 for c in ("einwohner", "einwohner_bis_rag")}
            first.update(half)
            rows[1].update({c: first[c] for c in half})
        else:
            last["gemeinde_ags"] = first["gemeinde_ags"]
    elif rule == "wrong_period":
        stated = shift(period, -1)
        for r in rows:
            r["period"] = stated
    elif rule == "population_off":
        for r in rows:
            r["einwohner"] = round(r["einwohner"] * 1.10)
    elif rule == "bg_exceeds_persons":
        first["bedarfsgemeinschaften"] = first["elb"] + first["nef"] + 1
    elif rule == "negative_count":
        first["elb_zugaenge"] = -1
    elif rule == "missing_column":
        columns = tuple(c for c in COLUMNS if c != "elb_arbeitslos")
    return rows, columns, stated


def _extra_field(body: bytes, fmt: str) -> bytes:
    """Append one field to the second data row (or the only one) of a CSV body."""
    sep = b";" if fmt.startswith("csv_de") else b","
    lines = body.split(b"\r\n")
    target = 2 if len(lines) > 3 else 1
    lines[target] += sep + b"0"
    return b"\r\n".join(lines)


__all__ = ["GERMAN_HEADERS", "Profile", "Served", "Simulator", "profile"]
