"""One table's mapping applied to a chunk of source rows: contract rows, and what was wrong.

``plan`` resolves the mapping against the source's header once (a key column the file lacks
is a ``MappingError``); ``map_rows`` then turns each chunk into accepted contract rows, the
rejected rows and the rejected cells, each with its reason, so that nothing is dropped silently.
A broken key (a key column missing or unreadable, an id collision, a filing before its period
end) rejects its row; any other value that breaks the contract only empties its cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core import contract, ksic
from features.ingestion import codes, schema, values
from features.ingestion.identifiers import id_text, parse_ids
from features.ingestion.mapping import ColumnSpec, MappingError, TableMapping

_PATTERNS = {"district": (r"\d{5}", "", "is not a 5-digit 시군구 code")}
# The first columns of a quarantine line; the source row as read follows.
QUARANTINE_COLUMNS = ("row", "column", "value", "reason")


@dataclass(frozen=True)
class Plan:
    """A table mapping resolved against a source (its header, and its ids over all rows)."""

    mapping: TableMapping
    sources: dict[str, str]  # target -> the source column it is read from
    absent: dict[str, tuple[str, ...]]  # optional targets whose source columns are all absent
    collisions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # stored id -> sources


@dataclass(frozen=True)
class MappedRows:
    accepted: pd.DataFrame  # contract columns, typed; rejected cells are missing
    rejected: pd.DataFrame  # a line per rejected row: all its reasons and its source values
    cells: pd.DataFrame  # a line per rejected cell of an accepted row
    cell_counts: Counter[tuple[str, str]]  # (column, problem) -> cells set missing


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
    problems = _Problems(source.index, schema.key_columns(plan.mapping.table))
    mapped: dict[str, pd.Series] = {}
    for spec in plan.mapping.columns:
        raw = _raw(spec, source, plan, mapped)
        if raw is None:
            continue
        if spec.codes is not None:
            raw = values.translate(raw, spec.codes)
        mapped[spec.target] = _parse(plan.mapping, spec, raw, problems)
        if spec.target == "firm_id" and plan.collisions:
            _check_collisions(mapped["firm_id"], raw, plan.collisions, problems)
    frame = pd.DataFrame(mapped, index=source.index)
    _check_rows(plan.mapping.table, frame, problems)
    bad = problems.rejected()
    cells, counts = problems.cells(~bad, source)
    rejected = _lines(source[bad], "", "", problems.reasons()[bad])
    return MappedRows(frame[~bad].reset_index(drop=True), rejected, cells, counts)


def id_columns(plan: Plan) -> list[str]:
    """The source columns the id collision check reads; none where ids cannot collide."""
    spec = _id_spec(plan)
    if spec is None or not spec.ids.can_collide or "firm_id" not in plan.sources:
        return []
    return [plan.sources["firm_id"], *plan.mapping.filters]


def id_pairs(source: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Distinct (stored, source) id pairs of a chunk's rows that the table's filter keeps."""
    spec = _id_spec(plan)
    assert spec is not None, "id_pairs is for tables whose id_columns are known"
    raw = source[_kept(source, plan.mapping.filters)][plan.sources["firm_id"]]
    if spec.codes is not None:
        raw = values.translate(raw, spec.codes)
    ids = parse_ids(raw, spec.ids)
    return pd.DataFrame({"stored": ids.stored, "source": ids.source}).dropna().drop_duplicates()


def _id_spec(plan: Plan) -> ColumnSpec | None:
    return next((s for s in plan.mapping.columns if s.target == "firm_id"), None)


def _check_collisions(
    ids: pd.Series, raw: pd.Series, collisions: dict[str, tuple[str, ...]], problems: _Problems
) -> None:
    hit = ids.isin(list(collisions)).to_numpy(bool)
    if not hit.any():
        return
    shown = raw.astype("string").fillna("").to_numpy(object)[hit]
    reasons = [
        f"firm_id {value!r}: the source ids {' and '.join(map(repr, collisions[stored]))} "
        f"are all stored as {stored!r} (an id collision: quarantined, not merged)"
        for value, stored in zip(shown, ids[hit], strict=True)
    ]
    problems.add(hit, "firm_id", raw, "collides", np.array(reasons, dtype=object))


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


@dataclass(frozen=True)
class _Flaw:
    bad: np.ndarray  # rows whose present value breaks the rule
    problem: str  # what is wrong, e.g. "is negative"; rejected cells are counted by it
    reasons: np.ndarray | None = None  # the bad rows' full reasons, where they need details


Parsed = tuple[pd.Series, list[_Flaw]]  # values, and what is wrong with which of them


