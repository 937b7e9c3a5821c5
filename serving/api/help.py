"""What would help a firm: the grade's action, programmes and what lowers the grade.

Read like the firm's history: the region rule first (``policy.read_firm``), every call audited,
refused ones too. The firm's reasons come from the same scoring functions as ``POST /v1/scores``
(not stored as a score: this call serves advice, not a score).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.api.firms import FirmPath
from serving.deps import StateDep
from serving.domain import scoring
from serving.domain.help import firm_help
from serving.domain.state import Champion, Snapshot
from serving.openapi import KEYED, errors
from serving.schemas.help import HelpOut
from serving.schemas.scores import ScoreOut

router = APIRouter(prefix="/v1", tags=["firms"], responses=errors(*KEYED, 403, 404))
ENDPOINT = "GET /v1/firms/{firm_id}/help"


@router.get(
    "/firms/{firm_id}/help",
    response_model=HelpOut,
    summary="What would help a firm: action, programmes, what lowers the grade",
)
def firm_help_route(
    firm_id: FirmPath, request: Request, key: CurrentKey, session: SessionDep, state: StateDep
) -> HelpOut:
    """The grade's recommended action and KOSME stage, support programmes matched to the firm's
    reasons with their eligibility, and the smallest actionable changes that would move it one
    or two grades down according to the served model (docs/programmes.md, docs/recourse.md)."""
    snapshot, champion = state.current()
    region = snapshot.regions.get(firm_id)
    config_dir = request.app.state.settings.config_dir
    with attempt(session, key, ENDPOINT, [firm_id], champion.version, region) as entry:
        entry.check(policy.read_firm(key, firm_id, region))
        score = _score(snapshot, champion, firm_id, key.id)
        return firm_help(snapshot, champion, firm_id, score, config_dir)


def _score(snapshot: Snapshot, champion: Champion, firm_id: str, key_id: int) -> ScoreOut | None:
    """The firm's score with reasons; None when it has no feature row on the as-of date."""
    row = snapshot.rows.get(firm_id)
    if row is None:
        return None
    subjects = scoring.stored(snapshot, champion, [firm_id], [row])
    outs, _ = scoring.score(champion, subjects, None, key_id)
    return outs[0]
