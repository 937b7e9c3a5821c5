"""Scores: one firm (stored or submitted), many stored firms, a stored score, a firm's history.

Every score and every look-up is written to the audit log, and a score to ``scores``, in one
transaction that commits before the response leaves; refused attempts are audited too.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Request, Response
from pydantic import BeforeValidator
from sqlalchemy import Engine, select

from serving.access import policy
from serving.access.audit import attempt, outcome
from serving.access.keys import CurrentKey, SessionDep
from serving.api.deps import Top
from serving.deps import StateDep
from serving.domain import scoring
from serving.domain.state import Snapshot
from serving.errors import (
    InvalidSubmission,
    NotScorable,
    RegionForbidden,
    ServingError,
    UnknownFirm,
)
from serving.openapi import KEYED, errors
from serving.schemas import (
    FIRM_ID_DESCRIPTION,
    FIRM_ID_PATTERN,
    FirmIn,
    ScoreRequest,
    normalise_firm_id,
)
from serving.schemas.scores import BatchItem, BatchOut, BatchRequest, HistoryItem, ScoreOut
from serving.store.records import NewRow, audit_row, find_score, record, write
from serving.store.tables import ApiKey, ScoreRecord

router = APIRouter(prefix="/v1", tags=["scores"], responses=errors(*KEYED))
JSON = "application/json"


def _check_submission(snapshot: Snapshot, firm: FirmIn, key: ApiKey) -> None:
    """A key submits only for regions it may see: the declared one and, for a stored firm id,
    the stored one; a stored firm's submission must declare the region it is stored in."""
    stored_region = snapshot.regions.get(firm.firm_id) if firm.firm_id is not None else None
    policy.enforce(policy.submit_statements(key, firm.region, stored_region))
    if stored_region is not None and stored_region != (firm.region or policy.UNKNOWN_REGION):
        raise InvalidSubmission(
            ("body", "firm", "region"),
            f"firm_id {firm.firm_id} is stored in region {stored_region}; give that region",
        )


def _history_item(row: ScoreRecord) -> HistoryItem:
    """A stored score as listed; without a PD (stale, in_state) its pd and grade are null."""
    status = row.status or "ok"
    rated = status == "ok"
    return HistoryItem(
        score_id=row.score_id,
        as_of=row.as_of,
        status=status,  # type: ignore[arg-type]
        pd=row.pd if rated else None,
        grade=row.grade if rated else None,
        grade_table_version=row.grade_table_version,
        model_version=row.model_version,
        created_at=row.created_at,
    )


@router.post(
    "/scores",
    response_model=ScoreOut,
    summary="Score one firm, with reasons",
    responses=errors(403, 404, 413),
)
async def score_one(
    request: Request, body: ScoreRequest, key: CurrentKey, state: StateDep, top: Top = 8
) -> Response:
    """Score a stored firm by ``firm_id``, or a described ``firm`` from its ``statements``.

    The busiest call, so it runs in the event loop: a stored firm costs one exact-SHAP row and
    a few hundred microseconds of Python, less than a hand-off to the thread pool and back.
    Submitted statements go through the feature pipeline (tens of milliseconds), in a thread.
    """
    endpoint = "POST /v1/scores"
    engine: Engine = request.app.state.engine
    snapshot, champion = state.current()
    firm_id = body.firm_id or (body.firm.firm_id if body.firm else None)
    try:
        if body.firm_id is not None:
            row = scoring.locate(snapshot, key, body.firm_id)
            subjects = scoring.stored(snapshot, champion, [body.firm_id], [row])
        else:
            assert body.firm is not None
            _check_submission(snapshot, body.firm, key)
            subjects = await anyio.to_thread.run_sync(scoring.submitted, snapshot, champion, body)
    except ServingError as error:
        region = snapshot.regions.get(firm_id) if firm_id else None  # None: no such firm
        refusal = audit_row(
            endpoint, [firm_id], outcome(error), key, champion.version, subject_region=region
        )
        await write(engine, [refusal])
        raise
    # Submitted statements are the caller's figures, not the firm's record: only an admin's
    # submission enters the firm's history.
    off_history = body.firm is not None and not policy.on_record(key)
    outs, records = scoring.score(champion, subjects, top or None, key.id, off_history)
    audit = audit_row(endpoint, [firm_id], "ok", key, champion.version, outs[0].score_id)
    await write(engine, [records[0], audit])
    return Response(records[0][1]["payload"], media_type=JSON)


