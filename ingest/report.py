"""The monthly national report (German): HTML with charts, its PDF, one profile per jobcenter.

Every figure is read from the published snapshot ``warehouse/jobcenters.duckdb`` (read-only,
one short-lived connection) and printed as it stands there. Charts are inline SVG drawn by
matplotlib, so the page needs no network. The PDF is the same HTML printed by headless
Chromium (``--print-to-pdf``); without Chromium the HTML is still written and the reason
the PDF is missing is returned and logged.

Output, below ``<JCW_DATA_DIR>/docs/report/<period>/`` unless ``out_dir`` is given:
``bericht_<period>.html``, ``bericht_<period>.pdf``, ``jobcenter/<kreis_ags>.html``.

Run from a shell: ``python -m ingest.report --period 2026-10``.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest import settings
from ingest.errors import JcwError

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# Marts of dbt_project/models/marts/reporting/ the report needs in the snapshot.
REPORTING_TABLES: tuple[str, ...] = (
    "target_achievement",
    "ranking_jobcenter_month",
    "comparison_group",
)
# Marts of the warehouse the report reads.
WAREHOUSE_TABLES: tuple[str, ...] = (
    "national_month",
    "dim_period",
    "land_month",
    "dim_jobcenter",
    "fct_jobcenter_month",
    "kpi_jobcenter_month",
    "submission_status",
)
TREND_MONTHS = 24
MOVERS = 5
# § 48a Kennzahlen in the order the report shows them: code, column, German name, better.
KENNZAHLEN: tuple[tuple[str, str, str, str], ...] = (
    ("K1", "k1", "Veränderung der Leistungen zum Lebensunterhalt", "lower"),
    ("K1E1", "k1e1", "Veränderung der Leistungen für Unterkunft und Heizung", "lower"),
    ("K1E2", "k1e2", "Veränderung der Zahl der ELB", "lower"),
    ("K2", "k2", "Integrationsquote", "higher"),
    ("K2E4", "k2e4", "Integrationsquote der Alleinerziehenden", "higher"),
    ("K3", "k3", "Veränderung des Bestands an Langzeitleistungsbeziehenden", "lower"),
    ("K3E1", "k3e1", "Integrationsquote der Langzeitleistungsbeziehenden", "higher"),
)
# National totals of the trend section: column, German label.
TOTALS: tuple[tuple[str, str, str], ...] = (
    ("personen", "Personen (ELB + NEF)", "Personen"),
    ("bedarfsgemeinschaften", "Bedarfsgemeinschaften", "BG"),
    ("elb", "Erwerbsfähige Leistungsberechtigte (ELB)", "ELB"),
    ("integrationen", "Integrationen im Monat", "Integrationen"),
    ("einwohner", "Erfasste Einwohner", "Einwohner"),
    ("jobcenters_reporting", "Berichtende Jobcenter", "Jobcenter"),
)
# Totals whose change is also shown over the jobcenters reporting in both months.
SAME_COLUMNS = ("personen", "bedarfsgemeinschaften", "elb", "integrationen", "einwohner")
STATUS_DE = {
    "accepted": "angenommen",
    "rejected": "abgelehnt",
    "received": "eingegangen, ungeprüft",
    "missing": "fehlt",
}
# Short German names of the derived comparison groups (comparison_group codes).
GROUP_SHORT = {
    "stadt": "Stadt",
    "landkreis_klein": "LK < 200 Tsd.",
    "landkreis_gross": "LK ≥ 200 Tsd.",
    "niedrig": "Quote ≤ Median",
    "hoch": "Quote > Median",
    "unbekannt": "Quote unbekannt",
}
ACHIEVEMENT_DE = {
    "achieved": "erreicht",
    "missed": "verfehlt",
    "on_track": "auf Kurs",
    "off_track": "nicht auf Kurs",
    "no_data": "keine Daten",
}
TARGET_INDICATORS: tuple[tuple[str, str], ...] = (
    ("K2", "K2 Integrationsquote (%)"),
    ("K3", "K3 Langzeitleistungsbeziehende, Veränderung Jahresdurchschnitt (%)"),
    ("integrationen", "Integrationen im Jahr"),
)
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MONTHS_DE = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


class ReportFailed(JcwError):
    """The report for a period could not be generated (no snapshot, no data, bad period)."""


@dataclass(frozen=True)
class ReportPaths:
    """Where the report was written. ``pdf`` is None when no PDF engine was available;
    ``pdf_problem`` then says why."""

    html: Path
    pdf: Path | None
    profiles_dir: Path
    pdf_problem: str | None = None
    profiles_pdf: Path | None = None


@dataclass
class ReportData:
    """Everything the templates print, read from the snapshot for one period."""

    period: str
    snapshot_info: dict[str, Any]
    national: list[dict[str, Any]]  # TREND_MONTHS months ending at period, oldest first
    lands: list[dict[str, Any]]  # land_month of period with land_name
    jobcenters: list[dict[str, Any]]  # one per jobcenter: registry, figures, KPIs, ranks
    status_counts: dict[str, int]
    incomplete: list[dict[str, Any]]  # missing / rejected / received in period
    late: list[dict[str, Any]]
    movers_up: list[dict[str, Any]]
    movers_down: list[dict[str, Any]]
    targets: list[dict[str, Any]]  # target_achievement of the period's year
    target_summary: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    # change against the previous month over the jobcenters that reported in both months
    same_jobcenters_change: dict[str, float | None] = field(default_factory=dict)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per kreis_ags


# --------------------------------------------------------------------------- formatting


def fmt_int(value: Any) -> str:
    """German integer: 1.234.567; ``–`` for a missing value."""
    if value is None:
        return "–"
    return f"{round(value):,}".replace(",", ".")


def fmt_num(value: Any, decimals: int = 1, *, signed: bool = False) -> str:
    """German decimal: 20,3 (``+1,2`` when signed); ``–`` for a missing value."""
    if value is None:
        return "–"
    value = float(value)
    if round(value, decimals) == 0:
        value = 0.0  # no "-0,0"
    text = f"{value:{'+' if signed else ''},.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def fmt_pct(value: Any, decimals: int = 1, *, signed: bool = False) -> str:
    """German percent: 20,3 %."""
    return "–" if value is None else f"{fmt_num(value, decimals, signed=signed)} %"


def month_name(period: str) -> str:
    """``2026-10`` → ``Oktober 2026``."""
    return f"{_MONTHS_DE[int(period[5:]) - 1]} {period[:4]}"


def group_short(code: str | None) -> str:
    """``landkreis_klein_hoch`` → ``LK < 200 Tsd. · Quote > Median``."""
    if not code:
        return "–"
    band, _, quota = code.rpartition("_")
    return f"{GROUP_SHORT.get(band, band)} · {GROUP_SHORT.get(quota, quota)}"


def shift_period(period: str, months: int) -> str:
    """The month ``months`` after (or before, if negative) ``period``."""
    index = int(period[:4]) * 12 + int(period[5:]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --------------------------------------------------------------------------- data


def _rows(con, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _check_tables(con, period: str) -> None:
    present = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    missing = [t for t in (*WAREHOUSE_TABLES, *REPORTING_TABLES) if t not in present]
    if missing:
        raise ReportFailed(
            None,
            period,
            "the published snapshot lacks the table(s) "
            + ", ".join(missing)
            + " (ingest.warehouse.PUBLISHED_TABLES must include them)",
        )


def load(con, period: str) -> ReportData:
    """Read every figure of the report for ``period`` from an open snapshot connection."""
    _check_tables(con, period)
    first = shift_period(period, -(TREND_MONTHS - 1))
    national = _rows(
        con,
        "select n.*, coalesce(d.is_final, false) as is_final from national_month n "
        "left join dim_period d on n.period = d.period "
        "where n.period between ? and ? order by n.period",
        [first, period],
    )
    if not national or national[-1]["period"] != period:
        latest = con.execute("select max(period) from national_month").fetchone()[0]
        raise ReportFailed(
            None, period, f"no data for this month in the snapshot (latest month: {latest})"
        )
    lands = _rows(
        con,
        "select l.*, coalesce(d.land_name, l.land) as land_name from land_month l "
        "left join (select distinct land, land_name from dim_jobcenter) d on l.land = d.land "
        "where l.period = ? order by l.land",
        [period],
    )
    jobcenters = _load_jobcenters(con, period)
    statuses = _rows(
        con,
        "select s.*, j.name, j.land from submission_status s "
        "join dim_jobcenter j on s.kreis_ags = j.kreis_ags where s.period = ? "
        "order by s.kreis_ags",
        [period],
    )
    status_counts = {key: 0 for key in STATUS_DE}
    for s in statuses:
        status_counts[s["status"]] = status_counts.get(s["status"], 0) + 1
    incomplete = [s for s in statuses if s["status"] != "accepted"]
    late = [s for s in statuses if s["timeliness"] == "late"]
    movable = [j for j in jobcenters if j["elb_change_pct"] is not None]
    movable.sort(key=lambda j: (j["elb_change_pct"], j["kreis_ags"]))
    movers_down = movable[:MOVERS]
    movers_up = sorted(movable[-MOVERS:], key=lambda j: (-j["elb_change_pct"], j["kreis_ags"]))
    year = int(period[:4])
    targets = _rows(
        con,
        "select t.*, j.name, j.land from target_achievement t "
        "join dim_jobcenter j on t.kreis_ags = j.kreis_ags where t.calendar_year = ? "
        "order by t.kreis_ags, t.indicator",
        [year],
    )
    target_summary = _rows(
        con,
        "select indicator, achievement_status, cast(count(*) as integer) as jobcenters "
        "from target_achievement where calendar_year = ? group by all order by all",
        [year],
    )
    groups = _rows(
        con,
        "select comparison_group, comparison_group_label, cast(count(*) as integer) as members, "
        "min(sgb2_quote_median) as sgb2_quote_median from comparison_group "
        "group by all order by comparison_group",
    )
    history_rows = _rows(
        con,
        "select k.kreis_ags, k.period, f.elb, f.integrationen, f.personen, k.k2, k.k3 "
        "from kpi_jobcenter_month k left join fct_jobcenter_month f "
        "on k.kreis_ags = f.kreis_ags and k.period = f.period "
        "where k.period between ? and ? order by k.kreis_ags, k.period",
        [first, period],
    )
    history: dict[str, list[dict[str, Any]]] = {}
    for row in history_rows:
        history.setdefault(row["kreis_ags"], []).append(row)
    info = _rows(con, "select * from snapshot_info") if _has(con, "snapshot_info") else []
    same = _rows(
        con,
        "select "
        + ", ".join(
            f"sum(c.{col}) as {col}, sum(p.{col}) as {col}_previous" for col in SAME_COLUMNS
        )
        + " from fct_jobcenter_month c join fct_jobcenter_month p "
        "on c.kreis_ags = p.kreis_ags and p.period = ? where c.period = ?",
        [shift_period(period, -1), period],
    )[0]
    same_change = {
        col: (same[col] - same[f"{col}_previous"]) * 100.0 / same[f"{col}_previous"]
        if same[f"{col}_previous"]
        else None
        for col in SAME_COLUMNS
    }
    return ReportData(
        period=period,
        snapshot_info=info[0] if info else {},
        national=national,
        lands=lands,
        jobcenters=jobcenters,
        status_counts=status_counts,
        incomplete=incomplete,
        late=late,
        movers_up=movers_up,
        movers_down=movers_down,
        targets=targets,
        target_summary=target_summary,
        groups=groups,
        same_jobcenters_change=same_change,
        history=history,
    )


def _has(con, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where table_name = ?", [table]
        ).fetchone()[0]
    )


def _load_jobcenters(con, period: str) -> list[dict[str, Any]]:
    """One dict per registered jobcenter: figures of the month, KPIs, ranks and status."""
    previous = shift_period(period, -1)
    rows = _rows(
        con,
        """
        select
            j.kreis_ags, j.name, j.kind, j.land, j.land_name,
            g.comparison_group, g.comparison_group_label,
            f.personen, f.bedarfsgemeinschaften, f.elb, f.nef, f.integrationen, f.einwohner,
            f.revision,
            p.elb as elb_previous,
            s.status, s.timeliness,
            k.k1, k.k1e1, k.k1e2, k.k2, k.k2e4, k.k3, k.k3e1, k.sgb2_quote, k.elb_quote
        from dim_jobcenter j
        left join comparison_group g on j.kreis_ags = g.kreis_ags
        left join fct_jobcenter_month f on j.kreis_ags = f.kreis_ags and f.period = ?
        left join fct_jobcenter_month p on j.kreis_ags = p.kreis_ags and p.period = ?
        left join submission_status s on j.kreis_ags = s.kreis_ags and s.period = ?
        left join kpi_jobcenter_month k on j.kreis_ags = k.kreis_ags and k.period = ?
        order by j.kreis_ags
        """,
        [period, previous, period, period],
    )
    ranks = _rows(
        con, "select * from ranking_jobcenter_month where period = ? order by all", [period]
    )
    by_ags: dict[str, dict[str, Any]] = {}
    for r in ranks:
        by_ags.setdefault(r["kreis_ags"], {})[r["indicator"]] = r
    for row in rows:
        row["ranks"] = by_ags.get(row["kreis_ags"], {})
        elb, prev = row["elb"], row["elb_previous"]
        row["elb_change_pct"] = (elb - prev) * 100.0 / prev if elb is not None and prev else None
        row["elb_change_abs"] = elb - prev if elb is not None and prev is not None else None
    return rows


# --------------------------------------------------------------------------- charts


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: searchable, and readable by tests
            "svg.hashsalt": "jcw-report",  # stable ids: the same data gives the same file
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def _svg(fig) -> str:
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _tick_labels(periods: list[str]) -> list[str]:
    return [f"{p[5:]}/{p[2:4]}" for p in periods]


def _thousands(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_int(round(v))))


def _percent(ax) -> None:
    """German tick labels with as many decimals as the tick step needs."""
    import math

    from matplotlib.ticker import FixedLocator, FuncFormatter

    ticks = list(ax.get_yticks())
    step = min((b - a for a, b in zip(ticks, ticks[1:], strict=False)), default=1.0) or 1.0
    decimals = max(0, min(3, -math.floor(math.log10(abs(step)))))
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_num(v, decimals)))


def trend_chart(national: list[dict[str, Any]]) -> str:
    """Small multiples of the national totals over the trend months (SVG)."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    periods = [n["period"] for n in national]
    fig, axes = plt.subplots(2, 3, figsize=(11, 4.4))
    for ax, (col, label, _) in zip(axes.flat, TOTALS, strict=True):
        values = [n[col] for n in national]
        (line,) = ax.plot(range(len(periods)), values, color="#1f5f99", marker="o", markersize=2.5)
        line.set_gid(f"trend-{col}")
        ax.set_title(label, fontsize=9, loc="left")
        ax.set_xticks(range(0, len(periods), 6), _tick_labels(periods)[::6])
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        _thousands(ax)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    fig.tight_layout()
    return _svg(fig)


