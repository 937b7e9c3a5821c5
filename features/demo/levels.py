"""Levels a demo panel reproduces (docs/demo-data.md): `python -m features.demo.levels`."""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd
from sklearn.metrics import roc_auc_score

from core.contract import DEFAULT_EVENTS
from features.demo.world import DemoData, generate_demo

_MISSING_ITEMS = (
    "cash",
    "receivables",
    "inventory",
    "operating_cash_flow",
    "depreciation",
    "payroll",
    "employees",
    "current_assets",
    "borrowings",
    "total_assets",
)


def realised_defaults(data: DemoData) -> pd.Series:
    """1 where the oracle row's firm has a default-type event within 12 months after the as-of."""
    events = data.tables.events
    first = events[events["event_type"].isin(DEFAULT_EVENTS)].groupby("firm_id")["event_date"].min()
    date = data.oracle["firm_id"].map(first)
    as_of = data.oracle["as_of"]
    return ((date > as_of) & (date <= as_of + pd.DateOffset(months=12))).astype(int)


def latest_filings(financials: pd.DataFrame) -> pd.DataFrame:
    """The last filed row per firm and fiscal year (restatements replace the first filing)."""
    return financials.sort_values("filed_on").drop_duplicates(
        ["firm_id", "fiscal_year"], keep="last"
    )


def marginal_share(data: DemoData) -> pd.Series:
    """한계기업 share per fiscal year among audited firms with interest expense."""
    rows = latest_filings(data.tables.financials)
    audited = data.tables.firms.set_index("firm_id")["audited"]
    rows = rows[rows["firm_id"].map(audited).astype(bool)]
    below = (rows["operating_income"] < rows["interest_expense"]).where(
        rows["interest_expense"] > 0
    )
    wide = below.set_axis(pd.MultiIndex.from_frame(rows[["firm_id", "fiscal_year"]])).unstack()
    values = wide.astype(float)
    three = values + values.shift(1, axis=1) + values.shift(2, axis=1)
    # The first two years have no three-year history.
    return (three == 3).where(values.notna()).mean().iloc[2:]


def debt_ratio_median(data: DemoData) -> dict[str, float]:
    """Median total liabilities / equity (%), among statements with positive equity."""
    rows = latest_filings(data.tables.financials)
    audited = rows["firm_id"].map(data.tables.firms.set_index("firm_id")["audited"]).astype(bool)
    ratio = 100 * rows["total_liabilities"] / rows["equity"].where(rows["equity"] > 0)
    return {
        "all": float(ratio.median()),
        "audited": float(ratio[audited].median()),
        "unaudited": float(ratio[~audited].median()),
    }


def audit_levels(data: DemoData) -> dict[str, object]:
    """Opinion shares and going-concern paragraphs among audited statements, and how much more
    often firms that default in the window after the next June 30 had them."""
    rows = latest_filings(data.tables.financials).dropna(subset=["audit_opinion"])
    as_of = pd.to_datetime((rows["fiscal_year"] + 1).astype(str) + "-06-30")
    realised = realised_defaults(data).set_axis(
        pd.MultiIndex.from_frame(data.oracle[["firm_id", "as_of"]])
    )
    defaulted = realised.reindex(pd.MultiIndex.from_arrays([rows["firm_id"], as_of])).to_numpy()
    concern = rows["going_concern"].astype(bool).to_numpy()
    opinion = rows["audit_opinion"].value_counts(normalize=True)
    return {
        "opinion_share": {k: round(float(v), 4) for k, v in opinion.items()},
        "not_clean_share": round(float((rows["audit_opinion"] != "적정").mean()), 4),
        "going_concern_share": round(float(concern.mean()), 4),
        "going_concern_share_defaulting": round(float(concern[defaulted == 1].mean()), 4),
        "going_concern_share_not_defaulting": round(float(concern[defaulted == 0].mean()), 4),
    }


def describe_levels(data: DemoData) -> dict:
    """Event rate, 한계기업 share, debt ratio, lags, missingness and oracle AUC of a panel."""
    realised = realised_defaults(data)
    oracle = data.oracle.assign(realised=realised.to_numpy())
    by_year = oracle.groupby(oracle["as_of"].dt.year)
    financials = data.tables.financials
    first = financials.sort_values("filed_on").drop_duplicates(["firm_id", "fiscal_year"])
    late = first["filed_on"] > pd.to_datetime((first["fiscal_year"] + 1).astype(str) + "-06-30")
    audited = (
        financials["firm_id"].map(data.tables.firms.set_index("firm_id")["audited"]).astype(bool)
    )
    missing = {
        group: {
            item: round(float(financials.loc[mask, item].isna().mean()), 3)
            for item in _MISSING_ITEMS
        }
        for group, mask in (("audited", audited), ("unaudited", ~audited))
    }
    marginal = marginal_share(data)
    revenue = latest_filings(financials)["revenue"]
    return {
        "firms": len(data.tables.firms),
        "audited_share": round(float(data.tables.firms["audited"].mean()), 3),
        "oracle_rows": len(oracle),
        "event_rate": round(float(oracle["realised"].mean()), 4),
        "mean_true_pd": round(float(oracle["true_pd"].mean()), 4),
        "event_rate_by_as_of": by_year["realised"].mean().round(4).to_dict(),
        "mean_true_pd_by_as_of": by_year["true_pd"].mean().round(4).to_dict(),
        "oracle_auc": round(float(roc_auc_score(oracle["realised"], oracle["true_pd"])), 4),
        "marginal_share_audited": round(float(marginal.mean()), 4),
        "marginal_share_audited_by_year": marginal.round(4).to_dict(),
        "median_debt_ratio_pct": {k: round(v, 1) for k, v in debt_ratio_median(data).items()},
        "median_revenue": float(revenue.median()),
        "late_filer_share": round(float(late.mean()), 4),
        "restatement_share": round(float(len(financials) / len(first) - 1), 4),
        "missing_share": missing,
        "audit": audit_levels(data),
        "arrears_events_per_oracle_row": round(
            float(
                data.tables.events["event_type"]
                .isin(
                    [
                        "tax_arrears",
                        "social_insurance_arrears",
                        "wage_arrears",
                        "loan_delinquency_30",
                    ]
                )
                .sum()
                / len(oracle)
            ),
            4,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    data = generate_demo(args.firms, seed=args.seed)
    seconds = time.perf_counter() - started
    levels = describe_levels(data)
    levels["generation_seconds"] = round(seconds, 1)
    print(json.dumps(levels, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
