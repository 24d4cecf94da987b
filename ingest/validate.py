"""Validation of monthly reports with Great Expectations, and the validate step of the pipeline.

The rules live in ``expectations/`` as GX suite files (the source of truth):

- ``report_rows.json`` runs on the rows of reports (one row per Gemeinde), with helper columns
  (requested kreis_ags/period, Gemeinde prefix, sums, Gemeinde known in the previous month);
- ``report_totals.json`` runs on one row per report: Kreis totals, the ratio to the registry
  reference population and the change against the previous accepted month.

Each expectation carries ``meta.rule`` (stable id), ``meta.severity`` (hard/soft) and
``meta.description_de`` (the German text of reports and mails). ``validate_many`` concatenates
all reports of a batch and runs each suite once on one shared ephemeral GX context, then
attributes every unexpected row back to its report via ``unexpected_index_list``.
Two structural checks (column set, numeric values) run in Python before the suite, because the
helper columns cannot be computed without them; their texts live in the suite's meta too.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest import contract, registry, settings
from ingest.errors import ChecksumMismatch
from ingest.findings import Finding

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

SUITE_FILES = ("report_rows.json", "report_cells.json", "report_totals.json")
SUITE_VERSION = "report_v1"
CHECKSUM_RULE = "checksum_mismatch"
# Rules that compare with the previous accepted month (not applicable without one).
HISTORY_RULES = frozenset(
    {"elb_change_vs_previous", "gemeinde_missing_vs_previous", "gemeinde_new_vs_previous"}
)
CHECKSUM_MESSAGE = (
    "Die gespeicherte Datei stimmt nicht mehr mit ihrer Prüfsumme überein (Speicherfehler "
    "bei der Zentrale, nicht beim Jobcenter); die Datei wurde nicht verarbeitet."
)


@dataclass
class Verdict:
    """The outcome of validating one report revision."""

    kreis_ags: str
    period: str
    verdict: str  # "accepted" or "rejected"
    findings: list[Finding] = field(default_factory=list)  # hard rules broken
    warnings: list[Finding] = field(default_factory=list)  # soft rules broken
    suite: str = SUITE_VERSION
    revision: int | None = None
    sha256: str | None = None
    # The accepted month the history rules compared with: {"period", "revision"} or None.
    compared_with: dict[str, Any] | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"

    def to_dict(self) -> dict[str, Any]:
        """The verdict document of docs/architecture.md (JSON-serialisable)."""
        return {
            "kreis_ags": self.kreis_ags,
            "period": self.period,
            "revision": self.revision,
            "sha256": self.sha256,
            "verdict": self.verdict,
            "suite": self.suite,
            "findings": [f.to_dict() for f in self.findings],
            "warnings": [w.to_dict() for w in self.warnings],
            "compared_with": self.compared_with,
        }


# --------------------------------------------------------------------------- suites


@lru_cache(maxsize=1)
def load_suites() -> dict[str, dict[str, Any]]:
    """The suite documents of ``expectations/`` by suite name (parsed JSON, not GX objects)."""
    suites = {}
    for name in SUITE_FILES:
        path = settings.EXPECTATIONS_DIR / name
        doc = json.loads(path.read_text(encoding="utf-8"))
        for exp in doc["expectations"]:
            meta = exp.get("meta", {})
            missing = {"rule", "severity", "title_de", "description_de"} - meta.keys()
            if missing or meta["severity"] not in ("hard", "soft"):
                raise ValueError(f"{path}: expectation {exp['type']} lacks valid meta {missing}")
        suites[doc["name"]] = doc
    return suites


def rules() -> dict[str, dict[str, Any]]:
    """Every rule id with severity, German description, fix and where it is checked, in order."""
    out: dict[str, dict[str, Any]] = {}
    rows_doc = load_suites()["report_rows"]
    for meta in rows_doc["meta"]["checked_before_suite"]:
        out[meta["rule"]] = {**meta, "checked_on": "structure"}
    for suite_name, doc in load_suites().items():
        for exp in doc["expectations"]:
            meta = exp["meta"]
            entry = out.setdefault(meta["rule"], {**meta, "checked_on": suite_name, "columns": []})
            if meta.get("report_column") and meta["report_column"] not in entry["columns"]:
                entry["columns"].append(meta["report_column"])
    return out


def _structural_meta(rule: str) -> dict[str, Any]:
    for meta in load_suites()["report_rows"]["meta"]["checked_before_suite"]:
        if meta["rule"] == rule:
            return meta
    raise KeyError(rule)


class _Engine:
    """One ephemeral GX context with one validation definition per suite, built once."""

    def __init__(self) -> None:
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("jcw_reports")
        self.definitions = {}
        for name, doc in load_suites().items():
            suite = gx.ExpectationSuite(
                name=name, expectations=doc["expectations"], meta=doc.get("meta")
            )
            if len(suite.expectations) != len(doc["expectations"]):
                raise ValueError(f"suite {name}: some expectations are invalid (see log)")
            suite = self.context.suites.add(suite)
            batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
            self.definitions[name] = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=suite)
            )

    def run(self, suite_name: str, frame: pd.DataFrame) -> list[tuple[dict, list[int]]]:
        """Run one suite on ``frame``; return (meta, unexpected index list) per failed check."""
        result = self.definitions[suite_name].run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
        )
        failed = []
        for r in result.results:
            if r.exception_info and r.exception_info.get("raised_exception"):
                msg = r.exception_info.get("exception_message")
                raise RuntimeError(f"suite {suite_name}: {r.expectation_config.type}: {msg}")
            if not r.success:
                failed.append(
                    (dict(r.expectation_config.meta), list(r.result["unexpected_index_list"]))
                )
        return failed


@lru_cache(maxsize=1)
def _engine() -> _Engine:
    return _Engine()


# --------------------------------------------------------------------------- frames


def _to_decimal(value: Any) -> Decimal | None:
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


def _plain(value: Any) -> Any:
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
    present = [str(c) for c in df.columns if c != "_row"]
    missing = [c for c in contract.COLUMNS if c not in present]
    unknown = [c for c in present if c not in contract.COLUMNS]
    duplicated = sorted({c for c in present if present.count(c) > 1})
    if not (missing or unknown or duplicated):
        return None
    meta = _structural_meta("columns_match_contract")
    refs = [
        {"row": None, "gemeinde_ags": None, "column": c, "value": what}
        for what, cols in (("fehlt", missing), ("unbekannt", unknown), ("doppelt", duplicated))
        for c in cols
    ]
    return Finding(meta["rule"], meta["severity"], meta["description_de"], refs)


def _rows_frame(
    reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]],
    structural: dict[int, Finding],
) -> pd.DataFrame:
    """All reports with valid columns in one frame, typed, with the suite's helper columns.

    Reports whose numbers are not numbers get a ``values_are_numbers`` finding in
    ``structural`` and are left out of the frame.
    """
    import numpy as np
    import pandas as pd

    parts, ids, lengths = [], [], []
    for i, (_ags, _period, df, _prev) in enumerate(reports):
        finding = _column_finding(df)
        if finding is not None:
            structural[i] = finding
            continue
        parts.append(df if "_row" in df.columns else df.assign(_row=range(1, len(df) + 1)))
        ids.append(i)
        lengths.append(len(df))
    columns = [*contract.COLUMNS, "_row"]
    rows = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    rows["_report"] = np.repeat(np.array(ids, dtype="int64"), lengths)
    rows["_requested_kreis_ags"] = np.repeat(np.array([reports[i][0] for i in ids]), lengths)
    rows["_requested_period"] = np.repeat(np.array([reports[i][1] for i in ids]), lengths)
    for col in contract.KEY_COLUMNS:
        rows[col] = rows[col].map(lambda v: None if pd.isna(v) else str(v)).astype(object)

    bad: dict[int, list[dict[str, Any]]] = {}

    def note(mask: pd.Series, col: str, originals: pd.Series) -> None:
        for idx in mask[mask].index:
            bad.setdefault(int(rows.at[idx, "_report"]), []).append(
                {
                    "row": _plain(rows.at[idx, "_row"]),
                    "gemeinde_ags": rows.at[idx, "gemeinde_ags"],
                    "column": col,
                    "value": _plain(originals.at[idx]),
                }
            )

    for col in contract.COUNT_COLUMNS:
        numeric = pd.to_numeric(rows[col], errors="coerce")
        note(numeric.isna() | (numeric % 1 != 0), col, rows[col])
        rows[col] = numeric
    for col in contract.MONEY_COLUMNS:
        decimals = rows[col].map(_to_decimal)
        note(decimals.map(lambda d: d is None or not d.is_finite()), col, rows[col])
        rows[f"_{col}_sub_cent"] = decimals.map(_sub_cent).astype("float64")
        rows[col] = decimals.map(lambda d: float(d) if d is not None else np.nan)
    if bad:
        meta = _structural_meta("values_are_numbers")
        for i, refs in bad.items():
            structural[i] = Finding(meta["rule"], meta["severity"], meta["description_de"], refs)
        rows = rows[~rows["_report"].isin(list(bad))].reset_index(drop=True)
    for col in contract.COUNT_COLUMNS:
        rows[col] = rows[col].astype("int64")

    prefix = rows["gemeinde_ags"].map(lambda g: g[:5] if isinstance(g, str) else None)
    rows["_gemeinde_kreis_prefix"] = prefix.where(prefix.notna(), rows["_requested_kreis_ags"])
    rows["_elb_plus_nef"] = rows["elb"] + rows["nef"]
    rows["_integrationen_sum_of_kinds"] = rows[list(contract.INTEGRATION_KINDS)].sum(axis=1)
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


def _cells_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per numeric cell (Gemeinde x column), with its total where it is a subgroup."""
    import numpy as np
    import pandas as pd

    subgroup_of = {s: total for total, subs in contract.SUBGROUPS.items() for s in subs}
    base = rows[["_report", "_row", "gemeinde_ags"]]
    nan = np.full(len(rows), np.nan)
    pieces = []
    for col in (*contract.COUNT_COLUMNS, *contract.MONEY_COLUMNS):
        is_money = col in contract.MONEY_COLUMNS
        values = rows[col].to_numpy(dtype="float64")
        piece = {
            "column": col,
            "value": values,
            "count_value": nan if is_money else values,
            "money_value": values if is_money else nan,
            "money_sub_cent": rows[f"_{col}_sub_cent"].to_numpy() if is_money else nan,
        }
        for total in contract.SUBGROUPS:
            mine = subgroup_of.get(col) == total
            piece[f"{total}_total"] = rows[total].to_numpy(dtype="float64") if mine else nan
            piece[f"{total}_subgroup"] = values if mine else nan
        pieces.append(base.assign(**piece))
    return pd.concat(pieces, ignore_index=True)


