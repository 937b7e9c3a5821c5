"""Region and cluster risk: grade counts, expected distress, change, drivers, indicators, stage.

A group (a 시도, or an industrial cluster within one) is read from the precomputed PDs of its
firms at the latest and the previous as-of date. The proposed stage compares the group's
expected distress rate (Σ PD ÷ firms) with the national rate and with its own rate a year
earlier (``StageRule``; docs/watchlist.md). Drivers sum the firms' reasons in probability
points, so the family means add up to the group's mean PD minus the model's base PD.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.contract import REGIONAL_INDICATORS, REGIONS
from core.grades import Grade, GradeTable
from features.catalog import BY_NAME, FAMILIES, Feature
from scoring import wording
from scoring.korean import attach
from scoring.portfolio import Scored
from scoring.standing import IN_STATE, STALE
from serving.access.policy import UNKNOWN_REGION
from serving.domain.region_codes import cluster_name, is_region, region_names
from serving.domain.state import Champion, Snapshot
from serving.schemas.regions import (
    ChangeFigures,
    ClusterOut,
    ClustersOut,
    DriverFamily,
    DriverFeature,
    DriversOut,
    GradeCount,
    IndicatorOut,
    IndicatorsOut,
    PeriodFigures,
    RegionRow,
    RegionsOut,
    RegionSummaryOut,
    RiskFigures,
    StageName,
    StageOut,
)

TOP_DRIVERS = 5
CLUSTER_DRIVERS = 3


@dataclass(frozen=True)
class StageRule:
    """위험 when the rate is ≥ ``severe``× national, or ≥ ``caution``× and rising by ≥ ``rising``;
    유의 when ≥ ``caution``×, or ≥ national and rising by ≥ ``rising``; otherwise 안정.

    The words are the region's, not a firm's: a firm's grade (정상·관심·주의·경계·심각) says
    how likely that firm is to fall into distress; a region's stage compares the region's
    expected distress rate with the nation's."""

    caution: float = 1.2
    severe: float = 1.5
    rising: float = 0.25
    min_firms: int = 30

    def stage(self, ratio: float, change: float | None) -> StageName:
        rising = change is not None and change >= self.rising
        if ratio >= self.severe or (ratio >= self.caution and rising):
            return "위험"
        if ratio >= self.caution or (ratio >= 1.0 and rising):
            return "유의"
        return "안정"

    def rules(self) -> list[tuple[StageName, str, str]]:
        """Each stage with its rule in Korean and English, highest first (for the pages)."""
        severe, caution, rising = f"{self.severe:g}", f"{self.caution:g}", f"{self.rising:.0%}"
        return [
            (
                "위험",
                f"전국 대비 {severe}배 이상, 또는 {caution}배 이상이면서 {rising} 이상 상승",
                f"≥ {severe}× the national rate, or ≥ {caution}× and up by ≥ {rising}",
            ),
            (
                "유의",
                f"전국 대비 {caution}배 이상, 또는 1배 이상이면서 {rising} 이상 상승",
                f"≥ {caution}× the national rate, or ≥ 1× and up by ≥ {rising}",
            ),
            ("안정", "그 밖의 경우", "otherwise"),
        ]

    def text_ko(self) -> str:
        return "; ".join(f"{name}: {rule}" for name, rule, _ in self.rules())

    def text_en(self) -> str:
        return "; ".join(f"{STAGE_EN[name]}: {rule}" for name, _, rule in self.rules())


STAGE_RULE = StageRule()
STAGE_EN: dict[StageName, str] = {"안정": "stable", "유의": "watch", "위험": "at risk"}
STAGE_COLOUR: dict[StageName, str] = {"안정": "green", "유의": "yellow", "위험": "red"}


@dataclass(frozen=True)
class Group:
    """A set of firms: their rows with a PD at the latest and at the previous as-of date, and
    how many of its firms have none now (stale statement, already in the model's state)."""

    now: np.ndarray
    before: np.ndarray | None
    n_stale: int = 0
    n_in_state: int = 0


def _column_is(features: pd.DataFrame, column: str, value: str) -> np.ndarray:
    if column == "region":
        return is_region(features[column], value)
    return (features[column].astype("string") == value).fillna(False).to_numpy(dtype=bool)


