"""Jinja2 rendering for the staff pages: the language, the words and the helpers every page uses."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from core import ksic
from core.grades import Grade
from serving.access import policy
from serving.access.sessions import COOKIE, SignedIn, resolve
from serving.domain.region_codes import cluster_label, district_label
from serving.domain.state import Champion, Snapshot
from serving.web import charts, i18n
from serving.web.i18n import LANG_COOKIE, Lang

HERE: Final = Path(__file__).resolve().parent
TEMPLATES: Final = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.autoescape = True  # every value is escaped unless a chart marks itself safe
LANG_MAX_AGE: Final = 365 * 24 * 3600
# Pages load only this site's CSS and JS, are never framed, and are not kept in shared caches
# (centre PCs are shared; a firm's page should not outlive the session in a cache).
HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def language(request: Request) -> Lang:
    """``?lang=`` wins, then the remembered choice, then Korean."""
    return (
        i18n.pick_lang(request.query_params.get("lang"))
        or i18n.pick_lang(request.cookies.get(LANG_COOKIE))
        or "ko"
    )


def helpers(lang: Lang) -> dict[str, Any]:
    """Functions the templates call, already bound to the page's language."""
    return {
        "lang": lang,
        "t": partial(i18n.text, lang),
        "say": lambda message: i18n.text(lang, message) if message in i18n.TEXT else message,
        "grade_name": partial(i18n.grade_name, lang),
        "region_name": partial(i18n.region_name, lang),
        "size_name": partial(i18n.size_name, lang),
        "industry": lambda code: ksic.division_name(code, lang),
        "grade_colour": lambda grade: Grade.fields(grade)["grade_colour"],
        "percent": charts.percent,
        "points": charts.points_text,
        "district_name": district_label,
        "cluster_name": lambda code: cluster_label(code, lang),
    }


@dataclass(frozen=True)
class DataDates:
    """How old what a page shows is: the as-of date scores are taken at, the latest statement
    period end among the firms scored, and the latest event (arrears, default …) on or before
    the as-of date (None where the data hold none)."""

    as_of: dt.date
    statements: dt.date | None
    events: dt.date | None


_dates_lock = threading.Lock()
_dates_kept: dict[str, tuple[Champion, DataDates]] = {}


def data_dates(snapshot: Snapshot, champion: Champion) -> DataDates:
    """The snapshot's dates, worked out once per champion (a reload brings new ones)."""
    with _dates_lock:
        found = _dates_kept.get("current")
        if found is not None and found[0] is champion:
            return found[1]
        ends = champion.latest.standing.period_end
        ends = ends[~np.isnat(ends)]
        events = pd.to_datetime(snapshot.tables.events["event_date"])
        events = events[events <= snapshot.as_of]
        dates = DataDates(
            snapshot.as_of.date(),
            pd.Timestamp(ends.max()).date() if len(ends) else None,
            events.max().date() if len(events) else None,
        )
        _dates_kept["current"] = (champion, dates)
        return dates


def _page_dates(request: Request) -> DataDates | None:
    """The served data's dates for the page header, None while the service is not ready."""
    service = getattr(request.app.state, "service", None)
    if service is None or not service.ready:
        return None
    snapshot, champion = service.current()
    return data_dates(snapshot, champion)


def _known_user(request: Request) -> SignedIn | None:
    """The signed-in user behind an error page's request, so it keeps the menu (an error is
    rendered outside the route's dependencies): the same lookup as ``signed_in``."""
    token = request.cookies.get(COOKIE)
    factory = getattr(request.app.state, "sessions", None)
    if not token or factory is None:
        return None
    with factory() as db:
        return resolve(db, token)


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    user: SignedIn | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template``; a ``?lang=`` choice is remembered in a cookie for later pages."""
    lang = language(request)
    other = "en" if lang == "ko" else "ko"
    if user is None and status_code >= 400:
        user = _known_user(request)
    values = {
        **helpers(lang),
        "user": user,
        # Which menu entries a role gets: read off the access rules, not restated in templates.
        "firm_level": user is not None and user.key.role in policy.FIRM_LEVEL,
        "csrf": user.csrf if user else "",
        "data_dates": _page_dates(request),
        "switch_url": str(request.url.include_query_params(lang=other)),
        "path": request.url.path,
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(
        request, template, values, status_code=status_code, headers=HEADERS
    )
    chosen = i18n.pick_lang(request.query_params.get("lang"))
    if chosen is not None and chosen != request.cookies.get(LANG_COOKIE):
        response.set_cookie(
            LANG_COOKIE,
            chosen,
            max_age=LANG_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response