def _cell_ref(frame: pd.DataFrame, idx: int, column: str | None) -> dict[str, Any]:
    """The ``rows`` entry of a finding for one unexpected row of a rows or cells frame."""
    if column is None:  # cells frame: the cell names its column
        column = frame.at[idx, "column"]
        value = frame.at[idx, "value"]
        if column in contract.COUNT_COLUMNS and value == value:
            value = int(value)
    else:
        value = frame.at[idx, column]
    return {
        "row": _plain(frame.at[idx, "_row"]),
        "gemeinde_ags": frame.at[idx, "gemeinde_ags"],
        "column": column,
        "value": _plain(value),
    }


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0."""
    return numerator / denominator.where(denominator != 0)


def _totals(
    reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]],
    rows: pd.DataFrame,
    ids: list[int],
) -> pd.DataFrame:
    """One row per report: Kreis sums, reference population, previous month."""
    import pandas as pd

    sums = rows.groupby("_report")[list(contract.COUNT_COLUMNS)].sum().reindex(ids, fill_value=0)
    t = sums.add_prefix("sum_")
    t["_report"] = ids
    t["kreis_ags"] = [reports[i][0] for i in ids]
    t["period"] = [reports[i][1] for i in ids]
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
    t["elb_change"] = _ratio(t["sum_elb"], t["previous_elb"]) - 1
    t["gemeinden_missing"] = n_missing
    t["_missing"] = missing
    return t.reset_index(drop=True)


def _de(x: float, decimals: int = 0) -> str:
    """A number written the German way: 1.234.567,8."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _pct(x: float, signed: bool = False) -> str:
    return ("+" if signed and x > 0 else "") + _de(100 * x, 1) + " %"