def kennzahl_trend_chart(national: list[dict[str, Any]]) -> str:
    """K2 and K3 nationally over the trend months (SVG)."""
    plt = _pyplot()
    periods = [n["period"] for n in national]
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 2.8))
    for ax, col, label in (
        (axes[0], "k2", "K2 Integrationsquote (%)"),
        (axes[1], "k3", "K3 Veränderung LZB ggü. Vorjahr (%)"),
    ):
        xs = [i for i, n in enumerate(national) if n[col] is not None]
        (line,) = ax.plot(
            xs, [national[i][col] for i in xs], color="#b5432a", marker="o", markersize=2.5
        )
        line.set_gid(f"kennzahl-{col}")
        ax.set_title(label, fontsize=9, loc="left")
        ax.set_xlim(-0.5, len(periods) - 0.5)
        ax.set_xticks(range(0, len(periods), 6), _tick_labels(periods)[::6])
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        _percent(ax)
    fig.tight_layout()
    return _svg(fig)


def land_chart(lands: list[dict[str, Any]], national: dict[str, Any]) -> str:
    """K2 and K3 by Land for the month, with the national value as a line (SVG)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.2))
    names = [land["land"] for land in lands]
    for ax, col, label in (
        (axes[0], "k2", "K2 nach Land (%)"),
        (axes[1], "k3", "K3 nach Land (%)"),
    ):
        values = [land[col] if land[col] is not None else 0.0 for land in lands]
        bars = ax.bar(names, values, color="#4a8bc2")
        for bar, land in zip(bars, names, strict=True):
            bar.set_gid(f"land-{col}-{land}")
        if national.get(col) is not None:
            ax.axhline(national[col], color="#b5432a", linewidth=1, label="Bund (zkT)")
            ax.legend(fontsize=8, frameon=False)
        ax.set_title(label, fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        _percent(ax)
    fig.tight_layout()
    return _svg(fig)


def profile_chart(history: list[dict[str, Any]], national: list[dict[str, Any]]) -> str:
    """One jobcenter: ELB, and its K2 against the national K2 (SVG)."""
    plt = _pyplot()
    periods = [n["period"] for n in national]
    index = {p: i for i, p in enumerate(periods)}
    fig, axes = plt.subplots(1, 2, figsize=(10, 2.6))

    def own_line(ax: Any, key: str, label: str) -> None:
        """The jobcenter's own series ``key`` over the national months (gid profile-<key>)."""
        own = [h for h in history if h["period"] in index and h[key] is not None]
        (line,) = ax.plot(
            [index[h["period"]] for h in own],
            [h[key] for h in own],
            color="#1f5f99",
            marker="o",
            markersize=2.5,
            label=label,
        )
        line.set_gid(f"profile-{key}")

    own_line(axes[0], "elb", "ELB")
    axes[0].set_title("ELB", fontsize=9, loc="left")
    _thousands(axes[0])
    own_line(axes[1], "k2", "Jobcenter")
    k2_nat = [(i, n["k2"]) for i, n in enumerate(national) if n["k2"] is not None]
    if k2_nat:
        axes[1].plot(
            [i for i, _ in k2_nat],
            [v for _, v in k2_nat],
            color="#b5432a",
            linewidth=1,
            label="Bund (zkT)",
        )
    axes[1].set_title("K2 Integrationsquote (%)", fontsize=9, loc="left")
    _percent(axes[1])
    axes[1].legend(fontsize=8, frameon=False)
    for ax in axes:
        ax.set_xlim(-0.5, len(periods) - 0.5)
        ax.set_xticks(range(0, len(periods), 6), _tick_labels(periods)[::6])
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    fig.tight_layout()
    return _svg(fig)


