"""A finding: one broken rule of a report, with the rows and columns where it broke.

Shared by parsing (structural problems) and validation (contract rules). The message is
German plain language, because it goes into the alert mail to the jobcenter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ingest.core.contract import GERMAN_HEADERS
from ingest.core.german import fmt_int, fmt_value

Severity = Literal["hard", "soft"]


@dataclass
class Finding:
    """One rule broken by a report.

    ``rows`` holds dicts with keys ``row`` (1-based data row as delivered, header not
    counted; None for the file as a whole), ``gemeinde_ags``, ``column`` and ``value``, and
    where known ``line`` (the line as the jobcenter's spreadsheet counts it, header = 1),
    ``gemeinde_name`` and ``compared`` (the values the rule compared with, by column).
    """

    rule: str
    severity: Severity
    message: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (values that are not JSON types become strings)."""
        d = asdict(self)
        d["rows"] = [{k: _jsonable(v) for k, v in r.items()} for r in self.rows]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        """The inverse of :meth:`to_dict`."""
        return cls(
            rule=d["rule"],
            severity=d["severity"],
            message=d["message"],
            rows=list(d.get("rows", [])),
        )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):  # compared: {column: value}
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return str(value)


def row_ref(
    row: int | None, column: str | None, value: Any = None, gemeinde_ags: str | None = None
) -> dict[str, Any]:
    """A ``rows`` entry of a finding."""
    return {"row": row, "gemeinde_ags": gemeinde_ags, "column": column, "value": value}


def column_label(column: str | None) -> str:
    """``ELB Frauen (elb_frauen)``: the German header with the contract's column name."""
    if not column:
        return "–"
    german = GERMAN_HEADERS.get(column)
    return f"{german} ({column})" if german else column


def describe_ref(ref: dict[str, Any]) -> dict[str, str]:
    """Where a finding is and what was found, as a person reads it (German formats).

    ``where``: ``Zeile 2`` (spreadsheet line), ``Datensatz 1`` (a JSON record) or ``gesamter
    Bericht``; ``gemeinde``: ``05113000 Essen``; ``column``; ``value``; ``compared``:
    ``ELB (elb) 1.000`` for each value the rule compared with. Empty strings when unknown.
    """
    if ref.get("line") is not None:
        where = f"Zeile {fmt_int(ref['line'])}"
    elif ref.get("row") is not None:
        where = f"Datensatz {fmt_int(ref['row'])}"
    else:
        where = "gesamter Bericht"
    gemeinde = " ".join(str(p) for p in (ref.get("gemeinde_ags"), ref.get("gemeinde_name")) if p)
    compared = ", ".join(
        f"{column_label(col)} {fmt_value(val)}" for col, val in (ref.get("compared") or {}).items()
    )
    return {
        "where": where,
        "gemeinde": gemeinde,
        "column": column_label(ref["column"]) if ref.get("column") else "",
        "value": fmt_value(ref["value"]) if "value" in ref else "",
        "compared": compared,
    }
