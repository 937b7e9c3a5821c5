"""This month's changes per centre ("이번 달 변화"), read from the monthly re-score's files.

``ews monthly score --as-of 2026-11-30`` writes ``<data>/monthly/scores-2026-11-30.parquet``:
one row per firm with its PD and grade on the month-end, last month's, the month's new arrears
or delinquency events and, as rows of their own, the firms that failed in the month. Each file
is read once (kept by path, modification time and size, so a re-run is read again) and its
columns the lists need only; a region's lists are then cuts of that frame.

Which firm goes where: a grade rise has a higher grade than last month; a new trigger had an
arrears or 30-day delinquency event in the month (whatever its grade did); a failed firm had its
first default-type event in the month (out of the population, no PD); stale data are firms
graded last month whose latest statement is now too old for a grade (자료 오래됨).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from serving.domain.firm_names import name_index
from serving.domain.region_codes import district_name, is_region, region_names
from serving.domain.state import Snapshot
from serving.errors import UnknownFirm
from serving.schemas.changes import ChangedFirm, ChangesOut

MONTHLY_DIR: Final = "monthly"  # under the data folder, as `ews monthly score` writes it
_FILE: Final = re.compile(r"^scores-(\d{4}-\d{2})-\d{2}\.parquet$")
COLUMNS: Final = (
    "firm_id",
    "as_of",
    "region",
    "district",
    "pd",
    "grade",
    "status",
    "statement_period_end",
    "statement_age_months",
    "previous_as_of",
    "previous_pd",
    "previous_grade",
    "grade_change",
    "new_triggers",
    "new_trigger_count",
    "failed_on",
    "failure_event",
    "change",
)
REASON_COLUMNS: Final = tuple(f"reason_{k}_ko" for k in range(1, 4))
COMMAND: Final = "ews monthly score --as-of YYYY-MM-DD"
KEPT_FILES: Final = 4  # months held in memory (this month, last month and a couple chosen)


def monthly_folder(data_dir: Path) -> Path:
    return data_dir / MONTHLY_DIR


def monthly_files(data_dir: Path) -> dict[str, Path]:
    """Each month's scores file (``YYYY-MM`` → path), newest first; a half-written
    ``.partial`` file is never listed."""
    folder = monthly_folder(data_dir)
    found: dict[str, Path] = {}
    if folder.is_dir():
        for path in folder.iterdir():
            match = _FILE.match(path.name)
            if match and path.is_file():
                found[match.group(1)] = path
    return dict(sorted(found.items(), reverse=True))


def missing_message(data_dir: Path, month: str | None = None) -> str:
    """What to tell a caller when the month has no scores, with the command that makes them."""
    folder = monthly_folder(data_dir)
    if month is None:
        return f"no monthly scores in {folder}: run `{COMMAND}` (docs/monthly.md)"
    return (
        f"no monthly scores for {month} in {folder}: run `{COMMAND}` with that month's last "
        "day (docs/monthly.md)"
    )


@dataclass(frozen=True)
class MonthlyScores:
    """One month's file as read: its rows (the columns the lists use) and where it came from."""

    month: str
    path: Path
    rows: pd.DataFrame
    months: tuple[str, ...]  # every month with a file, newest first

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.month) + pd.offsets.MonthEnd(0)


_lock = threading.Lock()
_kept: OrderedDict[tuple[str, int, int], pd.DataFrame] = OrderedDict()


def read_scores(path: Path) -> pd.DataFrame:
    """The file's rows, read once per version of the file (path, mtime, size)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    names = set(pq.read_schema(path).names)
    wanted = [c for c in (*COLUMNS, *REASON_COLUMNS) if c in names]
    rows = pd.read_parquet(path, columns=wanted)
    for column in (*COLUMNS, *REASON_COLUMNS):
        if column not in rows.columns:  # an older or partial layout: the column is empty
            rows[column] = pd.NA
    rows["firm_id"] = rows["firm_id"].astype("string").astype(object)
    with _lock:
        _kept[key] = rows
        while len(_kept) > KEPT_FILES:
            _kept.popitem(last=False)
    return rows


def read_month(data_dir: Path, month: str | None = None) -> MonthlyScores:
    """The chosen month's scores (the newest when ``month`` is None); ``UnknownFirm`` (404)
    saying which command makes them when there are none."""
    files = monthly_files(data_dir)
    if not files:
        raise UnknownFirm(missing_message(data_dir))
    chosen = month or next(iter(files))
    if chosen not in files:
        listed = ", ".join(files)
        raise UnknownFirm(f"{missing_message(data_dir, chosen)}; months held: {listed}")
    return MonthlyScores(chosen, files[chosen], read_scores(files[chosen]), tuple(files))


def region_rows(scores: MonthlyScores, region: str) -> pd.DataFrame:
    """The region's rows; "00" holds firms without a (known) region."""
    return scores.rows[is_region(scores.rows["region"], region)]


