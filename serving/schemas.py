"""Request and response bodies of the HTTP API (pydantic v2), documented for OpenAPI.

Amounts are in thousand won (천원), as Korean statements report them; unknown fields are
rejected so that a misspelt amount never silently scores as missing.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from core import contract, ksic
from features.ingestion.schema import AMOUNT_LIMIT, AMOUNT_LIMIT_PROBLEM, NON_NEGATIVE
from features.ingestion.values import FIRST_YEAR, LAST_YEAR
from scoring import explain

# Any id scheme ingestion accepts: 사업자등록번호 (10 digits), 법인등록번호 (13 digits), a vendor
# or exchange code ("090414", "A00123"), with an optional prefix ("KIS-090414"). Always text:
# leading zeros are part of the id.
FIRM_ID_PATTERN: Final = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$"
FIRM_ID_DESCRIPTION: Final = (
    "Firm id as stored: 사업자등록번호 (10 digits), 법인등록번호 (13 digits) or a vendor code "
    "(e.g. 090414, A00123, KIS-090414); letters, digits, '.', '_', '-', at most 40 characters"
)


def normalise_firm_id(value: Any) -> Any:
    """Full-width digits and letters (１２３, Ａ) as ASCII (NFKC), before the pattern is checked."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


FirmId = Annotated[
    str,
    BeforeValidator(normalise_firm_id),
    Field(
        pattern=FIRM_ID_PATTERN, examples=["1000000001", "090414"], description=FIRM_ID_DESCRIPTION
    ),
]


def _known_region(code: str) -> str:
    if code not in contract.REGIONS:
        codes = ", ".join(f"{c} {name}" for c, name in contract.REGIONS.items())
        raise ValueError(f"must be a 시도 code: {codes}")
    return code


RegionCode = Annotated[
    str, AfterValidator(_known_region), Field(json_schema_extra={"enum": list(contract.REGIONS)})
]
EventType = Literal[contract.EVENT_TYPES]  # type: ignore[valid-type]
SizeClass = Literal[contract.SIZE_CLASSES]  # type: ignore[valid-type]
GrowthStage = Literal[contract.GROWTH_STAGES]  # type: ignore[valid-type]


def _amount_in_contract(value: float | None, info: ValidationInfo) -> float | None:
    """The checks ingestion makes of an amount, in its words: items in ``NON_NEGATIVE``
    (features.ingestion.schema) are never negative, and no amount is beyond ``AMOUNT_LIMIT``."""
    if value is None:
        return None
    if info.field_name in NON_NEGATIVE and value < 0:
        raise PydanticCustomError("value_error", "is negative")
    if not math.isfinite(value) or abs(value) >= AMOUNT_LIMIT:
        raise PydanticCustomError("value_error", AMOUNT_LIMIT_PROBLEM)
    return value


Amount = Annotated[
    float | None,
    Field(default=None, allow_inf_nan=False),
    AfterValidator(_amount_in_contract),
]

AMOUNT_LABELS: dict[str, str] = {
    "revenue": "매출액",
    "cost_of_sales": "매출원가",
    "sga": "판매비와관리비",
    "operating_income": "영업이익",
    "interest_expense": "이자비용",
    "pretax_income": "법인세차감전이익",
    "net_income": "당기순이익",
    "depreciation": "감가상각비",
    "total_assets": "자산총계",
    "current_assets": "유동자산",
    "cash": "현금및현금성자산",
    "receivables": "매출채권",
    "inventory": "재고자산",
    "total_liabilities": "부채총계",
    "current_liabilities": "유동부채",
    "borrowings": "차입금",
    "equity": "자본총계",
    "paid_in_capital": "자본금",
    "retained_earnings": "이익잉여금",
    "operating_cash_flow": "영업활동현금흐름",
    "employees": "종업원수 (명)",
    "payroll": "급여총액",
}


