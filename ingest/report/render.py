"""The report's HTML: the national page, one profile per jobcenter, and the profile book.

Jinja2 templates in ``templates/`` with German formats (:mod:`ingest.core.german`); charts
from :mod:`ingest.report.charts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.core.german import count, fmt_date, fmt_int, fmt_num, fmt_pct, month_name
from ingest.core.states import FETCH_FAILURES_DE, STATES_DE
from ingest.report.charts import (
    TOTALS,
    kennzahl_trend_chart,
    land_chart,
    profile_chart,
    trend_chart,
)
from ingest.report.data import ReportData

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# States whose reports are not in the month's reported sums.
NOT_COUNTED = ("missing", "rejected", "received")
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


def group_short(code: str | None) -> str:
    """``landkreis_klein_hoch`` → ``LK < 200 Tsd. · Quote > Median``."""
    if not code:
        return "–"
    band, _, quota = code.rpartition("_")
    return f"{GROUP_SHORT.get(band, band)} · {GROUP_SHORT.get(quota, quota)}"


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
        date_de=fmt_date,
        svg=Markup,
        group_short=group_short,
        fetch_failure_de=lambda code: FETCH_FAILURES_DE.get(code, code),
    )
    env.globals.update(
        count=count,
        KENNZAHLEN=KENNZAHLEN,
        TOTALS=TOTALS,
        STATUS_DE=STATES_DE,
        ACHIEVEMENT_DE=ACHIEVEMENT_DE,
        TARGET_INDICATORS=TARGET_INDICATORS,
    )
    return env


def footer(data: ReportData) -> str:
    """The line at the foot of every page: month, reference date and the snapshot's build."""
    parts = [f"Monatsbericht {month_name(data.period)}"]
    as_of = data.national[-1].get("as_of") if data.national else None
    if as_of is not None:
        parts.append(f"Stand {fmt_date(as_of)}")
    build = (data.snapshot_info or {}).get("dbt_invocation_id")
    if build:
        parts.append(f"Build {build}")
    return " · ".join(parts)


def banner(data: ReportData) -> dict[str, Any] | None:
    """What the page must say first when its month is not complete or not yet due."""
    current = data.national[-1]
    not_due = current["as_of"] is not None and current["as_of"] <= current["due_date"]
    if current["is_complete"] and not not_due:
        return None
    missing = [s for s in data.incomplete if s["status"] in NOT_COUNTED]
    return {"not_due": not_due, "missing": missing}


def render_national(data: ReportData) -> str:
    """The national report page (HTML, charts inline)."""
    current = data.national[-1]
    previous = data.national[-2] if len(data.national) > 1 else None
    targets_by_ags: dict[str, dict[str, dict[str, Any]]] = {}
    for t in data.targets:
        targets_by_ags.setdefault(t["kreis_ags"], {})[t["indicator"]] = t
    return (
        _environment()
        .get_template("national.html.j2")
        .render(
            data=data,
            current=current,
            previous=previous,
            banner=banner(data),
            estimated=current["is_estimated"] or bool(previous and previous["is_estimated"]),
            trend_svg=trend_chart(data.national),
            kennzahl_svg=kennzahl_trend_chart(data.national),
            land_svg=land_chart(data.lands, current),
            targets_by_ags=targets_by_ags,
            year=int(data.period[:4]),
            footer=footer(data),
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
            data=data,
            year=int(data.period[:4]),
            footer=footer(data),
            **_profile_context(data, jobcenter, chart_svg),
        )
    )


def render_profile_book(data: ReportData, charts: dict[str, str]) -> str:
    """Every profile in one document, one page each (the source of the profiles PDF)."""
    profiles = [_profile_context(data, jc, charts[jc["kreis_ags"]]) for jc in data.jobcenters]
    return (
        _environment()
        .get_template("profile_book.html.j2")
        .render(data=data, year=int(data.period[:4]), profiles=profiles, footer=footer(data))
    )
