"""A few visit outcomes recorded by centre staff for high-risk firms in the last two years."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.contract import VISIT_FINDINGS

_NOTES = {
    "crisis_confirmed": [
        "매출 급감과 이자 연체 확인, 긴급경영안정자금 연계 필요",
        "4대보험 체납 지속, 대표자 면담 결과 유동성 위기 확인",
    ],
    "no_crisis": ["일시적 매출 감소, 신규 수주로 회복 중", "재무 지표 대비 현장 상황 양호"],
    "supported": ["정책자금 상담 및 컨설팅 지원 연계", "수출바우처 및 판로 지원 안내"],
    "referred": [
        "법률·회생 상담을 위해 중소기업 재기지원센터에 연계",
        "금융기관 채무조정 상담 연계",
    ],
}
_MIX_IF_DISTRESSED = [0.6, 0.0, 0.15, 0.25]
_MIX_OTHERWISE = [0.1, 0.45, 0.35, 0.1]


def visit_outcomes(
    rng: np.random.Generator,
    risk: pd.DataFrame,
    firm_ids: pd.api.extensions.ExtensionArray,
    last_year: int,
) -> pd.DataFrame:
    """Visits to about 1 in 200 firms, chosen among the riskiest, before any default."""
    recent = risk[risk["as_of_year"].isin([last_year - 1, last_year])]
    budget = max(5, len(firm_ids) // 200)
    chosen = recent.nlargest(budget * 3, "true_pd").sample(
        n=min(budget, len(recent)), random_state=rng
    )
    as_of = pd.to_datetime(chosen["as_of_year"].astype(str) + "-06-30")
    visited = as_of + pd.to_timedelta(rng.integers(15, 300, len(chosen)), unit="D")
    default_date = pd.to_datetime(chosen["default_date"])
    before_default = (default_date - pd.Timedelta(days=10)).where(default_date.notna(), visited)
    visited = visited.where(visited <= before_default, before_default)
    distressed = chosen["defaulted"].to_numpy()
    finding = np.where(
        distressed,
        rng.choice(np.array(VISIT_FINDINGS), len(chosen), p=_MIX_IF_DISTRESSED),
        rng.choice(np.array(VISIT_FINDINGS), len(chosen), p=_MIX_OTHERWISE),
    )
    note = [_NOTES[item][rng.integers(0, 2)] for item in finding]
    visits = pd.DataFrame(
        {
            "firm_id": firm_ids[chosen["firm"].to_numpy()],
            "visited_on": visited.to_numpy(),
            "finding": finding,
            "note": note,
        }
    )
    return visits[visits["visited_on"] > as_of.to_numpy()].reset_index(drop=True)
