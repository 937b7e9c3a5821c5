"""The regional brief (위기예방계획 초안): what a centre hands its regional government, for one
시도 and one stored as-of date, computed once and shown alike by the API, the page, the PDF and
the workbook (``serving.domain.brief_files``).

Its tables: the region's stage and why; the region beside the nation and its neighbours, now
and over the last as-of dates; expected crises, employees and payroll at risk (Σ PD × employees,
Σ PD × payroll) by industry (KSIC division), district, both, and industrial cluster; the main
drivers; the visits a month that reach a share of the expected crises; firms eligible for each
support programme of the catalogue; and the standard stress scenarios. Every table carries the
as-of date and the source of its figures; a section whose data are not there says so instead.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from core import ksic
from features.catalog import FLAGS
from scoring import programmes as catalogue_rules
from scoring import stress
from scoring.portfolio import Scored, score_period
from scoring.stress.spec import scenario_files
from scoring.watchlist import DEFAULT_CAPACITY
from serving.access.policy import UNKNOWN_REGION
from serving.domain import regions
from serving.domain.help import catalogue_for
from serving.domain.industries import division_label
from serving.domain.region_codes import cluster_label, district_label, region_names, served_regions
from serving.domain.region_settings import RegionSettings, settings_or_built_in
from serving.domain.regions import StageRule
from serving.domain.state import Champion, Snapshot
from serving.errors import InvalidSubmission
from serving.schemas.briefs import (
    BriefColumn,
    BriefOmitted,
    BriefOut,
    BriefSource,
    BriefTable,
    BriefTotals,
    Cell,
    ColumnKind,
)
from serving.schemas.regions import RiskFigures, StageOut

DEFAULT_SHARES: Final = (0.5, 0.7, 0.9)
MAX_SHARES: Final = 5
TREND_DATES: Final = 6  # as-of dates in the trend table, the brief's own included
MONTHS: Final = 12  # a watch list is for the model's 12-month horizon: K firms in 12 months

# Neighbours: the 시도 that share a land border with each. 제주 has none; its neighbours are
# its sea and air links (전남, 부산), one way only, so 제주 does not crowd their comparisons.
NEIGHBOURS: Final[dict[str, tuple[str, ...]]] = {
    "11": ("41", "28"),
    "26": ("31", "48"),
    "27": ("47", "48"),
    "28": ("11", "41"),
    "29": ("46",),
    "30": ("36", "43", "44"),
    "31": ("26", "47", "48"),
    "36": ("30", "43", "44"),
    "41": ("11", "28", "51", "43", "44"),
    "51": ("41", "43", "47"),
    "43": ("41", "51", "47", "52", "44", "30", "36"),
    "44": ("41", "43", "52", "30", "36"),
    "52": ("44", "43", "47", "48", "46"),
    "46": ("52", "48", "29"),
    "47": ("51", "43", "52", "48", "27", "31"),
    "48": ("52", "46", "47", "27", "31", "26"),
    "50": ("46", "26"),
}
NATIONAL_CODE: Final = "KR"


@dataclass(frozen=True)
class BriefQuery:
    """Which brief: a region, a stored as-of date (None: the latest) and the shares of
    expected crises the visit plan should reach."""

    region: str
    as_of: dt.date | None = None
    shares: tuple[float, ...] = DEFAULT_SHARES

    def __post_init__(self) -> None:
        if not 1 <= len(self.shares) <= MAX_SHARES:
            raise InvalidSubmission(("query", "share"), f"give 1 to {MAX_SHARES} shares")
        for share in self.shares:
            if not 0.0 < share <= 1.0:
                raise InvalidSubmission(
                    ("query", "share"), f"share {share:g} must be above 0 and at most 1"
                )


# A brief's extra sections come from outside the scored data: the programme catalogue and the
# standard stress scenarios. Each is a function returning its table, or the reason it has none.
Section = Callable[["BriefContext"], "BriefTable | BriefOmitted"]


@dataclass(frozen=True)
class BriefContext:
    """What the sections read: the view at the brief's date, the region's firms and config."""

    snapshot: Snapshot
    view: Champion
    region: str
    firms: pd.DataFrame
    config_dir: Path


def brief(
    snapshot: Snapshot,
    champion: Champion,
    query: BriefQuery,
    config_dir: Path,
    extra: Sequence[Section] = (),
) -> BriefOut:
    """The brief of ``query.region`` on ``query.as_of``; ``extra`` sections come last."""
    when = resolve_as_of(snapshot, query.as_of)
    view = view_at(snapshot, champion, when)
    region = query.region
    national = regions.figures(view, regions.group(view))
    members = regions.group(view, "region", region)
    figures = regions.figures(view, members)
    settings = settings_or_built_in(config_dir)  # each region's own stage rule
    rule = settings.of(region).stage_rule
    stage = regions.stage(figures, national, rule)
    firms = region_firms(snapshot, view, members.now)
    source = model_source(view)
    context = BriefContext(snapshot, view, region, firms, config_dir)
    tables = [
        _stage_table(region, figures, stage, source),
        _rule_table(rule, source),
        _summary_table(firms, figures, source),
        _comparison_table(view, region, figures, stage, national, settings, source),
        _trend_table(snapshot, champion, view, region, source),
        *_breakdowns(firms, source),
        _cluster_table(view, firms, national.expected_rate, rule, source),
        *_driver_tables(view, members.now, source),
        _capacity_table(firms, query.shares, source),
    ]
    omitted = []
    for section in (programme_section, scenario_section, *extra):
        found = section(context)
        if isinstance(found, BriefTable):
            tables.append(found)
        else:
            omitted.append(found)
    name_ko, name_en = region_names(region)
    return BriefOut(
        region=region,
        region_ko=name_ko,
        region_en=name_en,
        as_of=when.date(),
        previous_as_of=view.previous.period.as_of.date() if view.previous else None,
        as_of_dates=[d.date() for d in snapshot.timeline.dates],
        model_name=view.name,
        model_version=view.version,
        stage=stage,
        totals=_totals(firms, figures),
        tables=tables,
        omitted=omitted,
    )


# --- the scored view at an as-of date ----------------------------------------------------


def resolve_as_of(snapshot: Snapshot, as_of: dt.date | None) -> pd.Timestamp:
    """The stored as-of date asked for (the latest when None); 422 naming the field otherwise."""
    if as_of is None:
        return snapshot.as_of
    when = pd.Timestamp(as_of)
    if when not in snapshot.timeline.dates:
        dates = ", ".join(f"{d.date()}" for d in snapshot.timeline.dates)
        raise InvalidSubmission(("query", "as_of"), f"as_of must be a stored as-of date: {dates}")
    return when


_lock = threading.Lock()
_kept: dict[int, tuple[Champion, dict[pd.Timestamp, Scored]]] = {}
KEPT_CHAMPIONS: Final = 2


def scored_at(snapshot: Snapshot, champion: Champion, as_of: pd.Timestamp) -> Scored:
    """The champion's scores of the period on ``as_of``: the served ones for the latest and
    previous dates, else scored once and kept while this champion serves."""
    for known in (champion.latest, champion.previous):
        if known is not None and known.period.as_of == as_of:
            return known
    with _lock:
        entry = _kept.get(id(champion))
        if entry is None or entry[0] is not champion:
            while len(_kept) >= KEPT_CHAMPIONS:
                _kept.pop(next(iter(_kept)))
            entry = _kept[id(champion)] = (champion, {})
        found = entry[1].get(as_of)
    if found is None:
        period = snapshot.timeline.period(as_of)
        found = score_period(period, champion.model, snapshot.stale_after_months)
        with _lock:
            entry[1][as_of] = found
    return found


def view_at(snapshot: Snapshot, champion: Champion, as_of: pd.Timestamp) -> Champion:
    """The champion as if ``as_of`` were its latest date (and the date before its previous),
    so the region figures, stage and drivers read that date."""
    if as_of == snapshot.as_of:
        return champion
    dates = list(snapshot.timeline.dates)
    at = dates.index(as_of)
    before = scored_at(snapshot, champion, dates[at - 1]) if at > 0 else None
    return replace(champion, latest=scored_at(snapshot, champion, as_of), previous=before)


def model_source(view: Champion) -> BriefSource:
    as_of = view.latest.period.as_of.date()
    return BriefSource(
        as_of=as_of,
        source_ko=(
            f"모형 {view.name} v{view.version}의 12개월 내 부실 확률; 기준일 {as_of}까지 "
            "제출된 재무제표·사건 자료"
        ),
        source_en=(
            f"model {view.name} v{view.version}, probability of distress within 12 months; "
            f"statements and events filed by {as_of}"
        ),
    )


# --- the region's firms ---------------------------------------------------------------------


def region_firms(snapshot: Snapshot, view: Champion, rows: np.ndarray) -> pd.DataFrame:
    """One row per firm of the region with a PD on the view's date: industry, district,
    cluster, PD, employees and payroll (백만원) of the statement its features come from."""
    scored = view.latest
    features = scored.period.features.iloc[rows]
    when = scored.period.as_of
    return pd.DataFrame(
        {
            "firm_id": features["firm_id"].astype(str).to_numpy(),
            "division": _codes(ksic.division(features["ksic"])),
            "district": _codes(features["district"]),
            "cluster_id": _codes(features["cluster_id"]),
            "size_class": _codes(features["size_class"]),
            "ksic": _codes(features["ksic"]),
            "pd": scored.pd[rows],
            "grade": scored.grade[rows],
            "employees": features["employees"].to_numpy(dtype="float64", na_value=np.nan),
            "payroll": _payroll(snapshot.tables.financials, features, when) / 1_000.0,
            "row": rows,
        }
    )


def _codes(values: pd.Series) -> np.ndarray:
    """Text codes with missing ones as "" (a group of their own, named 'unknown')."""
    return values.astype("string").fillna("").to_numpy(dtype=object)


def _payroll(financials: pd.DataFrame, features: pd.DataFrame, when: pd.Timestamp) -> np.ndarray:
    """Payroll (천원) of the statement each feature row was built from, as last filed by
    ``when``; NaN where the firm does not report it (income-statement-only exports)."""
    if "payroll" not in financials.columns or features.empty:
        return np.full(len(features), np.nan)
    statements = financials[["firm_id", "period_end", "filed_on", "payroll"]]
    filed = statements["filed_on"]
    statements = statements[(filed <= when) | filed.isna()]
    statements = statements.sort_values("filed_on", na_position="first", kind="stable")
    statements = statements.drop_duplicates(["firm_id", "period_end"], keep="last")
    keys = pd.DataFrame(
        {
            "firm_id": features["firm_id"].astype("string").to_numpy(),
            "period_end": pd.to_datetime(features["period_end"]).astype("datetime64[ns]"),
        }
    )
    statements = statements.assign(
        firm_id=statements["firm_id"].astype("string"),
        period_end=pd.to_datetime(statements["period_end"]).astype("datetime64[ns]"),
    )
    found = keys.merge(statements, on=["firm_id", "period_end"], how="left")
    return found["payroll"].to_numpy(dtype="float64", na_value=np.nan)


def _at_risk(firms: pd.DataFrame) -> pd.DataFrame:
    """Per firm: PD × employees and PD × payroll (NaN when the firm does not report them)."""
    return firms.assign(
        employees_at_risk=firms["pd"] * firms["employees"],
        payroll_at_risk=firms["pd"] * firms["payroll"],
        no_employees=firms["employees"].isna(),
        no_payroll=firms["payroll"].isna(),
    )


def _totals(firms: pd.DataFrame, figures: RiskFigures) -> BriefTotals:
    risk = _at_risk(firms)
    return BriefTotals(
        n_firms=figures.n_firms,
        expected=figures.expected,
        expected_rate=figures.expected_rate,
        employees_at_risk=float(risk["employees_at_risk"].sum()),
        payroll_at_risk=float(risk["payroll_at_risk"].sum()),
        n_without_employees=int(risk["no_employees"].sum()),
        n_without_payroll=int(risk["no_payroll"].sum()),
        n_stale=figures.n_stale,
        n_in_state=figures.n_in_state,
    )


# --- tables -------------------------------------------------------------------------------


def column(key: str, ko: str, en: str, kind: ColumnKind = "number") -> BriefColumn:
    return BriefColumn(key=key, label_ko=ko, label_en=en, kind=kind)


def _number(value: float | None) -> float | None:
    """A figure as JSON and a workbook can hold it: None for a missing or infinite one."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


