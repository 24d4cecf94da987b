"""The XLSX variant of the report: an Excel workbook with the CSV's columns.

The first worksheet is read. Its first non-empty row is the header with the contract's
column names, English or German (``Kreisschlüssel``, ``ELB Frauen`` …, the same names and
rules as the CSV dialects; the language with more recognised names wins). Each later
non-empty row becomes ``(row number, {column: value})``; the row number counts from the
header like a CSV line, so a finding names the row as the spreadsheet numbers it.

Cell types are kept, not guessed from text (the values are read like JSON's):

- **text stays text.** A key cell (Kreis-, Gemeindeschlüssel) holding a *number* is a
  finding, never padded: ``1054001`` may be ``01054001`` with its zero lost or a typo, and
  the product cannot tell which (the template formats these cells as text, so it does not
  happen there). A Berichtsmonat that the spreadsheet turned into a date (the first of a
  month, midnight) is unambiguous and becomes ``JJJJ-MM``.
- **numbers stay numbers.** An integer-valued number (``12.0``) is the integer ``12``;
  ``12.5`` in a count column is a finding. A euro amount within a millionth of a cent of
  two decimals is that amount (binary floating point cannot hold ``0.1`` exactly); more
  decimals are a finding. Text in a number cell (``"12"``) is a finding: it is what a
  person typed next to the numbers, and a spreadsheet does not add it up.
- **formulas:** the workbook is opened with ``data_only=True``, so a formula cell gives the
  value the spreadsheet stored when it last calculated, and that value is validated like
  any other. A formula *without* a stored value (a file written by a program and never
  opened in a spreadsheet) is rejected naming the cell: computing it here would mean
  re-implementing a spreadsheet, and guessing empty would turn a sum into a missing value.

A file that is no readable workbook (a broken ZIP, a missing sheet, an ``.xls`` renamed)
is one finding about the whole file, not a crash; so is a ZIP that unpacks to more than
:data:`MAX_UNPACKED_BYTES` (a "ZIP bomb" would otherwise fill the memory).
"""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import date, datetime, time
from typing import Any

from ingest.core import contract
from ingest.validate.parse_csv import map_columns
from ingest.validate.reading import Findings

log = logging.getLogger(__name__)

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC = b"PK\x03\x04"
# A monthly report is a few hundred kilobytes unpacked; 64 MiB is far beyond any real one.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# Cells listed by name in the formula finding's message (every one is in its rows).
NAMED_CELLS = 10
_KEY_CODES = ("kreis_ags", "gemeinde_ags")


def _norm(header: Any) -> str:
    return " ".join(str(header).split()).casefold() if header is not None else ""


_EN = {_norm(c) for c in contract.COLUMNS}
_DE = {_norm(h) for h in contract.GERMAN_HEADERS.values()}


def read_xlsx(body: bytes) -> tuple[list[tuple[int, dict[str, Any]]], Findings]:
    """``(records, findings)`` of an XLSX body; findings about the file as a whole stop early."""
    f = Findings()
    f.values = "json"  # typed cells: a number is a number, text is text
    grid = _grid(body, f)
    if grid is None:
        return [], f
    values, formulas = grid
    header_at = next((i for i, row in enumerate(values) if not _blank(row)), None)
    if header_at is None:
        f.whole("empty", "Die Arbeitsmappe enthält auf dem ersten Tabellenblatt keine Daten.")
        return [], f
    width = max(len(row) for row in values)
    header = _padded(values[header_at], width)
    en = sum(_norm(h) in _EN for h in header)
    de = sum(_norm(h) in _DE for h in header)
    f.dialect = "de" if de > en else "en"
    if max(en, de) == 0:
        f.whole(
            "no_header",
            "Die erste Zeile ist keine gültige Kopfzeile: keine der Spalten des Meldeformats "
            "wurde erkannt (z. B. „kreis_ags“ oder „Kreisschlüssel“).",
            value=" | ".join("" if h is None else str(h) for h in header)[:200],
        )
        return [], f
    # data row n is sheet row n + header row (rows are 1-based)
    f.line_offset = header_at + 1
    lines = [
        (i - header_at, _padded(row, width))
        for i, row in enumerate(values)
        if i > header_at and not _blank(row)
    ]
    text_lines = [(n, ["" if v is None else str(v) for v in row]) for n, row in lines]
    columns = map_columns(["" if h is None else str(h) for h in header], text_lines, f)
    if f.has_whole():
        return [], f
    unstored = _unstored_formulas(lines, columns, formulas, header_at, f)
    records = [(n, _record(n, row, columns, f, unstored)) for n, row in lines]
    return records, f