# --------------------------------------------------------------------------- rendering


def _environment():
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        int_de=fmt_int,
        num_de=fmt_num,
        pct_de=fmt_pct,
        month_de=month_name,
        svg=Markup,
        group_short=group_short,
    )
    env.globals.update(
        KENNZAHLEN=KENNZAHLEN,
        TOTALS=TOTALS,
        STATUS_DE=STATUS_DE,
        ACHIEVEMENT_DE=ACHIEVEMENT_DE,
        TARGET_INDICATORS=TARGET_INDICATORS,
    )
    return env


def render_national(data: ReportData) -> str:
    """The national report page (HTML, charts inline)."""
    current = data.national[-1]
    targets_by_ags: dict[str, dict[str, dict[str, Any]]] = {}
    for t in data.targets:
        targets_by_ags.setdefault(t["kreis_ags"], {})[t["indicator"]] = t
    return (
        _environment()
        .get_template("national.html.j2")
        .render(
            data=data,
            current=current,
            previous=data.national[-2] if len(data.national) > 1 else None,
            trend_svg=trend_chart(data.national),
            kennzahl_svg=kennzahl_trend_chart(data.national),
            land_svg=land_chart(data.lands, current),
            targets_by_ags=targets_by_ags,
            year=int(data.period[:4]),
        )
    )


