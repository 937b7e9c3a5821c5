"""Scores with reasons for stored firms (by id, one or many) and for submitted statements.

Stored firms use the feature rows cached at start; submitted statements go through the same
``features_as_of`` as training, with the stored market context (peers, industry rates).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from core.grades import Grade
from features.catalog import FLAGS
from features.pipeline import features_as_of
from features.tables import RawTables, empty_table, normalise
from scoring import explain
from scoring.actions import action_for, kosme_stage
from scoring.explain import Attribution
from scoring.standing import Standing, standing_of
from serving.access import policy
from serving.access.policy import UNKNOWN_REGION
from serving.domain.state import Champion, Snapshot
from serving.errors import InvalidSubmission, NotScorable
from serving.schemas import FamilyOut, FlagOut, Reason, ScoreRequest
from serving.schemas.scores import ScoreOut
from serving.store.records import NewRow, now
from serving.store.tables import SCORES

SUBMITTED_ID = "0000000000"  # stands in for a submitted firm without a firm_id


@dataclass(frozen=True)
class Subjects:
    """Rows to score: who they are, their model features, peer ranks and rule flags."""

    firm_ids: list[str | None]
    regions: list[str]
    as_of: pd.Timestamp
    matrix: np.ndarray
    peers: explain.PeerRanks
    flags: np.ndarray
    standing: Standing  # whether each row gets a PD (stale, already in the state)
    rows: np.ndarray  # each subject's row in ``standing``


def locate(snapshot: Snapshot, caller: policy.Caller, firm_id: str) -> int:
    """Row of a stored firm, once ``caller`` may read it (``policy.read_firm``: a centre gets
    the same refusal for another region's firm and for an unknown id)."""
    policy.enforce(policy.read_firm(caller, firm_id, snapshot.regions.get(firm_id)))
    row = snapshot.rows.get(firm_id)
    if row is None:
        raise NotScorable(
            f"firm_id {firm_id} has no score on {snapshot.as_of.date()}: no statement filed "
            "by then, or already in distress"
        )
    return row


def stored(
    snapshot: Snapshot, champion: Champion, firm_ids: Sequence[str], rows: Sequence[int]
) -> Subjects:
    """The stored firms ``firm_ids`` at their ``rows`` (from ``locate``)."""
    if len(firm_ids) != len(rows):
        raise ValueError(f"{len(firm_ids)} firm ids for {len(rows)} rows")
    index = np.asarray(rows, dtype=np.intp)
    return Subjects(
        firm_ids=list(firm_ids),
        regions=[snapshot.regions[f] for f in firm_ids],
        as_of=snapshot.as_of,
        matrix=champion.matrix[index],
        peers=champion.peers[index],
        flags=snapshot.flags[index],
        standing=champion.latest.standing,
        rows=index,
    )


def score(
    champion: Champion,
    subjects: Subjects,
    top: int | None,
    key_id: int,
    off_history: bool = False,
) -> tuple[list[ScoreOut], list[NewRow]]:
    """One ``pred_contrib`` call for all rows, then a response and a ``scores`` row per row,
    recorded as served to key ``key_id``; ``off_history`` rows are marked ``submitted`` and
    never listed in a firm's history."""
    if len(subjects.firm_ids) == 0:
        return [], []
    model = champion.model
    attribution = explain.attribute(model.booster, model.bundle.calibration, subjects.matrix)
    created_at = now()
    outs = [
        _response(champion, subjects, attribution, i, top, created_at)
        for i in range(len(subjects.firm_ids))
    ]
    records = [_record(out, attribution, i, key_id, off_history) for i, out in enumerate(outs)]
    return outs, records


def _response(
    champion: Champion,
    subjects: Subjects,
    attribution: Attribution,
    i: int,
    top: int | None,
    created_at: Any,
) -> ScoreOut:
    bundle, event = champion.model.bundle, champion.event
    standing, row = subjects.standing, int(subjects.rows[i])
    status = standing.status(row)
    pd_: float | None = float(attribution.pd[i]) if status == "ok" else None
    grade = bundle.grade_table.grade(pd_) if pd_ is not None else None
    reasons: list[Reason] = []
    families: list[FamilyOut] = []
    if pd_ is not None:
        values, peers = subjects.matrix[i], subjects.peers[i]
        found, totals = explain.reasons(
            champion.feature_names, values, peers, attribution.points[i], top, event
        )
        reasons, families = [Reason.of(r) for r in found], [FamilyOut.of(f) for f in totals]
    flags = [
        FlagOut(flag=f, label_ko=FLAGS[f][0], label_en=FLAGS[f][1])
        for f, on in zip(FLAGS, subjects.flags[i], strict=True)
        if on
    ]
    period_end, age = standing.statement(row)
    message_ko, message_en = standing.message(row)
    action_ko, action_en = action_for(grade) if grade else (None, None)
    return ScoreOut(
        score_id=str(uuid.uuid4()),
        firm_id=subjects.firm_ids[i],
        region=subjects.regions[i],
        as_of=subjects.as_of.date(),
        status=status,
        message_ko=message_ko,
        message_en=message_en,
        event_ko=event.ko,
        event_en=event.en,
        pd=pd_,
        horizon_months=bundle.horizon_months,
        **Grade.fields(grade),
        action_ko=action_ko,
        action_en=action_en,
        kosme_stage=kosme_stage(grade) if grade else None,
        grade_table_version=bundle.grade_table.version,
        model_name=champion.name,
        model_version=champion.version,
        base_pd=float(attribution.base_pd[i]),
        statement_period_end=period_end.date() if period_end is not None else None,
        statement_age_months=age,
        reasons=reasons,
        families=families,
        flags=flags,
        created_at=created_at,
    )


def _record(
    out: ScoreOut, attribution: Attribution, i: int, key_id: int, off_history: bool
) -> NewRow:
    """The ``scores`` row. Its pd and grade columns predate statuses and are NOT NULL in older
    databases, so a firm without a PD keeps the model's figure there, marked by ``status``;
    only the payload (what was served) and the history endpoint are read back."""
    pd_ = out.pd if out.pd is not None else float(attribution.pd[i])
    return SCORES, {
        "score_id": out.score_id,
        "firm_id": out.firm_id,
        "region": out.region,
        "as_of": out.as_of,
        "pd": pd_,
        "grade": out.grade or out.status,
        "status": out.status,
        "grade_table_version": out.grade_table_version,
        "model_name": out.model_name,
        "model_version": out.model_version,
        "key_id": key_id,
        "created_at": out.created_at,
        "payload": out.model_dump_json(),
        "submitted": True if off_history else None,
    }


def submitted(snapshot: Snapshot, champion: Champion, request: ScoreRequest) -> Subjects:
    """Features of a submitted firm, computed by the training code with the stored context."""
    tables, as_of = submission_tables(snapshot, request)
    try:
        frame = features_as_of(tables, as_of, snapshot.context).reset_index(drop=True)
    except (ValueError, TypeError, KeyError) as error:
        raise InvalidSubmission(("body", "statements"), f"statements unusable: {error}") from error
    if frame.empty:
        raise InvalidSubmission(
            ("body", "statements"),
            f"no statement filed on or before as_of {as_of.date()}, or a default-type event "
            "before it; nothing to score",
        )
    assert request.firm is not None
    rules = champion.model.bundle.label_rules
    return Subjects(
        firm_ids=[request.firm.firm_id],
        regions=[request.firm.region or UNKNOWN_REGION],
        as_of=as_of,
        matrix=champion.model.matrix(frame),
        peers=explain.peer_percentiles(snapshot.context.peers, frame, champion.feature_names),
        flags=frame[list(FLAGS)].fillna(False).to_numpy(dtype=bool),
        standing=standing_of(frame, rules, snapshot.stale_after_months),
        rows=np.arange(len(frame)),
    )


def submission_tables(snapshot: Snapshot, request: ScoreRequest) -> tuple[RawTables, pd.Timestamp]:
    """Contract tables for the one submitted firm, beside the stored regional indicators."""
    assert request.firm is not None
    firm = request.firm.model_dump()
    firm_id = firm["firm_id"] = firm["firm_id"] or SUBMITTED_ID
    items: list[BaseModel] = list(request.statements)
    statements = [_statement(firm_id, item.model_dump()) for item in items]
    events = [{"firm_id": firm_id, **event.model_dump()} for event in request.events]
    financials = normalise("financials", pd.DataFrame(statements))
    latest_filing = financials["filed_on"].max()
    as_of = (
        pd.Timestamp(request.as_of)
        if request.as_of is not None
        else max(snapshot.as_of, latest_filing)
    )
    tables = RawTables(
        firms=normalise("firms", pd.DataFrame([firm])),
        financials=financials,
        events=normalise("events", pd.DataFrame(events)) if events else empty_table("events"),
        regional=snapshot.tables.regional,
        visits=empty_table("visits"),
    )
    return tables, as_of


def _statement(firm_id: str, item: dict[str, Any]) -> dict[str, Any]:
    """A contract row; the period ends 31 December and is known from its end unless told."""
    item["period_end"] = item["period_end"] or pd.Timestamp(item["fiscal_year"], 12, 31).date()
    item["filed_on"] = item["filed_on"] or item["period_end"]
    return {"firm_id": firm_id, **item}
