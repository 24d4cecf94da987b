"""The gateway's HTTP application (Starlette): routes, checks in order, answers, records.

``PUT /v1/reports/{kreis_ags}/{period}`` checks, before reading the body: the key (401),
the rate limit per key (429), the jobcenter and month (404, 422), that the key is the
jobcenter's own (403), the Content-Type (415) and the announced size (413); the body is then
read up to the cap (413 beyond it). ``POST /v1/notifications`` takes a signed notice.
``/jobcenter…`` is the jobcenter staff's page (:mod:`ingest.gateway.page`).
Every request is recorded (:mod:`ingest.gateway.attempts`), refused ones included; every
refusal has a German body, as JSON or as a page when the client asks for ``text/html``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ingest.collect import events
from ingest.core import clock, keys, periods
from ingest.core.errors import InvalidKey
from ingest.gateway import attempts, credentials, feedback, intake, notices, page, refusals
from ingest.gateway.limits import RateLimiter
from ingest.gateway.refusals import Refusal
from ingest.gateway.sessions import Sessions
from ingest.validate.parse_xlsx import XLSX_MEDIA_TYPE

log = logging.getLogger(__name__)

MAX_REPORT_BYTES = 5 * refusals.MIB
MEDIA_TYPES = ("text/csv", "application/json", XLSX_MEDIA_TYPE)
RATE_ENV = "JCW_GATEWAY_RATE_PER_MINUTE"


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def _refused(request: Request, refusal: Refusal) -> Response:
    if wants_html(request):
        return HTMLResponse(refusals.refusal_page(refusal), refusal.status, headers=refusal.headers)
    return JSONResponse(refusal.body(), refusal.status, headers=refusal.headers)


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is announced or grows beyond ``limit``."""
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit:
        raise refusals.too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise refusals.too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_push(request: Request, limiter: RateLimiter, seen: dict[str, Any]) -> tuple[str, str]:
    check = credentials.check_key(_bearer(request))
    seen["key_id"] = check.key_id
    if check.kreis_ags is None:
        raise refusals.unauthenticated()
    wait = limiter.allow(f"key:{check.key_id}")
    if wait:
        raise refusals.too_many(wait)
    try:
        ags = keys.registered_ags(request.path_params["kreis_ags"])
    except InvalidKey:
        raise refusals.unknown_jobcenter() from None
    try:
        period = periods.reporting_period(request.path_params["period"], clock.today())
    except InvalidKey as exc:
        raise refusals.unknown_period(str(exc)) from None
    if check.kreis_ags != ags:
        raise refusals.wrong_jobcenter(ags)
    media = seen["content_type"].split(";", 1)[0].strip().lower()
    if media not in MEDIA_TYPES:
        raise refusals.unsupported_type(media)
    return ags, period


async def put_report(request: Request) -> Response:
    seen: dict[str, Any] = {
        "channel": "push",
        "kreis_ags": request.path_params["kreis_ags"],
        "period": request.path_params["period"],
        "client": request.client.host if request.client else None,
        "content_type": request.headers.get("content-type", ""),
    }
    now = clock.utc_now()
    try:
        ags, period = _check_push(request, request.app.state.limiter, seen)
        body = await read_capped(request, request.app.state.max_report_bytes)
        seen["size"] = len(body)
        delivery = await run_in_threadpool(
            intake.push, ags, period, body, seen["content_type"], now
        )
    except Refusal as refusal:
        attempts.record(now, status=refusal.status, reason=refusal.reason, **seen)
        return _refused(request, refusal)
    except Exception:
        log.exception("push %s %s failed", seen["kreis_ags"], seen["period"])
        attempts.record(now, status=500, reason="internal_error", **seen)
        return _refused(request, refusals.internal())
    doc, status = feedback.answer(delivery, now, seen)
    if wants_html(request):
        return HTMLResponse(feedback.as_html(doc), status)
    return JSONResponse(doc, status)


async def post_notification(request: Request) -> Response:
    now = clock.utc_now()
    seen: dict[str, Any] = {
        "channel": "notice",
        "client": request.client.host if request.client else None,
        "webhook_id": request.headers.get("webhook-id"),
    }
    try:
        raw = await read_capped(request, notices.MAX_NOTICE_BYTES)
        ags, period, msg_id = notices.verify(raw, request.headers, now, clock.today())
        seen.update(kreis_ags=ags, period=period)
        wait = request.app.state.limiter.allow(f"notice:{ags}")
        if wait:
            raise refusals.too_many(wait)
        if not notices.first_seen(ags, msg_id):
            raise notices.replayed()
        events.announce(ags, period, events.NOTICE, None, event_id=f"{ags}:{msg_id}")
    except Refusal as refusal:
        attempts.record(now, status=refusal.status, reason=refusal.reason, **seen)
        return _refused(request, refusal)
    attempts.record(now, status=202, reason="announced", **seen)
    return JSONResponse(
        {
            "status": 202,
            "meldung": f"Meldung angenommen: Der Bericht {ags} {period} wird abgeholt.",
            "kreis_ags": ags,
            "period": period,
        },
        202,
    )


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _warm_up() -> None:
    """Load the rules and the GX engine before the first delivery, not during it."""
    from ingest.core.rules import rules
    from ingest.validate.engine import engine

    rules()
    engine()


def create_app(
    *,
    per_minute: float | None = None,
    burst: int | None = None,
    warm: bool = True,
    signin_per_minute: float | None = None,
) -> Starlette:
    """The gateway application; ``per_minute`` overrides the rate limit (else the
    ``JCW_GATEWAY_RATE_PER_MINUTE`` environment variable, else :data:`limits.PER_MINUTE`),
    ``burst`` the requests allowed at once (default: :data:`limits.BURST`, at most the rate),
    ``signin_per_minute`` the page's sign-in attempts per client address (default
    :data:`page.SIGNIN_PER_MINUTE`, burst :data:`page.SIGNIN_BURST` at most)."""
    from contextlib import asynccontextmanager

    from ingest.gateway import limits

    rate = per_minute or float(os.environ.get(RATE_ENV) or limits.PER_MINUTE)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if warm:
            await run_in_threadpool(_warm_up)
        yield

    app = Starlette(
        routes=[
            Route("/v1/reports/{kreis_ags}/{period}", put_report, methods=["PUT"]),
            Route("/v1/notifications", post_notification, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
            *page.routes(),
        ],
        lifespan=lifespan,
    )
    burst = burst or max(1, min(limits.BURST, int(rate)))
    app.state.limiter = RateLimiter(per_minute=rate, burst=burst)
    app.state.max_report_bytes = MAX_REPORT_BYTES
    # The jobcenter page (ingest.gateway.page): its sessions and its own sign-in limit.
    app.state.sessions = Sessions()
    signin = signin_per_minute or page.SIGNIN_PER_MINUTE
    app.state.signin_limiter = RateLimiter(signin, max(1, min(page.SIGNIN_BURST, int(signin))))
    return app
