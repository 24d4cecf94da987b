"""German formats for everything people read (mails, pages, report, command line), via Babel.

``1234567.8`` → ``1.234.567,8``; a missing value is ``–``; months are ``Oktober 2026``;
moments are Berlin time (``01.12.2026, 08:05 Uhr``); counts follow the German plural rule
(``1 Bericht``, ``2 Berichte``).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import InvalidOperation
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from ingest.core.clock import TIMEZONE

LOCALE = Locale.parse("de_DE")
MISSING = "–"


def fmt_int(value: Any) -> str:
    """German integer: 1.234.567; ``–`` for a missing value."""
    if value is None:
        return MISSING
    return _decimal(round(value), "#,##0")


def fmt_num(value: Any, decimals: int = 1, *, signed: bool = False) -> str:
    """German decimal: 20,3 (``+1,2`` when signed); ``–`` for a missing value."""
    if value is None:
        return MISSING
    value = float(value)
    if round(value, decimals) == 0:
        value = 0.0  # no "-0,0"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return _decimal(value, pattern, decimals)


def _decimal(value: float, pattern: str, decimals: int = 0) -> str:
    """Babel's German number; a value beyond its 28 digits (a hostile report's cell) is
    grouped by hand, so that a message about it can still be written."""
    try:
        return format_decimal(value, format=pattern, locale=LOCALE)
    except InvalidOperation:
        spec = ("+" if pattern.startswith("+") else "") + (
            "," if isinstance(value, int) else f",.{decimals}f"
        )
        text = format(value, spec)
        return text.replace(",", "_").replace(".", ",").replace("_", ".")


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
        if not math.isfinite(value):
            return str(value)
        return fmt_num(value, 2) if value != int(value) else fmt_int(int(value))
    return str(value)


def fmt_date(day: Any) -> str:
    """A date the German way: 10.11.2026; ``–`` for a missing value."""
    if day is None:
        return MISSING
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return format_date(day, "dd.MM.yyyy", locale=LOCALE)


def fmt_datetime(moment: Any) -> str:
    """A moment in Berlin time: ``01.12.2026, 08:05 Uhr``; ``–`` when missing.

    Accepts an aware datetime or its ISO text (a naive one is taken as UTC); text that is
    not a moment is returned unchanged.
    """
    if moment is None or moment == "":
        return MISSING
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, "dd.MM.yyyy, HH:mm 'Uhr'", tzinfo=TIMEZONE, locale=LOCALE)


def month_name(period: str) -> str:
    """``2026-10`` → ``Oktober 2026``."""
    return format_date(date(int(period[:4]), int(period[5:7]), 1), "MMMM yyyy", locale=LOCALE)


def plural(n: int, one: str, other: str) -> str:
    """The form of a noun for ``n`` by the German plural rule (``Bericht``/``Berichte``)."""
    return one if LOCALE.plural_form(n) == "one" else other


def count(n: int, one: str, other: str) -> str:
    """``n`` with its noun: ``1 Bericht``, ``1.234 Berichte``, ``0 Berichte``."""
    return f"{fmt_int(n)} {plural(n, one, other)}"


def template_environment(directory: Any) -> Any:
    """A Jinja2 environment for the German pages in ``directory``: autoescaped, with the
    filters ``int_de``, ``month_de``, ``datetime_de`` and ``date_de``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory), autoescape=True, trim_blocks=True
    )
    env.filters.update(
        int_de=fmt_int, month_de=month_name, datetime_de=fmt_datetime, date_de=fmt_date
    )
    return env