def _parse(
    mapping: TableMapping, spec: ColumnSpec, raw: pd.Series, problems: _Problems
) -> pd.Series:
    """The column's contract values; a value that breaks a rule is reported and made missing."""
    parsed, flaws = _PARSERS[schema.kind(mapping.table, spec.target)](raw, spec, mapping)
    if spec.target in schema.NON_NEGATIVE:
        flaws.append(_Flaw((parsed < 0).fillna(False).to_numpy(bool), "is negative"))
    if schema.kind(mapping.table, spec.target) == "money":
        huge = (parsed.abs() >= schema.AMOUNT_LIMIT).fillna(False).to_numpy(bool)
        flaws.append(_Flaw(huge, schema.AMOUNT_LIMIT_PROBLEM))
    broken = np.zeros(len(raw), bool)
    for flaw in flaws:
        problems.add(flaw.bad, spec.target, raw, flaw.problem, flaw.reasons)
        broken |= flaw.bad
    return parsed.mask(broken)


def _one(parsed: tuple[pd.Series, np.ndarray], problem: str) -> Parsed:
    return parsed[0], [_Flaw(parsed[1], problem)]


def _id_pattern(kind: str) -> Callable[[pd.Series, ColumnSpec, TableMapping], Parsed]:
    regex, strip, problem = _PATTERNS[kind]
    return lambda raw, spec, mapping: _one(values.pattern(raw, regex, strip), problem)