RATE = column("expected_rate", "기대 부실률", "expected distress rate", "share")
FIRMS = column("n_firms", "평가 기업 수", "firms with a PD", "count")
EXPECTED = column("expected", "예상 위기기업 수 (Σ PD)", "expected crises (Σ PD)")
EMPLOYEES = column("employees_at_risk", "위험 고용 인원 (Σ PD×종업원)", "employees at risk")
PAYROLL = column(
    "payroll_at_risk", "위험 급여액 (Σ PD×급여, 백만원)", "payroll at risk (KRW million)"
)
NO_EMPLOYEES = column(
    "n_without_employees", "종업원 수 없는 기업", "firms without an employee count", "count"
)
STAGE = column("stage", "단계", "stage", "text")
STAGE_EN = column("stage_en", "단계 (영문)", "stage (English)", "text")
RATIO = column("ratio", "전국 대비 배율", "ratio to the national rate")
CHANGE = column("rate_change", "직전 기준일 대비 변화", "change since the previous date", "share")


def _stage_table(
    region: str, figures: RiskFigures, stage: StageOut, source: BriefSource
) -> BriefTable:
    name_ko, _ = region_names(region)
    return BriefTable(
        key="stage",
        title_ko="지역 단계와 근거",
        title_en="The region's stage and why",
        note_ko=stage.reason_ko,
        note_en=stage.reason_en,
        source=source,
        columns=[
            column("region", "지역", "region", "text"),
            FIRMS,
            EXPECTED,
            RATE,
            column("national_rate", "전국 기대 부실률", "national rate", "share"),
            RATIO,
            CHANGE,
            STAGE,
            STAGE_EN,
        ],
        rows=[
            [
                f"{region} {name_ko}",
                figures.n_firms,
                figures.expected,
                figures.expected_rate,
                stage.national_rate,
                _number(stage.ratio),
                _number(stage.rate_change),
                stage.stage,
                stage.stage_en,
            ]
        ],
    )


