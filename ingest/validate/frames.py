"""Data frames the suites run on, built from parsed reports.

- :func:`rows_frame`: every report's rows in one frame, typed, with helper columns (the
  requested jobcenter and month, the Gemeinde prefix, sums, Gemeinde known last month);
- :func:`cells_frame`: one row per numeric cell, with its total where it is a subgroup;
- :func:`totals`: one row per report (Kreis sums, reference population, previous month).

Two structural checks (column set, numeric values) are made here, before any suite: the
helper columns cannot be computed without them.

Counts are compared as integers, never as floats: they are converted value by value (not
through float64, which cannot tell 2^53 from 2^53 + 1) into int64 columns, in the rows and
in the cells frame alike. A count beyond :data:`EXACT_LIMIT` is not a number of the
contract (``values_are_numbers``), so no sum of a row's counts can overflow; the suites
bound every count by the Kreis's population (``counts_within_population``).
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ingest.core import contract, periods, registry
from ingest.core.findings import Finding
from ingest.core.rules import structural_meta

if TYPE_CHECKING:
    import pandas as pd

# The largest count (in absolute value) the frames take as a number: sums of up to eight
# such counts stay within int64. Anything larger cannot be a count of the contract.
EXACT_LIMIT = 2**60
_TOLERANCE_PERCENT = round(contract.POPULATION_TOLERANCE * 100)


def count_bound(population: int) -> int:
    """The largest count a report of a Kreis with this reference population may hold: the
    population plus the tolerance of the population rule, in integers, within 32 bits."""
    return min(population * (100 + _TOLERANCE_PERCENT) // 100, contract.MAX_COUNT)


def exact_count(value: Any) -> int | None:
    """A count cell as a Python int, exactly; None if it is not an integer within
    :data:`EXACT_LIMIT` (text of ASCII digits, an integral float or Decimal count too)."""
    if isinstance(value, bool) or value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] == "-" else text
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
            return None
        value = int(text)
    elif isinstance(value, float | Decimal):
        try:
            if not value.is_finite() if isinstance(value, Decimal) else not math.isfinite(value):
                return None
            if value != int(value):
                return None
            value = int(value)
        except (OverflowError, ValueError, InvalidOperation):
            return None
    if not isinstance(value, int) or abs(value) > EXACT_LIMIT:
        return None
    return value


def money_cents(value: Decimal | None) -> int | None:
    """A euro amount in whole cents (Python int, exact), or None if it is not a number."""
    if value is None or not value.is_finite():
        return None
    return int((value * 100).to_integral_value())


def to_decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _sub_cent(value: Decimal | None) -> float | None:
    """How far a euro amount is from a whole cent (0.0 when it has at most two decimals)."""
    if value is None or not value.is_finite():
        return None
    cents = value * 100
    return float(abs(cents - cents.to_integral_value()))


def plain(value: Any) -> Any:
    """A JSON-friendly scalar for findings (numpy → Python, NaN → None)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Decimal):
        return str(value)
    return value


def _column_finding(df: pd.DataFrame) -> Finding | None:
    """The column-set check: every contract column once, nothing unknown."""
    present = [str(c) for c in df.columns if c not in ("_row", "_line")]
    missing = [c for c in contract.COLUMNS if c not in present]
    unknown = [c for c in present if c not in contract.COLUMNS]
    duplicated = sorted({c for c in present if present.count(c) > 1})
    if not (missing or unknown or duplicated):
        return None
    meta = structural_meta("columns_match_contract")
    refs = [
        {"row": None, "gemeinde_ags": None, "column": c, "value": what}
        for what, cols in (("fehlt", missing), ("unbekannt", unknown), ("doppelt", duplicated))
        for c in cols
    ]
    return Finding(meta["rule"], meta["severity"], meta["description_de"], refs)


def rows_frame(
    reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]],
    structural: dict[int, Finding],
) -> pd.DataFrame:
    """All reports with valid columns in one frame, typed, with the suite's helper columns.

    Reports whose numbers are not numbers get a ``values_are_numbers`` finding in
    ``structural`` and are left out of the frame.
    """
    rows = _concat(reports, structural)
    rows = _typed(rows, structural)
    return _with_helper_columns(rows, reports)


def _concat(
    reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]],
    structural: dict[int, Finding],
) -> pd.DataFrame:
    """The rows of every report with the contract's columns, tagged with the report."""
    import numpy as np
    import pandas as pd

    parts, ids, lengths = [], [], []
    for i, (_ags, _period, df, _prev) in enumerate(reports):
        finding = _column_finding(df)
        if finding is not None:
            structural[i] = finding
            continue
        if "_row" not in df.columns:
            df = df.assign(_row=range(1, len(df) + 1))
        parts.append(df if "_line" in df.columns else df.assign(_line=None))
        ids.append(i)
        lengths.append(len(df))
    columns = [*contract.COLUMNS, "_row", "_line"]
    rows = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    rows["_report"] = np.repeat(np.array(ids, dtype="int64"), lengths)
    rows["_requested_kreis_ags"] = np.repeat(np.array([reports[i][0] for i in ids]), lengths)
    rows["_requested_period"] = np.repeat(np.array([reports[i][1] for i in ids]), lengths)
    for col in contract.KEY_COLUMNS:
        rows[col] = rows[col].map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    return rows


