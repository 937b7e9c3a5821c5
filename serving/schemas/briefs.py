"""The regional brief (위기예방계획 초안): a region's figures as named tables, each with its
as-of date and data source, so the page, the PDF and the workbook show the same numbers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from serving.schemas.regions import StageOut

ColumnKind = Literal["text", "count", "number", "share", "points"]
Cell = str | int | float | None


class BriefColumn(BaseModel):
    key: str
    label_ko: str
    label_en: str
    kind: ColumnKind = Field(
        description="text; count (whole number); number; share (0.25 = 25 %); points "
        "(probability points, 0.01 = 1 %p)"
    )


class BriefSource(BaseModel):
    """Where a table's figures come from and on which date they stand."""

    as_of: dt.date
    source_ko: str
    source_en: str


class BriefTable(BaseModel):
    """One table of the brief: one sheet of the workbook, one section of the page."""

    key: str = Field(description="Short name; the workbook's sheet name")
    title_ko: str
    title_en: str
    note_ko: str = ""
    note_en: str = ""
    source: BriefSource
    columns: list[BriefColumn]
    rows: list[list[Cell]] = Field(description="One list per row, in the order of the columns")

    def column(self, key: str) -> list[Cell]:
        """The values of one column, row by row."""
        at = [c.key for c in self.columns].index(key)
        return [row[at] for row in self.rows]


class BriefTotals(BaseModel):
    """The region's headline figures at the brief's as-of date (firms with a PD only)."""

    n_firms: int
    expected: float = Field(description="Expected distressed firms within 12 months (Σ PD)")
    expected_rate: float
    employees_at_risk: float = Field(description="Σ PD × employees over firms that report them")
    payroll_at_risk: float = Field(description="Σ PD × annual payroll, 백만원")
    n_without_employees: int = Field(description="Firms with a PD but no employee count")
    n_without_payroll: int = Field(description="Firms with a PD but no payroll")
    n_stale: int
    n_in_state: int


class BriefOmitted(BaseModel):
    """A section the brief cannot give yet, and why (never invented figures)."""

    key: str
    title_ko: str
    title_en: str
    reason_ko: str
    reason_en: str


class BriefOut(BaseModel):
    region: str
    region_ko: str
    region_en: str
    as_of: dt.date
    previous_as_of: dt.date | None
    as_of_dates: list[dt.date] = Field(description="The stored as-of dates a brief can be for")
    model_name: str
    model_version: str
    stage: StageOut
    totals: BriefTotals
    tables: list[BriefTable]
    omitted: list[BriefOmitted]

    def table(self, key: str) -> BriefTable:
        return next(t for t in self.tables if t.key == key)