def _rule_table(rule: StageRule, source: BriefSource) -> BriefTable:
    return BriefTable(
        key="stage_rule",
        title_ko="지역 단계 기준 (기업 등급과 다른 말: 안정·유의·위험)",
        title_en="The stage rule (words apart from the firm grades: stable, watch, at risk)",
        note_ko=(
            "배율 = 지역 기대 부실률 ÷ 전국 기대 부실률 (같은 기준일). 기업 등급(정상·관심·주의·"
            "경계·심각)은 한 기업의 부실 확률을, 지역 단계는 지역 전체의 기대 부실률을 말합니다."
        ),
        note_en=(
            "Ratio = the region's expected distress rate ÷ the national rate (same date). A "
            "firm's grade is about one firm's probability; a region's stage about the region's "
            "expected distress rate."
        ),
        source=source,
        columns=[
            STAGE,
            STAGE_EN,
            column("rule_ko", "기준", "rule (Korean)", "text"),
            column("rule_en", "기준 (영문)", "rule", "text"),
        ],
        rows=[[name, regions.STAGE_EN[name], ko, en] for name, ko, en in rule.rules()],
    )


def _summary_table(firms: pd.DataFrame, figures: RiskFigures, source: BriefSource) -> BriefTable:
    totals = _totals(firms, figures)
    return BriefTable(
        key="summary",
        title_ko="예상 위기기업과 위험 고용·급여",
        title_en="Expected crises, employees and payroll at risk",
        note_ko=(
            "위험 고용 인원 = Σ (기업의 부실 확률 × 종업원 수), 위험 급여액 = Σ (부실 확률 × "
            "연간 급여총액). 종업원 수·급여를 보고하지 않은 기업은 합계에 들어가지 않고 따로 "
            "셉니다. 자료가 오래되었거나 이미 해당 상태인 기업은 확률이 없어 제외합니다."
        ),
        note_en=(
            "Employees at risk = Σ (PD × employees); payroll at risk = Σ (PD × annual payroll). "
            "Firms that report no employees or payroll add nothing and are counted apart; "
            "stale firms and firms already in the state have no PD and are left out."
        ),
        source=source,
        columns=[
            FIRMS,
            EXPECTED,
            RATE,
            EMPLOYEES,
            PAYROLL,
            NO_EMPLOYEES,
            column("n_without_payroll", "급여 자료 없는 기업", "firms without payroll", "count"),
            column("n_stale", "자료 오래됨", "stale statements", "count"),
            column("n_in_state", "이미 해당 상태", "already in the state", "count"),
        ],
        rows=[
            [
                totals.n_firms,
                totals.expected,
                totals.expected_rate,
                totals.employees_at_risk,
                totals.payroll_at_risk,
                totals.n_without_employees,
                totals.n_without_payroll,
                totals.n_stale,
                totals.n_in_state,
            ]
        ],
    )