def _contract_date(value: dt.date) -> dt.date:
    """As ingestion: dates lie in 1900-2100 (a year 497 is a typing slip, and beyond pandas'
    nanosecond timestamps)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError("value_error", f"is not a date in {FIRST_YEAR}-{LAST_YEAR}")
    return value


ContractDate = Annotated[dt.date, AfterValidator(_contract_date)]


def _ksic_code(value: str) -> str:
    """As ingestion: KSIC at any depth (a section letter, 2-5 digits, or both), stored form."""
    try:
        return ksic.normalise(value)
    except ksic.KsicError as error:
        raise PydanticCustomError("value_error", str(error)) from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _StatementKeys(_Strict):
    fiscal_year: int = Field(ge=1990, le=2100, description="회계연도 (fiscal year)")
    period_end: ContractDate | None = Field(
        None, description="결산일; defaults to 31 December of the fiscal year"
    )
    filed_on: ContractDate | None = Field(
        None, description="Date the statement became available; defaults to the period end"
    )

    @field_validator("filed_on")
    @classmethod
    def _filed_after_period(cls, filed_on: dt.date | None, info: ValidationInfo) -> dt.date | None:
        """As ingestion: a statement cannot be filed before its period ends."""
        year = info.data.get("fiscal_year")
        period_end = info.data.get("period_end") or (dt.date(year, 12, 31) if year else None)
        if filed_on is not None and period_end is not None and filed_on < period_end:
            raise PydanticCustomError("value_error", "is before period_end")
        return filed_on


Statement = create_model(  # type: ignore[call-overload]
    "Statement",
    __base__=_StatementKeys,
    __doc__="One fiscal year's statement; every amount (천원) may be left out.",
    **{
        name: (Amount, Field(None, allow_inf_nan=False, description=f"{label}, 천원"))
        for name, label in AMOUNT_LABELS.items()
    },
)


class Event(_Strict):
    """A non-financial event (arrears, delinquency, default) known about the firm."""

    event_date: ContractDate
    event_type: EventType = Field(description="One of the contract's event types")
    amount: Amount = Field(None, description="Amount in 천원, if known")


class FirmIn(_Strict):
    """A firm that is not (or not yet) in the stored data, described by its contract fields."""

    firm_id: FirmId | None = Field(None, description="Optional; echoed back in the score")
    name: str | None = Field(None, max_length=200)
    region: RegionCode | None = Field(
        None,
        description="시도 code (e.g. 26 부산); decides the centre's access. Without one the firm "
        "is scored under 00 지역 미상, which only analyst and admin keys may use",
    )
    district: str | None = Field(None, pattern=r"^\d{5}$", description="시군구 code, 5 digits")
    ksic: Annotated[str, AfterValidator(_ksic_code)] | None = Field(
        None,
        max_length=6,
        description="KSIC (10th) code at any depth: section letter (C), 2-5 digits, or C25111",
    )
    founded: ContractDate | None = Field(None, description="설립일")
    size_class: SizeClass | None = Field(None, description="소기업 or 중기업")
    audited: bool | None = Field(None, description="외감기업 (externally audited)")
    growth_stage: GrowthStage | None = None
    cluster_id: str | None = Field(None, max_length=50)
    main_industry: bool | None = Field(None, description="In the region's 주력산업")


# "Exactly one of firm_id or firm" for OpenAPI readers and fuzzers; the validators below enforce
# it (and that statements go with firm). A null counts as absent, as in the validators.
EXACTLY_ONE_SUBJECT: Final[JsonDict] = {
    "oneOf": [
        {"required": ["firm_id"], "properties": {"firm_id": {"type": "string"}}},
        {"required": ["firm"], "properties": {"firm": {"type": "object"}}},
    ]
}


class ScoreRequest(_Strict):
    """Score a stored firm by ``firm_id``, or a described ``firm`` from submitted statements."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=EXACTLY_ONE_SUBJECT)

    firm_id: FirmId | None = Field(None, description="A stored firm, scored from the latest data")
    firm: FirmIn | None = Field(
        None, validate_default=True, description="A firm to score from ``statements``"
    )
    statements: list[Statement] = Field(  # type: ignore[valid-type]
        default_factory=list,
        max_length=50,
        validate_default=True,
        description="Yearly statements (with ``firm`` only)",
    )
    events: list[Event] = Field(default_factory=list, max_length=1000)
    as_of: ContractDate | None = Field(
        None,
        description="Scoring date for submitted statements; defaults to the later of the stored "
        "as-of date and the latest submitted filing",
    )

    @field_validator("firm")
    @classmethod
    def _one_subject(cls, firm: FirmIn | None, info: ValidationInfo) -> FirmIn | None:
        if "firm_id" not in info.data:  # firm_id itself failed; its error says why
            return firm
        if (firm is None) == (info.data["firm_id"] is None):
            raise ValueError("give exactly one of `firm_id` or `firm`")
        return firm

    @field_validator("statements")
    @classmethod
    def _statements_need_firm(cls, statements: list[Any], info: ValidationInfo) -> list[Any]:
        if info.data.get("firm_id") is not None and statements:
            raise ValueError("`statements` go with `firm`; a `firm_id` is scored from stored data")
        if info.data.get("firm") is not None and not statements:
            raise ValueError("a submitted `firm` needs at least one statement")
        return statements


