"""What lowers the grade (``scoring.recourse``): proposals, applied to the firm's own data and
scored again through the normal path, give the promised grade and PD; they are feasible; a firm
that cannot be lowered says why; more debt repaid never raises the PD on constrained features."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pytest

from core.bundle import LoadedModel, fetch_registered
from core.contract import FINANCIALS
from core.contract.columns import AMOUNT_LIMIT
from features.environment import industry_distress_rate
from features.pipeline import MarketContext, as_of_dates, build_context, features_as_of
from features.tables import RawTables, read_tables
from scoring import levers
from scoring.recourse import Planner, Proposal, Recourse
from scoring.standing import standing_of
from tests.conftest import DemoRun
from training.params import MONOTONE


@dataclass(frozen=True)
class Served:
    tables: RawTables
    as_of: pd.Timestamp
    features: pd.DataFrame  # the stored cross-section, as the service computes it
    context: MarketContext
    model: LoadedModel
    planner: Planner
    pd: np.ndarray  # each stored firm's PD


@pytest.fixture(scope="module")
def served(tiny_run: DemoRun) -> Served:
    settings = tiny_run.settings
    tables = read_tables(settings.raw_dir)
    _, model = fetch_registered(settings.tracking_uri, settings.model_name, "champion")
    as_of = as_of_dates(tables.financials)[-1]
    features = features_as_of(tables, as_of).reset_index(drop=True)
    context = build_context(features, industry_distress_rate(tables.firms, tables.events, as_of))
    planner = Planner(tables, as_of, context, model)
    return Served(tables, as_of, features, context, model, planner, model.predict_pd(features))


def watch_list(served: Served, size: int) -> list[str]:
    """The rated firms with the highest PDs."""
    rated = standing_of(served.features, served.model.bundle.label_rules).rated
    order = np.argsort(-np.where(rated, served.pd, -1.0))[:size]
    return served.features["firm_id"].astype("string").to_numpy()[order].tolist()


@pytest.fixture(scope="module")
def answers(served: Served) -> list[Recourse]:
    return served.planner.firms(watch_list(served, 12))


def applied(tables: RawTables, firm_id: str, as_of: pd.Timestamp, proposal: Proposal) -> RawTables:
    """The firm's own tables with a proposal's changes written in: the latest statement's items
    set to their ``after`` amounts, the settled arrears removed."""
    mine = tables.for_firms([firm_id])
    financials = mine.financials.copy()
    known = financials[financials["filed_on"] <= as_of]
    latest = known.sort_values(["fiscal_year", "filed_on"], kind="stable").index[-1]
    for change in proposal.changes:
        if change.unit == "천원":
            financials.loc[latest, change.item] = change.after
    events = mine.events
    for when, kind in proposal.settled:
        gone = events.index[(events["event_date"] == when) & (events["event_type"] == kind)][:1]
        events = events.drop(gone)
    return replace(mine, financials=financials, events=events)


def test_current_pd_is_the_served_one(served: Served, answers: list[Recourse]) -> None:
    """The unchanged candidate, scored with the stored context, has the stored firm's PD."""
    rows = dict(
        zip(served.features["firm_id"].astype("string"), range(len(served.pd)), strict=True)
    )
    for answer in answers:
        assert answer.status in {"ok", "lowest"}
        assert answer.pd == pytest.approx(served.pd[rows[answer.firm_id]], abs=1e-12)


