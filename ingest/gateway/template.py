"""The XLSX template of a monthly report, for one jobcenter and month.

Sheet ``Bericht``: the contract's columns under their German headers (the CSV's German
dialect, which the XLSX reader accepts), one row per Gemeinde with Kreisschlüssel,
Gemeindeschlüssel, Gemeinde and Berichtsmonat filled in, every number empty. The key cells
and the month are formatted as text, so a spreadsheet keeps the leading zero of
``01054001``; number cells accept only numbers of at least zero. Sheet ``Hinweise``: what to
fill in and how to send it.

The Gemeinden come from what the product knows of the jobcenter: the rows of its latest
accepted report up to that month (the Gemeinden it reported last; a Gemeinde merged since
is one row to delete). A jobcenter without an accepted report: a kreisfreie Stadt is its own
single Gemeinde (``<Kreisschlüssel>000``, the registry's name); a Landkreis gets the header
only, since the registry does not list its Gemeinden.
"""

from __future__ import annotations

import io
from datetime import datetime

from ingest.core import contract, keys, periods, registry
from ingest.core.german import month_name
from ingest.validate.store import AcceptedIndex

SHEET = "Bericht"
HINTS_SHEET = "Hinweise"
TEXT_FORMAT = "@"
_TEXT_COLUMNS = ("kreis_ags", "gemeinde_ags", "gemeinde_name", "period")


def gemeinden(kreis_ags: str, period: str) -> list[tuple[str, str]]:
    """``(gemeinde_ags, gemeinde_name)`` of the jobcenter as the template lists them."""
    import pandas as pd

    ags = keys.registered_ags(kreis_ags)
    latest = AcceptedIndex(ags).latest_before(ags, periods.shift(period, 1))
    if latest is not None:
        df = pd.read_parquet(latest[2], columns=["gemeinde_ags", "gemeinde_name"])
        return sorted(zip(df["gemeinde_ags"], df["gemeinde_name"], strict=True))
    jc = registry.get(ags)
    return [(f"{ags}000", jc.name)] if jc.kind == "kreisfreie Stadt" else []


def hints(kreis_ags: str, period: str, listed: int) -> list[str]:
    """The German hint lines of the template."""
    jc = registry.get(kreis_ags)
    lines = [
        f"Monatsbericht {month_name(period)} – Jobcenter {jc.name} ({kreis_ags})",
        "",
        "So füllen Sie die Vorlage aus:",
        "1. Tragen Sie im Blatt „Bericht“ je Gemeinde alle Zahlen ein: ganze Zahlen für "
        "Anzahlen, Eurobeträge mit höchstens zwei Nachkommastellen.",
        "2. Ändern Sie Kreisschlüssel, Gemeindeschlüssel und Berichtsmonat nicht; die Schlüssel "
        "sind Text und behalten ihre führende Null.",
        "3. Formeln sind erlaubt, wenn die Datei danach in Excel oder LibreOffice Calc "
        "gespeichert wurde (dabei werden sie berechnet).",
        "4. Speichern Sie als „Excel-Arbeitsmappe (*.xlsx)“ und laden Sie die Datei auf der "
        "Seite „Lieferungen“ hoch. Die Rückmeldung erscheint sofort.",
    ]
    if listed == 0:
        lines.append(
            "Für dieses Jobcenter liegt noch kein angenommener Bericht vor: bitte tragen Sie je "
            "Gemeinde eine Zeile ein (Gemeindeschlüssel achtstellig, als Text)."
        )
    return lines


def workbook_bytes(kreis_ags: str, period: str, created: datetime) -> bytes:
    """The template as XLSX bytes (``created`` is written as the file's creation time)."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ags = keys.registered_ags(kreis_ags)
    period = periods.parse_period(period)
    rows = gemeinden(ags, period)
    wb = openpyxl.Workbook()
    wb.properties.created = wb.properties.modified = created.replace(tzinfo=None)
    wb.properties.creator = "Jobcenter-Warehouse"
    ws = wb.active
    ws.title = SHEET
    ws.append([contract.GERMAN_HEADERS[c] for c in contract.COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for gemeinde_ags, name in rows:
        ws.append([ags, gemeinde_ags, name, period] + [None] * (len(contract.COLUMNS) - 4))
    last = max(len(rows) + 1, 200)  # room for Gemeinden added by hand
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    money = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    for dv, what in ((whole, "eine ganze Zahl ab 0"), (money, "einen Eurobetrag ab 0")):
        dv.error = f"Bitte geben Sie {what} ein."
        dv.errorTitle = "Ungültiger Wert"
        ws.add_data_validation(dv)
    for i, col in enumerate(contract.COLUMNS, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, len(contract.GERMAN_HEADERS[col]) + 2)
        if col in _TEXT_COLUMNS:
            for r in range(2, last + 1):
                ws.cell(r, i).number_format = TEXT_FORMAT
        elif col in contract.COUNT_COLUMNS:
            whole.add(f"{letter}2:{letter}{last}")
        else:
            money.add(f"{letter}2:{letter}{last}")
    ws.freeze_panes = "E2"
    notes = wb.create_sheet(HINTS_SHEET)
    for line in hints(ags, period, len(rows)):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