def _profile_context(data: ReportData, jobcenter: dict[str, Any], chart_svg: str) -> dict:
    ags = jobcenter["kreis_ags"]
    return {
        "jc": jobcenter,
        "targets": [t for t in data.targets if t["kreis_ags"] == ags],
        "chart_svg": chart_svg,
    }


def profile_charts(data: ReportData) -> dict[str, str]:
    """The profile chart (SVG) of every jobcenter, by Kreisschlüssel."""
    return {
        jc["kreis_ags"]: profile_chart(data.history.get(jc["kreis_ags"], []), data.national)
        for jc in data.jobcenters
    }


def render_profile(data: ReportData, jobcenter: dict[str, Any], chart_svg: str) -> str:
    """The one-page profile of one jobcenter (HTML)."""
    return (
        _environment()
        .get_template("profile.html.j2")
        .render(
            data=data, year=int(data.period[:4]), **_profile_context(data, jobcenter, chart_svg)
        )
    )


def render_profile_book(data: ReportData, charts: dict[str, str]) -> str:
    """Every profile in one document, one page each (the source of the profiles PDF)."""
    profiles = [_profile_context(data, jc, charts[jc["kreis_ags"]]) for jc in data.jobcenters]
    return (
        _environment()
        .get_template("profile_book.html.j2")
        .render(data=data, year=int(data.period[:4]), profiles=profiles)
    )