def _typed(rows: pd.DataFrame, structural: dict[int, Finding]) -> pd.DataFrame:
    """Counts as int64 and money as float64; reports with non-numbers are left out."""
    import numpy as np

    bad: dict[int, list[dict[str, Any]]] = {}

    def note(mask: pd.Series, col: str, originals: pd.Series) -> None:
        for idx in mask[mask].index:
            bad.setdefault(int(rows.at[idx, "_report"]), []).append(
                _located(rows, idx, {"column": col, "value": plain(originals.at[idx])})
            )

    for col in contract.COUNT_COLUMNS:
        exact = rows[col].map(exact_count).astype(object)
        note(exact.isna(), col, rows[col])
        rows[col] = exact
    for col in contract.MONEY_COLUMNS:
        decimals = rows[col].map(to_decimal)
        note(decimals.map(lambda d: d is None or not d.is_finite()), col, rows[col])
        rows[f"_{col}_sub_cent"] = decimals.map(_sub_cent).astype("float64")
        rows[f"_{col}_cents"] = decimals.map(money_cents).astype(object)
        rows[col] = decimals.map(lambda d: float(d) if d is not None else np.nan)
    if bad:
        meta = structural_meta("values_are_numbers")
        for i, refs in bad.items():
            structural[i] = Finding(meta["rule"], meta["severity"], meta["description_de"], refs)
        rows = rows[~rows["_report"].isin(list(bad))].reset_index(drop=True)
    for col in contract.COUNT_COLUMNS:
        rows[col] = rows[col].astype("int64")
    return rows


def _with_helper_columns(
    rows: pd.DataFrame, reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]]
) -> pd.DataFrame:
    """The columns the suite compares with: Gemeinde prefix, sums, known last month."""
    import numpy as np
    import pandas as pd

    prefix = rows["gemeinde_ags"].map(lambda g: g[:5] if isinstance(g, str) else None)
    rows["_gemeinde_kreis_prefix"] = prefix.where(prefix.notna(), rows["_requested_kreis_ags"])
    rows["_elb_plus_nef"] = rows["elb"] + rows["nef"]
    rows["_integrationen_sum_of_kinds"] = rows[list(contract.INTEGRATION_KINDS)].sum(axis=1)
    bounds = {ags: count_bound(registry.get(ags).population) for ags, *_ in reports}
    rows["_count_bound"] = rows["_requested_kreis_ags"].map(bounds).astype("int64")
    with_previous = [i for i, r in enumerate(reports) if r[3] is not None]
    known = {
        (i, str(g))
        for i in with_previous
        for g in reports[i][3]["gemeinde_ags"].tolist()
        if pd.notna(g)
    }
    has_prev = rows["_report"].isin(with_previous).to_numpy()
    in_prev = [
        (int(i), g) in known for i, g in zip(rows["_report"], rows["gemeinde_ags"], strict=True)
    ]
    rows["_in_previous_month"] = np.where(has_prev, np.array(in_prev, dtype=object), None)
    return rows


def cells_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per numeric cell (Gemeinde x column), with its total where it is a subgroup.

    Counts, their bound and their totals are int64 (compared exactly); a money cell has
    ``count_value`` 0 and a cell that is no subgroup has 0 as subgroup and total, so every
    comparison of counts holds for them trivially. ``value`` keeps each cell as it is (a
    Python int for counts) for the findings.
    """
    import numpy as np
    import pandas as pd

    subgroup_of = {s: total for total, subs in contract.SUBGROUPS.items() for s in subs}
    base = rows[["_report", "_row", "_line", "gemeinde_ags", "gemeinde_name"]]
    nan = np.full(len(rows), np.nan)
    zero = np.zeros(len(rows), dtype="int64")
    bound = rows["_count_bound"].to_numpy(dtype="int64")
    pieces = []
    for col in (*contract.COUNT_COLUMNS, *contract.MONEY_COLUMNS):
        is_money = col in contract.MONEY_COLUMNS
        counts = zero if is_money else rows[col].to_numpy(dtype="int64")
        piece = {
            "column": col,
            "value": rows[col].astype(object).to_numpy(),
            "count_value": counts,
            "count_bound": bound,
            "money_value": rows[col].to_numpy(dtype="float64") if is_money else nan,
            "money_sub_cent": rows[f"_{col}_sub_cent"].to_numpy() if is_money else nan,
        }
        for total in contract.SUBGROUPS:
            mine = subgroup_of.get(col) == total
            piece[f"{total}_total"] = rows[total].to_numpy(dtype="int64") if mine else zero
            piece[f"{total}_subgroup"] = counts if mine else zero
        pieces.append(base.assign(**piece))
    return pd.concat(pieces, ignore_index=True)


def cell_ref(frame: pd.DataFrame, idx: int, meta: dict[str, Any]) -> dict[str, Any]:
    """The ``rows`` entry of a finding for one unexpected row of a rows or cells frame:
    where it is, the value, and the values of the rule's ``compared_columns``."""
    column = meta.get("report_column")
    if column is None:  # cells frame: the cell names its column
        column = frame.at[idx, "column"]
        value = frame.at[idx, "value"]
    else:
        value = frame.at[idx, column]
    ref = _located(frame, idx, {"column": column, "value": plain(value)})
    compared = {}
    for col in meta.get("compared_columns") or []:
        source = col if col in frame.columns else f"{col}_total"  # cells: the subgroup's total
        compared[col] = plain(frame.at[idx, source])
    if compared:
        ref["compared"] = compared
    return ref