def group(champion: Champion, column: str | None = None, value: str | None = None) -> Group:
    """Rows with a PD where ``column == value`` on both dates (all when ``column`` is None)."""

    def members(scored: Scored) -> np.ndarray:
        features = scored.period.features
        if column is None or value is None:
            return np.ones(len(features), dtype=bool)
        return _column_is(features, column, value)

    def rows(scored: Scored) -> np.ndarray:
        return np.flatnonzero(members(scored) & scored.standing.rated)

    before = rows(champion.previous) if champion.previous is not None else None
    codes = champion.latest.standing.code[members(champion.latest)]
    n_stale, n_in_state = int((codes == STALE).sum()), int((codes == IN_STATE).sum())
    return Group(rows(champion.latest), before, n_stale, n_in_state)


def served_codes(snapshot: Snapshot) -> list[str]:
    """The 17 시도, and "00" (지역 미상) when some stored firm has no region."""
    unknown = UNKNOWN_REGION in set(snapshot.regions.values())
    return [*REGIONS, UNKNOWN_REGION] if unknown else list(REGIONS)


# --- figures -------------------------------------------------------------------------------


def _rate(pd_: np.ndarray) -> float:
    return float(pd_.mean()) if len(pd_) else 0.0


def figures(champion: Champion, members: Group) -> RiskFigures:
    """Counts by grade, expected distressed firms and their change since the previous date."""
    table = champion.model.bundle.grade_table
    now = champion.latest.pd[members.now]
    counts = np.bincount(champion.latest.grade[members.now], minlength=len(table.grades))
    previous = change = None
    before_counts: np.ndarray | None = None
    if champion.previous is not None and members.before is not None:
        then = champion.previous.pd[members.before]
        before_counts = np.bincount(
            champion.previous.grade[members.before], minlength=len(table.grades)
        )
        previous = PeriodFigures(
            as_of=champion.previous.period.as_of.date(),
            n_firms=len(then),
            expected=float(then.sum()),
            expected_rate=_rate(then),
        )
        change = _change(champion, members, now, then)
    return RiskFigures(
        n_firms=len(now),
        expected=float(now.sum()),
        expected_rate=_rate(now),
        grades=_grade_counts(table, counts, before_counts),
        previous=previous,
        change=change,
        n_stale=members.n_stale,
        n_in_state=members.n_in_state,
    )


def _grade_counts(
    table: GradeTable, counts: np.ndarray, before: np.ndarray | None
) -> list[GradeCount]:
    out = []
    for i, name in enumerate(table.grades):
        then = int(before[i]) if before is not None else None
        grade = Grade.named(name)
        out.append(
            GradeCount(
                grade=grade.name,
                grade_en=grade.en,
                colour=grade.colour,
                count=int(counts[i]),
                previous=then,
                change=int(counts[i]) - then if then is not None else None,
            )
        )
    return out


def _change(champion: Champion, members: Group, now: np.ndarray, then: np.ndarray) -> ChangeFigures:
    assert champion.previous is not None and members.before is not None
    latest, previous = champion.latest, champion.previous
    ids_now = latest.period.features["firm_id"].to_numpy()[members.now].astype(str)
    ids_then = previous.period.features["firm_id"].to_numpy()[members.before].astype(str)
    at_then = previous.period.positions(list(ids_now))
    both = at_then >= 0
    moved = latest.grade[members.now][both] - previous.grade[at_then[both]]
    rate_now, rate_then = _rate(now), _rate(then)
    return ChangeFigures(
        n_firms=len(now) - len(then),
        expected=float(now.sum() - then.sum()),
        expected_rate=rate_now - rate_then,
        rate_change=rate_now / rate_then - 1.0 if rate_then > 0 else None,
        grade_up=int((moved > 0).sum()),
        grade_down=int((moved < 0).sum()),
        entered=int((~both).sum()),
        exited=len(set(ids_then) - set(ids_now)),
    )


