"""The jobcenter page: sign in with the delivery key, upload the month's file, see the
feedback at once, follow every delivery into the published warehouse, get the template.

Rendered on the server (Jinja2, ``templates/jobcenter.html.j2``), German throughout.

- ``GET /jobcenter``: the sign-in form, or (signed in) the jobcenter's overview.
- ``POST /jobcenter/anmelden``: the key (checked with :func:`credentials.check_key`); at most
  :data:`SIGNIN_PER_MINUTE` attempts a minute per client address; every attempt recorded
  (channel ``page``, never the key).
- ``POST /jobcenter/abmelden``: ends the session.
- ``POST /jobcenter/hochladen``: month and file (CSV, JSON or XLSX by extension, else by
  the part's type), landed and validated by :func:`intake.push` like a push upload, so the
  page and the API give the same verdict; the feedback is shown above the overview.
- ``GET /jobcenter/vorlage/{period}.xlsx``: the template (:mod:`ingest.gateway.template`).

Every form carries the session's CSRF token (:mod:`ingest.gateway.sessions`); a POST
without it or with another one is refused with 403. A session only ever reaches the
jobcenter of the key it was opened with.
"""

from __future__ import annotations

import html
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ingest.core import clock, periods, registry
from ingest.core.errors import InvalidKey
from ingest.core.german import (
    count,
    fmt_int,
    template_environment,
)
from ingest.gateway import attempts, credentials, deliveries, feedback, intake, refusals, template
from ingest.gateway.refusals import Refusal
from ingest.gateway.sessions import Session, Sessions
from ingest.validate.parse_xlsx import XLSX_MEDIA_TYPE

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SIGNIN_PER_MINUTE = 10
SIGNIN_BURST = 5
MONTHS_OFFERED = 13
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the small fields around the file
BY_EXTENSION = {
    ".csv": "text/csv",
    ".txt": "text/csv",
    ".json": "application/json",
    ".xlsx": XLSX_MEDIA_TYPE,
}


@lru_cache(maxsize=1)
def _environment():
    env = template_environment(TEMPLATES_DIR)
    env.globals.update(count=count)
    return env


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _offered_months() -> list[str]:
    """The months a report can be sent for now, newest first (the last completed first)."""
    current = periods.period_of(clock.today())
    return [periods.shift(current, -i) for i in range(MONTHS_OFFERED)]


def _render(request: Request, session: Session, status: int = 200, **context: Any) -> Response:
    ags = session.kreis_ags
    context.setdefault("error", None)
    context.setdefault("feedback_html", None)
    if ags is not None:
        context.update(
            jobcenter=registry.get(ags),
            months=_offered_months(),
            default_month=periods.shift(periods.period_of(clock.today()), -1),
            deliveries=deliveries.as_rows(deliveries.deliveries(ags)),
        )
    body = _environment().get_template("jobcenter.html.j2").render(session=session, **context)
    return HTMLResponse(body, status)


def _refusal_page(refusal: Refusal) -> Response:
    body = f"<p>{html.escape(refusal.message)}</p><p><a href='/jobcenter'>Zurück zur Seite</a></p>"
    title = {403: "Anfrage abgewiesen", 401: "Nicht angemeldet"}.get(refusal.status)
    page = refusals.page(title or f"Anfrage abgewiesen ({refusal.status})", body)
    return HTMLResponse(page, refusal.status, headers=refusal.headers)


def csrf_refused() -> Refusal:
    return Refusal(
        403,
        "csrf",
        "Das Formular ist abgelaufen oder stammt nicht von dieser Seite (Sicherheitsmerkmal "
        "fehlt oder stimmt nicht). Bitte laden Sie die Seite neu und senden Sie das Formular "
        "noch einmal.",
    )


def signed_out() -> Refusal:
    return Refusal(
        401,
        "signed_out",
        "Sie sind nicht (mehr) angemeldet. Bitte melden Sie sich mit dem Lieferschlüssel "
        "Ihres Jobcenters an.",
    )


async def show(request: Request) -> Response:
    sessions: Sessions = request.app.state.sessions
    session = sessions.read(request)
    if session is not None:
        return _render(request, session)
    session = sessions.create(None, None)  # anonymous: the sign-in form's CSRF token
    page = _render(request, session)
    sessions.save(request, page, session)
    return page


async def sign_in(request: Request) -> Response:
    sessions: Sessions = request.app.state.sessions
    now = clock.utc_now()
    seen: dict[str, Any] = {"channel": "page", "client": _client(request)}
    session = sessions.read(request)
    async with request.form(max_files=0, max_fields=5) as form:
        presented, token = form.get("schluessel"), form.get("csrf")
    if session is None or not session.csrf_ok(token):
        attempts.record(now, status=403, reason="csrf", **seen)
        return _refusal_page(csrf_refused())
    wait = request.app.state.signin_limiter.allow(f"signin:{seen['client']}")
    if wait:
        refusal = refusals.too_many(wait)
        attempts.record(now, status=429, reason="signin_too_many", **seen)
        refusal.message = (
            "Zu viele Anmeldeversuche von dieser Adresse. Bitte versuchen Sie es in "
            f"{fmt_int(wait)} Sekunden erneut."
        )
        return _refusal_page(refusal)
    check = credentials.check_key(presented.strip() if isinstance(presented, str) else None)
    if check.kreis_ags is None:
        attempts.record(now, status=401, reason="signin_failed", key_id=check.key_id, **seen)
        error = (
            "Anmeldung fehlgeschlagen: Der Lieferschlüssel ist ungültig oder nicht mehr "
            "gültig. Bitte prüfen Sie den Schlüssel; einen neuen erhalten Sie bei der Zentrale."
        )
        return _render(request, session, 401, error=error)
    attempts.record(
        now, status=303, reason="signed_in", kreis_ags=check.kreis_ags, key_id=check.key_id, **seen
    )
    response = RedirectResponse("/jobcenter", 303)
    sessions.save(request, response, sessions.create(check.kreis_ags, check.key_id))
    return response