def _located(frame: pd.DataFrame, idx: int, ref: dict[str, Any]) -> dict[str, Any]:
    """``ref`` with where its row is: data row, spreadsheet line (CSV), Gemeinde and name."""
    line = plain(frame.at[idx, "_line"])
    located = {
        "row": plain(frame.at[idx, "_row"]),
        "gemeinde_ags": frame.at[idx, "gemeinde_ags"],
        **ref,
        "gemeinde_name": plain(frame.at[idx, "gemeinde_name"]),
    }
    if line is not None:
        located["line"] = line
    return located


def _months_outside(period: str, today: date) -> int:
    """0 for a month from 2005-01 to ``today``'s month, else how many months it lies outside."""
    index = periods.month_index(period)
    first = periods.month_index(periods.calendar().first_period)
    last = periods.month_index(periods.period_of(today))
    return max(first - index, index - last, 0)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0."""
    return numerator / denominator.where(denominator != 0)


def _money_cents_totals(rows: pd.DataFrame, ids: list[int]) -> list[dict[str, int]]:
    """Per report, the exact total of each money column in cents (Python ints)."""
    out: list[dict[str, int]] = [{} for _ in ids]
    for col in contract.MONEY_COLUMNS:
        cents = rows.groupby("_report")[f"_{col}_cents"].agg(lambda c: sum(int(x) for x in c))
        for n, total in enumerate(cents.reindex(ids, fill_value=0).tolist()):
            out[n][col] = total
    return out


def totals(
    reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]],
    rows: pd.DataFrame,
    ids: list[int],
    today: date,
) -> pd.DataFrame:
    """One row per report: Kreis sums, reference population, previous month, and how far
    the month lies outside the reporting months on ``today`` (the reference date)."""
    import pandas as pd

    sums = rows.groupby("_report")[list(contract.COUNT_COLUMNS)].sum().reindex(ids, fill_value=0)
    t = sums.add_prefix("sum_")
    t["_report"] = ids
    t["period"] = [reports[i][1] for i in ids]
    exact = _money_cents_totals(rows, ids)
    for col in contract.MONEY_COLUMNS:
        # Clipped to int64 for GX: any total above the bound is as wrong as another.
        t[f"sum_{col}_cents"] = [min(e[col], 2**62) for e in exact]
        t[f"sum_{col}_cents"] = t[f"sum_{col}_cents"].astype("int64")
    t["_exact_cents"] = exact  # for the finding's message
    t["months_outside_reporting_range"] = [_months_outside(t_p, today) for t_p in t["period"]]
    t["reference_population"] = [registry.get(reports[i][0]).population for i in ids]
    t["einwohner_to_reference"] = _ratio(t["sum_einwohner"], t["reference_population"])
    t["integrationsquote"] = _ratio(t["sum_integrationen"], t["sum_elb"])
    t["elb_quote"] = _ratio(t["sum_elb"], t["sum_einwohner_bis_rag"])
    t["langzeit_share"] = _ratio(t["sum_elb_langzeit"], t["sum_elb"])
    t["elb_per_bg"] = _ratio(t["sum_elb"], t["sum_bedarfsgemeinschaften"])
    present: dict[int, set[str]] = {}
    for i, g in zip(rows["_report"].tolist(), rows["gemeinde_ags"].tolist(), strict=True):
        present.setdefault(i, set()).add(g)
    previous_elb, missing, n_missing = [], [], []
    for i in ids:
        prev = reports[i][3]
        if prev is None:
            previous_elb.append(float("nan"))
            missing.append([])
            n_missing.append(float("nan"))
            continue
        # A comparison report that turns out rejected may hold non-numbers; the reports
        # compared with it are validated again (see _validate_in_order), so NaN is harmless.
        previous_elb.append(float(pd.to_numeric(prev["elb"], errors="coerce").sum()))
        here = present.get(i, set())
        gone = {
            str(g): str(n)
            for g, n in zip(
                prev["gemeinde_ags"].tolist(), prev["gemeinde_name"].tolist(), strict=True
            )
            if str(g) not in here
        }
        missing.append(sorted(gone.items()))
        n_missing.append(float(len(gone)))
    t["previous_elb"] = previous_elb
    # Rounded to 1e-9 (far below one person in any Kreis) so that a change of exactly
    # ±15 % stays inside the inclusive bound: 1700 / 2000 - 1 is -0.15000000000000002.
    t["elb_change"] = (_ratio(t["sum_elb"], t["previous_elb"]) - 1).round(9)
    t["gemeinden_missing"] = n_missing
    t["_missing"] = missing
    return t.reset_index(drop=True)