def _totals_finding(meta: dict, t: dict[str, Any]) -> Finding:
    """A finding of a Kreis-level rule, with the figure that broke it in the message."""
    rule = meta["rule"]
    ref = {"row": None, "gemeinde_ags": None}
    if rule == "einwohner_matches_reference":
        detail = (
            f"Summe der Einwohner {_de(t['sum_einwohner'])}, Referenzbevölkerung "
            f"{_de(t['reference_population'])} (Abweichung "
            f"{_pct(t['einwohner_to_reference'] - 1, True)})."
        )
        rows = [{**ref, "column": "einwohner", "value": t["sum_einwohner"]}]
    elif rule == "elb_change_vs_previous":
        detail = (
            f"ELB {_de(t['sum_elb'])} gegenüber {_de(t['previous_elb'])} im Vormonat "
            f"({_pct(t['elb_change'], True)})."
        )
        rows = [{**ref, "column": "elb", "value": t["sum_elb"]}]
    elif rule == "gemeinde_missing_vs_previous":
        names = ", ".join(f"{g} {n}" for g, n in t["_missing"])
        detail = f"Es fehlen: {names}."
        rows = [
            {"row": None, "gemeinde_ags": g, "column": "gemeinde_ags", "value": n}
            for g, n in t["_missing"]
        ]
    else:
        metric = {
            "integrationsquote_range": ("integrationsquote", "Integrationen je ELB", True),
            "elb_quote_range": ("elb_quote", "ELB je Einwohner bis RAG", True),
            "langzeit_share_range": ("langzeit_share", "Anteil Langzeitleistungsbeziehende", True),
            "elb_per_bg_max": ("elb_per_bg", "ELB je Bedarfsgemeinschaft", False),
        }[rule]
        key, label, percent = metric
        value = t[key]
        shown = _pct(value) if percent else _de(value, 2)
        detail = f"{label} im Kreis: {shown}."
        rows = [{**ref, "column": meta.get("report_column"), "value": round(float(value), 6)}]
    return Finding(rule, meta["severity"], f"{meta['description_de']} {detail}", rows)


