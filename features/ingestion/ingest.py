"""``ingest``: a source file + a mapping -> validated contract rows in the raw folder.

The recipe: find the firm ids that collide over the whole file (where a mapping pads codes);
read the file in chunks; per table the mapping feeds, map and check every row; sum rows up
where the mapping says so (district counts to 시도 figures); upsert the accepted rows on the
table's keys; write the rejected rows and the rejected cells, each with its reason, to a
quarantine file. Every row read is accounted for: rows in = accepted + quarantined; a rejected
cell leaves its row accepted with that value missing, and is counted per column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from features.ingestion.identifiers import collisions
from features.ingestion.mapping import Mapping, MappingError, TableMapping
from features.ingestion.rows import Plan, id_columns, id_pairs, map_rows, plan
from features.ingestion.sources import Source, open_source
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
    cells: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> problem -> count

    @property
    def cells_missing(self) -> int:
        """Values of accepted rows that broke the contract and were set missing."""
        return sum(sum(problems.values()) for problems in self.cells.values())

    def cell_summary(self) -> str:
        """``revenue 3 (is negative), sga 2 (is negative 1, is not a number 1)``."""
        parts = []
        for column, problems in self.cells.items():
            each = [p if len(problems) == 1 else f"{p} {n:,}" for p, n in problems.items()]
            parts.append(f"{column} {sum(problems.values()):,} ({', '.join(each)})")
        return ", ".join(parts)


@dataclass
class _Collected:
    plan: Plan
    accepted: list[pd.DataFrame] = field(default_factory=list)
    rejected: list[pd.DataFrame] = field(default_factory=list)
    cells: list[pd.DataFrame] = field(default_factory=list)
    cell_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
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
    _find_collisions(list(collected.values()), opened)
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
                item.cells.append(rows.cells)
                item.cell_counts.update(rows.cell_counts)
                item.filtered_out += len(chunk) - len(rows.accepted) - len(rows.rejected)
            first_row += len(chunk)
            bar.update(len(chunk))
    return [_store(item, raw_dir, opened.path) for item in collected.values()]


def _find_collisions(collected: list[_Collected], opened: Source) -> None:
    """Read the id columns once where a mapping pads codes, so that the rows of two source ids
    that become one stored id are quarantined in every chunk, not merged."""
    checked = [item for item in collected if id_columns(item.plan)]
    if not checked:
        return
    columns = sorted({c for item in checked for c in id_columns(item.plan)})
    pairs: dict[str, list[pd.DataFrame]] = {item.plan.mapping.table: [] for item in checked}
    for chunk in opened.columns(columns):
        for item in checked:
            pairs[item.plan.mapping.table].append(id_pairs(chunk, item.plan))
    for item in checked:
        item.plan = replace(item.plan, collisions=collisions(pairs[item.plan.mapping.table]))


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
    cells = _concat(item.cells)
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
        quarantine_file=quarantine(rejected, cells, raw_dir, source, mapping.table),
        absent=item.plan.absent,
        cells=_by_column(item.cell_counts),
    )


def _by_column(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Column -> problem -> count; the most common problems first."""
    by_column: dict[str, dict[str, int]] = {}
    for (column, problem), count in sorted(counts.items(), key=lambda c: (-c[1], c[0][1])):
        by_column.setdefault(column, {})[problem] = count
    return by_column


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
