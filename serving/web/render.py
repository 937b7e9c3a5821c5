"""Jinja2 rendering for the staff pages: the language, the words and the helpers every page uses."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from core.grades import Grade
from serving.access.sessions import SignedIn
from serving.web import charts, i18n, ksic
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
    }


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
    values = {
        **helpers(lang),
        "user": user,
        "csrf": user.csrf if user else "",
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
