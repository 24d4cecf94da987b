"""Parse a report body (any of the three wire formats) into canonical rows.

The format is detected from the content type and the bytes themselves: JSON, English CSV
(comma, ``.`` decimals) or German CSV (semicolon, decimal comma, thousands dots), in UTF-8
(with or without BOM) or Windows-1252. A BOM means UTF-8. Without a declared charset (a local
file in ``jcw check``) the bytes decide: valid UTF-8, else Windows-1252. A declared charset
that the bytes contradict is rejected rather than guessed, since either reading could
silently change Gemeinde names.

The result has exactly ``contract.COLUMNS`` in order plus ``_row`` (the 1-based data row as
delivered, header not counted): key columns as text, counts as int64, money as Python
``Decimal`` with two places (exact; Parquet decimal(15, 2) downstream). Text cells are kept
exactly as written: a cell starting with ``=`` is text, never a formula.

Structural problems raise :class:`ReportRejected` with one :class:`Finding` per rule and
column, naming every affected row. Rule checks across columns (subgroups, sums, the Kreis)
belong to ``ingest.validate``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ingest import contract
from ingest.errors import ReportRejected
from ingest.findings import Finding, row_ref

if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS_PER_FINDING = 200
CENT = Decimal("0.01")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_EN_COUNT = re.compile(r"^\d+$")
_DE_COUNT = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+)$")
_EN_MONEY = re.compile(r"^\d+(?:\.\d{1,2})?$")
_DE_MONEY = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d{1,2})?$")
_NEGATIVE = re.compile(r"^[-\u2212]\s*[\d.,]+$")

_STRIPPED_KEYS = ("kreis_ags", "gemeinde_ags", "period")


def escape_for_export(text: Any) -> Any:
    """Prefix ``'`` to text that a spreadsheet would run as a formula; other values unchanged."""
    if isinstance(text, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _norm(header: str) -> str:
    return " ".join(header.split()).casefold()


_EN_NAMES = {_norm(c): c for c in contract.COLUMNS}
_DE_NAMES = {_norm(h): c for c, h in contract.GERMAN_HEADERS.items()}


class _Findings:
    """Collects findings grouped by (rule, column), then renders German messages."""

    def __init__(self, dialect: str = "en") -> None:
        self.dialect = dialect  # "en", "de" (header labels) ...
        self.values = dialect  # ... and how values are written: "en", "de" or "json"
        self._groups: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        self._whole: list[Finding] = []

    def label(self, column: str | None) -> str:
        if column is None:
            return ""
        if self.dialect == "de":
            return contract.GERMAN_HEADERS.get(column, column)
        return column

    def whole(self, rule: str, message: str, value: Any = None, column: str | None = None) -> None:
        """A finding about the file as a whole (no row)."""
        self._whole.append(
            Finding(f"parse_{rule}", "hard", message, [row_ref(None, column, value)])
        )

    def row(
        self, rule: str, row: int, column: str | None, value: Any, gemeinde_ags: Any = None
    ) -> None:
        g = gemeinde_ags if isinstance(gemeinde_ags, str) else None
        self._groups.setdefault((rule, column), []).append(row_ref(row, column, value, g))

    def has_whole(self) -> bool:
        """True if a problem concerns the file as a whole (then rows are not checked)."""
        return bool(self._whole)

    def __bool__(self) -> bool:
        return bool(self._whole or self._groups)

    def findings(self) -> list[Finding]:
        out = list(self._whole)
        for (rule, column), rows in self._groups.items():
            n = len(rows)
            shown = rows[:MAX_ROWS_PER_FINDING]
            msg = _ROW_MESSAGES[rule].format(col=self.label(column), n=n, zeilen=_zeilen(rows))
            if n > len(shown):
                msg += f" Gezeigt sind die ersten {len(shown)} von {n} Zeilen."
            out.append(Finding(f"parse_{rule}", "hard", msg, shown))
        return out


def _zeilen(rows: list[dict[str, Any]]) -> str:
    nums = [str(r["row"]) for r in rows[:10]]
    more = f" und {len(rows) - 10} weitere" if len(rows) > 10 else ""
    word = "Zeile" if len(rows) == 1 else "Zeilen"
    return f"{word} {', '.join(nums)}{more}"


_ROW_MESSAGES = {
    "missing_value": "Spalte „{col}“ ist leer ({zeilen}). Jede Zeile braucht einen Wert.",
    "not_integer": (
        "Spalte „{col}“ enthält Werte, die keine ganze Zahl sind ({zeilen}). "
        "Zählwerte sind ganze Zahlen ohne Nachkommastellen."
    ),
    "negative": (
        "Spalte „{col}“ enthält negative Werte ({zeilen}). Zahlen dürfen nicht negativ sein."
    ),
    "bad_money": (
        "Spalte „{col}“ enthält Beträge in falschem Format ({zeilen}). Erwartet ist ein "
        "Eurobetrag mit höchstens zwei Nachkommastellen, z. B. 1234.50 (englische CSV/JSON) "
        "oder 1.234,50 (deutsche CSV)."
    ),
    "not_text": 'Spalte „{col}“ muss Text sein ({zeilen}), z. B. "08111000" in Anführungszeichen.',
    "field_count": (
        "Falsche Anzahl an Feldern ({zeilen}). Jede Zeile muss genau so viele Felder haben "
        "wie die Kopfzeile; prüfen Sie Trennzeichen und Anführungszeichen."
    ),
    "missing_key": "Feld „{col}“ fehlt ({zeilen}).",
    "unknown_key": (
        "Unbekanntes Feld „{col}“ ({zeilen}). Erlaubt sind nur die Felder des Meldeformats."
    ),
    "not_object": "Eintrag in „zeilen“ ist kein JSON-Objekt ({zeilen}).",
}


def _reject(kreis_ags: str, period: str, f: _Findings) -> ReportRejected:
    return ReportRejected(kreis_ags, period, f.findings())


def parse_report(body: bytes, content_type: str, *, kreis_ags: str, period: str) -> pd.DataFrame:
    """Canonical rows of a report body; ReportRejected naming rule, row and column if broken."""
    f = _Findings()
    head = body.lstrip(b"\xef\xbb\xbf").lstrip()
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not head:
        f.whole("empty", "Der Bericht ist leer: die Datei enthält weder Kopfzeile noch Daten.")
        raise _reject(kreis_ags, period, f)
    if head[:1] == b"<":
        f.whole(
            "html",
            "Statt eines Berichts wurde eine HTML-Seite geliefert (z. B. eine Anmelde- oder "
            "Fehlerseite). Bitte stellen Sie den Bericht als CSV oder JSON bereit.",
        )
        raise _reject(kreis_ags, period, f)
    if head[:1] in (b"{", b"[") or media in ("application/json", "text/json"):
        records, f = _read_json(body)
    else:
        records, f = _read_csv(body, charset_of(content_type))
    if f.has_whole():
        raise _reject(kreis_ags, period, f)
    if not records and not f:
        f.whole(
            "empty",
            "Der Bericht enthält keine Datenzeilen (nur die Kopfzeile). Erwartet ist eine "
            "Zeile je Gemeinde.",
        )
        raise _reject(kreis_ags, period, f)
    return _convert(records, f, kreis_ags, period)


# -- CSV -----------------------------------------------------------------------------------


def charset_of(content_type: str | None) -> str | None:
    """The declared charset of a content type, normalised: "utf-8", "cp1252" or None."""
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            value = value.strip().strip('"').lower()
            if value in ("utf-8", "utf8"):
                return "utf-8"
            if value in ("windows-1252", "cp1252", "iso-8859-1", "latin-1", "latin1"):
                return "cp1252"
            return value
    return None


def _decode(body: bytes, declared: str | None) -> tuple[str | None, str | None]:
    """(text, None) or (None, German reason) for the bytes of a report.

    A UTF-8 BOM makes the file UTF-8. Without a declared charset the bytes decide (valid
    UTF-8, else Windows-1252). A declared charset that contradicts the bytes is rejected:
    reading them either way could silently change names (``MÃ¼nden`` for ``Münden``).
    """
    if body.startswith(b"\xef\xbb\xbf"):
        try:
            return body[3:].decode("utf-8"), None
        except UnicodeDecodeError:
            return (
                None,
                "Die Datei beginnt mit einer UTF-8-Kennung (BOM), ist aber kein gültiges UTF-8.",
            )
    try:
        as_utf8: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        as_utf8 = None
    if declared == "cp1252" and as_utf8 is not None and not as_utf8.isascii():
        return None, (
            "Die Datei ist als Windows-1252 angekündigt, aber in UTF-8 kodiert: Umlaute würden "
            "verfälscht. Bitte liefern Sie Windows-1252 oder UTF-8 mit BOM."
        )
    if declared == "utf-8" and as_utf8 is None:
        return None, (
            "Die Datei ist als UTF-8 angekündigt, enthält aber Zeichen in einer anderen "
            "Kodierung (vermutlich Windows-1252): Umlaute wären verfälscht."
        )
    if as_utf8 is not None:
        return as_utf8, None
    try:
        return body.decode("cp1252"), None
    except UnicodeDecodeError:
        return None, (
            "Die Datei ist weder gültiges UTF-8 noch Windows-1252. Bitte speichern Sie sie in "
            "einer dieser Kodierungen."
        )


def _blank_line(fields: list[str]) -> bool:
    """A line with nothing but delimiters and spaces carries no data."""
    return all(not x.strip() for x in fields)


def _read_csv(
    body: bytes, declared: str | None
) -> tuple[list[tuple[int, dict[str, Any]]], _Findings]:
    f = _Findings()
    text, problem = _decode(body, declared)
    if text is None:
        f.whole("encoding", problem or "")
        return [], f
    header_line = text.lstrip().splitlines()[0]
    best: tuple[int, str, str] = (0, ",", "en")
    for delim in (",", ";", "\t", "|"):
        fields = next(csv.reader([header_line], delimiter=delim))
        en = sum(_norm(h) in _EN_NAMES for h in fields)
        de = sum(_norm(h) in _DE_NAMES for h in fields)
        for score, dialect in ((en, "en"), (de, "de")):
            if score > best[0]:
                best = (score, delim, dialect)
    score, delim, dialect = best
    f.dialect = f.values = dialect
    expected = ";" if dialect == "de" else ","
    if score == 0:
        f.whole(
            "no_header",
            "Die erste Zeile ist keine gültige Kopfzeile: keine der Spalten des Meldeformats "
            "wurde erkannt (z. B. „kreis_ags“ oder „Kreisschlüssel“).",
            value=header_line[:200],
        )
        return [], f
    if delim != expected:
        variant = (
            "deutschen (Trennzeichen „;“)" if dialect == "de" else "englischen (Trennzeichen „,“)"
        )
        f.whole(
            "wrong_delimiter",
            f"Falsches Trennzeichen: die Kopfzeile ist mit „{delim}“ getrennt. In der "
            f"{variant} Variante des Meldeformats ist das nicht zulässig.",
            value=delim,
        )
        return [], f
    names = _DE_NAMES if dialect == "de" else _EN_NAMES
    reader = csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=delim, strict=True)
    try:
        header = next(reader)
        lines = list(enumerate(reader, start=1))
    except csv.Error as exc:
        f.whole(
            "broken_csv",
            f"Die CSV-Datei ist ab Zeile {reader.line_num} nicht lesbar ({exc}). Prüfen Sie "
            "Anführungszeichen und Trennzeichen.",
        )
        return [], f
    # A column without a name and without any value (a trailing delimiter, as some
    # spreadsheet exports write) carries nothing and is ignored; with values it is unknown.
    lines = [(n, fields) for n, fields in lines if fields and not _blank_line(fields)]
    columns: list[str | None] = []
    for i, h in enumerate(header):
        col = names.get(_norm(h))
        columns.append(col)
        if col is not None:
            continue
        if not h.strip() and all(len(x) != len(header) or not x[i].strip() for _, x in lines):
            continue
        f.whole(
            "unknown_column",
            f"Unbekannte Spalte „{h}“ (Spalte {i + 1}). Erlaubt sind nur die Spalten des "
            "Meldeformats.",
            value=h,
        )
    seen: set[str] = set()
    for col in columns:
        if col is not None and col in seen:
            f.whole("duplicate_column", f"Spalte „{f.label(col)}“ kommt mehrfach vor.", column=col)
        if col is not None:
            seen.add(col)
    for col in contract.COLUMNS:
        if col not in seen:
            f.whole("missing_column", f"Pflichtspalte „{f.label(col)}“ fehlt.", column=col)
    records: list[tuple[int, dict[str, Any]]] = []
    last_len_ok = True
    for row_no, fields in lines:
        last_len_ok = len(fields) == len(header)
        if not last_len_ok:
            g = fields[1] if len(fields) > 1 else None
            f.row("field_count", row_no, None, len(fields), g)
        elif not f.has_whole():
            rec = {c: v for c, v in zip(columns, fields, strict=True) if c is not None}
            records.append((row_no, rec))
    if not last_len_ok and not text.endswith(("\n", "\r")):
        f.whole(
            "truncated",
            "Die Datei endet mitten in einer Zeile: sie wurde vermutlich unvollständig erzeugt "
            "oder übertragen.",
        )
    return records, f