async def sign_out(request: Request) -> Response:
    sessions: Sessions = request.app.state.sessions
    session = sessions.read(request)
    async with request.form(max_files=0, max_fields=5) as form:
        token = form.get("csrf")
    if session is None or not session.csrf_ok(token):
        attempts.record(clock.utc_now(), status=403, reason="csrf", channel="page")
        return _refusal_page(csrf_refused())
    attempts.record(
        clock.utc_now(),
        status=303,
        reason="signed_out",
        channel="page",
        kreis_ags=session.kreis_ags,
        key_id=session.key_id,
        client=_client(request),
    )
    response = RedirectResponse("/jobcenter", 303)
    sessions.end(request, response, session)
    return response


def _media_type(filename: str, declared: str | None) -> str:
    """The report's type from the file name's extension, else the part's declared type."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in BY_EXTENSION:
        return BY_EXTENSION[suffix]
    media = (declared or "").split(";", 1)[0].strip().lower()
    if media in BY_EXTENSION.values():
        return media
    raise Refusal(
        415,
        "unsupported_type",
        f"Nicht unterstütztes Dateiformat ({suffix or media or 'unbekannt'}). Bitte laden Sie "
        "eine Excel-Arbeitsmappe (.xlsx), eine CSV-Datei (.csv) oder eine JSON-Datei (.json) "
        "hoch.",
    )


async def _upload_form(request: Request, session: Session, cap: int) -> tuple[str, bytes, str]:
    """(period, body, content type) of the upload form; Refusal if it cannot be taken."""
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > cap + FORM_OVERHEAD:
        raise refusals.too_large(cap)
    chunks, size = [], 0
    async for chunk in request.stream():  # capped while streaming (chunked uploads too)
        size += len(chunk)
        if size > cap + FORM_OVERHEAD:
            raise refusals.too_large(cap)
        chunks.append(chunk)
    # Starlette's form parser reads an already consumed body from here.
    request._body = b"".join(chunks)
    async with request.form(max_files=1, max_fields=5) as form:
        if not session.csrf_ok(form.get("csrf")):
            raise csrf_refused()
        upload, month = form.get("datei"), form.get("monat")
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise Refusal(400, "no_file", "Bitte wählen Sie eine Datei aus.")
        body = await upload.read(cap + 1)
        if len(body) > cap:
            raise refusals.too_large(cap)
        media = _media_type(upload.filename, upload.content_type)
    try:
        period = periods.reporting_period(month, clock.today())
    except InvalidKey as exc:
        raise refusals.unknown_period(str(exc)) from None
    return period, body, media


async def upload(request: Request) -> Response:
    sessions: Sessions = request.app.state.sessions
    now = clock.utc_now()
    session = sessions.read(request)
    seen: dict[str, Any] = {"channel": "page", "client": _client(request)}
    try:
        if session is None or session.kreis_ags is None:
            raise signed_out()
        seen.update(kreis_ags=session.kreis_ags, key_id=session.key_id)
        cap = request.app.state.max_report_bytes
        period, body, media = await _upload_form(request, session, cap)
        seen.update(period=period, size=len(body), content_type=media)
        wait = request.app.state.limiter.allow(f"key:{session.key_id}")
        if wait:
            raise refusals.too_many(wait)
        delivery = await run_in_threadpool(intake.push, session.kreis_ags, period, body, media, now)
    except Refusal as refusal:
        attempts.record(now, status=refusal.status, reason=refusal.reason, **seen)
        return _refusal_page(refusal)
    doc, status = feedback.answer(delivery, now, seen)
    return _render(request, session, status, feedback_html=feedback.section_html(doc), doc=doc)


async def download_template(request: Request) -> Response:
    session = request.app.state.sessions.read(request)
    if session is None or session.kreis_ags is None:
        return _refusal_page(signed_out())
    try:
        period = periods.reporting_period(request.path_params["period"], clock.today())
    except InvalidKey as exc:
        return _refusal_page(refusals.unknown_period(str(exc)))
    body = await run_in_threadpool(
        template.workbook_bytes, session.kreis_ags, period, clock.utc_now()
    )
    name = f"Monatsbericht_{session.kreis_ags}_{period}.xlsx"
    return Response(
        body,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def template_for_month(request: Request) -> Response:
    """The month chosen in the template form → its download address."""
    month = request.query_params.get("monat", "")
    if not periods.is_period(month):
        return _refusal_page(refusals.unknown_period(periods.shown(month)))
    return RedirectResponse(f"/jobcenter/vorlage/{month}.xlsx", 303)


def routes() -> list[Route]:
    return [
        Route("/jobcenter", show, methods=["GET"]),
        Route("/jobcenter/anmelden", sign_in, methods=["POST"]),
        Route("/jobcenter/abmelden", sign_out, methods=["POST"]),
        Route("/jobcenter/hochladen", upload, methods=["POST"]),
        Route("/jobcenter/vorlage", template_for_month, methods=["GET"]),
        Route("/jobcenter/vorlage/{period}.xlsx", download_template, methods=["GET"]),
    ]
