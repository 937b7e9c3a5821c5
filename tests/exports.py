"""Source files as real data arrive: a Korean statement export made from contract tables.

The export spells accounts the Korean way (매출액, 자산총계 …), keeps amounts in 원 with
thousands separators, writes business numbers as 123-45-67890, regions as names and dates as
20231231, so that ingesting it with ``mappings/korean_statements.yaml`` must undo all of it.
Account and event names are the vendor export's (``features.demo.vendor``).
"""

from __future__ import annotations

import pandas as pd

from core.contract import REGIONS
from features.demo.vendor import ACCOUNTS, EVENT_NAMES, OPINION_NAMES


def won(amount: float) -> str:
    """천원 -> 원 as an export prints it: thousands separators, negatives in parentheses."""
    if pd.isna(amount):
        return ""
    text = f"{abs(round(amount * 1000)):,}"
    return f"({text})" if amount < 0 else text


def korean_export(financials: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """One row per statement with the firm's details, Korean column names, amounts in 원."""
    details = firms.set_index("firm_id").reindex(financials["firm_id"]).reset_index(drop=True)
    rows = financials.reset_index(drop=True)
    export = pd.DataFrame(
        {
            "사업자등록번호": rows["firm_id"].str[:3]
            + "-"
            + rows["firm_id"].str[3:5]
            + "-"
            + rows["firm_id"].str[5:],
            "상호": details["name"],
            "시도": details["region"].map(REGIONS),
            "시군구코드": details["district"],
            "업종코드": details["ksic"],
            "설립일": details["founded"].dt.strftime("%Y-%m-%d"),
            "기업규모": details["size_class"],
            "외감여부": details["audited"].map({True: "외감", False: "비외감"}),
            "결산년도": rows["fiscal_year"].astype(str),
            "결산일": rows["period_end"].dt.strftime("%Y%m%d"),
            "공시일": rows["filed_on"].dt.strftime("%Y.%m.%d"),
        }
    )
    for item, account in ACCOUNTS.items():
        export[account] = rows[item].map(won)
    export["종업원수"] = rows["employees"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    # An extract of unaudited firms (or of statements without reports) has no audit columns.
    if rows["audit_opinion"].notna().any():
        export["감사의견"] = rows["audit_opinion"].map(OPINION_NAMES)
        export["계속기업불확실성"] = rows["going_concern"].map({True: "예", False: "아니오"})
    return export


def korean_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events as a Korean extract lists them: 사업자등록번호, 발생일, 사유, 금액 (원)."""
    return pd.DataFrame(
        {
            "사업자등록번호": events["firm_id"].to_numpy(),
            "발생일": events["event_date"].dt.strftime("%Y-%m-%d").to_numpy(),
            "사유": events["event_type"].map(EVENT_NAMES).to_numpy(),
            "금액": events["amount"].map(won).to_numpy(),
        }
    )
