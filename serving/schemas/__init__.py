"""Request and response bodies of the HTTP API (pydantic v2), documented for OpenAPI: one module
per resource (``scores``, ``firms``, ``regions``, ``model``), and here what they share: firm ids,
region codes, reasons, flags, grade names, score statuses, and the submitted firm
(``ScoreRequest``: its statements are ``core.contract.statement``'s, derived from the data
contract), which ``serving.domain.scoring`` turns into features.

The domain services build these models and the API and pages return or render them, so they sit
below all three (the import contract in tests/test_architecture.py). Amounts are in thousand
won (천원), as Korean statements report them; unknown fields are rejected so that a misspelt
amount never silently scores as missing.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from core import contract, ksic
from core.contract.ids import FIRM_ID_DESCRIPTION, FIRM_ID_PATTERN
from core.contract.statement import Amount, ContractDate, Statement
from scoring import explain


# Any id scheme ingestion accepts: 사업자등록번호 (10 digits), 법인등록번호 (13 digits), a vendor
# or exchange code ("090414", "A00123"), with an optional prefix ("KIS-090414"). Always text:
# leading zeros are part of the id.
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


def _ksic_code(value: str) -> str:
    """As ingestion: KSIC at any depth (a section letter, 2-5 digits, or both), stored form."""
    try:
        return ksic.normalise(value)
    except ksic.KsicError as error:
        raise PydanticCustomError("value_error", str(error)) from None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Event(Strict):
    """A non-financial event (arrears, delinquency, default) known about the firm."""

    event_date: ContractDate
    event_type: EventType = Field(description="One of the contract's event types")
    amount: Amount = Field(None, description="Amount in 천원, if known")


class FirmIn(Strict):
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


class ScoreRequest(Strict):
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
        description="Rank (0–100) among peers, a tie counted at its middle (peers: see peer_level)"
    )
    peer_tied: float | None = Field(
        default=None,
        description="Share (0–100) of peers with the same value; from 50 it reads 'same as most "
        "peers' (동종업계 대부분과 같음)",
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


GradeName = Literal[
    "정상", "관심", "주의", "경계", "심각", "normal", "attention", "caution", "alert", "severe"
]
