"""German number, percent and month formats, for everything people read (mails, pages, report).

``1234567.8`` → ``1.234.567,8``; a missing value is ``–``; months are ``Oktober 2026``.
"""

from __future__ import annotations

from typing import Any

MONTHS = (
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
MISSING = "–"


def _swap_separators(text: str) -> str:
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_int(value: Any) -> str:
    """German integer: 1.234.567; ``–`` for a missing value."""
    if value is None:
        return MISSING
    return f"{round(value):,}".replace(",", ".")


def fmt_num(value: Any, decimals: int = 1, *, signed: bool = False) -> str:
    """German decimal: 20,3 (``+1,2`` when signed); ``–`` for a missing value."""
    if value is None:
        return MISSING
    value = float(value)
    if round(value, decimals) == 0:
        value = 0.0  # no "-0,0"
    return _swap_separators(f"{value:{'+' if signed else ''},.{decimals}f}")


def fmt_pct(value: Any, decimals: int = 1, *, signed: bool = False) -> str:
    """German percent of a value already in percent: 20,3 %."""
    return MISSING if value is None else f"{fmt_num(value, decimals, signed=signed)} %"


def fmt_share(share: float, *, signed: bool = False) -> str:
    """A share (0.153) as a German percent with one decimal: 15,3 % (``+15,3 %`` signed)."""
    return ("+" if signed and share > 0 else "") + fmt_num(100 * share, 1) + " %"


def fmt_value(value: Any) -> str:
    """A cell value as a person reads it: numbers German, booleans ja/nein, None ``–``."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return fmt_int(value)
    if isinstance(value, float):
        return fmt_num(value, 2) if value != int(value) else fmt_int(int(value))
    return str(value)


def fmt_date(day: Any) -> str:
    """A date the German way: 10.11.2026; ``–`` for a missing value."""
    if day is None:
        return MISSING
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def month_name(period: str) -> str:
    """``2026-10`` → ``Oktober 2026``."""
    return f"{MONTHS[int(period[5:]) - 1]} {period[:4]}"