# --------------------------------------------------------------------------- validation


def validate_many(
    reports: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]],
) -> list[Verdict]:
    """Validate a batch of reports ``(kreis_ags, period, df, previous_df | None)`` at once.

    ``df`` has the canonical columns (plus ``_row``, the 1-based delivered row);
    ``previous_df`` is the latest accepted revision of the month before, or None.
    Verdicts come back in input order. Raises KeyError for a jobcenter not in the registry.
    """
    hard: list[dict[str, Finding]] = [{} for _ in reports]
    soft: list[dict[str, Finding]] = [{} for _ in reports]
    for kreis_ags, _period, _df, _prev in reports:
        registry.get(kreis_ags)
    structural: dict[int, Finding] = {}
    rows_frame = _rows_frame(reports, structural)
    for i, finding in structural.items():
        hard[i][finding.rule] = finding
    ids = [i for i in range(len(reports)) if i not in structural]

    if ids:
        engine = _engine()
        for suite_name, frame in (
            ("report_rows", rows_frame),
            ("report_cells", _cells_frame(rows_frame)),
        ):
            for meta, index in engine.run(suite_name, frame):
                for idx in index:
                    i = int(frame.at[idx, "_report"])
                    target = hard[i] if meta["severity"] == "hard" else soft[i]
                    finding = target.setdefault(
                        meta["rule"],
                        Finding(meta["rule"], meta["severity"], meta["description_de"]),
                    )
                    finding.rows.append(_cell_ref(frame, idx, meta.get("report_column")))
        totals = _totals(reports, rows_frame, ids)
        records = totals.to_dict("records")
        for meta, index in engine.run("report_totals", totals.drop(columns=["_missing"])):
            for idx in index:
                t = records[int(idx)]
                i = int(t["_report"])
                target = hard[i] if meta["severity"] == "hard" else soft[i]
                target[meta["rule"]] = _totals_finding(meta, t)

    order = list(rules())
    verdicts = []
    for i, (kreis_ags, period, _df, prev) in enumerate(reports):
        rank = {rule: n for n, rule in enumerate(order)}
        findings = sorted(hard[i].values(), key=lambda f: rank.get(f.rule, len(rank)))
        warnings = sorted(soft[i].values(), key=lambda f: rank.get(f.rule, len(rank)))
        for f in findings + warnings:
            f.rows.sort(key=lambda r: (r["row"] is None, r["row"] or 0, str(r["column"])))
        verdicts.append(
            Verdict(
                kreis_ags=kreis_ags,
                period=period,
                verdict="rejected" if findings else "accepted",
                findings=findings,
                warnings=warnings,
                compared_with=_history_ref(prev),
            )
        )
    return verdicts


def _history_ref(previous: pd.DataFrame | None) -> dict[str, Any] | None:
    """Which month (and revision, if known) a report's history rules compared with."""
    if previous is None:
        return None
    ref: dict[str, Any] = {"period": None, "revision": None}
    for key in ref:
        if key in previous.columns and len(previous):
            ref[key] = _plain(previous[key].iloc[0])
    return ref


def validate_report(
    df: pd.DataFrame, kreis_ags: str, period: str, *, previous: pd.DataFrame | None
) -> Verdict:
    """Validate one report (used by ``jcw check``); see :func:`validate_many`."""
    return validate_many([(kreis_ags, period, df, previous)])[0]


# --------------------------------------------------------------------------- files


def _revision_file(directory: Path, revision: int, suffix: str) -> Path:
    return directory / f"r{revision:04d}{suffix}"


def verdict_path(kreis_ags: str, period: str, revision: int) -> Path:
    """Where the verdict of one revision lives."""
    return _revision_file(
        settings.data_dir() / settings.VALIDATION / period / kreis_ags, revision, ".json"
    )


def accepted_path(kreis_ags: str, period: str, revision: int) -> Path:
    """Where the canonical rows of an accepted revision live."""
    return _revision_file(
        settings.data_dir() / settings.ACCEPTED / period / kreis_ags, revision, ".parquet"
    )