class BatchRequest(_Strict):
    firm_ids: list[FirmId] = Field(min_length=1, max_length=1000, description="1 to 1000 firms")


PeerLevel = Literal["industry_size", "industry", "section", "all"]  # features.peers.PEER_LEVELS


class Reason(BaseModel):
    """One feature's share of the PD, in probability points, with its value in plain words."""

    feature: str
    family: str = Field(description="Feature family key")
    family_ko: str
    family_en: str
    label_ko: str
    label_en: str
    value: float | None = Field(description="Feature value (null when not reported)")
    display: str = Field(description="Value as staff read it, e.g. 0.6배, 12.3%, 자료 없음")
    display_en: str
    peer_percentile: float | None = Field(
        description="Share (0–100) of peers at or below this value (peers: see peer_level)"
    )
    peer_level: PeerLevel | None = Field(
        default=None,
        description="Who the peers were: the KSIC division and size class, the division, the "
        "KSIC section, or all firms (a coarser level where the finer group had under 20 firms "
        "or the firm's industry is known only to the section)",
    )
    peer_group_ko: str | None = Field(default=None, description="e.g. 같은 업종·규모")
    peer_group_en: str | None = None
    contribution: float = Field(description="Probability points added to the PD (signed)")
    direction: Literal["up", "down"]
    sentence_ko: str
    sentence_en: str

    @classmethod
    def of(cls, reason: explain.Reason) -> Reason:
        """The response form of a reason the model layer worked out."""
        return cls.model_validate(reason, from_attributes=True)


class FamilyOut(BaseModel):
    """A feature family's total contribution; ``rest`` is the part not listed in reasons."""

    family: str
    name_ko: str
    name_en: str
    contribution: float
    rest: float
    n_features: int

    @classmethod
    def of(cls, family: explain.Family) -> FamilyOut:
        return cls.model_validate(family, from_attributes=True)


class FlagOut(BaseModel):
    flag: str
    label_ko: str
    label_en: str


ScoreStatus = Literal["ok", "stale", "in_state"]
STATUS_DESCRIPTION: Final = (
    "ok: a fresh PD and grade. stale: the latest statement is older than the service's limit "
    "(EWS_STALE_AFTER_MONTHS, default 18 months after its period end), so no PD or grade is "
    "given (자료 오래됨). in_state: the firm is already in the state the model predicts entering "
    "(e.g. 이미 한계기업 for a marginal_firm model), so it is outside the population at risk "
    "and gets no PD or grade"
)
BASE_PD_DESCRIPTION: Final = (
    "The model's base rate: the PD of an average firm of the training data (the starting "
    "point of the reasons, not this firm's risk); base_pd + Σ contributions = pd"
)


class ScoreOut(BaseModel):
    """A calibrated PD with its grade and reasons; ``base_pd + Σ reasons + Σ rest == pd``.

    When ``status`` is not ``ok`` there is no PD, grade or reason: ``message_ko``/``message_en``
    say why ("자료 오래됨 (최근 재무제표 2019-12-31)", "이미 한계기업")."""

    score_id: str = Field(description="Fetch this explanation again at /v1/scores/{score_id}")
    firm_id: str | None
    region: str = Field(description="시도 code; 00 = 지역 미상 (no region stored)")
    as_of: dt.date
    status: ScoreStatus = Field("ok", description=STATUS_DESCRIPTION)
    message_ko: str | None = Field(None, description="Why there is no PD (null when ok)")
    message_en: str | None = None
    event_ko: str = Field("부도·폐업 위험", description="What ``pd`` is the probability of")
    event_en: str = "risk of default or closure"
    pd: float | None = Field(
        description="Probability of the model's event (``event_en``) within its horizon; "
        "null unless status is ok"
    )
    horizon_months: int
    grade: str | None = Field(description="정상·관심·주의·경계·심각; null unless status is ok")
    grade_en: str | None
    grade_colour: str
    grade_table_version: str
    model_name: str
    model_version: str
    base_pd: float = Field(description=BASE_PD_DESCRIPTION)
    statement_period_end: dt.date | None = Field(
        None, description="Period end of the latest statement the score uses"
    )
    statement_age_months: float | None = Field(None, description="Its age at ``as_of`` in months")
    reasons: list[Reason]
    families: list[FamilyOut]
    flags: list[FlagOut]
    created_at: dt.datetime