# --------------------------------------------------------------------------- PDF


def chromium_binary() -> str | None:
    """Path of the Chromium used for the PDF (``JCW_CHROMIUM`` or ``chromium`` on PATH)."""
    configured = os.environ.get("JCW_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Chromium flags that keep the browser off the network (the report needs none).
OFFLINE_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_flags(profile_dir: Path) -> list[str]:
    """Headless flags that keep Chromium off the network and out of the user's profile."""
    return [
        "--headless",
        *OFFLINE_FLAGS,
        "--disable-extensions",
        f"--user-data-dir={profile_dir}",
    ]


def print_pdf(html: Path, pdf: Path, *, timeout_s: float = 120.0) -> str | None:
    """Print ``html`` to ``pdf`` with headless Chromium; return None or why it failed."""
    binary = chromium_binary()
    if binary is None:
        return (
            "PDF nicht erzeugt: Chromium fehlt (Debian: apt-get install chromium, "
            "oder JCW_CHROMIUM auf die ausführbare Datei setzen)"
        )
    tmp = pdf.with_name(f".{pdf.name}.tmp-{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="jcw-chromium-") as profile:
        cmd = [
            binary,
            *chromium_flags(Path(profile)),
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}",
            html.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except (OSError, subprocess.TimeoutExpired) as exc:
            tmp.unlink(missing_ok=True)
            return f"PDF nicht erzeugt: Chromium ist fehlgeschlagen ({type(exc).__name__})"
    if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        return f"PDF nicht erzeugt: Chromium endete mit {proc.returncode}: {tail}"
    os.replace(tmp, pdf)
    return None


# --------------------------------------------------------------------------- entry points


def default_out_dir(period: str) -> Path:
    """``<JCW_DATA_DIR>/docs/report/<period>``."""
    return settings.data_dir() / settings.DOCS / "report" / period


def _write(path: Path, text: str) -> None:
    """Write text to a temp name beside ``path`` and move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def generate(
    period: str,
    *,
    out_dir: Path | None = None,
    snapshot: Path | None = None,
    pdf: bool = True,
) -> ReportPaths:
    """Write the national report of ``period`` (HTML + PDF) and one profile per jobcenter.

    Reads the published snapshot (``snapshot`` or ``warehouse/jobcenters.duckdb``).
    Raises ReportFailed for a malformed period, a missing snapshot or a month without data.
    """
    import duckdb

    if not isinstance(period, str) or not _PERIOD.match(period):
        raise ReportFailed(None, str(period), "not a reporting month YYYY-MM")
    if snapshot is None:
        from ingest.warehouse import snapshot_path

        snapshot = snapshot_path()
    if not snapshot.exists():
        raise ReportFailed(None, period, f"no published snapshot at {snapshot}")
    try:
        con = duckdb.connect(str(snapshot), read_only=True)
        try:
            data = load(con, period)
        finally:
            con.close()
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReportFailed(None, period, f"reading {snapshot} failed: {first_line}") from exc

    out = Path(out_dir) if out_dir is not None else default_out_dir(period)
    profiles_dir = out / "jobcenter"
    html_path = out / f"bericht_{period}.html"
    book_path = profiles_dir / f"profile_{period}.html"
    _write(html_path, render_national(data))
    charts = profile_charts(data)
    for jc in data.jobcenters:
        ags = jc["kreis_ags"]
        _write(profiles_dir / f"{ags}.html", render_profile(data, jc, charts[ags]))
    _write(book_path, render_profile_book(data, charts))
    pdf_path: Path | None = None
    book_pdf: Path | None = None
    problem: str | None = None
    if pdf:
        pdf_path = out / f"bericht_{period}.pdf"
        book_pdf = profiles_dir / f"profile_{period}.pdf"
        for stale in (pdf_path, book_pdf):  # never leave a PDF of older figures beside the HTML
            stale.unlink(missing_ok=True)
        problem = print_pdf(html_path, pdf_path) or print_pdf(book_path, book_pdf)
        if problem:
            log.warning("%s: %s", period, problem)
        pdf_path = pdf_path if pdf_path.exists() else None
        book_pdf = book_pdf if book_pdf.exists() else None
    log.info("report %s written to %s", period, html_path)
    return ReportPaths(html_path, pdf_path, profiles_dir, problem, book_pdf)


def latest_period(snapshot: Path | None = None) -> str:
    """The latest month with data in the published snapshot."""
    import duckdb

    if snapshot is None:
        from ingest.warehouse import snapshot_path

        snapshot = snapshot_path()
    if not snapshot.exists():
        raise ReportFailed(None, None, f"no published snapshot at {snapshot}")
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        latest = con.execute("select max(period) from national_month").fetchone()[0]
    finally:
        con.close()
    if latest is None:
        raise ReportFailed(None, None, "the published snapshot has no month with data")
    return latest


def generate_latest(*, out_dir: Path | None = None) -> ReportPaths:
    """The report of the latest month in the published snapshot (run after each publish)."""
    return generate(latest_period(), out_dir=out_dir)


def main(argv: list[str] | None = None) -> int:
    """``python -m ingest.report [--period YYYY-MM] [--out DIR] [--no-pdf]``."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest.report",
        description="Monatsbericht der kommunalen Jobcenter (HTML, PDF, Jobcenter-Profile)",
    )
    parser.add_argument("--period", help="Berichtsmonat YYYY-MM (Standard: letzter Monat)")
    parser.add_argument("--out", type=Path, help="Zielordner (Standard: data/docs/report/<period>)")
    parser.add_argument("--no-pdf", action="store_true", help="nur HTML schreiben")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        period = args.period or latest_period()
        paths = generate(period, out_dir=args.out, pdf=not args.no_pdf)
    except ReportFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Bericht: {paths.html}")
    print(f"PDF:     {paths.pdf}" if paths.pdf else f"PDF:     {paths.pdf_problem}")
    print(f"Profile: {paths.profiles_dir}/<Kreisschlüssel>.html")
    if paths.profiles_pdf:
        print(f"         {paths.profiles_pdf} (eine Seite je Jobcenter)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
