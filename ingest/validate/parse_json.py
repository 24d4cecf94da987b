"""The JSON wire format: ``{"kreis_ags", "period", "erstellt_am", "software", "zeilen"}``.

The top level names the jobcenter and the month once; each entry of ``zeilen`` is one
Gemeinde's row. Each row becomes ``(row number, {column: value})`` with the top level's
``kreis_ags`` and ``period`` added. A row may repeat them (some exporters write every column
in every row): the same value is accepted, another value is a finding naming the row.

Stricter than ``json.loads``: an object with a key twice (which value would count?) and
nesting deeper than Python's parser can follow are rejected with their own findings instead
of being read one way or another. ``NaN`` and ``Infinity`` are not JSON numbers: in a cell
they are a value of the wrong kind for its column (the finding names the column), anywhere
else the file is rejected as invalid JSON.
"""

from __future__ import annotations

import json
from typing import Any

from ingest.core import contract
from ingest.validate.reading import Findings, decode


class Constant:
    """``NaN``, ``Infinity`` or ``-Infinity`` as read: no number, no text, shown by name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


def read_json(body: bytes) -> tuple[list[tuple[int, dict[str, Any]]], Findings]:
    """``(records, findings)`` of a JSON body; findings about the file as a whole stop early."""
    f = Findings("en")
    f.values = "json"
    constants: list[Constant] = []
    doc = _document(body, f, constants)
    if doc is None:
        return [], f
    records = _records(doc, f)
    in_cells = {id(v) for _, rec in records for k, v in rec.items() if k in contract.COLUMNS}
    stray = [c for c in constants if id(c) not in in_cells]
    if stray:
        f.whole(
            "invalid_json",
            f"Die JSON-Datei enthält „{stray[0]}“: das ist keine gültige JSON-Zahl. Zahlen "
            "werden mit den Ziffern 0 bis 9 geschrieben.",
            value=str(stray[0]),
        )
    return records, f


def _records(doc: dict[str, Any], f: Findings) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a document with the required top-level keys."""
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
        return []
    return _rows(rows, top, f)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return doc


def _loads(text: str, f: Findings, constants: list[Constant]) -> Any:
    """``json.loads`` with the strict rules above; None with a finding if it fails. Each
    NaN/Infinity read becomes a :class:`Constant`, also appended to ``constants``."""

    def constant(name: str) -> Constant:
        constants.append(Constant(name))
        return constants[-1]

    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=constant)
    except _DuplicateKey as exc:
        f.whole(
            "duplicate_key",
            f"Das Feld „{exc.key}“ kommt in einem JSON-Objekt mehrfach vor: es ist nicht "
            "eindeutig, welcher Wert gilt. Jedes Feld darf je Objekt nur einmal vorkommen.",
            value=exc.key,
            column=exc.key if exc.key in contract.COLUMNS else None,
        )
    except RecursionError:
        f.whole(
            "invalid_json",
            "Die JSON-Datei ist zu tief verschachtelt, um gelesen zu werden. Erwartet ist ein "
            "Objekt mit dem Feld „zeilen“, einer Liste von Objekten.",
        )
    except json.JSONDecodeError as exc:
        _decode_error(text, exc, f)
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        f.whole("invalid_json", f"Die JSON-Datei ist nicht lesbar ({exc}).")
    return None


def _decode_error(text: str, exc: json.JSONDecodeError, f: Findings) -> None:
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


def _document(body: bytes, f: Findings, constants: list[Constant]) -> dict[str, Any] | None:
    """The top-level object with its required keys, or None with a finding."""
    text, _problem = decode(body, "utf-8")
    if text is None:
        f.whole("encoding", "Die JSON-Datei ist nicht in UTF-8 kodiert.")
        return None
    doc = _loads(text, f, constants)
    if f:
        return None
    if not isinstance(doc, dict):
        f.whole("invalid_json", "Die JSON-Datei muss ein Objekt mit dem Feld „zeilen“ sein.")
        return None
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
    return None if f else doc


def _rows(rows: list[Any], top: dict[str, Any], f: Findings) -> list[tuple[int, dict[str, Any]]]:
    """The records of ``zeilen``; missing and unknown fields to ``f``."""
    records: list[tuple[int, dict[str, Any]]] = []
    allowed = {*contract.JSON_ROW_COLUMNS, *top}
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
        for key, value in top.items():
            if key in row and row[key] != value and not f.has_whole():
                f.row("differs_from_top", i, key, row[key], g)
        records.append((i, {**row, **top}))
    return records
