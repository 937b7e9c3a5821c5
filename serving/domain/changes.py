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

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from serving.domain.firm_names import name_index
from serving.domain.region_codes import district_name, is_region, region_names, served_regions
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
LIMIT: Final = 200  # firms per list on a page or in one answer; the counts say how many in all
MAX_LIMIT: Final = 5000
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
class Sections:
    """A region's rows (those some list shows; "00": firms without a known region) and its
    four lists."""

    rows: pd.DataFrame
    grade_rises: pd.DataFrame
    new_triggers: pd.DataFrame
    failed: pd.DataFrame
    became_stale: pd.DataFrame


@dataclass(frozen=True)
class MonthFile:
    """What the service keeps of one file: the rows some list shows (a small share of a
    national file), each with its PD rank in its region this month and last, and every
    region's number of rows."""

    rows: pd.DataFrame
    scored: dict[str, int]
    regions: dict[str, Sections] = field(default_factory=dict)  # cut on first ask

    def sections(self, region: str) -> Sections:
        """The region's lists, cut and sorted once per file."""
        found = self.regions.get(region)
        if found is None:
            found = sections(self.rows[is_region(self.rows["region"], region)])
            self.regions[region] = found  # two first asks at once cut it twice, both alike
        return found


@dataclass(frozen=True)
class MonthlyScores:
    """One month's file as kept, and where it came from."""

    month: str
    path: Path
    file: MonthFile
    months: tuple[str, ...]  # every month with a file, newest first

    @property
    def rows(self) -> pd.DataFrame:
        return self.file.rows

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.month) + pd.offsets.MonthEnd(0)


_lock = threading.Lock()
_kept: OrderedDict[tuple[str, int, int], MonthFile] = OrderedDict()
_MASK_COLUMNS: Final = (
    "region",
    "pd",
    "previous_pd",
    "grade_change",
    "new_trigger_count",
    "status",
    "change",
)