# -- JSON ----------------------------------------------------------------------------------


def _read_json(body: bytes) -> tuple[list[tuple[int, dict[str, Any]]], _Findings]:
    f = _Findings("en")
    f.values = "json"
    text, problem = _decode(body, "utf-8")
    if text is None:
        f.whole("encoding", "Die JSON-Datei ist nicht in UTF-8 kodiert.")
        return [], f
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            f.whole(
                "truncated",
                "Die JSON-Datei endet vorzeitig: sie wurde vermutlich unvollständig erzeugt "
                "oder übertragen.",
            )
        else:
            f.whole(
                "invalid_json",
                f"Die JSON-Datei ist nicht lesbar: Fehler in Zeile {exc.lineno}, "
                f"Spalte {exc.colno} ({exc.msg}).",
            )
        return [], f
    if not isinstance(doc, dict):
        f.whole("invalid_json", "Die JSON-Datei muss ein Objekt mit dem Feld „zeilen“ sein.")
        return [], f
    for key in ("kreis_ags", "period", "zeilen"):
        if key not in doc:
            f.whole("missing_column", f"Pflichtfeld „{key}“ fehlt.", column=key)
    for key in doc:
        if key not in contract.JSON_TOP_LEVEL_KEYS:
            f.whole(
                "unknown_column",
                f"Unbekanntes Feld „{key}“ auf oberster Ebene.",
                value=key,
            )
    if f:
        return [], f
    top = {}
    for key in ("kreis_ags", "period"):
        if not isinstance(doc[key], str):
            f.whole(
                "not_text",
                f"Feld „{key}“ muss Text sein (in Anführungszeichen).",
                value=doc[key],
                column=key,
            )
        top[key] = doc[key]
    rows = doc["zeilen"]
    if not isinstance(rows, list):
        f.whole("invalid_json", "Das Feld „zeilen“ muss eine Liste sein.")
        return [], f
    records: list[tuple[int, dict[str, Any]]] = []
    allowed = set(contract.JSON_ROW_COLUMNS)
    objects = [(i, row) for i, row in enumerate(rows, start=1) if isinstance(row, dict)]
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            f.row("not_object", i, None, type(row).__name__)
    # A field absent from (or unknown in) every row is a column problem, named once.
    for col in contract.JSON_ROW_COLUMNS:
        if objects and all(col not in row for _, row in objects):
            f.whole("missing_column", f"Pflichtfeld „{col}“ fehlt in allen Zeilen.", column=col)
    unknown = {k for _, row in objects for k in row if k not in allowed}
    for key in sorted(unknown):
        if all(key in row for _, row in objects):
            f.whole("unknown_column", f"Unbekanntes Feld „{key}“ in allen Zeilen.", value=key)
    for i, row in objects:
        g = row.get("gemeinde_ags")
        for col in contract.JSON_ROW_COLUMNS:
            if col not in row and not f.has_whole():
                f.row("missing_key", i, col, None, g)
        for key in row:
            if key not in allowed and not f.has_whole():
                f.row("unknown_key", i, key, row[key], g)
        records.append((i, {**top, **row}))
    return records, f