Outcome = Literal["ok", "not_found", "not_scorable", "forbidden", "invalid"]


class BatchItem(BaseModel):
    firm_id: str
    status: Outcome
    error: str | None = None
    score: ScoreOut | None = None


class BatchOut(BaseModel):
    items: list[BatchItem]


class FeatureOut(BaseModel):
    name: str
    family: str
    label_ko: str
    label_en: str
    unit: str


class GradeOut(BaseModel):
    grade: str
    grade_en: str
    colour: str
    lower_pd: float = Field(description="Lowest PD that gets this grade")
    text_ko: str = Field(
        description="The grade with the event it grades, e.g. 한계기업 진입 위험 경계"
    )
    text_en: str


class ModelOut(BaseModel):
    name: str
    version: str
    alias: str
    horizon_months: int
    label_rules: list[str]
    event_ko: str = Field(description="What the model's PD is the probability of")
    event_en: str
    in_state_ko: str | None = Field(
        description="Firms already in this state get no PD (status in_state); null when none"
    )
    in_state_en: str | None
    stale_after_months: int = Field(description="Older statements get no PD (status stale)")
    base_pd: float | None = Field(description=BASE_PD_DESCRIPTION)
    features: list[FeatureOut]
    grade_table_version: str
    grades: list[GradeOut]
    split: dict[str, Any]
    metrics: dict[str, float]
    as_of: dt.date = Field(description="As-of date of the stored data the service scores")


class ReloadOut(BaseModel):
    previous_version: str
    version: str


class Health(BaseModel):
    status: str
    detail: str | None = None


class HistoryItem(BaseModel):
    """One past score of a firm (fetch its reasons at /v1/scores/{score_id})."""

    score_id: str
    as_of: dt.date
    status: ScoreStatus = Field("ok", description="As in the score; pd and grade null unless ok")
    pd: float | None
    grade: str | None
    grade_table_version: str
    model_version: str
    created_at: dt.datetime


# --- Watch lists, region and cluster risk, firm history, visits (issue 3) -------------------

GradeName = Literal[
    "정상", "관심", "주의", "경계", "심각", "normal", "attention", "caution", "alert", "severe"
]
WatchStatus = Literal["new", "kept"]
LeftWhy = Literal["rank", "pd_drop", "filtered", "not_scored", "stale", "in_state"]
StageName = Literal["양호", "주의", "심각"]
VisitFinding = Literal[contract.VISIT_FINDINGS]  # type: ignore[valid-type]


class WatchItem(BaseModel):
    """One firm on a watch list, highest PD first, with its three largest reasons."""

    rank: int = Field(description="Position on the list, 1 = highest PD")
    pd_rank: int = Field(
        description="Rank by PD among all the region's firms that pass the filters"
    )
    firm_id: str
    name: str | None
    district: str | None
    ksic: str | None
    cluster_id: str | None
    pd: float
    grade: str
    grade_en: str
    grade_colour: str
    status: WatchStatus = Field(description="new: not on the previous period's list; kept: was")
    previous_pd: float | None = Field(description="PD at the previous as-of date (same model)")
    previous_grade: str | None
    reasons: list[Reason]
    flags: list[FlagOut]


class LeftItem(BaseModel):
    """A firm on the previous period's list that is not on this one, and why."""

    firm_id: str
    name: str | None
    previous_pd: float
    pd: float | None = Field(description="PD now; null when the firm is no longer scored")
    pd_rank: int | None
    why: LeftWhy
    why_ko: str
    why_en: str


class UnratedItem(BaseModel):
    """A firm of the region with no PD to rank it by: its statement is stale, or it is already in
    the state the model predicts. Listed beside the watch list, never ranked by PD."""

    firm_id: str
    name: str | None
    district: str | None
    ksic: str | None
    cluster_id: str | None
    status: ScoreStatus
    message_ko: str
    message_en: str
    statement_period_end: dt.date | None
    statement_age_months: float | None
    flags: list[FlagOut]