def test_proposals_applied_to_the_firms_data_give_the_promised_grade(
    served: Served, answers: list[Recourse]
) -> None:
    grades = served.model.bundle.grade_table
    checked = 0
    for answer in answers:
        assert answer.grade is not None and answer.pd is not None
        for target in answer.targets:
            if target.proposal is None:
                assert target.reason_ko and target.reason_en
                continue
            proposal = target.proposal
            tables = applied(served.tables, answer.firm_id, served.as_of, proposal)
            again = features_as_of(tables, served.as_of, served.context)
            pd_again = float(served.model.predict_pd(again)[0])
            assert pd_again == pytest.approx(proposal.pd, abs=1e-12)
            assert grades.grade(pd_again) == proposal.grade
            assert grades.rank(proposal.grade) <= grades.rank(answer.grade) - target.steps
            assert grades.rank(target.grade) == grades.rank(answer.grade) - target.steps
            assert proposal.points == pytest.approx(pd_again - answer.pd, abs=1e-12)
            assert all(p < 0 for _, p in proposal.moves)
            checked += 1
    assert checked >= 5, "the watch list should give proposals to check"


def test_proposals_are_feasible(served: Served, answers: list[Recourse]) -> None:
    """Amounts stay non-negative where the contract says so and inside its bound; only the
    levers' items change; settled arrears are settleable ones that fell after the statement."""
    for answer in answers:
        mine = served.tables.for_firms([answer.firm_id])
        for proposal in answer.proposals:
            for change in proposal.changes:
                if change.unit != "천원":
                    assert change.after < change.before
                    continue
                assert change.item in levers.ITEMS
                assert abs(change.after) < AMOUNT_LIMIT
                if FINANCIALS.column(change.item).non_negative:
                    assert change.after >= 0
            for when, kind in proposal.settled:
                assert kind in levers.SETTLEABLE_ARREARS
                assert _latest_end(mine, served.as_of) < when < served.as_of


def _latest_end(tables: RawTables, as_of: pd.Timestamp) -> pd.Timestamp:
    known = tables.financials[tables.financials["filed_on"] <= as_of]
    return known.sort_values(["fiscal_year", "filed_on"]).iloc[-1]["period_end"]


def test_candidates_change_only_actionable_columns(served: Served) -> None:
    """Every candidate keeps the firm's attributes and earlier filings, and its latest statement
    differs from the filed one only in the levers' items."""
    firm_id = watch_list(served, 1)[0]
    found = served.planner.explore(firm_id)
    features = found.features
    fixed = ["region", "district", "ksic", "size_class", "cluster_id", "firm_age", "fiscal_year"]
    fixed += [c for c in features.columns if c.startswith("region_")] + ["industry_distress_rate"]
    for column in fixed:
        assert features[column].nunique(dropna=False) == 1, column
    amounts = levers.rewrite(
        {i: float(v) for i, v in _latest_row(served, firm_id).items()}, found.shares
    )
    assert set(amounts) == set(levers.ITEMS)
    for item, values in amounts.items():
        if FINANCIALS.column(item).non_negative:
            assert not (values < 0).any(), item


def _latest_row(served: Served, firm_id: str) -> pd.Series:
    mine = served.tables.for_firms([firm_id])
    known = mine.financials[mine.financials["filed_on"] <= served.as_of]
    return known.sort_values(["fiscal_year", "filed_on"]).iloc[-1][list(levers.ITEMS)]


def test_candidates_do_not_rank_against_each_other(served: Served) -> None:
    """Peer percentiles come from the stored context: a candidate scored alone gets the same
    features as inside the whole grid."""
    # A firm whose debt ratio has a peer rank as filed (with negative equity it has none, and
    # repaying debt can give it one: nothing to compare).
    firm_id, alone = next(
        (firm_id, alone)
        for firm_id in watch_list(served, 40)
        if (alone := served.planner.explore(firm_id, []))
        .features["peer_pct_debt_ratio"]
        .notna()
        .all()
    )
    found = served.planner.explore(firm_id, ["debt"])
    last = found.features.iloc[[-1]].reset_index(drop=True)
    assert len(alone.features) == 1  # the firm as filed, alone
    first = found.features.iloc[[0]].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        first.drop(columns="firm_id"), alone.features.drop(columns="firm_id")
    )
    assert last["peer_pct_debt_ratio"].iloc[0] <= first["peer_pct_debt_ratio"].iloc[0]


