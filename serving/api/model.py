"""Model information for every key, and the admin's champion reload."""

from __future__ import annotations

from fastapi import APIRouter

from core.grades import Grade
from features.catalog import BY_NAME
from scoring.standing import state_names
from serving.access.keys import AdminKey, CurrentKey, SessionDep
from serving.deps import StateDep
from serving.domain.state import Champion
from serving.errors import ReloadRefused
from serving.openapi import KEYED, errors
from serving.schemas.model import FeatureOut, GradeOut, ModelOut, ReloadOut
from serving.store.records import audit_row, record

router = APIRouter(prefix="/v1", tags=["model"], responses=errors(*KEYED))


def _features(champion: Champion) -> list[FeatureOut]:
    out = []
    for name in champion.feature_names:
        feature = BY_NAME.get(name)
        out.append(
            FeatureOut(
                name=name,
                family=feature.family if feature else "unknown",
                label_ko=feature.ko if feature else name,
                label_en=feature.en if feature else name,
                unit=feature.unit if feature else "ratio",
            )
        )
    return out


def _grades(champion: Champion) -> list[GradeOut]:
    table, event = champion.model.bundle.grade_table, champion.event
    lower = (0.0, *table.cut_points)
    grades = [Grade.named(name) for name in table.grades]
    return [
        GradeOut(
            grade=g.name,
            grade_en=g.en,
            colour=g.colour,
            lower_pd=bound,
            text_ko=f"{event.ko} {g.name} (PD {bound:.1%} 이상)",
            text_en=f"{event.en}: {g.en} (PD {bound:.1%} or more)",
        )
        for g, bound in zip(grades, lower, strict=True)
    ]


@router.get("/model", response_model=ModelOut, summary="The model being served")
def model_info(key: CurrentKey, state: StateDep) -> ModelOut:
    """Name, version, features with labels, grade cut-points and colours, split and metrics."""
    snapshot, champion = state.current()
    bundle = champion.model.bundle
    in_state = state_names(bundle.label_rules) or (None, None)
    base_pd = champion.latest.explanations.base_pd if len(champion.latest.pd) else None
    return ModelOut(
        name=champion.name,
        version=champion.version,
        alias=champion.alias,
        horizon_months=bundle.horizon_months,
        label_rules=list(bundle.label_rules),
        event_ko=champion.event.ko,
        event_en=champion.event.en,
        in_state_ko=in_state[0],
        in_state_en=in_state[1],
        stale_after_months=snapshot.stale_after_months,
        base_pd=base_pd,
        features=_features(champion),
        grade_table_version=bundle.grade_table.version,
        grades=_grades(champion),
        split=dict(bundle.split),
        metrics=dict(bundle.metrics),
        as_of=snapshot.as_of.date(),
    )


@router.post(
    "/admin/reload",
    response_model=ReloadOut,
    tags=["admin"],
    summary="Re-read the champion from the registry",
    responses=errors(403, 409),
)
def reload_model(key: AdminKey, state: StateDep, session: SessionDep) -> ReloadOut:
    """Load the model the alias now points to; if it fails, the old model keeps serving."""
    try:
        previous, version = state.reload()
    except ReloadRefused:
        record(session, [audit_row("POST /v1/admin/reload", [], "refused", key)])
        raise
    record(session, [audit_row("POST /v1/admin/reload", [], "ok", key, version)])
    return ReloadOut(previous_version=previous, version=version)