class WatchRule(BaseModel):
    """The anti-flapping rule the list applied (see docs/watchlist.md)."""

    rank_factor: float = Field(description="A listed firm stays while its PD rank ≤ this × K")
    max_pd_drop: float = Field(
        description="…and, outside the top K, its PD fell by less than this share"
    )
    text_ko: str
    text_en: str


class WatchlistOut(BaseModel):
    """A region's watch list cut to a centre's capacity, with the expected crises it covers."""

    region: str
    region_ko: str
    region_en: str
    as_of: dt.date
    previous_as_of: dt.date | None
    model_name: str
    model_version: str
    grade_table_version: str
    capacity: int
    filters: dict[str, str]
    n_candidates: int = Field(description="The region's scored firms that pass the filters")
    expected_crises: float = Field(description="Σ PD over the listed firms: expected true crises")
    expected_crises_sd: float = Field(description="√Σ PD(1−PD): its statistical spread")
    region_expected_crises: float = Field(description="Σ PD over all firms passing the filters")
    coverage: float = Field(description="expected_crises / region_expected_crises (0 when none)")
    displaced: int = Field(description="Top-K firms waiting because kept firms hold their places")
    rule: WatchRule
    items: list[WatchItem]
    left: list[LeftItem]
    n_in_state: int = Field(0, description="The region's firms already in the model's state")
    n_stale: int = Field(0, description="The region's firms whose latest statement is stale")
    unrated: list[UnratedItem] = Field(
        default_factory=list,
        description="Firms with no PD (already in the state first, then stale statements, "
        "newest statement first), at most ``capacity``; they pass the same filters except "
        "min_grade, and are not counted in the list or its expected crises",
    )


class GradeCount(BaseModel):
    grade: str
    grade_en: str
    colour: str
    count: int
    previous: int | None = Field(description="Count at the previous as-of date")
    change: int | None


class PeriodFigures(BaseModel):
    as_of: dt.date
    n_firms: int
    expected: float = Field(description="Expected distressed firms within 12 months (Σ PD)")
    expected_rate: float = Field(description="expected / n_firms")


class ChangeFigures(BaseModel):
    """Since the previous as-of date (same model on both dates)."""

    n_firms: int
    expected: float
    expected_rate: float = Field(description="Change of the expected distress rate, in points")
    rate_change: float | None = Field(description="Relative change of the rate (0.25 = +25%)")
    grade_up: int = Field(description="Firms scored on both dates whose grade rose")
    grade_down: int = Field(description="…whose grade fell")
    entered: int = Field(description="Firms scored now but not on the previous date")
    exited: int = Field(description="Firms scored then but not now (distress, closure, no filing)")


class RiskFigures(BaseModel):
    n_firms: int = Field(description="Firms with a PD (stale and in-state firms not counted)")
    expected: float = Field(description="Expected distressed firms within 12 months (Σ PD)")
    expected_rate: float
    grades: list[GradeCount]
    previous: PeriodFigures | None
    change: ChangeFigures | None
    n_stale: int = Field(0, description="Firms without a PD: latest statement stale")
    n_in_state: int = Field(0, description="Firms without a PD: already in the model's state")


class StageOut(BaseModel):
    """A proposed 양호·주의·심각 stage and the rule that set it (docs/watchlist.md)."""

    stage: StageName
    stage_en: str
    ratio: float | None = Field(description="Expected distress rate ÷ the national rate")
    rate_change: float | None = Field(description="Relative change since the previous as-of")
    national_rate: float
    small_sample: bool = Field(description="Fewer firms than the rule trusts; read with care")
    reason_ko: str
    reason_en: str


class DriverFamily(BaseModel):
    family: str
    name_ko: str
    name_en: str
    mean_contribution: float = Field(description="Average probability points per firm")
    national_mean_contribution: float = Field(description="The same over all scored firms")
    expected: float = Field(description="Expected distressed firms it accounts for (Σ points)")
    share_raising: float = Field(description="Share of firms for which it raises the risk")


class DriverFeature(BaseModel):
    feature: str
    family: str
    label_ko: str
    label_en: str
    mean_contribution: float
    national_mean_contribution: float
    share_raising: float
    median: float | None = Field(description="Median value among the group's firms")
    national_median: float | None
    median_display: str
    national_median_display: str
    sentence_ko: str
    sentence_en: str