def _masks(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each list's rows (the module docstring says who goes where)."""
    status = rows["status"].astype("string")
    failed = (status == "failed").fillna(False).to_numpy(dtype=bool)
    rises = pd.to_numeric(rows["grade_change"], errors="coerce").fillna(0).to_numpy() > 0
    count = pd.to_numeric(rows["new_trigger_count"], errors="coerce").fillna(0).to_numpy() > 0
    graded_before = pd.to_numeric(rows["previous_pd"], errors="coerce").notna().to_numpy()
    stale = (status == "stale").fillna(False).to_numpy(dtype=bool)
    marked = (rows["change"].astype("string") == "became_stale").fillna(False).to_numpy(bool)
    return {
        "grade_rises": rises & ~failed,
        "new_triggers": count & ~failed,
        "failed": failed,
        "became_stale": (marked | (stale & graded_before)) & ~failed,
    }


def listed(rows: pd.DataFrame) -> np.ndarray:
    """Rows some list shows: a grade rise, a trigger, a failure or data that became stale."""
    masks = list(_masks(rows).values())
    return np.logical_or.reduce(masks) if len(rows) else np.zeros(0, dtype=bool)


def read_scores(path: Path) -> MonthFile:
    """The file as the lists need it, read once per version of the file (path, mtime, size):
    the few columns that decide which rows any list shows first, then only those rows'."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    found = _read(path)
    with _lock:
        _kept[key] = found
        while len(_kept) > KEPT_FILES:
            _kept.popitem(last=False)
    return found


def _read(path: Path) -> MonthFile:
    names = set(pq.read_schema(path).names)
    wanted = [c for c in (*COLUMNS, *REASON_COLUMNS) if c in names]
    table = pq.read_table(path, columns=wanted)
    present = [c for c in _MASK_COLUMNS if c in names]
    deciding = _filled(table.select(present).to_pandas(), _MASK_COLUMNS)
    region = pd.Series(served_regions(deciding["region"]).to_numpy())
    scored = {str(code): int(n) for code, n in region.value_counts().items()}
    by_region = pd.DataFrame(
        {
            "pd": pd.to_numeric(deciding["pd"], errors="coerce"),
            "previous_pd": pd.to_numeric(deciding["previous_pd"], errors="coerce"),
        }
    ).groupby(region.to_numpy())
    ranks = {
        f"{column}_rank": by_region[column].rank(method="first", ascending=False).to_numpy()
        for column in ("pd", "previous_pd")
    }
    keep = listed(deciding)
    rows = _filled(table.filter(pa.array(keep)).to_pandas(), (*COLUMNS, *REASON_COLUMNS))
    rows = rows.assign(**{name: values[keep] for name, values in ranks.items()})
    rows["firm_id"] = rows["firm_id"].astype("string").astype(object)
    return MonthFile(rows.reset_index(drop=True), scored)


def _filled(rows: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The ``columns`` an older or partial layout lacks, as empty columns."""
    for column in columns:
        if column not in rows.columns:
            rows[column] = pd.NA
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


def sections(rows: pd.DataFrame) -> Sections:
    masks = _masks(rows)
    by_pd = {"by": ["pd", "firm_id"], "ascending": [False, True], "na_position": "last"}
    return Sections(
        rows,
        rows[masks["grade_rises"]].sort_values(**by_pd),  # type: ignore[call-overload]
        rows[masks["new_triggers"]].sort_values(**by_pd),  # type: ignore[call-overload]
        rows[masks["failed"]].sort_values(["failed_on", "firm_id"], na_position="last"),
        rows[masks["became_stale"]].sort_values("firm_id"),
    )


def _value(value: object) -> Any:
    """A cell as JSON wants it: None for every kind of missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _date(value: object) -> dt.date | None:
    known = _value(value)
    return None if known is None else pd.Timestamp(known).date()


def changed_firm(row: Mapping[str, Any], names: Callable[[str], str | None]) -> ChangedFirm:
    firm_id = str(row["firm_id"])
    triggers = _value(row["new_triggers"])
    district = _value(row["district"])
    change = _value(row["grade_change"])
    return ChangedFirm(
        firm_id=firm_id,
        name=names(firm_id),
        district=None if district is None else str(district),
        district_name=district_name(district),
        pd=_value(row["pd"]),
        grade=_value(row["grade"]),
        previous_pd=_value(row["previous_pd"]),
        previous_grade=_value(row["previous_grade"]),
        grade_change=None if change is None else int(change),  # type: ignore[call-overload]
        new_triggers=[t for t in str(triggers).split(",") if t] if triggers else [],
        failed_on=_date(row["failed_on"]),
        failure_event=_value(row["failure_event"]),
        statement_period_end=_date(row["statement_period_end"]),
        statement_age_months=_value(row["statement_age_months"]),
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
    scores: MonthlyScores,
    region: str,
    names: Callable[[str], str | None] = no_names,
    limit: int = LIMIT,
) -> ChangesOut:
    """The region's four lists on the month's file, each cut to its first ``limit`` firms
    (``counts`` says how many each holds in all)."""
    cut = scores.file.sections(region)
    ko, en = region_names(region)
    lists = {
        "grade_rises": cut.grade_rises,
        "new_triggers": cut.new_triggers,
        "failed": cut.failed,
        "became_stale": cut.became_stale,
    }

    def shown(frame: pd.DataFrame) -> list[ChangedFirm]:
        return [changed_firm(row, names) for row in frame.head(limit).to_dict("records")]

    return ChangesOut(
        region=region,
        region_name_ko=ko,
        region_name_en=en,
        month=scores.month,
        as_of=scores.as_of.date(),
        previous_as_of=(scores.as_of - pd.offsets.MonthEnd(1)).date(),
        months=list(scores.months),
        firms_scored=scores.file.scored.get(region, 0),
        counts={key: len(frame) for key, frame in lists.items()},
        limit=limit,
        **{key: shown(frame) for key, frame in lists.items()},
        source=scores.path.name,
    )
