"""Checked keys: what a value from outside must be before it names a file.

Parse, don't validate: an event file, an HTTP header or index entry, a report cell, a command
line argument or a landing record read back from disk is turned into one of these at the
boundary, and only checked values reach :mod:`ingest.core.layout` (which checks them again,
so nothing can be written or read outside the data directory):

- ``kreis_ags``: five ASCII digits (:func:`kreis_ags`); a key of the registry where the
  jobcenter must exist (:func:`registered_ags`);
- ``period``: ``YYYY-MM`` in ASCII, matched in full (:mod:`ingest.core.periods`);
- ``revision``: an integer from 1 to :data:`MAX_REVISION` (int32 in Parquet and the warehouse);
- ``sha256``: 64 lowercase hex digits.

Every check raises :class:`~ingest.core.errors.InvalidKey` naming the value (``repr``, so a
newline or a Unicode digit shows).
"""

from __future__ import annotations

import re

from ingest.core.errors import InvalidKey
from ingest.core.periods import shown as show

# Revision numbers are int32 in the accepted Parquet files and `integer` in the warehouse.
MAX_REVISION = 2**31 - 1

_KREIS_AGS = re.compile(r"[0-9]{5}", re.ASCII)
_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_DIGITS = re.compile(r"[0-9]{1,10}", re.ASCII)


def is_kreis_ags(value: object) -> bool:
    """True for five ASCII digits, nothing around them."""
    return isinstance(value, str) and _KREIS_AGS.fullmatch(value) is not None


def kreis_ags(value: object) -> str:
    """``value`` as a Kreisschlüssel (five ASCII digits); InvalidKey otherwise."""
    if not is_kreis_ags(value):
        raise InvalidKey(f"kreis_ags {show(value)} ist kein Kreisschlüssel aus fünf Ziffern 0-9")
    return value  # type: ignore[return-value]


def registered_ags(value: object) -> str:
    """``value`` as the Kreisschlüssel of a jobcenter in the registry; InvalidKey otherwise."""
    from ingest.core import registry

    ags = kreis_ags(value)
    if ags not in registry.by_ags():
        raise InvalidKey(f"kreis_ags {ags!r} ist kein Jobcenter des Verzeichnisses")
    return ags


def revision(value: object) -> int:
    """``value`` as a revision number 1..MAX_REVISION (an int, or ASCII digits); InvalidKey
    otherwise. A bool is not a number here."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REVISION:
        raise InvalidKey(f"revision {show(value)} is not a number from 1 to {MAX_REVISION}")
    return value


def sha256(value: object) -> str:
    """``value`` as a SHA-256 in lowercase hex; InvalidKey otherwise."""
    if not isinstance(value, str) or _SHA256.fullmatch(value) is None:
        raise InvalidKey(f"sha256 {show(value)} is not 64 lowercase hex digits")
    return value
