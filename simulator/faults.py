"""The fault catalogue: what can go wrong with one jobcenter's report, and what the pipeline
is then expected to conclude (the ground truth outcome)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.periods import is_period

# fault name -> default parameters
CATALOGUE: dict[str, dict[str, Any]] = {
    # publication
    "late": {"day": 25},
    "never": {},
    # transport
    "http_5xx_burst": {"n": 2, "status": 503, "retry_after": 1},
    "rate_limited": {"n": 2, "retry_after": 1},
    "connect_blackhole": {},
    "stall_after_headers": {"seconds": 300},
    "slow_trickle": {"bytes_per_second": 1},
    "truncated_body": {"n": None, "content_length": "overstated"},
    "html_200": {},
    "oversized_body": {"size_mb": 20, "content_length": True},
    "redirect_other_host": {"host": "127.0.0.2"},
    # content: rejected (from revision `from_revision` on: 2 = a correction that is rejected
    # while revision 1 stays valid)
    "wrong_encoding": {"from_revision": 1},
    "broken_rows": {"kind": "field_count", "from_revision": 1},
    "violated_rule": {"rule": "subgroup_exceeds_total", "from_revision": 1},
    # content: accepted
    "soft_warning": {"rule": "elb_jump"},
    "correction": {"revisions": 2},
    "formula_cells": {"value": '=HYPERLINK("http://x")'},
}
HARD_RULES = (
    "subgroup_exceeds_total",
    "integration_sum_mismatch",
    "foreign_gemeinde",
    "duplicate_gemeinde",
    "wrong_period",
    "population_off",
    "bg_exceeds_persons",
    "negative_count",
    "missing_column",
)
SOFT_RULES = ("elb_jump", "gemeinde_missing", "integration_rate")
BROKEN_ROW_KINDS = ("field_count", "non_numeric")
# Transient faults the pipeline is expected to absorb: up to 4 retries (5 attempts) on
# 5xx/429 with Retry-After honoured within a 30 s budget, and up to 2 retries of a truncated
# body. Beyond these the report is expected to be missing with the fault's kind.
MAX_ABSORBED_FAILURES = 4
RETRY_AFTER_BUDGET_S = 30
MAX_ABSORBED_TRUNCATED = 2


class FaultError(ValueError):
    """A fault specification that the catalogue does not know or cannot apply."""


@dataclass(frozen=True)
class Fault:
    """One fault for a jobcenter, for one period or (``period`` None) every period."""

    kreis_ags: str
    fault: str
    period: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        """A parameter, falling back to the catalogue default."""
        return self.params.get(name, CATALOGUE[self.fault].get(name))

    def matches(self, kreis_ags: str, period: str) -> bool:
        """True if the fault applies to this report."""
        return self.kreis_ags == kreis_ags and self.period in (None, period)

    def applies_to_revision(self, revision: int) -> bool:
        """True if a content fault spoils this revision (every one unless from_revision)."""
        first = self.get("from_revision")
        return first is None or revision >= int(first)

    def as_dict(self) -> dict[str, Any]:
        """The fault as written in a scenario file."""
        return {
            "kreis_ags": self.kreis_ags,
            "period": self.period,
            "fault": self.fault,
            **self.params,
        }


def parse_fault(spec: dict[str, Any], known_ags: set[str]) -> Fault:
    """A ``Fault`` from a scenario entry ``{kreis_ags, period?, fault, ...params}``."""
    spec = dict(spec)
    try:
        kreis_ags = spec.pop("kreis_ags")
        name = str(spec.pop("fault"))
    except KeyError as e:
        raise FaultError(f"fault entry needs {e.args[0]}: {spec}") from None
    if not isinstance(kreis_ags, str):
        raise FaultError(f"kreis_ags must be a string (quote it in YAML: '03157'): {kreis_ags!r}")
    period = spec.pop("period", None)
    if name not in CATALOGUE:
        raise FaultError(f"unknown fault {name!r}; known: {', '.join(CATALOGUE)}")
    if kreis_ags not in known_ags:
        raise FaultError(f"unknown kreis_ags {kreis_ags!r}")
    if period is not None and not is_period(str(period)):
        raise FaultError(f"bad period {period!r}")
    unknown = set(spec) - set(CATALOGUE[name])
    if unknown:
        raise FaultError(f"unknown parameters for {name}: {sorted(unknown)}")
    rule = spec.get("rule")
    if name == "violated_rule" and rule is not None and rule not in HARD_RULES:
        raise FaultError(f"unknown hard rule {rule!r}; known: {', '.join(HARD_RULES)}")
    if name == "soft_warning" and rule is not None and rule not in SOFT_RULES:
        raise FaultError(f"unknown soft rule {rule!r}; known: {', '.join(SOFT_RULES)}")
    if name == "truncated_body" and spec.get("content_length", "overstated") not in (
        "overstated",
        "matching",
    ):
        raise FaultError(f"unknown truncated_body content_length {spec['content_length']!r}")
    if name == "broken_rows" and spec.get("kind", "field_count") not in BROKEN_ROW_KINDS:
        raise FaultError(f"unknown broken_rows kind {spec['kind']!r}")
    return Fault(kreis_ags, name, None if period is None else str(period), spec)


def missing_kind(faults: list[Fault]) -> str | None:
    """The fetch failure a pipeline must record for a published report, or None if it is fetched.

    Transient faults within the absorbed bounds return None (the report is expected to land).
    """
    for f in faults:
        if f.fault == "connect_blackhole" or f.fault in ("stall_after_headers", "slow_trickle"):
            return "timeout"
        if f.fault == "oversized_body":
            return "too_large"
        if f.fault == "html_200":
            return "unexpected_content"
        if f.fault == "redirect_other_host":
            return "redirect_refused"
        n = f.get("n")
        if f.fault == "truncated_body" and (n is None or n > MAX_ABSORBED_TRUNCATED):
            return "truncated"
        if f.fault == "http_5xx_burst" and (
            n > MAX_ABSORBED_FAILURES or n * float(f.get("retry_after")) > RETRY_AFTER_BUDGET_S
        ):
            return "server_error"
        if f.fault == "rate_limited" and (
            n > MAX_ABSORBED_FAILURES or n * float(f.get("retry_after")) > RETRY_AFTER_BUDGET_S
        ):
            return "rate_limited"
    return None


def rejected_rule(faults: list[Fault], revision: int = 1) -> str | None:
    """The reason a fetched revision must be rejected, or None if it is valid."""
    for f in faults:
        if not f.applies_to_revision(revision):
            continue
        if f.fault == "wrong_encoding":
            return "encoding"
        if f.fault == "broken_rows":
            return "broken_rows"
        if f.fault == "violated_rule":
            return str(f.get("rule"))
    return None
