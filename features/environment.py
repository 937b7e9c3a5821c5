"""Regional and industry conditions (지역·산업 환경) as published before the as-of date."""

from __future__ import annotations

import pandas as pd

from features.signals import first_default

REGION_FEATURES = {
    "region_grdp_growth": "grdp_growth",
    "region_unemployment_rate": "unemployment_rate",
    "region_manufacturing_growth": "manufacturing_growth",
    "region_active_business_growth": "active_business_growth",
    "region_delinquency_rate": "delinquency_rate",
    "region_depopulation_index": "depopulation_index",
    "region_crisis_area": "crisis_area",
}


def industry_of(ksic: pd.Series) -> pd.Series:
    """KSIC division (first two digits): the industry used for peers and industry rates."""
    return ksic.astype("string").str[:2]


def regional_as_of(regional: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each 시도's latest published figures before ``as_of``, one row per region."""
    published = regional[regional["published_on"] < as_of]
    if "district" in published.columns:
        published = published[published["district"].isna()]
    published = published.sort_values(["region", "period", "published_on"], kind="stable")
    latest = published.drop_duplicates("region", keep="last").set_index("region")
    return latest[list(REGION_FEATURES.values())].rename(
        columns={v: k for k, v in REGION_FEATURES.items()}
    )


def industry_distress_counts(
    firms: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Per industry: firms at risk 12 months before ``as_of`` and those that defaulted since.

    Counts add up over disjoint sets of firms, so partitions can be counted apart and summed.
    """
    start = as_of - pd.DateOffset(months=12)
    at_start = first_default(events, firms["firm_id"])
    at_risk = (firms["founded"] < start) & ~(at_start < start)
    defaulted = at_risk & (at_start < as_of)
    industry = industry_of(firms["ksic"])
    return pd.DataFrame(
        {"defaulted": defaulted.groupby(industry).sum(), "at_risk": at_risk.groupby(industry).sum()}
    )


def distress_rate(counts: pd.DataFrame) -> pd.Series:
    rate = counts["defaulted"] / counts["at_risk"]
    return rate.astype("float64").rename("industry_distress_rate")


def industry_distress_rate(
    firms: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp
) -> pd.Series:
    """Share of an industry's firms with a default-type event in the 12 months before ``as_of``."""
    return distress_rate(industry_distress_counts(firms, events, as_of))