class DriversOut(BaseModel):
    """Reasons summed over a group's firms: base_pd + Σ family means = the group's mean PD."""

    base_pd: float
    mean_pd: float
    families: list[DriverFamily]
    features: list[DriverFeature]


class IndicatorOut(BaseModel):
    name: str
    label_ko: str
    label_en: str
    value: float
    previous: float | None = Field(description="Value of the period before")
    display: str


class IndicatorsOut(BaseModel):
    """The region's latest indicators published before the as-of date."""

    period: int
    published_on: dt.date
    values: list[IndicatorOut]


class RegionRow(BaseModel):
    region: str
    region_ko: str
    region_en: str
    figures: RiskFigures
    stage: StageOut
    indicators: IndicatorsOut | None


class RegionsOut(BaseModel):
    as_of: dt.date
    previous_as_of: dt.date | None
    model_name: str
    model_version: str
    grade_table_version: str
    national: RiskFigures
    regions: list[RegionRow]


class RegionSummaryOut(RegionRow):
    as_of: dt.date
    previous_as_of: dt.date | None
    model_name: str
    model_version: str
    grade_table_version: str
    drivers: DriversOut
    n_clusters: int


class ClusterOut(BaseModel):
    cluster_id: str
    figures: RiskFigures
    stage: StageOut
    drivers: DriversOut


class ClustersOut(BaseModel):
    region: str
    region_ko: str
    region_en: str
    as_of: dt.date
    previous_as_of: dt.date | None
    model_name: str
    model_version: str
    clusters: list[ClusterOut] = Field(description="Highest expected distress rate first")
    unclustered: RiskFigures | None = Field(description="The region's firms in no cluster")


class HistoryPoint(BaseModel):
    as_of: dt.date
    fiscal_year: int | None = Field(description="Latest statement filed by the as-of date")
    status: ScoreStatus = Field("ok", description="pd and grade are null unless ok")
    message_ko: str | None = None
    message_en: str | None = None
    pd: float | None
    grade: str | None
    grade_en: str | None
    grade_colour: str
    flags: list[str]


class ReasonChange(BaseModel):
    feature: str
    family: str
    label_ko: str
    label_en: str
    value_before: float | None
    value_after: float | None
    display_before: str
    display_after: str
    contribution_before: float
    contribution_after: float
    change: float = Field(description="contribution_after − contribution_before (points)")
    sentence_ko: str
    sentence_en: str


class PeriodChange(BaseModel):
    """Between two consecutive dates on which the firm had a PD."""

    from_as_of: dt.date
    to_as_of: dt.date
    pd_change: float
    reasons: list[ReasonChange] = Field(description="Largest |change| of contribution first")


class FirmHistoryOut(BaseModel):
    """A firm's PD and grade at every stored as-of date, scored by the current model."""

    firm_id: str
    region: str = Field(description="시도 code; 00 = 지역 미상")
    model_name: str
    model_version: str
    grade_table_version: str
    horizon_months: int
    points: list[HistoryPoint] = Field(description="Oldest first")
    changes: list[PeriodChange] = Field(description="Between consecutive points")


class VisitIn(_Strict):
    """A visit outcome (SPEC §3.5) recorded by the firm's own centre."""

    visited_on: dt.date = Field(description="Date of the visit; not in the future")
    finding: VisitFinding = Field(description="crisis_confirmed, no_crisis, supported, referred")
    note: str | None = Field(None, max_length=2000, description="Free text, at most 2,000 chars")

    @field_validator("visited_on")
    @classmethod
    def _not_future(cls, visited_on: dt.date) -> dt.date:
        if visited_on > dt.date.today():
            raise ValueError("visited_on must not be in the future")
        if visited_on.year < 2000:
            raise ValueError("visited_on must be in 2000 or later")
        return visited_on


class VisitOut(BaseModel):
    visit_id: str | None = Field(description="Null for visits imported with the raw data")
    firm_id: str
    visited_on: dt.date
    finding: str
    finding_ko: str
    finding_en: str
    note: str | None
    source: Literal["service", "imported"]
    recorded_at: dt.datetime | None
    recorded_by: str | None = Field(description="Prefix of the key that recorded it")
