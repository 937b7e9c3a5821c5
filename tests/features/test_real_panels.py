"""Real statement panels: labels that never guess, the label's own state as features, income
statements only, audit opinions, section-letter industries, stale statements, odd year ends.

Each test stands for a defect found on a real export of Korean audited unlisted firms
(issue 10); each failed before the change it covers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.contract import BALANCE_SHEET
from features.catalog import FEATURE_NAMES
from features.labels import in_state
from features.pipeline import as_of_dates, build_features, features_as_of
from tests.factories import firm, statement, tables

LOSS = {"operating_income": -10_000.0, "interest_expense": 20_000.0}  # ICR < 1
FINE = {"operating_income": 100_000.0, "interest_expense": 20_000.0}  # ICR 5


def _marginal_rows(histories: dict[str, dict[int, dict[str, float]]]) -> pd.DataFrame:
    """Feature rows with the 한계기업 label for firms with the given statements by year."""
    firms = [firm(firm_id) for firm_id in histories]
    rows = [
        statement(firm_id, year, **items)
        for firm_id, years in histories.items()
        for year, items in years.items()
    ]
    # A firm filing every year to 2024 keeps the data's present at FY2024 for all of them.
    firms.append(firm("9999999999"))
    rows += [statement("9999999999", year, **FINE) for year in range(2016, 2025)]
    world = tables(firms, rows)
    dates = [pd.Timestamp(2022, 6, 30)]
    return build_features(world, dates, label_rules=("marginal_firm",)).set_index("firm_id")


def test_marginal_label_is_missing_not_zero_when_the_history_cannot_decide_it() -> None:
    """As-of 2022-06-30: latest FY2021, next FY2022, earlier FY2020 and FY2019."""
    full = {year: FINE for year in range(2016, 2024)}
    becomes = {**full, 2020: LOSS, 2021: LOSS, 2022: LOSS}
    gap_last_year = {**becomes}
    del gap_last_year[2020]
    gap_two_years = {**becomes}
    del gap_two_years[2019]
    already = {**full, 2019: LOSS, 2020: LOSS, 2021: LOSS, 2022: LOSS}
    stops_filing = {year: FINE for year in range(2016, 2022)}
    rows = _marginal_rows(
        {
            "1000000001": full,
            "1000000002": becomes,
            "1000000003": gap_last_year,
            "1000000004": gap_two_years,
            "1000000005": already,
            "1000000006": stops_filing,
        }
    )
    label = rows["label"]
    assert label["1000000001"] == 0.0
    assert label["1000000002"] == 1.0
    assert np.isnan(label["1000000003"])  # was 0 before: last year unknown
    assert np.isnan(label["1000000004"])  # the year before unknown: already one? undecided
    assert np.isnan(label["1000000005"])  # already a 한계기업: out of the population at risk
    assert np.isnan(label["1000000006"])  # never filed the next statement
    assert bool(in_state(rows.loc[["1000000005"]], ("marginal_firm",)).iloc[0])


def test_the_rule_state_is_a_model_feature() -> None:
    for name in ("interest_coverage_l1", "interest_coverage_l2", "icr_below_one_years"):
        assert name in FEATURE_NAMES
    history = {year: FINE for year in range(2016, 2019)} | {2019: LOSS, 2020: LOSS, 2021: LOSS}
    world = tables(
        [firm("1000000001")], [statement("1000000001", y, **h) for y, h in history.items()]
    )
    row = features_as_of(world, pd.Timestamp(2022, 6, 30)).iloc[0]
    assert row["icr_below_one_years"] == 3.0
    assert row["interest_coverage_l2"] == pytest.approx(-0.5)
    assert row["loss_streak_years"] == 0.0  # net income stayed positive in the factory rows
    assert bool(row["icr_below_one_2y"]) and bool(row["marginal_firm"])


def test_an_unknown_year_is_not_a_year_above_one() -> None:
    """icr_below_one_2y is missing, not False, when last year's coverage is unknown."""
    world = tables(
        [firm("1000000001")],
        [statement("1000000001", 2019, **FINE), statement("1000000001", 2021, **LOSS)],
    )
    row = features_as_of(world, pd.Timestamp(2022, 6, 30)).iloc[0]
    assert pd.isna(row["icr_below_one_2y"])
    assert row["icr_below_one_years"] == 1.0  # what the statements prove


def test_income_statement_only_panel_builds_ocf_and_audit_features() -> None:
    no_balance_sheet = dict.fromkeys(BALANCE_SHEET, np.nan)
    rows = [
        statement(
            "1000000001",
            year,
            **no_balance_sheet,
            operating_cash_flow=-50_000.0,
            audit_opinion="한정",
            going_concern=True,
        )
        for year in range(2018, 2022)
    ]
    row = features_as_of(tables([firm("1000000001")], rows), pd.Timestamp(2022, 6, 30)).iloc[0]
    assert row["ocf_to_revenue"] == pytest.approx(-0.05)
    assert row["ocf_to_interest"] == pytest.approx(-2.5)
    assert row["audit_opinion_severity"] == 1.0 and row["going_concern_doubt"] == 1.0
    assert row["qualified_opinion"] and row["going_concern"]  # rule flags shown beside the PD
    assert np.isnan(row["debt_ratio"]) and np.isnan(row["altman_z"])


def test_section_letter_industries_get_peers_and_say_at_which_level() -> None:
    """Firms known only by their section letter are compared with their section."""
    firms = [firm(f"10000000{i:02d}", ksic="C") for i in range(30)]
    firms += [firm(f"20000000{i:02d}", ksic="25112") for i in range(5)]
    rows = [
        statement(f["firm_id"], 2021, operating_income=1000.0 * (i + 1))
        for i, f in enumerate(firms)
    ]
    features = features_as_of(tables(firms, rows), pd.Timestamp(2022, 6, 30))
    levels = features.set_index("firm_id")["peer_level_operating_margin"]
    assert set(levels[[f["firm_id"] for f in firms[:30]]]) == {"section"}
    # 5 firms of division 25: too few in their own group; their section (C) has 35.
    assert set(levels[[f["firm_id"] for f in firms[30:]]]) == {"section"}
    assert features["peer_pct_operating_margin"].notna().all()


def test_june_year_ends_do_not_move_the_default_as_of_date() -> None:
    firms = [firm(f"10000000{i:02d}") for i in range(10)]
    rows = [statement(f["firm_id"], y) for f in firms for y in range(2018, 2024)]
    # Two firms close their books in June: FY2024 ends 2024-06-30 and is filed in the autumn.
    for f in firms[:2]:
        rows.append(
            statement(
                f["firm_id"],
                2024,
                period_end=pd.Timestamp(2024, 6, 30),
                filed_on=pd.Timestamp(2024, 9, 30),
            )
        )
    financials = tables(firms, rows).financials
    assert as_of_dates(financials)[-1] == pd.Timestamp(2024, 6, 30)


def test_firms_that_stop_filing_are_stale_and_unlabelled() -> None:
    firms = [firm("1000000001"), firm("1000000002")]
    rows = [statement("1000000001", y) for y in range(2015, 2025)]
    rows += [statement("1000000002", y) for y in range(2015, 2018)]  # stops after FY2017
    world = tables(firms, rows, [])
    table = build_features(world).set_index(["firm_id", "as_of"])
    stopped = table.loc["1000000002"]
    late = stopped[stopped.index >= pd.Timestamp(2020, 6, 30)]
    assert (late["statement_age_months"] > 18).all()
    assert late["label"].isna().all()
    assert (late["period_end"] == pd.Timestamp(2017, 12, 31)).all()