def stage(figures_: RiskFigures, national: RiskFigures, rule: StageRule = STAGE_RULE) -> StageOut:
    """The proposed stage of a group, with the figures and the sentence that justify it."""
    rate, base = figures_.expected_rate, national.expected_rate
    ratio = rate / base if base > 0 else None
    change = figures_.change.rate_change if figures_.change is not None else None
    name = rule.stage(ratio if ratio is not None else 0.0, change)
    trend_ko = f", 직전 기준일 대비 {change:+.0%}" if change is not None else ""
    trend_en = f", {change:+.0%} since the previous as-of" if change is not None else ""
    times = f"{ratio:.2f}" if ratio is not None else "-"
    return StageOut(
        stage=name,
        stage_en=STAGE_EN[name],
        colour=STAGE_COLOUR[name],
        ratio=ratio,
        rate_change=change,
        national_rate=base,
        small_sample=figures_.n_firms < rule.min_firms,
        reason_ko=(
            f"기대 부실률 {rate:.1%}는 전국 {base:.1%}의 {times}배{trend_ko} → {name} "
            f"(기준 — {rule.text_ko()})"
        ),
        reason_en=(
            f"Expected distress rate {rate:.1%} is {times}× the national {base:.1%}"
            f"{trend_en} → {STAGE_EN[name]} (rule — {rule.text_en()})"
        ),
    )


# --- drivers -------------------------------------------------------------------------------


def _feature(name: str) -> Feature:
    return BY_NAME.get(name) or Feature(name, "environment", name, name, "ratio")


def feature_family(name: str) -> str:
    """The reason family of a model feature (``environment`` for one the catalogue lacks)."""
    return _feature(name).family


