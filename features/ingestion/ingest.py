"""``ingest``: a source file + a mapping -> validated contract rows in the raw folder.

The recipe: read the file in chunks; per table the mapping feeds, map and check every row;
sum rows up where the mapping says so (district counts to 시도 figures); upsert the accepted
rows on the table's keys; write the rejected rows, each with its reason, to a quarantine file.
Every row read is accounted for: rows in = accepted + quarantined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from features.ingestion.mapping import Mapping, MappingError, TableMapping
from features.ingestion.rows import Plan, map_rows, plan
from features.ingestion.sources import open_source
from features.ingestion.store import Upserted, quarantine, upsert


@dataclass(frozen=True)
class TableReport:
    """What one table got from one source file."""

    table: str
    rows_in: int  # source rows this table read (after its filter)
    accepted: int
    quarantined: int
    filtered_out: int  # source rows the table's filter skipped
    written: Upserted | None
    quarantine_file: Path | None
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)  # left missing


@dataclass
class _Collected:
    plan: Plan
    accepted: list[pd.DataFrame] = field(default_factory=list)
    rejected: list[pd.DataFrame] = field(default_factory=list)
    filtered_out: int = 0


def ingest(
    source: Path,
    mapping: Mapping,
    raw_dir: Path,
    tables: Sequence[str] | None = None,
    encoding: str | None = None,
    progress: bool = False,
    strict: bool = False,
) -> list[TableReport]:
    """Ingest ``source`` into ``raw_dir`` for the mapping's tables (or the ``tables`` named).

    A mapped source column that the file lacks leaves its contract column missing (reported);
    with ``strict`` it is a ``MappingError`` instead, raised before anything is written.
    """
    chosen = _choose(mapping, tables)
    options = mapping.source if encoding is None else replace(mapping.source, encoding=encoding)
    opened = open_source(Path(source), options)
    collected = {t.table: _Collected(plan(t, opened.header)) for t in chosen}
    if strict:
        _check_complete([item.plan for item in collected.values()], opened.header)
    first_row = 1
    with tqdm(
        total=opened.total_rows,
        unit="rows",
        desc=f"ingest {opened.path.name}",
        disable=not progress,
    ) as bar:
        for chunk in opened.chunks:
            for item in collected.values():
                rows = map_rows(chunk, item.plan, first_row)
                item.accepted.append(rows.accepted)
                item.rejected.append(rows.rejected)
                item.filtered_out += len(chunk) - len(rows.accepted) - len(rows.rejected)
            first_row += len(chunk)
            bar.update(len(chunk))
    return [_store(item, raw_dir, opened.path) for item in collected.values()]


def _check_complete(plans: list[Plan], header: list[str]) -> None:
    for item in plans:
        for target, sources in item.absent.items():
            raise MappingError(
                f"tables.{item.mapping.table}.columns.{target}.from",
                f"none of {list(sources)} is in the source (strict); it has {header}",
            )


def _choose(mapping: Mapping, tables: Sequence[str] | None) -> list[TableMapping]:
    if not tables:
        return list(mapping.tables.values())
    for table in tables:
        if table not in mapping.tables:
            raise MappingError(
                f"tables.{table}",
                f"the mapping {mapping.name!r} has no section for it "
                f"(it maps {', '.join(mapping.tables)})",
            )
    return [mapping.tables[t] for t in tables]


def _store(item: _Collected, raw_dir: Path, source: Path) -> TableReport:
    mapping = item.plan.mapping
    accepted = _concat(item.accepted)
    rejected = _concat(item.rejected)
    rows = accepted
    if mapping.aggregate_by:
        rows = aggregate(accepted, mapping.aggregate_by, mapping.percent_change)
    written = upsert(mapping.table, rows, raw_dir) if len(rows) else None
    return TableReport(
        table=mapping.table,
        rows_in=len(accepted) + len(rejected),
        accepted=len(accepted),
        quarantined=len(rejected),
        filtered_out=item.filtered_out,
        written=written,
        quarantine_file=quarantine(rejected, raw_dir, source, mapping.table),
        absent=item.plan.absent,
    )


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)] or parts[:1]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def aggregate(
    rows: pd.DataFrame, by: Sequence[str], percent_change: Sequence[str] = ()
) -> pd.DataFrame:
    """Sum the other columns over rows sharing ``by``; then, for ``percent_change`` columns,
    the % change on the previous period within the same groups (missing after a gap)."""
    values = [c for c in rows.columns if c not in by]
    summed = rows.groupby(list(by), dropna=False)[values].sum(min_count=1).reset_index()
    groups = [c for c in by if c not in ("period", "published_on")]
    summed = summed.sort_values([*groups, "period"], kind="stable").reset_index(drop=True)
    previous = summed.groupby(groups, dropna=False) if groups else summed
    follows = previous["period"].shift() == summed["period"] - 1
    for column in percent_change:
        growth = 100 * (summed[column] / previous[column].shift() - 1)
        summed[column] = growth.where(follows)
    return summed
