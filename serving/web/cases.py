"""The firm page's case form: take the case, move its stage, change its owner, set the next
follow-up date, add a note (``serving.web.records.change_case``, the rules and the audit row of
``PATCH /v1/firms/{firm_id}/case``). A refused form comes back on the firm page with what was
typed and why (422)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.web import records
from serving.web.access import PageRoute, PageUser, check_csrf
from serving.web.firms import firm_page_response

router = APIRouter(prefix="/web", route_class=PageRoute)


@router.post("/firms/{firm_id}/case")
def change_case(
    request: Request,
    firm_id: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    action: Annotated[str, Form(max_length=10)] = "save",
    status: Annotated[str | None, Form(max_length=20)] = None,
    assignee_id: Annotated[str | None, Form(max_length=20)] = None,
    next_follow_up: Annotated[str | None, Form(max_length=20)] = None,
    note: Annotated[str | None, Form(max_length=4000)] = None,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(user, csrf)
    current = state.current()
    fields = {
        "status": status,
        "assignee_id": assignee_id,
        "next_follow_up": next_follow_up,
        "note": note,
    }  # a field the form did not send stays as it is
    form = {"action": action, **{k: v for k, v in fields.items() if v is not None}}
    errors = records.change_case(db, *current, user.key, firm_id, form)
    if not errors:
        target = quote(firm_id, safe="")
        return RedirectResponse(f"/web/firms/{target}?case_saved=1#case", status_code=303)
    panel = records.case_panel(db, current[0], user.key, firm_id, errors, form)
    extra = {"case": panel}
    return firm_page_response(request, firm_id, user, db, current, extra, status_code=422)
