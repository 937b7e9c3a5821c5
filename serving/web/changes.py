"""The '이번 달 변화' page and the digest page.

``GET /web/changes`` sends a centre to its own 시도 and lets analysts choose; ``GET
/web/changes/{region}`` shows the region's grade rises, new triggers, failed firms (marked in
words as well as red, with a link to their history) and stale data for a month-end, from the
same domain code as ``GET /v1/regions/{region}/changes``; ``…/digest`` and ``…/digest.csv`` are
the month's digest of watched firms. Without monthly scores the page says which command makes
them (404). Reads and refusals are audited as the API's are.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRouter

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.domain import changes, digest
from serving.domain import regions as risk
from serving.domain.cases import STATUSES
from serving.domain.region_settings import settings_or_built_in
from serving.errors import UnknownFirm
from serving.web.access import PageRoute, PageUser
from serving.web.i18n import TEXT
from serving.web.render import language, page

router = APIRouter(prefix="/web", route_class=PageRoute)
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


def event_name(lang: str, event: str) -> str:
    """An event type's words; a type the words do not know (a vendor's) shows as it is."""
    words = TEXT.get(f"changes_event_{event}")
    return event if words is None else words[1 if lang == "en" else 0]


def change_name(lang: str, change: str) -> str:
    return ", ".join(
        TEXT[f"changes_kind_{kind}"][1 if lang == "en" else 0] for kind in change.split(",")
    )


@router.get("/changes", response_model=None)
def changes_index(request: Request, user: PageUser, state: StateDep) -> Response:
    """The regions to choose from; a centre has one, so it goes straight there."""
    own = policy.confined_region(user.key)
    if own is not None:
        return RedirectResponse(f"/web/changes/{own}", status_code=303)
    snapshot, _ = state.current()
    context = {"codes": risk.served_codes(snapshot)}
    return page(request, "changes_regions.html", context, user)


def _missing(request: Request, user: PageUser, region: str, error: UnknownFirm) -> Response:
    """The page for a month without scores: what to run, with the 404 status."""
    if policy.read_region(user.key, region) is not None:
        raise error  # an unknown region code: the usual 404 page
    context = {"region": region, "detail": str(error), "command": changes.COMMAND}
    return page(request, "changes_missing.html", context, user, status_code=404)


@router.get("/changes/{region}")
def changes_page(
    request: Request,
    region: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    month: Month = None,
) -> Response:
    """A region's changes on a month-end (the newest when no month is chosen)."""
    snapshot, champion = state.current()
    data_dir = request.app.state.settings.data_dir
    endpoint = "GET /web/changes/{region}"
    try:
        with attempt(db, user.key, endpoint, (), champion.version, region) as entry:
            entry.check(policy.read_region(user.key, region))
            scores = changes.read_month(data_dir, month)
            found = changes.region_changes(scores, region, changes.snapshot_names(snapshot))
            shown = (*found.grade_rises, *found.new_triggers, *found.failed, *found.became_stale)
            entry.firm_ids = [firm_id for firm_id in dict.fromkeys(f.firm_id for f in shown)]
    except UnknownFirm as error:
        return _missing(request, user, region, error)
    lang = language(request)
    context = {
        "found": found,
        "event_name": lambda event: event_name(lang, event),
        "digest_url": f"/web/changes/{region}/digest?month={found.month}",
    }
    return page(request, "changes.html", context, user)


def _digest(
    request: Request,
    endpoint: str,
    region: str,
    month: str | None,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
) -> digest.Digest:
    snapshot, champion = state.current()
    settings = request.app.state.settings
    with attempt(db, user.key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region(user.key, region))
        scores = changes.read_month(settings.data_dir, month)
        capacity = settings_or_built_in(settings.config_dir).of(region).capacity
        names = changes.snapshot_names(snapshot)
        found = digest.build_digest(scores, region, digest.open_cases(db, region), capacity, names)
        entry.firm_ids = [str(firm_id) for firm_id in found.rows["firm_id"]]
        return found


@router.get("/changes/{region}/digest")
def digest_page(
    request: Request,
    region: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    month: Month = None,
) -> Response:
    """The month's digest: the whole centre's watched firms that changed, then each owner's."""
    try:
        endpoint = "GET /web/changes/{region}/digest"
        found = _digest(request, endpoint, region, month, user, db, state)
    except UnknownFirm as error:
        return _missing(request, user, region, error)
    lang = language(request)
    owners = [(owner, found.of_owner(owner).to_dict("records")) for owner in found.owners()]
    context = {
        "digest": found,
        "rows": found.rows.to_dict("records"),
        "owners": owners,
        "change_name": lambda change: change_name(lang, change),
        "stage_name": lambda key: STATUSES.get(key, (key, key))[1 if lang == "en" else 0],
        "event_name": lambda event: event_name(lang, event),
        "csv_url": f"/web/changes/{region}/digest.csv?month={found.month}",
    }
    return page(request, "digest.html", context, user)


@router.get("/changes/{region}/digest.csv")
def digest_csv(
    request: Request,
    region: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    month: Month = None,
    owner: Annotated[str | None, Query(max_length=64, description="A case owner")] = None,
) -> Response:
    """The digest as CSV (UTF-8 with a byte-order mark, for spreadsheets); ``owner`` keeps
    one person's rows."""
    endpoint = "GET /web/changes/{region}/digest.csv"
    found = _digest(request, endpoint, region, month, user, db, state)
    rows = found.rows if owner is None else found.of_owner(owner)
    name = f"digest-{found.month}-{digest.file_stem(region, owner)}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(digest.csv_text(rows), media_type="text/csv; charset=utf-8", headers=headers)
