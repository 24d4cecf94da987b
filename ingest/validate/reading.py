"""What every report reader shares: the findings collector and bytes → text.

:class:`Findings` collects structural problems grouped by (rule, column) and renders the
German messages naming every affected row; :func:`decode` turns the bytes of a report into
text (UTF-8 with or without BOM, or Windows-1252) or a German reason why it cannot.
"""

from __future__ import annotations

import math
import re
import reprlib
from typing import Any

from ingest.core import contract
from ingest.core.errors import ReportRejected
from ingest.core.findings import Finding, row_ref

MAX_ROWS_PER_FINDING = 200
# Control characters (C0, DEL, C1) and lone surrogates (from JSON "\ud800" escapes).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Longer text values are cut in findings (a 4 MiB cell would otherwise fill mails and pages).
MAX_VALUE_CHARS = 200


def shown(value: Any) -> Any:
    """A value as a finding shows it (and a verdict file stores it): a JSON scalar that any
    reader takes; control characters as escapes, long text cut, an integer beyond 64 bits,
    a float that is not finite and anything else as (short) text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) < 2**63:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if not isinstance(value, str):
        value = reprlib.repr(value) if isinstance(value, list | dict) else str(value)
    text = CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


class Findings:
    """Collects findings grouped by (rule, column), then renders German messages."""

    def __init__(self, dialect: str = "en") -> None:
        self.dialect = dialect  # "en", "de" (header labels) ...
        # ... and how values are written: "en", "de" or "json" (typed values: JSON, XLSX)
        self.values = dialect
        # CSV: data row n is spreadsheet line n + line_offset (header and leading blank
        # lines); JSON records have no line (None)
        self.line_offset: int | None = None
        self._groups: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        self._whole: list[Finding] = []
        self._cells: list[Finding] = []

    def label(self, column: str | None) -> str:
        if column is None:
            return ""
        if self.dialect == "de":
            return contract.GERMAN_HEADERS.get(column, column)
        return column

    def whole(self, rule: str, message: str, value: Any = None, column: str | None = None) -> None:
        """A finding about the file as a whole (no row)."""
        self._whole.append(
            Finding(f"parse_{rule}", "hard", message, [row_ref(None, column, shown(value))])
        )

    def row(
        self, rule: str, row: int, column: str | None, value: Any, gemeinde_ags: Any = None
    ) -> None:
        g = shown(gemeinde_ags) if isinstance(gemeinde_ags, str) else None
        ref = row_ref(row, column, shown(value), g)
        if self.line_offset is not None:
            ref["line"] = row + self.line_offset
        self._groups.setdefault((rule, column), []).append(ref)

    def cells(self, rule: str, message: str, refs: list[tuple[int, str, Any, Any]]) -> None:
        """One finding with its own ``message`` about the cells ``(row, column, value,
        gemeinde_ags)`` (an XLSX formula without a value: the message names the cells)."""
        out = []
        for row, column, value, gemeinde_ags in refs[:MAX_ROWS_PER_FINDING]:
            g = shown(gemeinde_ags) if isinstance(gemeinde_ags, str) else None
            ref = row_ref(row, column, shown(value), g)
            if self.line_offset is not None:
                ref["line"] = row + self.line_offset
            out.append(ref)
        self._cells.append(Finding(f"parse_{rule}", "hard", message, out))

    def has_whole(self) -> bool:
        """True if a problem concerns the file as a whole (then rows are not checked)."""
        return bool(self._whole)

    def __bool__(self) -> bool:
        return bool(self._whole or self._groups or self._cells)

    def findings(self) -> list[Finding]:
        out = list(self._whole) + list(self._cells)
        for (rule, column), rows in self._groups.items():
            n = len(rows)
            shown = rows[:MAX_ROWS_PER_FINDING]
            msg = _ROW_MESSAGES[rule].format(col=self.label(column), n=n, zeilen=_zeilen(rows))
            if n > len(shown):
                unit = "Zeilen" if "line" in rows[0] else "Datensätzen"
                msg += f" Gezeigt sind die ersten {len(shown)} von {n} {unit}."
            out.append(Finding(f"parse_{rule}", "hard", msg, shown))
        return out


def _zeilen(rows: list[dict[str, Any]]) -> str:
    """``Zeilen 2, 5`` (CSV: spreadsheet lines) or ``Datensätze 1, 4`` (JSON records)."""
    lines = "line" in rows[0]
    nums = [str(r["line"] if lines else r["row"]) for r in rows[:10]]
    more = f" und {len(rows) - 10} weitere" if len(rows) > 10 else ""
    if lines:
        word = "Zeile" if len(rows) == 1 else "Zeilen"
    else:
        word = "Datensatz" if len(rows) == 1 else "Datensätze"
    return f"{word} {', '.join(nums)}{more}"


_ROW_MESSAGES = {
    "missing_value": "Spalte „{col}“ ist leer ({zeilen}). Jede Zeile braucht einen Wert.",
    "not_integer": (
        "Spalte „{col}“ enthält Werte, die keine ganze Zahl sind ({zeilen}). "
        "Zählwerte sind ganze Zahlen aus den Ziffern 0 bis 9 ohne Nachkommastellen."
    ),
    "count_too_large": (
        "Spalte „{col}“ enthält zu große Anzahlen ({zeilen}). Eine Anzahl ist höchstens "
        "2.147.483.647 und in keinem Fall größer als die Bevölkerung des Kreises."
    ),
    "money_too_large": (
        "Spalte „{col}“ enthält zu große Eurobeträge ({zeilen}). Ein Betrag ist kleiner als "
        "10.000.000.000.000 EUR (höchstens 13 Stellen vor dem Komma)."
    ),
    "control_character": (
        "Spalte „{col}“ enthält Steuerzeichen wie Nullzeichen, Tabulator oder Zeilenumbruch "
        "({zeilen}). Namen und Schlüssel dürfen nur druckbare Zeichen enthalten."
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
    "number_key": (
        "Spalte „{col}“ enthält eine Zahl statt Text ({zeilen}): so gehen führende Nullen "
        "verloren (1054001 statt 01054001). Bitte formatieren Sie die Spalte als Text und "
        "tragen Sie den Schlüssel mit allen Stellen ein."
    ),
    "field_count": (
        "Falsche Anzahl an Feldern ({zeilen}). Jede Zeile muss genau so viele Felder haben "
        "wie die Kopfzeile; prüfen Sie Trennzeichen und Anführungszeichen."
    ),
    "missing_key": "Feld „{col}“ fehlt ({zeilen}).",
    "unknown_key": (
        "Unbekanntes Feld „{col}“ ({zeilen}). Erlaubt sind nur die Felder des Meldeformats."
    ),
    "not_object": "Eintrag in „zeilen“ ist kein JSON-Objekt ({zeilen}).",
    "differs_from_top": (
        "Feld „{col}“ weicht vom Wert auf oberster Ebene ab ({zeilen}). Eine Zeile darf "
        "Kreisschlüssel und Berichtsmonat wiederholen, aber nur mit demselben Wert."
    ),
}


def reject(kreis_ags: str, period: str, f: Findings) -> ReportRejected:
    return ReportRejected(kreis_ags, period, f.findings())


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


def decode(body: bytes, declared: str | None) -> tuple[str | None, str | None]:
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


def blank_line(fields: list[str]) -> bool:
    """A line with nothing but delimiters and spaces carries no data."""
    return all(not x.strip() for x in fields)
