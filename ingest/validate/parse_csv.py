"""The two CSV dialects of the contract: English (comma) and German (semicolon).

The dialect is detected from the header line: the delimiter and language that name the most
contract columns win; a header in the wrong delimiter for its language is rejected rather
than guessed. Each data line becomes ``(row number, {column: text})``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ingest.core import contract
from ingest.validate.reading import Findings, blank_line, decode


def _norm(header: str) -> str:
    return " ".join(header.split()).casefold()


_EN_NAMES = {_norm(c): c for c in contract.COLUMNS}
_DE_NAMES = {_norm(h): c for c, h in contract.GERMAN_HEADERS.items()}


def read_csv(
    body: bytes, declared: str | None
) -> tuple[list[tuple[int, dict[str, Any]]], Findings]:
    """``(records, findings)`` of a CSV body; findings about the file as a whole stop early."""
    f = Findings()
    text, problem = decode(body, declared)
    if text is None:
        f.whole("encoding", problem or "")
        return [], f
    delim = _dialect(text, f)
    if delim is None:
        return [], f
    body_text = text.lstrip("\r\n")
    skipped = text[: len(text) - len(body_text)]
    # data row n is line n + 1 in the jobcenter's spreadsheet (header), after blank lines
    f.line_offset = 1 + (skipped.count("\n") or skipped.count("\r"))
    reader = csv.reader(io.StringIO(body_text, newline=""), delimiter=delim, strict=True)
    try:
        header = next(reader)
        lines = list(enumerate(reader, start=1))
    except csv.Error as exc:
        _broken(f, reader.line_num, exc)
        return [], f
    lines = [(n, fields) for n, fields in lines if fields and not blank_line(fields)]
    columns = map_columns(header, lines, f)
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


def _broken(f: Findings, line: int, exc: csv.Error) -> None:
    """The finding of a CSV text the csv module cannot read from ``line`` on."""
    if "field larger than field limit" in str(exc):
        limit = f"{csv.field_size_limit():,}".replace(",", ".")
        detail = f"ein Feld ist länger als {limit} Zeichen"
    else:
        detail = str(exc)
    f.whole(
        "broken_csv",
        f"Die CSV-Datei ist ab Zeile {line} nicht lesbar ({detail}). Prüfen Sie "
        "Anführungszeichen und Trennzeichen.",
    )


def _dialect(text: str, f: Findings) -> str | None:
    """The delimiter of the header line (sets ``f``'s dialect), or None with a finding."""
    # str.lstrip also strips what bytes.lstrip does not (\x1c..\x1f, \x85, NBSP): the
    # text may hold no line at all although the bytes were not blank.
    header_line = next(iter(text.lstrip().splitlines()), "")
    best: tuple[int, str, str] = (0, ",", "en")
    for delim in (",", ";", "\t", "|"):
        try:
            fields = next(csv.reader([header_line], delimiter=delim), [])
        except csv.Error as exc:
            _broken(f, 1, exc)
            return None
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
        return None
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
        return None
    return delim


def map_columns(
    header: list[str], lines: list[tuple[int, list[str]]], f: Findings
) -> list[str | None]:
    """The contract column of each header field (None: ignored); column problems to ``f``.

    A column without a name and without any value (a trailing delimiter, as some
    spreadsheet exports write) carries nothing and is ignored; with values it is unknown.
    """
    names = _DE_NAMES if f.dialect == "de" else _EN_NAMES
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
    return columns
