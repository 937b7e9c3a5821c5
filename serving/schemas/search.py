"""Firm search by name: what ``GET /v1/firms?q=`` answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class FirmMatch(BaseModel):
    """One firm whose name (or id) matches, with where it is and its latest grade."""

    firm_id: str
    name: str | None = Field(description="기업명 (null for a firm stored without one)")
    region: str = Field(description='시도 code; "00" 지역 미상 for a firm stored without one')
    district: str | None = Field(description="시군구 code as stored")
    district_name: str | None = Field(
        description="시군구 name (null for a missing code or one the service does not know)"
    )
    grade: str | None = Field(description="Latest grade (null: stale data or not scorable)")
    grade_en: str | None


class FirmSearchOut(BaseModel):
    """Matches within the caller's region: the exact id or name first, then names starting
    with the query, then the rest, each group by name."""

    query: str = Field(description="The query as matched: spaces and 주식회사/(주) marks removed")
    as_of: dt.date = Field(description="As-of date of the stored data the grades are from")
    total: int = Field(description="How many firms match (more than listed when over the limit)")
    firms: list[FirmMatch]
