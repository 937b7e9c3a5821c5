"""A small monthly scores file, laid out as `ews monthly score` writes it, for the changes and
digest tests: in 부산 (26) one firm rises a grade, one gets a new 4대보험 체납, one fails, one's
data become stale, one stays; a firm id the stored tables do not hold (leading zeros and a
letter) gets a delinquency; a firm without a region gets arrears; a 서울 (11) firm rises."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.tables import RawTables

AS_OF = pd.Timestamp("2026-11-30")
PREVIOUS = pd.Timestamp("2026-10-31")
GRADES = ["정상", "관심", "주의", "경계", "심각"]


@dataclass(frozen=True)
class MonthIds:
    rise: str
    trigger: str
    failed: str
    stale: str
    steady: str
    unknown: str
    no_region: str
    seoul: str


def _row(firm_id: str, region: str | None, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "firm_id": firm_id,
        "as_of": AS_OF,
        "region": region,
        "district": f"{region}110" if region else None,
        "ksic": "C25",
        "size_class": "small",
        "pd": 0.01,
        "grade": "정상",
        "flags": "",
        "status": "ok",
        "statement_period_end": pd.Timestamp("2025-12-31"),
        "statement_age_months": 11.0,
        "previous_as_of": PREVIOUS,
        "previous_pd": 0.01,
        "previous_grade": "정상",
        "grade_change": 0,
        "new_triggers": None,
        "new_trigger_count": 0,
        "failed_on": pd.NaT,
        "failure_event": None,
        "change": "unchanged",
        "chunk": 0,
        "reason_1_ko": None,
    }
    row.update(values)
    return row


def month_ids(panel: RawTables) -> MonthIds:
    busan = panel.firms.loc[panel.firms["region"] == "26", "firm_id"].astype(str).tolist()
    seoul = panel.firms.loc[panel.firms["region"] == "11", "firm_id"].astype(str).tolist()
    return MonthIds(*busan[:5], unknown="000A123456", no_region="0099887766", seoul=seoul[0])


def month_rows(ids: MonthIds) -> pd.DataFrame:
    rows = [
        _row(
            ids.rise,
            "26",
            pd=0.22,
            grade="경계",
            previous_pd=0.03,
            previous_grade="관심",
            grade_change=2,
            change="worse",
            reason_1_ko="부채비율이 높음",
        ),
        _row(
            ids.trigger,
            "26",
            pd=0.04,
            grade="관심",
            previous_pd=0.035,
            previous_grade="관심",
            new_triggers="social_insurance_arrears",
            new_trigger_count=1,
            change="new_trigger",
        ),
        _row(
            ids.failed,
            "26",
            pd=None,
            grade=None,
            status="failed",
            previous_pd=0.12,
            previous_grade="주의",
            grade_change=None,
            failed_on=pd.Timestamp("2026-11-12"),
            failure_event="dishonored_bill",
            change="failed",
        ),
        _row(
            ids.stale,
            "26",
            pd=None,
            grade=None,
            status="stale",
            statement_period_end=pd.Timestamp("2025-04-30"),
            statement_age_months=19.0,
            previous_pd=0.02,
            previous_grade="관심",
            grade_change=None,
            change="became_stale",
        ),
        _row(ids.steady, "26"),
        _row(
            ids.unknown,
            "26",
            pd=0.09,
            grade="주의",
            previous_pd=0.08,
            previous_grade="주의",
            new_triggers="loan_delinquency_30,tax_arrears",
            new_trigger_count=2,
            change="new_trigger",
        ),
        _row(
            ids.no_region,
            None,
            new_triggers="wage_arrears",
            new_trigger_count=1,
            change="new_trigger",
        ),
        _row(
            ids.seoul,
            "11",
            pd=0.3,
            grade="경계",
            previous_pd=0.05,
            previous_grade="주의",
            grade_change=1,
            change="worse",
        ),
    ]
    frame = pd.DataFrame(rows)
    grade = pd.CategoricalDtype(GRADES)
    return frame.astype(
        {
            "firm_id": "string",
            "region": "string",
            "district": "string",
            "pd": "float64",
            "previous_pd": "float64",
            "grade": grade,
            "previous_grade": grade,
            "grade_change": "Int8",
            "new_triggers": "string",
            "new_trigger_count": "int32",
            "failure_event": "string",
            "reason_1_ko": "string",
        }
    )


def write_month(data_dir: Path, ids: MonthIds, as_of: pd.Timestamp = AS_OF) -> Path:
    """The month's file where `ews monthly score` puts it; returns its path."""
    folder = data_dir / "monthly"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"scores-{as_of.date().isoformat()}.parquet"
    month_rows(ids).assign(as_of=as_of).to_parquet(path, index=False)
    return path
