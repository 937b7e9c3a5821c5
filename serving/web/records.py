"""A firm's visits for the pages, read and written through ``serving.domain.visits`` as the API
does.

The region rule, the analyst rule and the audit row are the ones of
``POST /v1/firms/{firm_id}/visits``; only the messages are the page's (field by field, Korean
first) instead of a JSON 422.
"""

from __future__ import annotations

from typing import Final

from pydantic import ValidationError

from serving.access import policy
from serving.access.audit import audited, refused
from serving.access.keys import SessionDep
from serving.domain.state import Champion, Snapshot
from serving.domain.visits import new_visit
from serving.schemas.firms import VisitIn
from serving.store.tables import ApiKey

VISIT_ENDPOINT: Final = "POST /web/firms/{firm_id}/visits"
_FIELD_MESSAGES: Final = {
    "visited_on": "visit_date_invalid",
    "finding": "visit_finding_invalid",
    "note": "visit_note_invalid",
}


def add_visit(
    db: SessionDep,
    snapshot: Snapshot,
    champion: Champion,
    key: ApiKey,
    firm_id: str,
    form: dict[str, str],
) -> dict[str, str]:
    """Record a visit; returns field → message key for what was refused (empty when saved)."""
    region = snapshot.regions.get(firm_id)
    refusal = policy.record_visit(key, firm_id[:40], region)
    refused(db, key, VISIT_ENDPOINT, refusal, [firm_id[:40]], champion.version)
    assert region is not None  # record_visit refuses an unknown firm
    try:
        body = VisitIn.model_validate(
            {
                "visited_on": form["visited_on"] or None,
                "finding": form["finding"],
                "note": form["note"].strip() or None,
            }
        )
    except ValidationError as error:
        return {
            str(e["loc"][0]): _FIELD_MESSAGES.get(str(e["loc"][0]), e["msg"])
            for e in error.errors()
        }
    visit = new_visit(firm_id, region, body, key)
    audited(db, key, VISIT_ENDPOINT, "ok", [firm_id], champion.version, region, rows=[visit])
    return {}