def _comparison_table(
    view: Champion,
    region: str,
    figures: RiskFigures,
    stage: StageOut,
    national: RiskFigures,
    settings: RegionSettings,
    source: BriefSource,
) -> BriefTable:
    """The region, the nation and each neighbour on the same date, each staged by its own rule."""
    rows: list[list[Cell]] = [_comparison_row(region, figures, stage)]
    rows.append(
        [
            NATIONAL_CODE,
            "전국",
            national.n_firms,
            national.expected,
            national.expected_rate,
            1.0,
            _number(national.change.rate_change if national.change else None),
            None,
        ]
    )
    for neighbour in NEIGHBOURS.get(region, ()):
        found = regions.figures(view, regions.group(view, "region", neighbour))
        staged = regions.stage(found, national, settings.of(neighbour).stage_rule)
        rows.append(_comparison_row(neighbour, found, staged))
    return BriefTable(
        key="comparison",
        title_ko="전국·인접 시도와 비교",
        title_en="Beside the nation and the neighbouring regions",
        note_ko="인접 시도: 육지로 맞닿은 시도 (제주는 뱃길·항공으로 잇는 전남·부산).",
        note_en="Neighbours share a land border (Jeju: Jeonnam and Busan, by sea and air).",
        source=source,
        columns=[
            column("code", "코드", "code", "text"),
            column("name", "지역", "region", "text"),
            FIRMS,
            EXPECTED,
            RATE,
            RATIO,
            CHANGE,
            STAGE,
        ],
        rows=rows,
    )


def _comparison_row(region: str, figures: RiskFigures, stage: StageOut) -> list[Cell]:
    name_ko, _ = region_names(region)
    if figures.n_firms == 0:  # no firm with a PD: no rate to stage
        return [region, name_ko, 0, 0.0, None, None, None, None]
    change = figures.change.rate_change if figures.change else None
    return [
        region,
        name_ko,
        figures.n_firms,
        figures.expected,
        figures.expected_rate,
        _number(stage.ratio),
        _number(change),
        stage.stage,
    ]


def _trend_table(
    snapshot: Snapshot, champion: Champion, view: Champion, region: str, source: BriefSource
) -> BriefTable:
    """Expected distress rate of the region, the nation and each neighbour at the last
    ``TREND_DATES`` as-of dates up to the brief's (the same champion scores every date)."""
    dates = [d for d in snapshot.timeline.dates if d <= view.latest.period.as_of][-TREND_DATES:]
    codes = [region, *NEIGHBOURS.get(region, ())]
    columns = [column("as_of", "기준일", "as of", "text"), column("rate_region", *_named(region))]
    columns.append(column("rate_national", "전국", "nation", "share"))
    columns += [column(f"rate_{code}", *_named(code)) for code in codes[1:]]
    rows: list[list[Cell]] = []
    for when in dates:
        scored = view.latest if when == view.latest.period.as_of else None
        scored = scored or scored_at(snapshot, champion, when)  # kept per served champion
        rates = _rates(scored)
        rows.append(
            [
                f"{when.date()}",
                rates.get(region),
                rates.get(NATIONAL_CODE),
                *[rates.get(code) for code in codes[1:]],
            ]
        )
    return BriefTable(
        key="trend",
        title_ko="기대 부실률 추이 (전국·인접 시도)",
        title_en="Expected distress rate over time (nation and neighbours)",
        note_ko=("각 기준일의 재무제표를 현재 모형으로 평가한 값입니다 (모형이 아닌 자료의 변화)."),
        note_en="Each date's statements scored by the current model: the data's change, not "
        "the model's.",
        source=source.model_copy(
            update={
                "source_ko": source.source_ko + f"; 기준일 {dates[0].date()}–{dates[-1].date()}",
                "source_en": source.source_en + f"; as-of dates {dates[0].date()}–"
                f"{dates[-1].date()}",
            }
        ),
        columns=columns,
        rows=rows,
    )


def _named(code: str) -> tuple[str, str, ColumnKind]:
    name_ko, name_en = region_names(code)
    return name_ko, name_en, "share"


def _rates(scored: Scored) -> dict[str, float]:
    """Mean PD of the rated firms per served region, and the nation's (``NATIONAL_CODE``)."""
    rated = scored.standing.rated
    if not rated.any():
        return {}
    pd_ = scored.pd[rated]
    codes = served_regions(scored.period.features["region"]).to_numpy()[rated]
    frame = pd.DataFrame({"region": codes, "pd": pd_})
    out = {str(k): float(v) for k, v in frame.groupby("region")["pd"].mean().items()}
    out[NATIONAL_CODE] = float(pd_.mean())
    return out