@router.post(
    "/scores/batch",
    response_model=BatchOut,
    summary="Score up to 1000 stored firms",
    responses=errors(413),
)
def score_batch(
    body: BatchRequest, key: CurrentKey, session: SessionDep, state: StateDep, top: Top = 8
) -> BatchOut:
    """Scores in request order; unknown, unscorable or forbidden firms are per-item errors."""
    snapshot, champion = state.current()
    items: list[BatchItem] = []
    found: list[str] = []
    rows: list[int] = []
    for firm_id in body.firm_ids:
        try:
            rows.append(scoring.locate(snapshot, key, firm_id))
            found.append(firm_id)
            items.append(BatchItem(firm_id=firm_id, status="ok"))
        except (UnknownFirm, NotScorable, RegionForbidden) as error:
            items.append(BatchItem(firm_id=firm_id, status=outcome(error), error=str(error)))
    subjects = scoring.stored(snapshot, champion, found, rows)
    outs, records = scoring.score(champion, subjects, top or None, key.id)
    scored = iter(outs)
    audits: list[NewRow] = []
    for item in items:
        out = next(scored) if item.status == "ok" else None
        item.score = out
        audits.append(
            audit_row(
                "POST /v1/scores/batch",
                [item.firm_id],
                item.status,
                key,
                champion.version,
                out.score_id if out else None,
                subject_region=snapshot.regions.get(item.firm_id),
            )
        )
    record(session, [*records, *audits])
    return BatchOut(items=items)


@router.get(
    "/scores/{score_id}",
    response_model=ScoreOut,
    summary="A stored score, as served",
    responses=errors(403, 404),
)
def get_score(score_id: uuid.UUID, key: CurrentKey, session: SessionDep) -> Response:
    """The response exactly as it was first served, explanation included."""
    endpoint = "GET /v1/scores/{score_id}"
    stored = find_score(session, str(score_id))
    firm_ids = [stored.firm_id if stored else None]
    with attempt(session, key, endpoint, firm_ids, score_id=str(score_id)) as entry:
        # enforce, not entry.check: these rows have never named the score's region
        policy.enforce(policy.read_score(key, str(score_id), stored.region if stored else None))
        assert stored is not None  # read_score refuses an unknown score
        entry.model_version = stored.model_version
    return Response(stored.payload, media_type=JSON)


@router.get(
    "/firms/{firm_id}/scores",
    response_model=list[HistoryItem],
    summary="A firm's score and grade history",
    responses=errors(403, 404),
)
def firm_history(
    firm_id: Annotated[
        str,
        BeforeValidator(normalise_firm_id),
        Path(pattern=FIRM_ID_PATTERN, description=FIRM_ID_DESCRIPTION),
    ],
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
) -> list[HistoryItem]:
    """Scores served for a stored firm, newest first (at most 100); scores of statements that
    a non-admin key submitted are not the firm's record and are left out."""
    endpoint = "GET /v1/firms/{firm_id}/scores"
    snapshot, champion = state.current()
    query = (
        select(ScoreRecord)
        .where(ScoreRecord.firm_id == firm_id, ScoreRecord.submitted.is_not(True))
        .order_by(ScoreRecord.created_at.desc())
        .limit(100)
    )
    with attempt(session, key, endpoint, [firm_id], champion.version) as entry:
        entry.check(policy.read_firm(key, firm_id, snapshot.regions.get(firm_id)))
        with session.begin():
            history = [_history_item(row) for row in session.scalars(query)]
    return history