class AcceptedIndex:
    """Every accepted revision on disk per jobcenter, as sorted ``(period, revision, path)``.

    Scanned once per validation run (one directory walk instead of one per report) and
    extended with what the run accepts, so later months of the same run compare with it.
    """

    def __init__(self, kreis_ags: str | None = None) -> None:
        self._by_ags: dict[str, list[tuple[str, int, Path]]] = {}
        root = settings.data_dir() / settings.ACCEPTED
        pattern = f"*/{kreis_ags or '*'}/r*.parquet"
        for path in root.glob(pattern) if root.is_dir() else []:
            if not path.name.startswith("."):
                self.add(path.parent.name, path.parent.parent.name, int(path.stem[1:]), path)

    def add(self, kreis_ags: str, period: str, revision: int, path: Path) -> None:
        bisect.insort(self._by_ags.setdefault(kreis_ags, []), (period, revision, path))

    def latest_before(self, kreis_ags: str, period: str) -> tuple[str, int, Path] | None:
        """The latest accepted revision of the latest month before ``period``, or None."""
        entries = self._by_ags.get(kreis_ags, [])
        i = bisect.bisect_left(entries, (period,))
        return entries[i - 1] if i else None


def previous_accepted(kreis_ags: str, period: str) -> pd.DataFrame | None:
    """The latest accepted revision of the latest earlier month that has one, or None.

    Normally that is the month before ``period``; if that month is missing or rejected, the
    comparison goes back to the last accepted month ("previous accepted month" of the
    contract), so a gap never hides a jump.
    """
    import pandas as pd

    latest = AcceptedIndex(kreis_ags).latest_before(kreis_ags, period)
    return None if latest is None else pd.read_parquet(latest[2])


def accepted_table(df: pd.DataFrame, *, revision: int, sha256: str, fetched_at: datetime):
    """The Parquet table of an accepted revision (pyarrow.Table, types per architecture)."""
    import pyarrow as pa

    cents = Decimal("0.01")
    arrays, fields = [], []
    for col in contract.COLUMNS:
        if col in contract.KEY_COLUMNS:
            typ = pa.string()
            values = pa.array([None if v is None else str(v) for v in df[col].tolist()], typ)
        elif col in contract.COUNT_COLUMNS:
            typ = pa.int64()
            values = pa.array(df[col].to_numpy(dtype="int64"), typ)
        else:
            typ = pa.decimal128(15, 2)
            values = pa.array([_to_decimal(v).quantize(cents) for v in df[col].tolist()], typ)
        fields.append(pa.field(col, typ))
        arrays.append(values)
    n = len(df)
    stamp = fetched_at.astimezone(UTC)
    extra = [
        (pa.field("revision", pa.int32()), pa.array([revision] * n, type=pa.int32())),
        (pa.field("sha256", pa.string()), pa.array([sha256] * n, type=pa.string())),
        (
            pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
            pa.array([stamp] * n, type=pa.timestamp("us", tz="UTC")),
        ),
    ]
    for f, a in extra:
        fields.append(f)
        arrays.append(a)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _parquet_bytes(table) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def _field(record: Any, name: str) -> Any:
    return record[name] if isinstance(record, dict) else getattr(record, name)


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _write_once_keep_first(path: Path, data: bytes) -> bool:
    """Create ``path`` once; if another writer got there first, keep theirs."""
    from ingest.files import ContentConflict, write_once

    try:
        return write_once(path, data)
    except ContentConflict:
        return False


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _finish(verdict: Verdict, record: Any, df: pd.DataFrame | None, now: datetime) -> bool:
    """Write the files of one verdict (accepted Parquet or quarantine + mail), verdict last.

    Returns True if this call wrote the verdict (False: a concurrent run was first).
    """
    from ingest import alerts

    fetched_at = _as_datetime(_field(record, "fetched_at"))
    doc = verdict.to_dict()
    doc["fetched_at"] = fetched_at.isoformat()
    doc["validated_at"] = now.isoformat()
    base = settings.data_dir()
    name = f"r{verdict.revision:04d}"
    if verdict.accepted:
        table = accepted_table(
            df, revision=verdict.revision, sha256=verdict.sha256, fetched_at=fetched_at
        )
        _write_once_keep_first(
            accepted_path(verdict.kreis_ags, verdict.period, verdict.revision),
            _parquet_bytes(table),
        )
    else:
        quarantine = base / settings.QUARANTINE / verdict.period / verdict.kreis_ags
        _write_once_keep_first(quarantine / f"{name}.json", _json_bytes(doc))
        if any(f.rule == CHECKSUM_RULE for f in verdict.findings):
            alerts.queue_checksum_alert(doc)
        else:
            alerts.queue_rejection(doc)
    return _write_once_keep_first(
        verdict_path(verdict.kreis_ags, verdict.period, verdict.revision), _json_bytes(doc)
    )


