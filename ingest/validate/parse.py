"""Parse a report body (any of the four wire formats) into canonical rows.

The format is detected from the content type and the bytes themselves: XLSX (a ZIP, read
by :mod:`~ingest.validate.parse_xlsx`), JSON, English CSV (comma, ``.`` decimals) or German
CSV (semicolon, decimal comma, thousands dots), in UTF-8 (with or without BOM) or
Windows-1252. A BOM means UTF-8. Without a declared charset (a local
file in ``jcw check``) the bytes decide: valid UTF-8, else Windows-1252. A declared charset
that the bytes contradict is rejected rather than guessed, since either reading could
silently change Gemeinde names.

The result has exactly ``contract.COLUMNS`` in order plus ``_row`` (the 1-based data row as
delivered, header not counted) and ``_line`` (CSV: the line in the jobcenter's spreadsheet,
header = 1; XLSX: the sheet's row number; JSON: None): key columns as text, counts as int64,
money as Python ``Decimal`` with two places (exact; Parquet decimal(15, 2) downstream). CSV
text cells are kept exactly as written: a cell starting with ``=`` is text, never a formula
(an XLSX formula cell gives its stored value, see :mod:`~ingest.validate.parse_xlsx`).

The contract's bounds are checked here, where a value is read: only the ASCII digits 0-9 are
digits (a fullwidth ``１`` or an Arabic-Indic ``١`` is not a number); a count is at most
:data:`~ingest.core.contract.MAX_COUNT` (32 bits) and a euro amount below
:data:`~ingest.core.contract.MONEY_LIMIT` (decimal(15, 2)), so every accepted value fits
the warehouse; a text cell with a control character (NUL, tab, line break, …) is rejected
naming its column.

Structural problems raise :class:`ReportRejected` with one :class:`Finding` per rule and
column, naming every affected row. Rule checks across columns (subgroups, sums, the Kreis)
belong to :mod:`ingest.validate.checks`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ingest.core import contract
from ingest.validate.parse_csv import read_csv
from ingest.validate.parse_json import read_json
from ingest.validate.parse_xlsx import XLSX_MEDIA_TYPE, ZIP_MAGIC, read_xlsx
from ingest.validate.reading import CONTROL, Findings, charset_of, reject

if TYPE_CHECKING:
    import pandas as pd

CENT = Decimal("0.01")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# ASCII digits only, matched in full (re.ASCII: \d would match every Unicode digit).
_EN_COUNT = re.compile(r"[0-9]+", re.ASCII)
_DE_COUNT = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)", re.ASCII)
_EN_MONEY = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?", re.ASCII)
_DE_MONEY = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]{1,2})?", re.ASCII)
_NEGATIVE = re.compile(r"[-\u2212]\s*[0-9.,]+", re.ASCII)


_STRIPPED_KEYS = ("kreis_ags", "gemeinde_ags", "period")


def escape_for_export(text: Any) -> Any:
    """Prefix ``'`` to text that a spreadsheet would run as a formula; other values unchanged."""
    if isinstance(text, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def parse_report(body: bytes, content_type: str, *, kreis_ags: str, period: str) -> pd.DataFrame:
    """Canonical rows of a report body; ReportRejected naming rule, row and column if broken."""
    f = Findings()
    head = body.lstrip(b"\xef\xbb\xbf").lstrip()
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not head:
        f.whole("empty", "Der Bericht ist leer: die Datei enthält weder Kopfzeile noch Daten.")
        raise reject(kreis_ags, period, f)
    if head[:1] == b"<":
        f.whole(
            "html",
            "Statt eines Berichts wurde eine HTML-Seite geliefert (z. B. eine Anmelde- oder "
            "Fehlerseite). Bitte stellen Sie den Bericht als CSV, JSON oder XLSX bereit.",
        )
        raise reject(kreis_ags, period, f)
    if body.startswith(ZIP_MAGIC) or media == XLSX_MEDIA_TYPE:
        records, f = read_xlsx(body)
    elif head[:1] in (b"{", b"[") or media in ("application/json", "text/json"):
        records, f = read_json(body)
    else:
        records, f = read_csv(body, charset_of(content_type))
    if f.has_whole():
        raise reject(kreis_ags, period, f)
    if not records and not f:
        f.whole(
            "empty",
            "Der Bericht enthält keine Datenzeilen (nur die Kopfzeile). Erwartet ist eine "
            "Zeile je Gemeinde.",
        )
        raise reject(kreis_ags, period, f)
    return _convert(records, f, kreis_ags, period)


def _count(raw: Any, dialect: str) -> tuple[int | None, str | None]:
    """(value, problem) for one count cell."""
    if dialect == "json":
        if raw is None:
            return None, "missing_value"
        if isinstance(raw, bool) or not isinstance(raw, int):
            if isinstance(raw, int | float) and not isinstance(raw, bool) and raw < 0:
                return None, "negative"
            return None, "not_integer"
        if raw < 0:
            return None, "negative"
        return (raw, None) if raw <= contract.MAX_COUNT else (None, "count_too_large")
    if not isinstance(raw, str):
        return None, "not_integer"
    s = raw.strip()
    if not s:
        return None, "missing_value"
    pattern = _DE_COUNT if dialect == "de" else _EN_COUNT
    if pattern.fullmatch(s):
        digits = (s.replace(".", "") if dialect == "de" else s).lstrip("0") or "0"
        if len(digits) > len(str(contract.MAX_COUNT)) or int(digits) > contract.MAX_COUNT:
            return None, "count_too_large"
        return int(digits), None
    if _NEGATIVE.fullmatch(s):
        return None, "negative"
    return None, "not_integer"


def _euros(d: Decimal) -> tuple[Decimal | None, str | None]:
    """(value, problem) of a finite amount: negative, too large, or quantized to cents."""
    if d < 0:
        return None, "negative"
    if d >= contract.MONEY_LIMIT:
        return None, "money_too_large"
    return d.quantize(CENT), None


def _money(raw: Any, dialect: str) -> tuple[Decimal | None, str | None]:
    """(value, problem) for one money cell."""
    if dialect == "json" and isinstance(raw, int | float) and not isinstance(raw, bool):
        if isinstance(raw, int) and raw.bit_length() > 64:
            return (None, "negative") if raw < 0 else (None, "money_too_large")
        try:
            d = Decimal(str(raw))
        except InvalidOperation:
            return None, "bad_money"
        if not d.is_finite() or d.as_tuple().exponent < -2:  # type: ignore[operator]
            return None, "bad_money"
        return _euros(d)
    if raw is None:
        return None, "missing_value"
    if not isinstance(raw, str):
        return None, "bad_money"
    s = raw.strip()
    if not s:
        return None, "missing_value"
    if dialect == "de":
        if _DE_MONEY.fullmatch(s):
            return _euros(Decimal(s.replace(".", "").replace(",", ".")))
    elif _EN_MONEY.fullmatch(s):
        return _euros(Decimal(s))
    if _NEGATIVE.fullmatch(s):
        return None, "negative"
    return None, "bad_money"


def _text(raw: Any, column: str) -> tuple[str | None, str | None]:
    """(value, problem) for one text cell: keys stripped, no control characters."""
    if not isinstance(raw, str):
        return None, "missing_value" if raw is None else "not_text"
    value = raw.strip() if column in _STRIPPED_KEYS else raw
    if CONTROL.search(value):
        return None, "control_character"
    return value, None


def _convert(
    records: list[tuple[int, dict[str, Any]]], f: Findings, kreis_ags: str, period: str
) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    dialect = f.values
    out: dict[str, list[Any]] = {c: [] for c in contract.COLUMNS}
    rows: list[int] = []
    for row_no, rec in records:
        g = rec.get("gemeinde_ags")
        for col in contract.COLUMNS:
            if col not in rec:  # JSON: already reported as a missing field
                out[col].append(None)
                continue
            raw = rec[col]
            problem: str | None = None
            value: Any
            if col in contract.COUNT_COLUMNS:
                value, problem = _count(raw, dialect)
            elif col in contract.MONEY_COLUMNS:
                value, problem = _money(raw, dialect)
            else:
                value, problem = _text(raw, col)
            if problem:
                f.row(problem, row_no, col, raw, g)
            out[col].append(value)
        rows.append(row_no)
    if f:
        raise reject(kreis_ags, period, f)
    data: dict[str, Any] = {}
    for col in contract.KEY_COLUMNS:
        data[col] = pd.Series(out[col], dtype=object)
    for col in contract.COUNT_COLUMNS:
        data[col] = np.asarray(out[col], dtype=np.int64)
    for col in contract.MONEY_COLUMNS:
        data[col] = pd.Series(out[col], dtype=object)
    data["_row"] = np.asarray(rows, dtype=np.int64)
    offset = f.line_offset
    data["_line"] = pd.Series([None if offset is None else r + offset for r in rows], dtype=object)
    return pd.DataFrame(data, columns=[*contract.COLUMNS, "_row", "_line"])
