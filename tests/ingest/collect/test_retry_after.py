"""``Retry-After`` as delta-seconds and as an HTTP date (ingest/collect/http.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.collect.http import parse_retry_after

NOW = datetime(2026, 11, 21, 6, 0, 0, tzinfo=UTC).timestamp()


def test_delta_seconds() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after(" 0 ", NOW) == 0.0
    assert parse_retry_after(None, NOW) is None


def test_http_date_is_seconds_from_now() -> None:
    # IMF-fixdate (RFC 9110), 90 s after NOW
    assert parse_retry_after("Sat, 21 Nov 2026 06:01:30 GMT", NOW) == 90.0
    # the obsolete RFC 850 form of the same moment
    assert parse_retry_after("Saturday, 21-Nov-26 06:01:30 GMT", NOW) == 90.0
    # a date in the past means: retry now, never a negative wait
    assert parse_retry_after("Sat, 21 Nov 2026 05:59:00 GMT", NOW) == 0.0


def test_garbage_is_no_hint() -> None:
    for value in ("soon", "-5", "1.5", "", "١٢٠"):
        assert parse_retry_after(value, NOW) is None, value