def pending_records(periods: list[str] | None = None) -> list[Any]:
    """Landing records without a verdict, ordered by period, jobcenter and revision."""
    from ingest import landing

    pending = [
        r
        for r in landing.all_records(periods)
        if not verdict_path(
            _field(r, "kreis_ags"), _field(r, "period"), int(_field(r, "revision"))
        ).exists()
    ]
    return sorted(
        pending,
        key=lambda r: (_field(r, "period"), _field(r, "kreis_ags"), int(_field(r, "revision"))),
    )


# Months validated together: GX pays its fixed cost once per batch, not once per month
# (a 20-year backfill has 262 months); a batch of 104 jobcenters × 12 months stays < 1 GiB.
MONTHS_PER_BATCH = 12
# Threads writing verdict, Parquet and quarantine files: each file is fsynced, and fsync
# waits on the disk, not the CPU.
WRITE_THREADS = 8


def process_pending(periods: list[str] | None = None, *, now: datetime | None = None) -> dict:
    """Validate every landed revision that has no verdict yet; write verdicts and outputs.

    Months are validated in order, in batches of :data:`MONTHS_PER_BATCH`, so that each
    report compares with the previous accepted month even when that month is validated in
    the same call. Idempotent and safe to run concurrently (every output is write-once). A
    checksum mismatch is recorded as a rejected verdict, alerts the team and raises
    :class:`ChecksumMismatch` after everything else was processed.
    Returns ``{"accepted", "rejected", "warnings", "periods"}`` counts of this call.
    """
    from concurrent.futures import ThreadPoolExecutor

    now = now or datetime.now(UTC)
    counts = {"accepted": 0, "rejected": 0, "warnings": 0, "periods": 0}
    mismatches: list[ChecksumMismatch] = []
    by_period: dict[str, list[Any]] = {}
    for record in pending_records(periods):
        by_period.setdefault(_field(record, "period"), []).append(record)
    months = sorted(by_period)
    history = AcceptedIndex()

    for start in range(0, len(months), MONTHS_PER_BATCH):
        done: list[tuple[Verdict, Any, pd.DataFrame | None]] = []
        batch: list[tuple[Any, pd.DataFrame]] = []
        for period in months[start : start + MONTHS_PER_BATCH]:
            for record in by_period[period]:
                verdict, df = _read_and_parse(record, mismatches)
                if verdict is not None:
                    done.append((verdict, record, None))
                else:
                    batch.append((record, df))
        for (record, df), verdict in zip(batch, _validate_in_order(batch, history), strict=True):
            done.append((verdict, record, df))

        with ThreadPoolExecutor(WRITE_THREADS) as pool:
            wrote = list(pool.map(lambda d: _finish(*d, now), done))
        written_periods = set()
        for (verdict, _record, _df), ours in zip(done, wrote, strict=True):
            if verdict.accepted:
                history.add(
                    verdict.kreis_ags,
                    verdict.period,
                    verdict.revision,
                    accepted_path(verdict.kreis_ags, verdict.period, verdict.revision),
                )
            if not ours:
                continue
            written_periods.add(verdict.period)
            counts["accepted" if verdict.accepted else "rejected"] += 1
            counts["warnings"] += len(verdict.warnings)
        for period in sorted(written_periods):
            write_period_report(period)
        counts["periods"] += len(written_periods)

    if mismatches:
        first = mismatches[0]
        raise ChecksumMismatch(
            first.kreis_ags,
            first.period,
            f"{len(mismatches)} landed file(s) no longer match their checksum; recorded as "
            f"rejected ({CHECKSUM_RULE}) and the team was alerted. First: {first.reason}",
        )
    return counts


def _read_and_parse(
    record: Any, mismatches: list[ChecksumMismatch]
) -> tuple[Verdict | None, pd.DataFrame | None]:
    """Read a landed revision and parse it: ``(None, rows)``, or ``(rejected verdict, None)``
    when its file fails the checksum (also appended to ``mismatches``) or cannot be parsed."""
    from ingest import landing, parse
    from ingest.errors import ReportRejected

    ags, period = _field(record, "kreis_ags"), _field(record, "period")
    revision, sha = int(_field(record, "revision")), _field(record, "sha256")
    try:
        body = landing.read_object(record)
    except ChecksumMismatch as exc:
        mismatches.append(exc)
        ref = {"row": None, "gemeinde_ags": None, "column": None, "value": sha}
        finding = Finding(CHECKSUM_RULE, "hard", CHECKSUM_MESSAGE, [ref])
        verdict = Verdict(ags, period, "rejected", [finding], [], revision=revision, sha256=sha)
        return verdict, None
    try:
        df = parse.parse_report(body, _field(record, "content_type"), kreis_ags=ags, period=period)
    except ReportRejected as exc:
        hard = [f for f in exc.findings if f.severity == "hard"] or exc.findings
        soft = [f for f in exc.findings if f.severity != "hard" and f not in hard]
        verdict = Verdict(ags, period, "rejected", hard, soft, revision=revision, sha256=sha)
        return verdict, None
    return None, df