@dataclass(frozen=True)
class Sections:
    """A region's rows split into the page's four lists (row positions of ``rows``)."""

    rows: pd.DataFrame
    grade_rises: pd.DataFrame
    new_triggers: pd.DataFrame
    failed: pd.DataFrame
    became_stale: pd.DataFrame


def sections(rows: pd.DataFrame) -> Sections:
    status = rows["status"].astype("string")
    failed = (status == "failed").fillna(False).to_numpy(dtype=bool)
    rises = pd.to_numeric(rows["grade_change"], errors="coerce").fillna(0).to_numpy() > 0
    count = pd.to_numeric(rows["new_trigger_count"], errors="coerce").fillna(0).to_numpy()
    graded_before = pd.to_numeric(rows["previous_pd"], errors="coerce").notna().to_numpy()
    stale = (status == "stale").fillna(False).to_numpy(dtype=bool)
    marked = (rows["change"].astype("string") == "became_stale").fillna(False).to_numpy(bool)
    by_pd = ["pd", "firm_id"]
    return Sections(
        rows,
        rows[rises & ~failed].sort_values(by_pd, ascending=[False, True], na_position="last"),
        rows[(count > 0) & ~failed].sort_values(by_pd, ascending=[False, True], na_position="last"),
        rows[failed].sort_values(["failed_on", "firm_id"], na_position="last"),
        rows[(marked | (stale & graded_before)) & ~failed].sort_values("firm_id"),
    )


def _value(value: object) -> object:
    """A cell as JSON wants it: None for every kind of missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _date(value: object) -> object:
    value = _value(value)
    return None if value is None else pd.Timestamp(value).date()  # type: ignore[arg-type]


def changed_firm(row: pd.Series, names: Callable[[str], str | None]) -> ChangedFirm:
    firm_id = str(row["firm_id"])
    triggers = _value(row["new_triggers"])
    district = _value(row["district"])
    change = _value(row["grade_change"])
    return ChangedFirm(
        firm_id=firm_id,
        name=names(firm_id),
        district=None if district is None else str(district),
        district_name=district_name(district),
        pd=_value(row["pd"]),  # type: ignore[arg-type]
        grade=_value(row["grade"]),  # type: ignore[arg-type]
        previous_pd=_value(row["previous_pd"]),  # type: ignore[arg-type]
        previous_grade=_value(row["previous_grade"]),  # type: ignore[arg-type]
        grade_change=None if change is None else int(change),  # type: ignore[call-overload]
        new_triggers=[t for t in str(triggers).split(",") if t] if triggers else [],
        failed_on=_date(row["failed_on"]),  # type: ignore[arg-type]
        failure_event=_value(row["failure_event"]),  # type: ignore[arg-type]
        statement_period_end=_date(row["statement_period_end"]),  # type: ignore[arg-type]
        statement_age_months=_value(row["statement_age_months"]),  # type: ignore[arg-type]
        reasons_ko=[str(r) for r in (_value(row[c]) for c in REASON_COLUMNS) if r],
    )


def no_names(_: str) -> str | None:
    return None


def snapshot_names(snapshot: Snapshot) -> Callable[[str], str | None]:
    """Firm names from the served tables (the monthly file holds none)."""
    rows = name_index(snapshot).firm_rows
    firms = snapshot.tables.firms
    if "name" not in firms.columns:
        return no_names
    column = firms["name"]

    def name(firm_id: str) -> str | None:
        row = rows.get(firm_id)
        value = None if row is None else _value(column.iloc[row])
        return None if value is None else str(value)

    return name


def region_changes(
    scores: MonthlyScores, region: str, names: Callable[[str], str | None] = no_names
) -> ChangesOut:
    """The region's four lists on the month's file."""
    cut = sections(region_rows(scores, region))
    previous = scores.rows["previous_as_of"].dropna()
    ko, en = region_names(region)

    def listed(frame: pd.DataFrame) -> list[ChangedFirm]:
        return [changed_firm(row, names) for _, row in frame.iterrows()]

    return ChangesOut(
        region=region,
        region_name_ko=ko,
        region_name_en=en,
        month=scores.month,
        as_of=scores.as_of.date(),
        previous_as_of=pd.Timestamp(previous.iloc[0]).date() if len(previous) else None,
        months=list(scores.months),
        firms_scored=len(cut.rows),
        grade_rises=listed(cut.grade_rises),
        new_triggers=listed(cut.new_triggers),
        failed=listed(cut.failed),
        became_stale=listed(cut.became_stale),
        source=scores.path.name,
    )
