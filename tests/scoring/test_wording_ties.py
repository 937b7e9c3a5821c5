"""Peer ranks for ties (most peers at 0 건) and debt ratios that cannot exist (자본잠식)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.peers import PeerReference, peer_keys
from scoring import explain, wording


def _arrears_peers(firm_value: float) -> tuple[pd.DataFrame, PeerReference]:
    """30 firms of one industry and size: 29 with no tax arrears, one with 3 — and the firm."""
    values = [0.0] * 29 + [3.0]
    frame = pd.DataFrame(
        {"ksic": "25112", "size_class": "소기업", "tax_arrears_12m": [*values, firm_value]}
    )
    keys = peer_keys(frame["ksic"], frame["size_class"])
    reference = PeerReference.fit(frame.iloc[:30], keys.iloc[:30], ["tax_arrears_12m"])
    return frame.iloc[[30]], reference


def test_a_value_most_peers_share_ranks_in_the_middle_and_says_so() -> None:
    firm, reference = _arrears_peers(0.0)
    ranks = explain.peer_percentiles(reference, firm, ("tax_arrears_12m",))
    # 29 of 30 peers have 0 as well: the old rank was "at or below" = 96.7 ("상위 3%").
    assert abs(ranks.percent[0, 0] - 100 * 14.5 / 30) < 1e-9
    assert abs(float(ranks.tied[0, 0]) - 100 * 29 / 30) < 0.05  # kept in half precision
    (reason,), _ = explain.reasons(
        ("tax_arrears_12m",), np.array([0.0]), ranks[0], np.array([-0.001])
    )
    assert "상위" not in reason.sentence_ko and "하위" not in reason.sentence_ko
    assert "동종업계 대부분과 같습니다" in reason.sentence_ko
    assert "the same as most peers" in reason.sentence_en
    assert wording.peer_place(reason.peer_percentile or 0, 96.7)[0] == "동종업계 대부분과 같음"


def test_a_rare_value_is_still_ranked() -> None:
    firm, reference = _arrears_peers(3.0)
    ranks = explain.peer_percentiles(reference, firm, ("tax_arrears_12m",))
    (reason,), _ = explain.reasons(
        ("tax_arrears_12m",), np.array([3.0]), ranks[0], np.array([0.01])
    )
    assert "상위 2%" in reason.sentence_ko  # the middle of 1 in 30 at the top: 98.3
    assert reason.peer_tied is not None and reason.peer_tied < 5


def test_the_model_input_percentile_is_unchanged() -> None:
    """The percentile features the model reads stay "share at or below" (training matches)."""
    firm, reference = _arrears_peers(0.0)
    keys = peer_keys(firm["ksic"], firm["size_class"])
    percentile, _ = reference.percentile_and_level(firm, keys, "tax_arrears_12m")
    assert abs(percentile.iloc[0] - 100 * 29 / 30) < 1e-9


NAMES = ("debt_ratio", "equity_ratio", "capital_impairment_ratio")


def test_negative_equity_says_capital_impairment_not_missing_data() -> None:
    row = np.array([np.nan, -0.25, 1.8])  # equity below zero: no debt ratio can be computed
    reasons, _ = explain.reasons(NAMES, row, np.full(3, np.nan), np.array([0.02, 0.01, 0.005]))
    debt = next(r for r in reasons if r.feature == "debt_ratio")
    assert debt.display == "자본잠식으로 계산 불가"
    assert "자본잠식으로 계산할 수 없습니다" in debt.sentence_ko
    assert "negative" in debt.sentence_en and "자료 없음" not in debt.display


def test_missing_statement_still_reads_as_not_reported() -> None:
    row = np.array([np.nan, np.nan, np.nan])  # nothing known about equity: 자료 없음
    reasons, _ = explain.reasons(NAMES, row, np.full(3, np.nan), np.array([0.02, 0.01, 0.005]))
    assert {r.display for r in reasons} == {"자료 없음"}
    only_impairment = explain.reasons(
        ("debt_ratio", "capital_impairment_ratio"),
        np.array([np.nan, 1.0]),  # equity exactly zero (complete impairment)
        np.full(2, np.nan),
        np.array([0.02, 0.01]),
    )[0]
    assert only_impairment[0].display == "자본잠식으로 계산 불가"
