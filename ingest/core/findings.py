"""A finding: one broken rule of a report, with the rows and columns where it broke.

Shared by parsing (structural problems) and validation (contract rules). The message is
German plain language, because it goes into the alert mail to the jobcenter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["hard", "soft"]


@dataclass
class Finding:
    """One rule broken by a report.

    ``rows`` holds dicts with keys ``row`` (1-based data row as delivered, header not
    counted; None for the file as a whole), ``gemeinde_ags``, ``column`` and ``value``.
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
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return str(value)


def row_ref(
    row: int | None, column: str | None, value: Any = None, gemeinde_ags: str | None = None
) -> dict[str, Any]:
    """A ``rows`` entry of a finding."""
    return {"row": row, "gemeinde_ags": gemeinde_ags, "column": column, "value": value}