# -- values --------------------------------------------------------------------------------


def _count(raw: Any, dialect: str) -> tuple[int | None, str | None]:
    """(value, problem) for one count cell."""
    if dialect == "json":
        if raw is None:
            return None, "missing_value"
        if isinstance(raw, bool) or not isinstance(raw, int):
            if isinstance(raw, int | float) and not isinstance(raw, bool) and raw < 0:
                return None, "negative"
            return None, "not_integer"
        return (raw, None) if raw >= 0 else (None, "negative")
    s = raw.strip()
    if not s:
        return None, "missing_value"
    pattern = _DE_COUNT if dialect == "de" else _EN_COUNT
    if pattern.match(s):
        return int(s.replace(".", "") if dialect == "de" else s), None
    if _NEGATIVE.match(s):
        return None, "negative"
    return None, "not_integer"


def _money(raw: Any, dialect: str) -> tuple[Decimal | None, str | None]:
    """(value, problem) for one money cell."""
    if dialect == "json" and isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            d = Decimal(str(raw))
        except InvalidOperation:
            return None, "bad_money"
        if not d.is_finite() or d.as_tuple().exponent < -2:  # type: ignore[operator]
            return None, "bad_money"
        return (d.quantize(CENT), None) if d >= 0 else (None, "negative")
    if raw is None:
        return None, "missing_value"
    if not isinstance(raw, str):
        return None, "bad_money"
    s = raw.strip()
    if not s:
        return None, "missing_value"
    if dialect == "de":
        if _DE_MONEY.match(s):
            return Decimal(s.replace(".", "").replace(",", ".")).quantize(CENT), None
    elif _EN_MONEY.match(s):
        return Decimal(s).quantize(CENT), None
    if _NEGATIVE.match(s):
        return None, "negative"
    return None, "bad_money"


def _convert(
    records: list[tuple[int, dict[str, Any]]], f: _Findings, kreis_ags: str, period: str
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
            elif not isinstance(raw, str):
                value, problem = None, "missing_value" if raw is None else "not_text"
            else:
                value = raw.strip() if col in _STRIPPED_KEYS else raw
            if problem:
                f.row(problem, row_no, col, raw, g)
            out[col].append(value)
        rows.append(row_no)
    if f:
        raise _reject(kreis_ags, period, f)
    data: dict[str, Any] = {}
    for col in contract.KEY_COLUMNS:
        data[col] = pd.Series(out[col], dtype=object)
    for col in contract.COUNT_COLUMNS:
        data[col] = np.asarray(out[col], dtype=np.int64)
    for col in contract.MONEY_COLUMNS:
        data[col] = pd.Series(out[col], dtype=object)
    data["_row"] = np.asarray(rows, dtype=np.int64)
    return pd.DataFrame(data, columns=[*contract.COLUMNS, "_row"])