def _as_previous(df: pd.DataFrame, period: str, revision: int) -> pd.DataFrame:
    """What the history rules read of a report once accepted (its Gemeinden and ELB)."""
    return df[["gemeinde_ags", "gemeinde_name", "elb"]].assign(period=period, revision=revision)


def _validate_in_order(
    batch: list[tuple[Any, pd.DataFrame]], history: AcceptedIndex
) -> list[Verdict]:
    """Validate parsed reports of several months in as few GX runs as possible.

    A report's history rules compare with the latest accepted revision of an earlier month,
    which may be a report of this very batch whose verdict is not known yet. The first run
    assumes every report of the batch is accepted; then only the reports whose comparison
    changed because an earlier report was rejected are validated again, until nothing
    changes. Rejections are rare: a batch needs one GX run, plus one for each round of
    rejections that changes a comparison, instead of one run per month.
    """
    import pandas as pd

    keys = [
        (_field(r, "kreis_ags"), _field(r, "period"), int(_field(r, "revision"))) for r, _ in batch
    ]
    by_ags: dict[str, list[int]] = {}
    for i, (ags, _period, _revision) in enumerate(keys):
        by_ags.setdefault(ags, []).append(i)
    verdicts: list[Verdict | None] = [None] * len(batch)
    compared: list[tuple | None] = [None] * len(batch)
    disk_frames: dict[Path, pd.DataFrame] = {}

    def comparison(i: int) -> tuple | None:
        """(period, revision, source) of what report ``i`` compares with, or None."""
        ags, period, _revision = keys[i]
        best = history.latest_before(ags, period)
        for j in by_ags[ags]:
            p, r = keys[j][1], keys[j][2]
            earlier = p < period and (verdicts[j] is None or verdicts[j].accepted)
            if earlier and (best is None or (p, r) > best[:2]):
                best = (p, r, j)
        return best

    def frame(ref: tuple | None) -> pd.DataFrame | None:
        if ref is None:
            return None
        period, revision, source = ref
        if isinstance(source, int):
            return _as_previous(batch[source][1], period, revision)
        if source not in disk_frames:
            disk_frames[source] = pd.read_parquet(source)
        return disk_frames[source]

    while True:
        todo = []
        for i in range(len(batch)):
            ref = comparison(i)
            if verdicts[i] is None or ref != compared[i]:
                compared[i] = ref
                todo.append(i)
        if not todo:
            break
        reports = [(keys[i][0], keys[i][1], batch[i][1], frame(compared[i])) for i in todo]
        for i, verdict in zip(todo, validate_many(reports), strict=True):
            verdict.revision = keys[i][2]
            verdict.sha256 = _field(batch[i][0], "sha256")
            verdicts[i] = verdict
    return verdicts  # type: ignore[return-value]


# --------------------------------------------------------------------------- HTML report


def read_verdicts(period: str) -> list[dict[str, Any]]:
    """Every verdict document of a period, ordered by jobcenter and revision."""
    root = settings.data_dir() / settings.VALIDATION / period
    docs = []
    for path in sorted(root.glob("*/r*.json")) if root.is_dir() else []:
        if path.name.startswith("."):
            continue
        docs.append(json.loads(path.read_text(encoding="utf-8")))
    return docs