def _grouped(firms: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Firms, Σ PD, rate and the at-risk sums per group, the most expected crises first."""
    risk = _at_risk(firms)
    sums = risk.groupby(by, sort=True).agg(
        n_firms=("pd", "size"),
        expected=("pd", "sum"),
        employees_at_risk=("employees_at_risk", "sum"),
        payroll_at_risk=("payroll_at_risk", "sum"),
        n_without_employees=("no_employees", "sum"),
    )
    sums["expected_rate"] = sums["expected"] / sums["n_firms"]
    return sums.reset_index().sort_values(["expected", *by], ascending=[False, *[True] * len(by)])


def _breakdowns(firms: pd.DataFrame, source: BriefSource) -> list[BriefTable]:
    """By industry, by district, and by both."""
    note_ko = "종업원 수·급여를 보고하지 않은 기업은 위험 고용·급여 합계에 들어가지 않습니다."
    note_en = "Firms that report no employees or payroll add nothing to those sums."
    division = column("division", "업종 코드 (KSIC 중분류)", "KSIC division", "text")
    division_name = column("division_name", "업종", "industry", "text")
    district = column("district", "시군구 코드", "district code", "text")
    district_name = column("district_name", "시군구", "district", "text")
    figures = [FIRMS, EXPECTED, RATE, EMPLOYEES, PAYROLL, NO_EMPLOYEES]

    def rows(sums: pd.DataFrame, keys: list[str]) -> list[list[Cell]]:
        out: list[list[Cell]] = []
        for item in sums.itertuples(index=False):
            named: list[Cell] = []
            for key in keys:
                code = str(getattr(item, key))
                named += [code or None, _place(key, code)]
            out.append(
                [
                    *named,
                    int(item.n_firms),
                    float(item.expected),
                    float(item.expected_rate),
                    float(item.employees_at_risk),
                    float(item.payroll_at_risk),
                    int(item.n_without_employees),
                ]
            )
        return out

    named = {"division": [division, division_name], "district": [district, district_name]}
    tables = (
        ("industry", "업종별 예상 위기기업과 위험 고용·급여", "By industry (KSIC division)"),
        ("district", "시군구별 예상 위기기업과 위험 고용·급여", "By district (시군구)"),
        ("industry_district", "업종 × 시군구", "Industry × district"),
    )
    keys = {"industry": ["division"], "district": ["district"]}
    keys["industry_district"] = ["division", "district"]
    return [
        BriefTable(
            key=key,
            title_ko=title_ko,
            title_en=title_en,
            note_ko=note_ko,
            note_en=note_en,
            source=source,
            columns=[*(c for by in keys[key] for c in named[by]), *figures],
            rows=rows(_grouped(firms, keys[key]), keys[key]),
        )
        for key, title_ko, title_en in tables
    ]


def _place(key: str, code: str) -> str:
    if key == "division":
        return division_label(code or None)
    if key == "district":
        return district_label(code) or "시군구 미상"
    return cluster_label(code) or "클러스터 밖"


def _cluster_table(
    view: Champion, firms: pd.DataFrame, national_rate: float, rule: StageRule, source: BriefSource
) -> BriefTable:
    """Per industrial cluster (and the firms in none): figures, at-risk sums and a stage
    against the national rate (the change since the previous date is the region's own)."""
    sums = _grouped(firms, ["cluster_id"])
    previous = _previous_rates(view, firms)
    rows: list[list[Cell]] = []
    for item in sums.itertuples(index=False):
        code = str(item.cluster_id)
        rate = float(item.expected_rate)
        ratio = rate / national_rate if national_rate > 0 else None
        before = previous.get(code)
        change = rate / before - 1.0 if before else None
        name = rule.stage(ratio if ratio is not None else 0.0, change)
        rows.append(
            [
                code or None,
                _place("cluster_id", code),
                int(item.n_firms),
                float(item.expected),
                rate,
                _number(ratio),
                _number(change),
                name if code else None,
                float(item.employees_at_risk),
                float(item.payroll_at_risk),
            ]
        )
    return BriefTable(
        key="clusters",
        title_ko="산업단지(클러스터)별",
        title_en="By industrial cluster",
        note_ko=(
            f"단계는 지역과 같은 기준입니다. 기업 {rule.min_firms}곳 미만인 "
            "클러스터의 비율은 변동이 커 참고만 하십시오."
        ),
        note_en=(
            f"Stages follow the region's rule; rates of clusters under "
            f"{rule.min_firms} firms are noisy."
        ),
        source=source,
        columns=[
            column("cluster_id", "클러스터 코드", "cluster id", "text"),
            column("cluster_name", "산업단지", "industrial complex", "text"),
            FIRMS,
            EXPECTED,
            RATE,
            RATIO,
            CHANGE,
            STAGE,
            EMPLOYEES,
            PAYROLL,
        ],
        rows=rows,
    )


def _previous_rates(view: Champion, firms: pd.DataFrame) -> dict[str, float]:
    """Each cluster's expected distress rate at the previous date (its members then)."""
    before = view.previous
    if before is None or firms.empty:
        return {}
    region_then = set(firms["firm_id"])  # the same region's firms, as clustered now
    features = before.period.features
    mask = before.standing.rated & features["firm_id"].astype(str).isin(region_then).to_numpy()
    frame = pd.DataFrame(
        {"cluster_id": _codes(features["cluster_id"])[mask], "pd": before.pd[mask]}
    )
    return {str(k): float(v) for k, v in frame.groupby("cluster_id")["pd"].mean().items()}


def _driver_tables(view: Champion, rows: np.ndarray, source: BriefSource) -> list[BriefTable]:
    found = regions.drivers(view, rows)
    families = BriefTable(
        key="drivers",
        title_ko="주요 위험 요인 (요인 분류별)",
        title_en="Main drivers (by family)",
        note_ko=(
            "기업별 위험 요인(확률 %p 기여)을 지역 기업에 걸쳐 평균한 값입니다. 분류별 평균을 "
            f"모두 더하면 지역 평균 부실 확률 {found.mean_pd:.2%}에서 기준 확률 "
            f"{found.base_pd:.2%}를 뺀 값입니다."
        ),
        note_en=(
            "Each firm's reasons (probability points) averaged over the region's firms; the "
            f"family means add up to the mean PD {found.mean_pd:.2%} minus the base "
            f"{found.base_pd:.2%}."
        ),
        source=source,
        columns=[
            column("family", "분류 코드", "family code", "text"),
            column("name", "요인 분류", "family", "text"),
            column("mean_contribution", "평균 기여 (확률)", "mean contribution", "points"),
            column("national", "전국 평균 기여", "national mean", "points"),
            column("expected", "설명하는 예상 위기기업 수", "expected crises it accounts for"),
            column("share_raising", "위험을 높이는 기업 비율", "share of firms raised", "share"),
        ],
        rows=[
            [
                f.family,
                f.name_ko,
                f.mean_contribution,
                f.national_mean_contribution,
                f.expected,
                f.share_raising,
            ]
            for f in found.families
        ],
    )
    features = BriefTable(
        key="driver_features",
        title_ko="지역 위험을 가장 높이는 지표",
        title_en="The features that raise the region's risk most",
        source=source,
        columns=[
            column("feature", "지표 코드", "feature", "text"),
            column("label", "지표", "label", "text"),
            column("mean_contribution", "평균 기여 (확률)", "mean contribution", "points"),
            column("national", "전국 평균 기여", "national mean", "points"),
            column("share_raising", "위험을 높이는 기업 비율", "share of firms raised", "share"),
            column("median", "지역 중앙값", "regional median", "text"),
            column("national_median", "전국 중앙값", "national median", "text"),
            column("sentence_ko", "설명", "explanation (Korean)", "text"),
            column("sentence_en", "설명 (영문)", "explanation", "text"),
        ],
        rows=[
            [
                f.feature,
                f.label_ko,
                f.mean_contribution,
                f.national_mean_contribution,
                f.share_raising,
                f.median_display,
                f.national_median_display,
                f.sentence_ko,
                f.sentence_en,
            ]
            for f in found.features
        ],
    )
    return [families, features]


@dataclass(frozen=True)
class CapacityPoint:
    """The smallest list that holds ``share`` of the region's expected crises."""

    share: float
    firms: int
    visits_per_month: int
    expected: float
    reached: float  # the share it actually reaches


def capacity_curve(pd_: np.ndarray, shares: Sequence[float]) -> list[CapacityPoint]:
    """From the watch list's ranking (highest PD first): for each share, the fewest firms whose
    Σ PD reaches it, and the visits a month that contact them all within 12 months."""
    ranked = np.sort(np.asarray(pd_, dtype="float64"))[::-1]
    total = float(ranked.sum())
    if total <= 0:
        return [CapacityPoint(share, 0, 0, 0.0, 0.0) for share in shares]
    cumulative = np.cumsum(ranked) / total
    out = []
    for share in shares:
        # a tolerance, so that 100 % is reached by the last firm despite rounding
        firms = min(int(np.searchsorted(cumulative, share - 1e-12)) + 1, len(ranked))
        out.append(
            CapacityPoint(
                share,
                firms,
                math.ceil(firms / MONTHS),
                float(ranked[:firms].sum()),
                float(cumulative[firms - 1]),
            )
        )
    return out


def _capacity_table(
    firms: pd.DataFrame, shares: Sequence[float], source: BriefSource
) -> BriefTable:
    points = capacity_curve(firms["pd"].to_numpy(), shares)
    ranked = np.sort(firms["pd"].to_numpy(dtype="float64"))[::-1]
    total = float(ranked.sum())
    k = min(DEFAULT_CAPACITY, len(ranked))
    rows: list[list[Cell]] = [
        [p.share, p.firms, p.visits_per_month, p.expected, p.reached] for p in points
    ]
    rows.append(
        [
            None,
            k,
            math.ceil(k / MONTHS),
            float(ranked[:k].sum()),
            float(ranked[:k].sum() / total) if total > 0 else 0.0,
        ]
    )
    return BriefTable(
        key="capacity",
        title_ko="목표 비율에 필요한 월 방문 수",
        title_en="Visits a month to reach a share of the expected crises",
        note_ko=(
            "관찰 대상 목록처럼 부실 확률이 높은 기업부터 방문할 때, 지역 예상 위기기업의 목표 "
            "비율을 담는 가장 작은 목록과, 그 기업을 12개월(모형의 예측 기간) 안에 한 번씩 "
            f"방문하는 월 방문 수입니다. 마지막 행은 기본 목록(K = {DEFAULT_CAPACITY})입니다."
        ),
        note_en=(
            "Visiting the highest PDs first, as the watch list does: the smallest list that "
            "holds the target share of the region's expected crises, and the visits a month "
            "that reach each of its firms once within 12 months (the model's horizon). The "
            f"last row is the default list (K = {DEFAULT_CAPACITY})."
        ),
        source=source,
        columns=[
            column("target_share", "목표 비율", "target share", "share"),
            column("firms", "방문할 기업 수", "firms to visit", "count"),
            column("visits_per_month", "월 방문 수", "visits a month", "count"),
            column("expected_reached", "담기는 예상 위기기업", "expected crises reached"),
            column("share_reached", "실제 도달 비율", "share reached", "share"),
        ],
        rows=rows,
    )


# --- programmes -----------------------------------------------------------------------------


def programme_section(context: BriefContext) -> BriefTable | BriefOmitted:
    """Firms of the region each programme of its catalogue fits (it answers one of the firm's
    needs and no eligibility rule rules the firm out), their expected crises and, where the
    catalogue publishes a ceiling, the most they could draw together. The catalogue is the
    help panel's for the region (``help.catalogue_for``): the national programmes and the
    region's own, marked with its code."""
    title = ("지원사업별 대상 기업과 예상 수요", "Eligible firms and demand per programme")
    try:
        catalogue = catalogue_for(context.config_dir, context.region)
    except catalogue_rules.CatalogueError as error:
        return BriefOmitted(
            key="programmes",
            title_ko=title[0],
            title_en=title[1],
            reason_ko=f"지원사업 목록이 설정되지 않았습니다 ({error}).",
            reason_en=f"The programme catalogue is not configured ({error}).",
        )
    matched = _matches(context, catalogue)
    rows: list[list[Cell]] = []
    for programme in catalogue.programmes:
        eligible = matched[programme.id]
        pd_ = context.firms["pd"].to_numpy()[eligible] if eligible else np.zeros(0)
        ceiling = programme.amount_max_krw_million
        rows.append(
            [
                programme.id,
                programme.name_ko,
                programme.agency,
                programme.kind,
                programme.region,
                len(eligible),
                float(pd_.sum()),
                ceiling,
                ceiling * len(eligible) if ceiling is not None else None,
            ]
        )
    as_of = context.view.latest.period.as_of.date()
    own_ko = own_en = ""
    if catalogue.additions is not None:
        own_ko = f" 및 {catalogue.additions.name}의 {context.region} 지역 자체 사업"
        own_en = f" and region {context.region}'s own programmes from {catalogue.additions.name}"
    return BriefTable(
        key="programmes",
        title_ko=title[0],
        title_en=title[1],
        note_ko=(
            "대상 기업: 사업이 기업의 위험 요인(요인 분류·지표)이나 경고에 답하고, 목록의 자격 "
            "요건에 걸리지 않는 기업 (자료가 없는 요건은 직원 확인으로 남김). 수요 상한 = 대상 "
            "기업 수 × 공고된 기업당 한도: 모두 한도까지 받는 경우의 최대치이며 예산이 아닙니다."
        ),
        note_en=(
            "Eligible: the programme answers one of the firm's reasons or flags and no rule of "
            "the catalogue rules the firm out (rules without data are left to staff). Demand "
            "ceiling = eligible firms × the published ceiling per firm: the most if every firm "
            "drew the maximum, not a budget."
        ),
        source=BriefSource(
            as_of=as_of,
            source_ko=(
                f"지원사업 목록 {catalogue.path.name} (버전 {catalogue.version}){own_ko}; 각 "
                f"사업의 출처·확인 내용은 목록에 있음; 기업 자료 기준일 {as_of}"
            ),
            source_en=(
                f"programme catalogue {catalogue.path.name} (version {catalogue.version})"
                f"{own_en}, each entry with its source and what was verified; firm data as of "
                f"{as_of}"
            ),
        ),
        columns=[
            column("programme", "사업 코드", "programme id", "text"),
            column("name", "지원사업", "programme", "text"),
            column("agency", "운영 기관", "agency", "text"),
            column("kind", "유형", "kind", "text"),
            column("region", "지역 자체 사업 (시도)", "region's own (시도)", "text"),
            column("eligible_firms", "대상 기업 수", "eligible firms", "count"),
            column("expected", "대상 기업의 예상 위기기업 수", "their expected crises"),
            column("ceiling", "기업당 한도 (백만원)", "ceiling per firm (KRW million)"),
            column("demand_ceiling", "수요 상한 (백만원)", "demand ceiling (KRW million)"),
        ],
        rows=rows,
    )


INDUSTRY_RULES: Final = frozenset({"industries", "exclude_industries"})


def _matches(context: BriefContext, catalogue: catalogue_rules.Catalogue) -> dict[str, list[int]]:
    """Programme id → positions in ``context.firms`` of the firms it would be suggested for
    (``scoring.programmes.match``: it answers one of the firm's reasons or flags, regional and
    industry conditions aside, and no rule fails). Industry rules depend on the KSIC code
    alone, so each programme checks each code once."""
    firms, view = context.firms, context.view
    out: dict[str, list[int]] = {p.id: [] for p in catalogue.programmes}
    if firms.empty:
        return out
    rows = firms["row"].to_numpy()
    points = view.latest.explanations.points(rows)
    names = view.feature_names
    own = [j for j, name in enumerate(names) if regions.feature_family(name) != "environment"]
    families = _family_points(names, points)
    flags = view.latest.period.features[list(FLAGS)].iloc[rows].fillna(False).to_numpy(bool)
    founded = _founded(context.snapshot, firms["firm_id"])
    grades = view.model.bundle.grade_table.grades
    as_of = view.latest.period.as_of.date()
    split = {p.id: _split_rules(p) for p in catalogue.programmes}
    by_industry: dict[tuple[str, str | None], bool] = {}
    for i, item in enumerate(firms.itertuples(index=False)):
        on = frozenset(f for f, set_ in zip(FLAGS, flags[i], strict=True) if set_)
        raised = (
            {f for f, value in families.items() if value[i] > 0 and f != "environment"},
            {names[j] for j in own if points[i, j] > 0},
            on,
        )
        firm = catalogue_rules.Firm(
            firm_id=str(item.firm_id),
            as_of=as_of,
            size_class=str(item.size_class) or None,
            founded=founded.get(str(item.firm_id)),
            ksic=str(item.ksic) or None,
            region=None if context.region == UNKNOWN_REGION else context.region,
            grade=grades[int(item.grade)],
            flags=on,
            employees=None if np.isnan(item.employees) else float(item.employees),
        )
        for programme in catalogue.programmes:
            addresses = programme.addresses
            if not (
                addresses.families & raised[0]
                or addresses.features & raised[1]
                or addresses.flags & raised[2]
            ):
                continue
            industry, rest = split[programme.id]
            key = (programme.id, firm.ksic)
            if key not in by_industry:
                by_industry[key] = _passes(industry, firm)
            if by_industry[key] and _passes(rest, firm):
                out[programme.id].append(i)
    return out


def _split_rules(
    programme: catalogue_rules.Programme,
) -> tuple[catalogue_rules.Programme, catalogue_rules.Programme]:
    """The programme with only its industry rules, and with only the others."""
    rules = programme.eligibility
    industry = {k: v for k, v in rules.items() if k in INDUSTRY_RULES}
    rest = {k: v for k, v in rules.items() if k not in INDUSTRY_RULES}
    return replace(programme, eligibility=industry), replace(programme, eligibility=rest)


def _passes(programme: catalogue_rules.Programme, firm: catalogue_rules.Firm) -> bool:
    """No rule fails (a rule the firm's data cannot decide is left to staff, not failed)."""
    return all(c.passed is not False for c in catalogue_rules.eligibility(programme, firm))


def _family_points(names: Sequence[str], points: np.ndarray) -> dict[str, np.ndarray]:
    families: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        families.setdefault(regions.feature_family(name), []).append(j)
    return {family: points[:, columns].sum(axis=1) for family, columns in families.items()}


def _founded(snapshot: Snapshot, firm_ids: pd.Series) -> dict[str, dt.date]:
    firms = snapshot.tables.firms
    if "founded" not in firms.columns:
        return {}
    wanted = firms[firms["firm_id"].astype(str).isin(set(firm_ids))]
    dates = pd.to_datetime(wanted["founded"], errors="coerce")
    return {
        str(f): d.date()
        for f, d in zip(wanted["firm_id"].astype(str), dates, strict=True)
        if not pd.isna(d)
    }


# --- stress scenarios -----------------------------------------------------------------------

SCENARIO_FOLDER: Final = "scenarios"
_scenario_lock = threading.Lock()
_ScenarioKey = tuple[int, int, pd.Timestamp, str, tuple[tuple[str, float], ...]]
# The table, with the snapshot and model it was computed from (an id can be reused once they
# are gone, so a hit must be the very same objects).
_scenario_kept: dict[_ScenarioKey, tuple[Snapshot, object, BriefTable]] = {}


def scenario_section(context: BriefContext) -> BriefTable | BriefOmitted:
    """The standard scenarios (every file of ``config/scenarios``) run on the region's firms
    (``scoring.stress``): Δ expected crises, Δ employees and payroll at risk, grade crossings.
    Each run rebuilds the shocked firms' features, so a table is kept per champion, date,
    region and set of files."""
    folder = context.config_dir / SCENARIO_FOLDER
    files = scenario_files(folder)
    if not files:
        return BriefOmitted(
            key="scenarios",
            title_ko="표준 스트레스 시나리오",
            title_en="Standard stress scenarios",
            reason_ko=f"시나리오 파일이 없습니다 ({folder}/*.yaml).",
            reason_en=f"No scenario files ({folder}/*.yaml).",
        )
    view = context.view
    when = view.latest.period.as_of
    files_key = tuple((f.name, f.stat().st_mtime) for f in files)
    key = (id(context.snapshot), id(view.model), when, context.region, files_key)
    with _scenario_lock:
        kept = _scenario_kept.get(key)
    if kept is not None and kept[0] is context.snapshot and kept[1] is view.model:
        return kept[2]
    found = _scenario_table(context, files)
    with _scenario_lock:
        while len(_scenario_kept) >= 8 * KEPT_CHAMPIONS:
            _scenario_kept.pop(next(iter(_scenario_kept)))
        _scenario_kept[key] = (context.snapshot, view.model, found)
    return found


def _baseline(context: BriefContext) -> stress.Baseline:
    """The scored view as the stress runs' baseline (the served features and PDs when the
    brief is for the latest date; that date's market context is the snapshot's)."""
    snapshot, scored = context.snapshot, context.view.latest
    if scored.period.as_of != snapshot.as_of:
        return stress.baseline(snapshot.tables, context.view.model, scored.period.as_of)
    return stress.Baseline(
        snapshot.tables,
        snapshot.as_of,
        scored.period.features,
        snapshot.context,
        scored.pd,
        scored.grade,
        scored.standing.rated,
    )


def _scenario_table(context: BriefContext, files: Sequence[Path]) -> BriefTable:
    base = _baseline(context)
    rows: list[list[Cell]] = []
    broken: list[str] = []
    for path in files:
        try:
            spec = stress.load_scenario(path)
        except stress.ScenarioError as error:
            broken.append(str(error))
            continue
        result = stress.run(base, context.view.model, spec, context.region)
        sums = result.table("region")
        mine = sums[sums["region"].astype(str) == context.region]
        if mine.empty:  # no firm of the region has a PD
            rows.append(
                [spec.name, spec.title_ko, spec.title_en, 0, 0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0]
            )
            continue
        item = mine.iloc[0]
        rows.append(
            [
                spec.name,
                spec.title_ko,
                spec.title_en,
                int(item["hit"]),
                int(item["firms"]),
                float(item["expected_crises_before"]),
                float(item["expected_crises_delta"]),
                float(item["employees_at_risk_delta"]),
                float(item["payroll_at_risk_delta"]) / 1_000.0,
                int(item["worse"]),
                int(item["better"]),
                int(item["entered_state"]),
            ]
        )
    as_of = base.as_of.date()
    note_ko = (
        "충격을 준 재무제표로 같은 시점 기준 파이프라인에서 지표를 다시 만들고 현재 모형으로 "
        "평가한 값입니다 (docs/scenarios.md). Δ는 충격 후 − 충격 전."
    )
    note_en = (
        "Shocked statements rebuilt into features by the same point-in-time pipeline and "
        "scored by the current model (docs/scenarios.md). Δ = after − before."
    )
    if broken:
        note_ko += " 읽을 수 없는 시나리오 파일: " + "; ".join(broken)
        note_en += " Scenario files that cannot be read: " + "; ".join(broken)
    return BriefTable(
        key="scenarios",
        title_ko="표준 스트레스 시나리오",
        title_en="Standard stress scenarios",
        note_ko=note_ko,
        note_en=note_en,
        source=BriefSource(
            as_of=as_of,
            source_ko=(
                f"시나리오 파일 {SCENARIO_FOLDER}/*.yaml ({len(rows)}개); 모형 "
                f"{context.view.name} v{context.view.version}; 기준일 {as_of}까지 제출된 재무제표"
            ),
            source_en=(
                f"scenario files {SCENARIO_FOLDER}/*.yaml ({len(rows)}); model "
                f"{context.view.name} v{context.view.version}; statements filed by {as_of}"
            ),
        ),
        columns=[
            column("scenario", "시나리오 코드", "scenario", "text"),
            column("title_ko", "시나리오", "scenario (Korean)", "text"),
            column("title_en", "시나리오 (영문)", "title", "text"),
            column("hit", "충격 받은 기업", "firms hit", "count"),
            FIRMS,
            column("expected_before", "예상 위기기업 (충격 전)", "expected crises before"),
            column("expected_delta", "Δ 예상 위기기업", "Δ expected crises"),
            column("employees_delta", "Δ 위험 고용 인원", "Δ employees at risk"),
            column("payroll_delta", "Δ 위험 급여액 (백만원)", "Δ payroll at risk (KRW million)"),
            column("worse", "등급 악화 기업", "firms whose grade worsens", "count"),
            column("better", "등급 개선 기업", "firms whose grade improves", "count"),
            column("entered_state", "해당 상태 진입", "firms entering the state", "count"),
        ],
        rows=rows,
    )
