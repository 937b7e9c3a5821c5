"""Charts of the region page: grade distribution, expected-distress trend, main drivers."""

from __future__ import annotations

from typing import Any

from features.catalog import Feature
from scoring import wording
from serving.domain.regions import INDICATOR_LABELS
from serving.domain.state import Champion, Snapshot
from serving.schemas.regions import DriversOut, IndicatorsOut, RiskFigures
from serving.web import charts
from serving.web.i18n import Lang, grade_name, text
from serving.web.trend import NATIONAL, region_trends


def grade_chart(figures: RiskFigures, lang: Lang) -> Any:
    """Firms per grade, in the grade's colour, with the share and the change written out."""
    total = max(figures.n_firms, 1)
    bars, fills = [], []
    for count in figures.grades:
        change = f" ({count.change:+,})" if count.change is not None else ""
        bars.append(
            charts.Bar(
                grade_name(lang, count.grade),
                count.count,
                f"{count.count:,} · {count.count / total:.1%}{change}",
            )
        )
        fills.append(charts.GRADE_FILL.get(count.grade, charts.INK))
    summary = "; ".join(f"{b.label} {b.text}" for b in bars)
    return charts.count_bars(bars, fills, f"{text(lang, 'grade_dist')}: {summary}")


def trend_chart(snapshot: Snapshot, champion: Champion, region: str, lang: Lang) -> Any:
    """The region's expected distress rate at every as-of date, the national rate dashed."""
    trends = region_trends(snapshot, champion)
    mine = trends.get(region, [])
    if len(mine) < 2:
        return None
    national = {p.as_of: p.expected_rate for p in trends.get(NATIONAL, [])}
    points = [charts.Point(f"{p.as_of:%Y}", p.expected_rate) for p in mine]
    reference = [national.get(p.as_of, 0.0) for p in mine]
    summary = "; ".join(f"{p.label} {charts.percent(p.value)}" for p in points)
    return charts.line(
        points,
        f"{text(lang, 'expected_rate')}: {summary}",
        reference=reference,
        reference_label=text(lang, "national"),
    )


def driver_chart(drivers: DriversOut, lang: Lang) -> Any:
    """Average probability points per firm that each family adds (or removes)."""
    bars = [
        charts.Bar(
            f.name_en if lang == "en" else f.name_ko,
            f.mean_contribution,
            charts.points_text(f.mean_contribution),
        )
        for f in drivers.families
    ]
    summary = "; ".join(f"{b.label} {b.text}" for b in bars)
    return charts.reason_bars(bars, f"{text(lang, 'drivers')}: {summary}")


def indicator_rows(indicators: IndicatorsOut | None, lang: Lang) -> list[tuple[str, str, str]]:
    """(label, latest, the period before) of the region's indicators, both in the same units."""
    if indicators is None:
        return []
    rows = []
    for item in indicators.values:
        ko, en, unit = INDICATOR_LABELS.get(item.name, (item.label_ko, item.label_en, "ratio"))
        feature = Feature(item.name, "environment", ko, en, unit)
        now, before = wording.display(feature, item.value), wording.display(feature, item.previous)
        pick = 1 if lang == "en" else 0
        label = item.label_en if lang == "en" else item.label_ko
        rows.append((label, now[pick], before[pick] if item.previous is not None else "–"))
    return rows