_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<title>Validierung {{ period }}</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222} table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}
.ok{color:#1a7f37}.hard{color:#b42318;font-weight:bold}.soft{color:#b54708}.skip{color:#888}
details{margin:.6em 0} summary{cursor:pointer}
</style></head><body>
<h1>Validierung der Berichte {{ period }}</h1>
<p>Regelwerk {{ suite }}: {{ n_rules }} Regeln.
Angenommen: {{ accepted }}, abgelehnt: {{ rejected }}, mit Hinweisen: {{ warned }}.</p>
<table><tr><th>Jobcenter</th><th>Revision</th><th>Ergebnis</th><th>Fehler</th><th>Hinweise</th>
</tr>
{% for r in reports %}<tr><td><a href="#{{ r.anchor }}">{{ r.kreis_ags }} {{ r.name }}</a></td>
<td>{{ r.revision }}</td><td class="{{ 'ok' if r.verdict == 'accepted' else 'hard' }}">
{{ 'angenommen' if r.verdict == 'accepted' else 'abgelehnt' }}</td>
<td>{{ r.findings|length }}</td><td>{{ r.warnings|length }}</td></tr>
{% endfor %}</table>
{% for r in reports %}<details id="{{ r.anchor }}"{{ ' open' if r.findings or r.warnings }}>
<summary><b>{{ r.kreis_ags }} {{ r.name }}, Revision {{ r.revision }}:
<span class="{{ 'ok' if r.verdict == 'accepted' else 'hard' }}">
{{ 'angenommen' if r.verdict == 'accepted' else 'abgelehnt' }}</span></b>
({{ r.findings|length }} Fehler, {{ r.warnings|length }} Hinweise)</summary>
<p>Empfangen {{ r.fetched_at }}, geprüft {{ r.validated_at }},
SHA-256 <code>{{ r.sha256 }}</code></p>
<table><tr><th>Prüfung</th><th>Regel</th><th>Art</th><th>Ergebnis</th><th>Befund</th>
<th>Zeilen</th></tr>
{% for c in r.checks %}<tr><td>{{ c.title }}</td><td><code>{{ c.rule }}</code></td>
<td>{{ c.severity }}</td><td class="{{ c.css }}">{{ c.status }}</td><td>{{ c.message }}</td><td>
{% if c.rows %}<table><tr><th>Zeile</th><th>Gemeinde</th><th>Spalte</th><th>Wert</th></tr>
{% for x in c.rows %}<tr><td>{{ x.row if x.row is not none else '–' }}</td>
<td>{{ x.gemeinde_ags or '–' }}</td><td>{{ x.column or '–' }}</td><td>{{ x.value }}</td></tr>
{% endfor %}</table>{% endif %}</td></tr>
{% endfor %}</table></details>
{% endfor %}
</body></html>
"""


def render_period_report(period: str, verdicts: list[dict[str, Any]]) -> str:
    """HTML page listing every check of every report of a period, with the failing rows."""
    import jinja2

    all_rules = rules()
    suite_rules = [r for r, m in all_rules.items() if m["checked_on"] != "structure"]
    reports = []
    for v in verdicts:
        broken = {f["rule"]: f for f in v["findings"] + v["warnings"]}
        suite_ran = not any(rule not in suite_rules for rule in broken)
        checks = []
        for rule in list(all_rules) + [r for r in broken if r not in all_rules]:
            meta = all_rules.get(rule, {"severity": broken.get(rule, {}).get("severity", "hard")})
            if rule in broken:
                f = broken[rule]
                checks.append(
                    {
                        "rule": rule,
                        "title": meta.get("title_de", rule),
                        "severity": f["severity"],
                        "status": "verletzt",
                        "css": f["severity"],
                        "message": f["message"],
                        "rows": f["rows"],
                    }
                )
            else:
                skipped = rule in suite_rules and not suite_ran
                no_history = rule in HISTORY_RULES and not v.get("compared_with")
                checks.append(
                    {
                        "rule": rule,
                        "title": meta.get("title_de", rule),
                        "severity": meta["severity"],
                        "status": "nicht geprüft"
                        if skipped
                        else ("kein Vormonat" if no_history else "erfüllt"),
                        "css": "skip" if skipped or no_history else "ok",
                        "message": "",
                        "rows": [],
                    }
                )
        try:
            name = registry.get(v["kreis_ags"]).name
        except KeyError:
            name = ""
        reports.append(
            {
                **v,
                "name": name,
                "anchor": f"jc{v['kreis_ags']}r{v['revision']}",
                "checks": checks,
            }
        )
    env = jinja2.Environment(autoescape=True)
    return env.from_string(_PAGE).render(
        period=period,
        suite=SUITE_VERSION,
        n_rules=len(all_rules),
        reports=reports,
        accepted=sum(1 for r in reports if r["verdict"] == "accepted"),
        rejected=sum(1 for r in reports if r["verdict"] != "accepted"),
        warned=sum(1 for r in reports if r["warnings"]),
    )


def report_path(period: str) -> Path:
    """Where the HTML validation report of a period lives."""
    return settings.data_dir() / settings.DOCS / "validation" / f"{period}.html"


def write_period_report(period: str) -> Path:
    """(Re)write the HTML validation report of a period from its verdict files."""
    import jinja2

    from ingest.files import replace_atomic

    path = report_path(period)
    replace_atomic(path, render_period_report(period, read_verdicts(period)).encode("utf-8"))
    pages = sorted((p.stem for p in path.parent.glob("*.html") if p.stem != "index"), reverse=True)
    index = jinja2.Environment(autoescape=True).from_string(_INDEX).render(pages=pages)
    replace_atomic(path.parent / "index.html", index.encode("utf-8"))
    return path


_INDEX = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Validierung</title></head>
<body style="font-family:sans-serif;margin:2em"><h1>Validierungsberichte</h1><ul>
{% for p in pages %}<li><a href="{{ p }}.html">{{ p }}</a></li>
{% endfor %}</ul></body></html>
"""
