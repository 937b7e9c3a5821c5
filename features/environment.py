"""Regional and industry conditions (지역·산업 환경) as published before the as-of date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core import ksic
from features.asof import ByDate, take_or_missing
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


def industry_of(ksic_codes: pd.Series) -> pd.Series:
    """The industry of industry rates and reports: the KSIC division (first two digits), or the
    section letter where an export gives only that (``core.ksic.industry``)."""
    return ksic.industry(ksic_codes)


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


def regional_by_date(regional: pd.DataFrame, dates: pd.DatetimeIndex) -> ByDate:
    """``regional_as_of`` on each of ``dates``, for ``ByDate.lookup`` by region."""
    published = regional
    if "district" in published.columns:
        published = published[published["district"].isna()]
    # A missing region is a key of its own, as ``unique`` keeps it in ``regional_as_of``.
    code, regions = pd.factorize(published["region"], use_na_sentinel=False)
    when = published["published_on"].to_numpy()
    # Each row's place in (period, published_on, row) order within its region, as a stable
    # sort would put it (a missing period last): the last known row wins. Ranks on plain
    # arrays, not a sort of the frame, which costs more than the rest on a single firm's call.
    period, _ = pd.factorize(published["period"], sort=True)
    period = np.where(period < 0, len(period), period)
    order = np.lexsort((np.arange(len(when)), when.view("int64"), period, code))
    rank = np.empty(len(order), dtype="int64")
    rank[order] = np.arange(len(order))
    latest = np.full((len(dates), len(regions)), -1)
    for position, as_of in enumerate(dates):
        known = np.flatnonzero(when < as_of.to_datetime64())  # never a missing date
        np.maximum.at(latest[position], code[known], rank[known])
    row = np.where(latest >= 0, np.append(order, -1)[latest], -1)
    values = np.stack(
        [published[c].to_numpy("float64", na_value=np.nan) for c in REGION_FEATURES.values()]
    )
    return ByDate(pd.Index(regions), take_or_missing(values, row).transpose(1, 2, 0))


def industry_rates_by_date(
    firms: pd.DataFrame, events: pd.DataFrame, dates: pd.DatetimeIndex
) -> ByDate:
    """``industry_distress_rate`` on each of ``dates``, for ``ByDate.lookup`` by industry."""
    first = first_default(events, firms["firm_id"]).to_numpy()
    founded = firms["founded"].to_numpy()
    code, industries = pd.factorize(industry_of(firms["ksic"]))
    firm_known, code = code >= 0, code[code >= 0]
    rates = np.empty((len(dates), len(industries), 1))
    for position, as_of in enumerate(dates):
        start = (as_of - pd.DateOffset(months=12)).to_datetime64()
        at_risk = ((founded < start) & ~(first < start))[firm_known]
        defaulted = at_risk & (first < as_of.to_datetime64())[firm_known]
        at_risk_n = np.bincount(code, weights=at_risk, minlength=len(industries))
        defaulted_n = np.bincount(code, weights=defaulted, minlength=len(industries))
        with np.errstate(invalid="ignore", divide="ignore"):
            rates[position, :, 0] = defaulted_n / at_risk_n  # 0 / 0: no firm at risk, missing
    return ByDate(pd.Index(industries), rates)
