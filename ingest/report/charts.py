"""The report's charts: inline SVG drawn by matplotlib, so the page needs no network.

Text stays text in the SVG (searchable, and readable by tests), and ids are stable, so the
same data gives the same file. Charts do not mislead: a month with missing jobcenters is
drawn with its estimated total (a hollow marker, never as a fall to the reported sum), and
every value axis starts at zero or includes it.
"""

from __future__ import annotations

from typing import Any

from ingest.core.german import fmt_int, fmt_num

# National totals of the trend section: column, German label, short label.
TOTALS: tuple[tuple[str, str, str], ...] = (
    ("personen", "Personen (ELB + NEF)", "Personen"),
    ("bedarfsgemeinschaften", "Bedarfsgemeinschaften", "BG"),
    ("elb", "Erwerbsfähige Leistungsberechtigte (ELB)", "ELB"),
    ("integrationen", "Integrationen im Monat", "Integrationen"),
    ("einwohner", "Erfasste Einwohner", "Einwohner"),
    ("jobcenters_reporting", "Berichtende Jobcenter", "Jobcenter"),
)


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


def _include_zero(ax) -> None:
    """Stretch the value axis to zero: a wobble of 0.06 points must look like one."""
    low, high = ax.get_ylim()
    ax.set_ylim(min(low, 0.0), max(high, 0.0))


def trend_chart(national: list[dict[str, Any]]) -> str:
    """Small multiples of the national totals over the trend months (SVG)."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    periods = [n["period"] for n in national]
    fig, axes = plt.subplots(2, 3, figsize=(11, 4.4))
    for ax, (col, label, _) in zip(axes.flat, TOTALS, strict=True):
        values, estimated = trend_values(national, col)
        xs = range(len(periods))
        (line,) = ax.plot(xs, values, color="#1f5f99", marker="o", markersize=2.5)
        line.set_gid(f"trend-{col}")
        if estimated:
            (marks,) = ax.plot(
                estimated,
                [values[i] for i in estimated],
                linestyle="none",
                marker="o",
                markersize=5,
                markerfacecolor="white",
                markeredgecolor="#b5432a",
                label="geschätzt",
            )
            marks.set_gid(f"trend-{col}-estimated")
            ax.legend(fontsize=7, frameon=False, loc="lower left")
        ax.set_title(label, fontsize=9, loc="left")
        ax.set_xticks(range(0, len(periods), 6), _tick_labels(periods)[::6])
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        _thousands(ax)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    fig.tight_layout()
    return _svg(fig)


def trend_values(national: list[dict[str, Any]], col: str) -> tuple[list, list[int]]:
    """The series of a national total: the estimated total where a month is incomplete (so a
    month with missing jobcenters is never drawn as a fall), and the indexes estimated."""
    estimated_col = f"{col}_estimated"
    values, estimated = [], []
    for i, n in enumerate(national):
        if not n.get("is_complete", True) and n.get(estimated_col) is not None:
            values.append(n[estimated_col])
            estimated.append(i)
        else:
            values.append(n[col])
    return values, estimated


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
        partial = [i for i in xs if national[i].get("has_incomplete_month_in_window")]
        if partial:
            (marks,) = ax.plot(
                partial,
                [national[i][col] for i in partial],
                linestyle="none",
                marker="o",
                markersize=5,
                markerfacecolor="white",
                markeredgecolor="#b5432a",
                label="Fenster unvollständig",
            )
            marks.set_gid(f"kennzahl-{col}-partial")
            ax.legend(fontsize=7, frameon=False, loc="lower left")
        _include_zero(ax)
        ax.axhline(0, color="#888888", linewidth=0.6)
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
    axes[0].set_ylim(bottom=0)
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
    _include_zero(axes[1])
    _percent(axes[1])
    axes[1].legend(fontsize=8, frameon=False)
    for ax in axes:
        ax.set_xlim(-0.5, len(periods) - 0.5)
        ax.set_xticks(range(0, len(periods), 6), _tick_labels(periods)[::6])
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    fig.tight_layout()
    return _svg(fig)
