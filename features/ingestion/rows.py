"""One table's mapping applied to a chunk of source rows: contract values and a reason per bad row.

``plan`` resolves the mapping against the source's header once (a key column the file lacks
is a ``MappingError``); ``map_rows`` then turns each chunk into accepted contract rows and
rejected source rows with the reason, so that nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import contract
from features.ingestion import codes, schema, values
from features.ingestion.mapping import ColumnSpec, MappingError, TableMapping

_PATTERNS = {
    "firm_id": (r"\d{10}", "-  ", "is not a 10-digit business registration number"),
    "district": (r"\d{5}", "", "is not a 5-digit 시군구 code"),
    "ksic": (r"[A-U]?\d{1,5}", "", "is not a KSIC code"),
}


@dataclass(frozen=True)
class Plan:
    """A table mapping resolved against a source header."""

    mapping: TableMapping
    sources: dict[str, str]  # target -> the source column it is read from
    absent: dict[str, tuple[str, ...]]  # optional targets whose source columns are all absent


@dataclass(frozen=True)
class MappedRows:
    accepted: pd.DataFrame  # contract columns, typed
    rejected: pd.DataFrame  # row, reason and the source values as read


def plan(mapping: TableMapping, header: list[str]) -> Plan:
    where = f"tables.{mapping.table}"
    present = set(header)
    for column in mapping.filters:
        if column not in present:
            raise MappingError(f"{where}.filter.{column}", "no such column in the source")
    sources, absent = {}, {}
    for spec in mapping.columns:
        found = next((s for s in spec.sources if s in present), None)
        if found is not None:
            sources[spec.target] = found
        elif spec.sources and spec.target in schema.REQUIRED[mapping.table]:
            hint = " (one column: is source.sep right?)" if len(header) == 1 else ""
            raise MappingError(
                f"{where}.{spec.where}.from",
                f"none of {list(spec.sources)} is in the source; it has {header}{hint}",
            )
        elif spec.sources:
            absent[spec.target] = spec.sources
    for position, spec in enumerate(mapping.columns):
        if spec.expr is None:
            continue
        earlier = set(mapping.targets[:position])
        unknown = spec.expr.names - earlier - present
        if unknown:
            raise MappingError(
                f"{where}.{spec.where}.expr",
                f"{sorted(unknown)} is neither a source column nor a column mapped above it",
            )
    return Plan(mapping, sources, absent)


def map_rows(source: pd.DataFrame, plan: Plan, first_row: int) -> MappedRows:
    """Contract rows for ``source`` (rows numbered from ``first_row``, 1 = first data row)."""
    rows = pd.RangeIndex(first_row, first_row + len(source))
    source = source.set_axis(rows)
    source = source[_kept(source, plan.mapping.filters)]
    problems = _Problems(source.index)
    mapped: dict[str, pd.Series] = {}
    for spec in plan.mapping.columns:
        raw = _raw(spec, source, plan, mapped)
        if raw is None:
            continue
        if spec.codes is not None:
            raw = values.translate(raw, spec.codes)
        mapped[spec.target] = _parse(plan.mapping, spec, raw, problems)
    frame = pd.DataFrame(mapped, index=source.index)
    _check_rows(plan.mapping.table, frame, problems)
    bad = problems.mask()
    rejected = source[bad].astype("string").reset_index(names="row")
    rejected.insert(1, "reason", problems.reasons()[bad])
    return MappedRows(frame[~bad].reset_index(drop=True), rejected)


def _kept(source: pd.DataFrame, filters: dict[str, tuple[str, ...]]) -> np.ndarray:
    keep = np.ones(len(source), bool)
    for column, allowed in filters.items():
        keep &= values.as_text(source[column]).isin(allowed).to_numpy(bool)
    return keep


def _raw(
    spec: ColumnSpec, source: pd.DataFrame, plan: Plan, mapped: dict[str, pd.Series]
) -> pd.Series | None:
    if spec.target in plan.sources:
        return source[plan.sources[spec.target]]
    if spec.row_number is not None:
        return pd.Series(spec.row_number + source.index.to_numpy() - 1, index=source.index)
    if spec.expr is not None:
        columns = {name: _operand(name, source, mapped) for name in spec.expr.names}
        return pd.Series(spec.expr.evaluate(columns, len(source)), index=source.index)
    if spec.sources:  # optional column absent from this source: left missing
        return None
    return pd.Series([spec.value] * len(source), index=source.index, dtype=object)


def _operand(name: str, source: pd.DataFrame, mapped: dict[str, pd.Series]) -> np.ndarray:
    """An expression's input: a contract column mapped above, else a source column; a mapped
    column whose source is absent from this file reads as missing."""
    if name in mapped:
        column = pd.to_numeric(mapped[name], errors="coerce")
    elif name in source.columns:
        column = values.numbers(source[name])[0]
    else:
        return np.full(len(source), np.nan)
    return column.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


Parsed = tuple[pd.Series, np.ndarray, str]  # values, bad rows, what is wrong with them


def _parse(
    mapping: TableMapping, spec: ColumnSpec, raw: pd.Series, problems: _Problems
) -> pd.Series:
    kind = schema.kind(mapping.table, spec.target)
    parsed, bad, problem = _PARSERS[kind](raw, spec, mapping)
    problems.add(bad, spec.target, raw, problem)
    return parsed


def _id_pattern(kind: str) -> Callable[[pd.Series, ColumnSpec, TableMapping], Parsed]:
    regex, strip, problem = _PATTERNS[kind]
    return lambda raw, spec, mapping: (*values.pattern(raw, regex, strip), problem)


def _year(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    return (*values.years(raw), f"is not a year in {values.FIRST_YEAR}-{values.LAST_YEAR}")


def _date(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    parsed = values.dates(raw, spec.date_format, spec.month, spec.day, spec.offset)
    return (*parsed, f"is not a date ({spec.date_format or 'YYYY-MM-DD, YYYYMMDD, YYYY.MM.DD'})")


def _amount(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    """Money in the column's or the table's unit -> 천원 (an expression is already in 천원)."""
    parsed, bad = values.numbers(raw)
    unit = spec.unit or (mapping.unit if spec.expr is None else "천원")
    return parsed * codes.UNITS[unit], bad, "is not a number"


def _number(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    parsed, bad = values.numbers(raw)
    return parsed * codes.UNITS[spec.unit or "천원"], bad, "is not a number"


def _yes_no(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    return (*values.yes_no(raw), "is not yes/no")


def _flag(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    return (*values.flags(raw), "is not yes/no or a number")


def _label(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    parsed, bad = values.flags(raw)
    bad = bad | (parsed.notna() & ~parsed.isin((0.0, 1.0))).to_numpy(bool)
    return parsed, bad, "is not a 0/1 label"


def _region(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    """A 시도 code; names are translated unless the mapping brings its own codes."""
    codes_or_names = raw if spec.codes is not None else values.translate(raw, "sido")
    return (*_choice(codes_or_names, tuple(contract.REGIONS)), "is not a 시도 code or name")


def _one_of(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    allowed = schema.CHOICES[spec.target]
    return (*_choice(raw, allowed), f"is not one of {', '.join(allowed)}")


def _text(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    return values.as_text(raw), np.zeros(len(raw), bool), ""


def _choice(raw: pd.Series, allowed: tuple[str, ...]) -> tuple[pd.Series, np.ndarray]:
    text = values.as_text(raw)
    bad = text.notna() & ~text.isin(allowed)
    return text.where(~bad), bad.to_numpy(bool)


_PARSERS: dict[str, Callable[[pd.Series, ColumnSpec, TableMapping], Parsed]] = {
    **{kind: _id_pattern(kind) for kind in _PATTERNS},
    "year": _year,
    "date": _date,
    "money": _amount,
    "number": _number,
    "bool": _yes_no,
    "flag": _flag,
    "label": _label,
    "region": _region,
    "choice": _one_of,
    "text": _text,
}


def _check_rows(table: str, frame: pd.DataFrame, problems: _Problems) -> None:
    """Contract rules across a row: keys present, amounts not negative, dates in order."""
    for column in schema.REQUIRED[table]:
        missing = frame[column].isna().to_numpy(bool) & ~problems.flagged(column)
        problems.add(missing, column, None, "is missing (a key)")
    for column in schema.NON_NEGATIVE & set(frame.columns):
        negative = (frame[column] < 0).fillna(False).to_numpy(bool)
        problems.add(negative, column, frame[column], "is negative")
    if table == "financials":
        early = (frame["filed_on"] < frame["period_end"]).fillna(False).to_numpy(bool)
        problems.add(early, "filed_on", frame["filed_on"], "is before period_end")
    if table == "regional":
        early = (frame["published_on"].dt.year < frame["period"]).fillna(False).to_numpy(bool)
        problems.add(early, "published_on", frame["published_on"], "is before its period")
    if table == "labels":
        keys = [c for c in ("fiscal_year", "as_of") if c in frame.columns]
        unkeyed = frame[keys].isna().all(axis=1).to_numpy(bool)
        problems.add(unkeyed, "fiscal_year/as_of", None, "is missing (a key)")


class _Problems:
    """Reasons per row, collected column by column."""

    def __init__(self, index: pd.Index) -> None:
        self._reasons = np.full(len(index), "", dtype=object)
        self._flagged: dict[str, np.ndarray] = {}

    def flagged(self, column: str) -> np.ndarray:
        return self._flagged.get(column, np.zeros(len(self._reasons), bool))

    def add(self, bad: np.ndarray, column: str, raw: pd.Series | None, problem: str) -> None:
        if not bad.any():
            return
        self._flagged[column] = self.flagged(column) | bad
        if raw is None:
            text = np.full(int(bad.sum()), f"{column} {problem}", dtype=object)
        else:
            shown = raw.astype("string").fillna("").to_numpy(object)[bad]
            text = np.array([f"{column} {value!r} {problem}" for value in shown], dtype=object)
        current = self._reasons[bad]
        self._reasons[bad] = np.where(current == "", text, current + "; " + text)

    def mask(self) -> np.ndarray:
        return self._reasons != ""

    def reasons(self) -> np.ndarray:
        return self._reasons