def _median(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if len(finite) else None


@dataclass(frozen=True)
class _Points:
    """A group's contributions summarised per feature: mean, share raising, national mean."""

    mean: np.ndarray
    raising: np.ndarray
    national: np.ndarray
    family_raising: dict[str, float]


def _summarise(champion: Champion, rows: np.ndarray) -> _Points:
    explanations = champion.latest.explanations
    names = champion.feature_names
    everyone = explanations.points(np.arange(len(champion.latest.pd)))
    rated = everyone[champion.latest.standing.rated]
    national = rated.mean(axis=0) if len(rated) else np.zeros(len(names))
    points = everyone[rows] if len(rows) else np.zeros((1, len(names)))
    families = [_feature(name).family for name in names]
    family_raising = {
        family: float(
            (points[:, [j for j, f in enumerate(families) if f == family]].sum(axis=1) > 0).mean()
        )
        for family in dict.fromkeys(families)
    }
    return _Points(points.mean(axis=0), (points > 0).mean(axis=0), national, family_raising)


def drivers(champion: Champion, rows: np.ndarray, top: int = TOP_DRIVERS) -> DriversOut:
    """The group's mean contribution per family and its ``top`` risk-raising features."""
    summary = _summarise(champion, rows)
    names = champion.feature_names
    totals: dict[str, list[float]] = {}
    for j, name in enumerate(names):
        entry = totals.setdefault(_feature(name).family, [0.0, 0.0])
        entry[0] += float(summary.mean[j])
        entry[1] += float(summary.national[j])
    families = sorted(
        (
            DriverFamily(
                family=f,
                name_ko=FAMILIES.get(f, f),
                name_en=wording.FAMILIES_EN.get(f, f),
                mean_contribution=mean,
                national_mean_contribution=national,
                expected=mean * len(rows),
                share_raising=summary.family_raising[f],
            )
            for f, (mean, national) in totals.items()
        ),
        key=lambda item: -item.mean_contribution,
    )
    order = [j for j in np.argsort(-summary.mean, kind="stable")[:top] if summary.mean[j] > 0]
    matrix = champion.latest.matrix
    rated = champion.latest.standing.rated
    features = [
        _driver(
            names[j],
            summary,
            j,
            _median(matrix[rows, j]),
            _median(matrix[rated, j]),
            champion.event,
        )
        for j in order
    ]
    mean_pd = float(champion.latest.pd[rows].mean()) if len(rows) else 0.0
    return DriversOut(
        base_pd=champion.latest.explanations.base_pd,
        mean_pd=mean_pd,
        families=families,
        features=features,
    )


def _driver(
    name: str,
    summary: _Points,
    j: int,
    median: float | None,
    national: float | None,
    event: wording.Event = wording.DEFAULT_EVENT,
) -> DriverFeature:
    feature, mean, raising = _feature(name), float(summary.mean[j]), float(summary.raising[j])
    shown_ko, shown_en = wording.display(feature, median)
    national_ko, national_en = wording.display(feature, national)
    return DriverFeature(
        feature=name,
        family=feature.family,
        label_ko=feature.ko,
        label_en=feature.en,
        mean_contribution=mean,
        national_mean_contribution=float(summary.national[j]),
        share_raising=raising,
        median=median,
        national_median=national,
        median_display=shown_ko,
        national_median_display=national_ko,
        sentence_ko=(
            f"{attach(feature.ko, '은/는')} 기업 평균 {attach(event.ko, '을/를')} "
            f"{wording.points(mean)}%p "
            f"높입니다 (전국 {_signed(float(summary.national[j]))}; 기업의 "
            f"{raising:.0%}에서 위험 상승 요인, 중앙값 {shown_ko}, 전국 {national_ko})."
        ),
        sentence_en=(
            f"{feature.en[:1].upper() + feature.en[1:]} raises the average firm's "
            f"{event.en} "
            f"by {wording.points(mean)} points (national "
            f"{_signed(float(summary.national[j]))}; a risk factor for "
            f"{raising:.0%} of firms; median {shown_en}, national {national_en})."
        ),
    )


def _signed(contribution: float) -> str:
    return f"{'+' if contribution >= 0 else '−'}{wording.points(contribution)}%p"


# --- indicators ----------------------------------------------------------------------------

INDICATOR_LABELS: dict[str, tuple[str, str, str]] = {
    "grdp_growth": ("지역내총생산(GRDP) 성장률", "GRDP growth", "pct_points"),
    "unemployment_rate": ("실업률", "unemployment rate", "pct_points"),
    "manufacturing_growth": ("제조업 생산 증가율", "manufacturing production growth", "pct_points"),
    "active_business_growth": ("가동사업자 증가율", "active-business growth", "pct_points"),
    "employee_growth": ("종사자 수 증가율", "employee growth", "pct_points"),
    "payroll_growth": ("급여총액 증가율", "payroll growth", "pct_points"),
    "delinquency_rate": ("연체율", "delinquency rate", "pct_points"),
    "depopulation_index": ("지방소멸위험지수", "depopulation index", "index"),
    "crisis_area": ("산업·고용위기지역 지정", "designated crisis area", "flag"),
    "population_decline_area": ("인구감소지역 비중", "share in population-decline areas", "pct"),
}


def indicators(regional: pd.DataFrame, region: str, as_of: pd.Timestamp) -> IndicatorsOut | None:
    """The region's latest figures published before ``as_of``, beside the period before."""
    rows = regional[
        (regional["region"].astype("string") == region).fillna(False)
        & (regional["published_on"] < as_of)
    ]
    if "district" in rows.columns:
        rows = rows[rows["district"].isna()]
    if rows.empty:
        return None
    rows = rows.sort_values(["period", "published_on"], kind="stable")
    latest = rows.drop_duplicates("period", keep="last")
    now = latest.iloc[-1]
    before = latest.iloc[-2] if len(latest) > 1 else None
    names = [name for name in REGIONAL_INDICATORS if name in now.index and pd.notna(now[name])]
    values = [
        _indicator(name, now[name], before[name] if before is not None else None) for name in names
    ]
    return IndicatorsOut(
        period=int(now["period"]), published_on=now["published_on"].date(), values=values
    )


def _indicator(name: str, value: float, before: float | None) -> IndicatorOut:
    label_ko, label_en, unit = INDICATOR_LABELS.get(name, (name, name, "ratio"))
    shown, _ = wording.display(Feature(name, "environment", label_ko, label_en, unit), float(value))
    previous = float(before) if before is not None and pd.notna(before) else None
    return IndicatorOut(
        name=name,
        label_ko=label_ko,
        label_en=label_en,
        value=float(value),
        previous=previous,
        display=shown,
    )


# --- the HTTP answers ----------------------------------------------------------------------


def _header(snapshot: Snapshot, champion: Champion) -> dict[str, object]:
    return {
        "as_of": snapshot.as_of.date(),
        "previous_as_of": snapshot.previous.as_of.date() if snapshot.previous else None,
        "model_name": champion.name,
        "model_version": champion.version,
    }


def _row(
    snapshot: Snapshot,
    champion: Champion,
    region: str,
    national: RiskFigures,
    rule: StageRule = STAGE_RULE,
) -> RegionRow:
    region_figures = figures(champion, group(champion, "region", region))
    name_ko, name_en = region_names(region)
    return RegionRow(
        region=region,
        region_ko=name_ko,
        region_en=name_en,
        figures=region_figures,
        stage=stage(region_figures, national, rule),
        indicators=indicators(snapshot.tables.regional, region, snapshot.as_of),
    )


def regions_overview(
    snapshot: Snapshot,
    champion: Champion,
    regions: list[str],
    rules: Callable[[str], StageRule] = lambda _: STAGE_RULE,
) -> RegionsOut:
    """The given 시도 side by side, with the national figures they are staged against (each by
    its own stage rule, ``rules(region)``: config/regions.yaml)."""
    national = figures(champion, group(champion))
    return RegionsOut(
        **_header(snapshot, champion),  # type: ignore[arg-type]
        grade_table_version=champion.model.bundle.grade_table.version,
        national=national,
        regions=[_row(snapshot, champion, r, national, rules(r)) for r in regions],
    )


def region_summary(
    snapshot: Snapshot, champion: Champion, region: str, rule: StageRule = STAGE_RULE
) -> RegionSummaryOut:
    """One 시도: figures, stage (by ``rule``, the region's own), indicators, drivers and how many
    clusters it has."""
    national = figures(champion, group(champion))
    row = _row(snapshot, champion, region, national, rule)
    members = group(champion, "region", region)
    clusters = snapshot.features["cluster_id"][members.now].dropna().nunique()
    return RegionSummaryOut(
        **row.model_dump(),
        **_header(snapshot, champion),  # type: ignore[arg-type]
        grade_table_version=champion.model.bundle.grade_table.version,
        drivers=drivers(champion, members.now),
        n_clusters=int(clusters),
    )


def cluster_summaries(
    snapshot: Snapshot, champion: Champion, region: str, rule: StageRule = STAGE_RULE
) -> ClustersOut:
    """Every industrial cluster of a 시도 (firms.cluster_id), highest expected rate first, staged
    by the region's rule."""
    national = figures(champion, group(champion))
    members = group(champion, "region", region)
    in_region = snapshot.features.iloc[members.now]
    out = []
    for cluster_id in sorted(in_region["cluster_id"].dropna().astype(str).unique()):
        cluster = _within(champion, members, cluster_id)
        cluster_figures = figures(champion, cluster)
        out.append(
            ClusterOut(
                cluster_id=cluster_id,
                cluster_name=cluster_name(cluster_id),
                cluster_name_en=cluster_name(cluster_id, "en"),
                figures=cluster_figures,
                stage=stage(cluster_figures, national, rule),
                drivers=drivers(champion, cluster.now, CLUSTER_DRIVERS),
            )
        )
    out.sort(key=lambda item: -item.figures.expected_rate)
    loose = _within(champion, members, None)
    name_ko, name_en = region_names(region)
    return ClustersOut(
        region=region,
        region_ko=name_ko,
        region_en=name_en,
        **_header(snapshot, champion),  # type: ignore[arg-type]
        clusters=out,
        unclustered=figures(champion, loose) if len(loose.now) else None,
    )


def _within(champion: Champion, members: Group, cluster_id: str | None) -> Group:
    """The rows of ``members`` in ``cluster_id`` (None: in no cluster), on both dates."""

    def pick(scored: Scored, rows: np.ndarray) -> np.ndarray:
        column = scored.period.features["cluster_id"]
        if cluster_id is None:
            return rows[column.isna().to_numpy()[rows]]
        return rows[_column_is(scored.period.features, "cluster_id", cluster_id)[rows]]

    before = None
    if champion.previous is not None and members.before is not None:
        before = pick(champion.previous, members.before)
    return Group(pick(champion.latest, members.now), before)