def test_a_firm_that_cannot_be_lowered_says_why(served: Served) -> None:
    answer = served.planner.firm(_without_recent_arrears(served), ["arrears"])
    assert answer.status == "ok" and answer.targets
    for target in answer.targets:
        assert target.proposal is None
        assert "조정 가능한 항목이 없습니다" in target.reason_ko
    lowest = served.features["firm_id"].to_numpy()[np.argmin(served.pd)]
    calm = served.planner.firm(str(lowest))
    assert calm.status == "lowest" and calm.targets == ()
    assert calm.reason_ko and calm.reason_en
    unknown = served.planner.firm("0000000000")
    assert unknown.status == "not_scored" and unknown.reason_en


def _without_recent_arrears(served: Served) -> str:
    """A watch-listed firm with no tax or social-insurance arrears since its statement."""
    for firm_id in watch_list(served, 40):
        mine = served.tables.for_firms([firm_id])
        events = mine.events[mine.events["event_type"].isin(levers.SETTLEABLE_ARREARS)]
        when = events["event_date"]
        if not ((when > _latest_end(mine, served.as_of)) & (when < served.as_of)).any():
            return firm_id
    raise AssertionError("every watch-listed firm has recent arrears")


def test_more_debt_repaid_never_raises_the_pd_on_constrained_features(served: Served) -> None:
    """Repaying more borrowings moves every monotone-constrained feature the safe way, and the
    PD over those features alone (the rest held as filed) never rises. Firms with an operating
    loss are left out: there a smaller interest bill makes the (negative) coverage lower."""
    checked = 0
    for firm_id in watch_list(served, 60):
        latest = _latest_row(served, firm_id)
        if not (latest[["borrowings", "interest_expense", "operating_income", "equity"]] > 0).all():
            continue
        found = served.planner.explore(firm_id, ["debt"])
        order = np.argsort(found.shares[:, levers.column("debt")])
        features = found.features.iloc[order].reset_index(drop=True)
        for name, sign in MONOTONE.items():
            values = sign * features[name].to_numpy("float64")
            steps = np.diff(values[~np.isnan(values)])
            assert (steps <= 1e-12).all(), (firm_id, name)
        matrix = served.model.matrix(features)
        held = matrix.copy()
        names = served.model.bundle.feature_names
        free = [i for i, name in enumerate(names) if name not in MONOTONE]
        held[:, free] = matrix[0, free]
        margin = served.model.booster.predict(held, raw_score=True)
        assert (np.diff(margin) <= 1e-12).all(), firm_id
        checked += 1
        if checked == 5:
            break
    assert checked >= 1


def test_a_stale_firm_gets_no_proposals(served: Served) -> None:
    """With statements older than a month counted stale, the firm is told so, not lowered."""
    strict = Planner(served.tables, served.as_of, served.context, served.model, 1)
    answer = strict.firm(watch_list(served, 1)[0])
    assert answer.status == "stale" and answer.targets == ()
    assert answer.reason_ko.startswith("자료 오래됨")


def test_rewritten_statements_stay_balanced() -> None:
    """Whatever the levers do, assets change by exactly the change in liabilities and equity,
    and the untouched candidate is the statement as filed."""
    statement = {item: 1_000.0 for item in levers.ITEMS}
    statement |= {"total_assets": 9_000.0, "total_liabilities": 6_000.0, "equity": 3_000.0}
    shares = levers.grid([lever.name for lever in levers.LEVERS])
    new = levers.rewrite(statement, shares)
    assets = new["total_assets"] - statement["total_assets"]
    claims = new["total_liabilities"] + new["equity"] - 9_000.0
    np.testing.assert_allclose(assets, claims)
    for item in levers.ITEMS:
        assert new[item][0] == statement[item]
    assert (new["borrowings"][shares[:, levers.column("debt")] == 1.0] == 0).all()
