"""What would help a firm (``GET /v1/firms/{firm_id}/help``): the grade's action and KOSME
stage, the support programmes that fit, and the changes that would lower the grade."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ActionOut(BaseModel):
    """What staff do at the firm's grade (docs/grades.md), with KOSME's stage beside it."""

    grade: str
    grade_en: str
    action_ko: str
    action_en: str
    kosme_stage: str | None = Field(description="KOSME early-warning stage; null below 주의")
    kosme_stage_en: str | None


class NeedOut(BaseModel):
    """A need of the firm a programme answers: a reason family or feature (its PD share in
    probability points), a rule flag, or a lever of a proposal that lowers the grade."""

    kind: str = Field(description="family | feature | flag | lever")
    name: str
    ko: str
    en: str
    points: float | None = Field(description="Probability points (reasons: added to the PD)")


class CheckOut(BaseModel):
    rule: str
    passed: bool | None = Field(description="null: the data do not say; staff check")
    ko: str
    en: str


class ProgrammeOut(BaseModel):
    """A programme that fits: which needs it answers and which rules it passed."""

    id: str
    name_ko: str
    name_en: str
    agency: str
    kind: str
    region: str | None = Field(
        description="The 시도 whose own programme this is (config/regions.yaml); null: national"
    )
    fits: list[NeedOut]
    checks: list[CheckOut]
    staff_check: list[str] = Field(description="Conditions the data cannot show")
    amount_max_krw_million: float | None
    amount_note: str
    source_document: str
    source_url: str
    source_year: int
    verified_ko: str = Field(description="What the entry was and was not checked against")
    verified_en: str


class ExcludedOut(BaseModel):
    """A programme that answers the firm's needs but whose rules rule it out, and why."""

    id: str
    name_ko: str
    name_en: str
    region: str | None = Field(description="The 시도 of a region's own programme; null: national")
    failed: list[CheckOut]


class LeverOut(BaseModel):
    lever: str
    ko: str
    en: str
    share: float = Field(description="Share of the item moved (0.3: 30 %)")


class ChangeOut(BaseModel):
    item: str
    ko: str
    before: float | None
    after: float | None
    unit: str = Field(description="천원 for statement items, 건 for arrears events")


class MoveOut(BaseModel):
    feature: str
    label_ko: str
    label_en: str
    points: float = Field(description="Probability points of the PD change this feature carries")


class ProposalOut(BaseModel):
    actions: list[LeverOut]
    changes: list[ChangeOut]
    settled: list[tuple[dt.date, str]] = Field(description="Arrears settled: (date, event type)")
    pd: float
    grade: str
    grade_en: str
    points: float = Field(description="New PD minus the current one (probability, negative)")
    moves: list[MoveOut]
    programmes: list[str] = Field(description="Ids of suggested programmes that fund a lever")


class TargetOut(BaseModel):
    grade: str
    steps: int
    proposal: ProposalOut | None
    reason_ko: str
    reason_en: str


class RecourseOut(BaseModel):
    """What lowers the grade (docs/recourse.md); without targets, ``reason_*`` says why."""

    status: str = Field(description="ok | lowest | stale | in_state | not_scored")
    pd: float | None
    grade: str | None
    targets: list[TargetOut]
    reason_ko: str
    reason_en: str


class NoteOut(BaseModel):
    ko: str
    en: str


class HelpOut(BaseModel):
    firm_id: str
    as_of: dt.date
    action: ActionOut | None = Field(description="null when the firm has no grade")
    programmes: list[ProgrammeOut]
    excluded: list[ExcludedOut]
    unrelated: int = Field(description="Catalogue programmes that address none of its needs")
    catalogue_version: str | None
    catalogue_problem: str | None = Field(description="Why the catalogue could not be read")
    recourse: RecourseOut
    notes: list[NoteOut] = Field(description="What the data could not support, and why")