def _firm_id(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    ids = parse_ids(raw, spec.ids)
    return ids.stored, [_Flaw(bad, problem) for bad, problem in ids.flaws]


def _ksic(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    """A KSIC code at any depth, stored as ``core.ksic.normalise`` gives it."""

    def one(code: str) -> str | ksic.KsicError:
        try:
            return ksic.normalise(code)
        except ksic.KsicError as error:
            return error

    checked = values.per_unique(id_text(raw), one)
    errors = checked.map(lambda v: isinstance(v, ksic.KsicError)).fillna(False).to_numpy(bool)
    reasons = np.array([f"ksic {error}" for error in checked[errors]], dtype=object)
    return checked.where(~errors).astype("string"), [_Flaw(errors, "is not a KSIC code", reasons)]


def _year(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    return _one(values.years(raw), f"is not a year in {values.FIRST_YEAR}-{values.LAST_YEAR}")


def _date(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    parsed = values.dates(raw, spec.date_format, spec.month, spec.day, spec.offset)
    return _one(parsed, f"is not a date ({spec.date_format or 'YYYY-MM-DD, YYYYMMDD, YYYY.MM.DD'})")


def _amount(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    """Money in the column's or the table's unit -> 천원 (an expression is already in 천원)."""
    parsed, bad = values.numbers(raw)
    unit = spec.unit or (mapping.unit if spec.expr is None else "천원")
    return _one((parsed * codes.UNITS[unit], bad), "is not a number")


def _number(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    parsed, bad = values.numbers(raw)
    return _one((parsed * codes.UNITS[spec.unit or "천원"], bad), "is not a number")


def _yes_no(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    return _one(values.yes_no(raw), "is not yes/no")


def _flag(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    return _one(values.flags(raw), "is not yes/no or a number")


def _label(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    parsed, bad = values.flags(raw)
    bad = bad | (parsed.notna() & ~parsed.isin((0.0, 1.0))).to_numpy(bool)
    return _one((parsed, bad), "is not a 0/1 label")


def _region(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    """A 시도 code; names are translated unless the mapping brings its own codes."""
    codes_or_names = raw if spec.codes is not None else values.translate(raw, "sido")
    return _one(_choice(codes_or_names, tuple(contract.REGIONS)), "is not a 시도 code or name")


def _one_of(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    allowed = schema.CHOICES[spec.target]
    return _one(_choice(raw, allowed), f"is not one of {', '.join(allowed)}")


def _opinion(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    """적정, 한정, 부적정 or 의견거절, from any spelling ``codes.AUDIT_OPINIONS`` knows."""
    allowed = schema.CHOICES[spec.target]
    opinions = values.translate(raw, "audit_opinion")
    return _one(_choice(opinions, allowed), f"is not an audit opinion ({', '.join(allowed)})")


def _text(raw: pd.Series, spec: ColumnSpec, mapping: TableMapping) -> Parsed:
    return values.as_text(raw), []


def _choice(raw: pd.Series, allowed: tuple[str, ...]) -> tuple[pd.Series, np.ndarray]:
    text = values.as_text(raw)
    bad = text.notna() & ~text.isin(allowed)
    return text.where(~bad), bad.to_numpy(bool)


_PARSERS: dict[str, Callable[[pd.Series, ColumnSpec, TableMapping], Parsed]] = {
    **{kind: _id_pattern(kind) for kind in _PATTERNS},
    "firm_id": _firm_id,
    "ksic": _ksic,
    "year": _year,
    "date": _date,
    "money": _amount,
    "number": _number,
    "bool": _yes_no,
    "flag": _flag,
    "label": _label,
    "region": _region,
    "choice": _one_of,
    "opinion": _opinion,
    "text": _text,
}


def _check_rows(table: str, frame: pd.DataFrame, problems: _Problems) -> None:
    """Contract rules across a row, all on keys: keys present, dates in order."""
    for column in schema.REQUIRED[table]:
        missing = frame[column].isna().to_numpy(bool) & ~problems.flagged(column)
        problems.add(missing, column, None, "is missing (a key)")
    if table == "financials":
        early = (frame["filed_on"] < frame["period_end"]).fillna(False).to_numpy(bool)
        problems.add(early, "filed_on", frame["filed_on"], "is before period_end")
    if table == "regional":
        early = (frame["published_on"].dt.year < frame["period"]).fillna(False).to_numpy(bool)
        problems.add(early, "published_on", frame["published_on"], "is before its period")
    if table == "labels":
        keys = [c for c in ("fiscal_year", "as_of") if c in frame.columns]
        unkeyed = frame[keys].isna().all(axis=1).to_numpy(bool)
        problems.add(unkeyed, "fiscal_year/as_of", None, "is missing (a key)", key=True)


@dataclass(frozen=True)
class _Found:
    column: str
    problem: str
    bad: np.ndarray  # over the chunk's rows
    shown: np.ndarray  # the bad rows' values as read
    reasons: np.ndarray  # the bad rows' reasons
    key: bool


class _Problems:
    """What is wrong with which cell, column by column; a problem in a key rejects the row."""

    def __init__(self, index: pd.Index, keys: frozenset[str]) -> None:
        self._index = index
        self._keys = keys
        self._found: list[_Found] = []

    def flagged(self, column: str) -> np.ndarray:
        flagged = np.zeros(len(self._index), bool)
        for found in self._found:
            if found.column == column:
                flagged |= found.bad
        return flagged

    def add(
        self,
        bad: np.ndarray,
        column: str,
        raw: pd.Series | None,
        problem: str,
        reasons: np.ndarray | None = None,
        key: bool | None = None,
    ) -> None:
        if not bad.any():
            return
        if raw is None:
            shown = np.full(int(bad.sum()), "", dtype=object)
        else:
            shown = raw.astype("string").fillna("").to_numpy(object)[bad]
        if reasons is None:
            if raw is None:
                reasons = np.full(len(shown), f"{column} {problem}", dtype=object)
            else:
                reasons = np.array([f"{column} {v!r} {problem}" for v in shown], dtype=object)
        is_key = column in self._keys if key is None else key
        self._found.append(_Found(column, problem, bad, shown, reasons, is_key))

    def rejected(self) -> np.ndarray:
        rejected = np.zeros(len(self._index), bool)
        for found in self._found:
            if found.key:
                rejected |= found.bad
        return rejected

    def reasons(self) -> np.ndarray:
        """All reasons per row, in the order found; empty for a row without problems."""
        joined = np.full(len(self._index), "", dtype=object)
        for found in self._found:
            current = joined[found.bad]
            joined[found.bad] = np.where(
                current == "", found.reasons, current + "; " + found.reasons
            )
        return joined

    def cells(
        self, kept: np.ndarray, source: pd.DataFrame
    ) -> tuple[pd.DataFrame, Counter[tuple[str, str]]]:
        """A line per rejected cell of the ``kept`` rows, and their counts by column and problem."""
        lines, counts = [], Counter[tuple[str, str]]()
        for found in self._found:
            if found.key:
                continue
            keep = kept[found.bad]
            rows = self._index[found.bad][keep]
            if len(rows):
                lines.append(
                    _lines(source.loc[rows], found.column, found.shown[keep], found.reasons[keep])
                )
                counts[(found.column, found.problem)] += len(rows)
        if not lines:
            return _lines(source.iloc[:0], "", "", np.empty(0, object)), counts
        return pd.concat(lines).sort_values("row", kind="stable", ignore_index=True), counts


def _lines(source: pd.DataFrame, column: str, shown: object, reasons: np.ndarray) -> pd.DataFrame:
    """Quarantine lines: row, column, value, reason, then the source row as read."""
    meta = pd.DataFrame(
        {"row": source.index, "column": column, "value": shown, "reason": reasons},
        columns=list(QUARANTINE_COLUMNS),
    )
    values_read = source.astype("string").reset_index(drop=True)
    values_read.columns = [
        f"{c} (source)" if c in QUARANTINE_COLUMNS else c for c in values_read.columns
    ]
    return pd.concat([meta, values_read], axis=1)