def _grid(body: bytes, f: Findings) -> tuple[list[list[Any]], dict[tuple[int, int], str]] | None:
    """The first sheet's cell values (formula cells: their stored value) and its formulas
    by (row index, column index); None with a finding if the file is no readable workbook."""
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        f.whole(
            "broken_xlsx",
            "Die Datei ist keine lesbare Excel-Arbeitsmappe (XLSX): sie ist beschädigt oder "
            "unvollständig übertragen. Bitte speichern Sie den Bericht erneut als "
            "„Excel-Arbeitsmappe (*.xlsx)“ und senden Sie ihn noch einmal.",
        )
        return None
    if unpacked > MAX_UNPACKED_BYTES:
        f.whole(
            "xlsx_too_large",
            "Die Arbeitsmappe ist entpackt zu groß für einen Monatsbericht. Bitte senden Sie "
            "nur das Tabellenblatt des Berichts.",
            value=unpacked,
        )
        return None
    try:
        values = _rows(openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True))
        formulas: dict[tuple[int, int], str] = {}
        raw = _rows(openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=False))
    # openpyxl raises many kinds of errors on a damaged workbook (KeyError for a missing
    # part, XML parse errors, InvalidFileException, ValueError …): every one of them means
    # the same thing to the jobcenter, and the bytes come from outside.
    except Exception as exc:  # noqa: BLE001
        log.info("unreadable XLSX: %s: %s", type(exc).__name__, exc)
        f.whole(
            "broken_xlsx",
            "Die Datei ist keine lesbare Excel-Arbeitsmappe (XLSX). Bitte speichern Sie den "
            "Bericht in der Tabellenkalkulation als „Excel-Arbeitsmappe (*.xlsx)“ und senden "
            "Sie ihn noch einmal.",
            value=type(exc).__name__,
        )
        return None
    for r, row in enumerate(raw):
        for c, cell in enumerate(row):
            if isinstance(cell, str) and cell.startswith("="):
                formulas[(r, c)] = cell
            elif cell is not None and type(cell).__name__ in ("ArrayFormula", "DataTableFormula"):
                formulas[(r, c)] = str(getattr(cell, "text", "") or "=…")
    return values, formulas


def _rows(workbook: Any) -> list[list[Any]]:
    """Every row of the first worksheet as a list of values (gaps as empty rows)."""
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers state wrong dimensions: read what is there
        return [list(row) for row in sheet.iter_rows(min_row=1, values_only=True)]
    finally:
        workbook.close()


def _blank(row: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _padded(row: list[Any], width: int) -> list[Any]:
    return row + [None] * (width - len(row))


def _record(
    row_no: int,
    row: list[Any],
    columns: list[str | None],
    f: Findings,
    unstored: set[tuple[int, int]],
) -> dict[str, Any]:
    """One row's cells by contract column, converted where that is unambiguous; a formula
    without a stored value is left out (its own finding names it, not "empty")."""
    rec: dict[str, Any] = {}
    for c, (col, value) in enumerate(zip(columns, row, strict=True)):
        if col is None or (row_no, c) in unstored:
            continue
        if col in _KEY_CODES and isinstance(value, int | float) and not isinstance(value, bool):
            f.row("number_key", row_no, col, value, rec.get("gemeinde_ags"))
            rec[col] = str(value)
        elif col == "period" and isinstance(value, datetime | date):
            rec[col] = _month(value)
        elif col in contract.COUNT_COLUMNS or col in contract.MONEY_COLUMNS:
            rec[col] = _number(value, money=col in contract.MONEY_COLUMNS)
        else:
            rec[col] = value
    return rec


def _month(value: date) -> Any:
    """A date cell in the Berichtsmonat column: ``JJJJ-MM`` if it is the first of a month at
    midnight (what a spreadsheet makes of ``2026-10``), else the value as it is (a finding)."""
    if isinstance(value, datetime) and value.time() != time(0, 0):
        return value
    if value.day != 1:
        return value
    return f"{value.year:04d}-{value.month:02d}"


def _number(value: Any, *, money: bool) -> Any:
    """An integer-valued float as int; a euro amount within a millionth of a cent of two
    decimals rounded to them; everything else unchanged (the parser judges it)."""
    if not isinstance(value, float) or value != value or value in (float("inf"), float("-inf")):
        return value
    if value.is_integer():
        return int(value)
    if money and abs(value * 100 - round(value * 100)) < 1e-6:
        return round(value, 2)
    return value


def _unstored_formulas(
    lines: list[tuple[int, list[Any]]],
    columns: list[str | None],
    formulas: dict[tuple[int, int], str],
    header_at: int,
    f: Findings,
) -> set[tuple[int, int]]:
    """One finding naming every formula cell of the report without a stored value; those
    cells as (row number, column index)."""
    from openpyxl.utils import get_column_letter

    cells, refs, found = [], [], set()
    g = columns.index("gemeinde_ags")
    for row_no, row in lines:
        r = header_at + row_no
        for c, col in enumerate(columns):
            if col is not None and row[c] is None and (r, c) in formulas:
                cells.append(f"{get_column_letter(c + 1)}{r + 1}")
                refs.append((row_no, col, formulas[(r, c)], row[g]))
                found.add((row_no, c))
    if not cells:
        return found
    named = ", ".join(cells[:NAMED_CELLS])
    if len(cells) > NAMED_CELLS:
        named += f" und {len(cells) - NAMED_CELLS} weitere"
    subject = (
        f"Zelle {named} enthält eine Formel"
        if len(cells) == 1
        else (f"Die Zellen {named} enthalten Formeln")
    )
    f.cells(
        "formula_without_value",
        f"{subject} ohne gespeicherten Wert: die Datei wurde nie in einer Tabellenkalkulation "
        "berechnet. Bitte öffnen Sie die Datei in Excel oder LibreOffice Calc, speichern Sie sie "
        "dort erneut (dabei werden die Formeln berechnet) und senden Sie sie noch einmal.",
        refs,
    )
    return found
