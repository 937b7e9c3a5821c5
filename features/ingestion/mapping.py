"""Mapping files: how a source file's columns become contract columns (YAML, see docs/data.md).

A mapping names, per contract table it feeds, where each contract column comes from (a source
column, a constant, a row number or an expression), the money unit, code translations, date
formats and the firm id's scheme. ``load_mapping`` checks all of it before any row is read; a
broken mapping raises ``MappingError`` naming the field, e.g. ``tables.financials.columns.revnue``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from features.ingestion import codes, schema
from features.ingestion.expressions import Expression, ExpressionError, parse_expression
from features.ingestion.identifiers import CODE_CHARACTERS, SCHEMES, IdFormat

_TOP_KEYS = {"description", "source", "tables"}
_SOURCE_KEYS = {"format", "encoding", "sep", "sheet", "skip_rows"}
_TABLE_KEYS = {"columns", "unit", "filter", "aggregate"}
_AGGREGATE_KEYS = {"by", "percent_change"}
_ORIGINS = ("from", "expr", "value", "row_number")
_ID_KEYS = {"scheme", "prefix", "width"}
_COLUMN_KEYS = (
    {*_ORIGINS, "unit", "codes", "format", "month", "day"}
    | _ID_KEYS
    | {
        "offset_years",
        "offset_months",
        "offset_days",
    }
)
FORMATS = ("csv", "parquet", "excel")


class MappingError(ValueError):
    """A mapping file that cannot be applied; the message starts with the offending field."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.field = where


@dataclass(frozen=True)
class ColumnSpec:
    """Where one contract column comes from and how its values are read."""

    target: str
    sources: tuple[str, ...] = ()  # ``from``: the first of these present in the file
    expr: Expression | None = None
    value: Any = None
    row_number: int | None = None  # synthetic ids: this number plus the row's position
    unit: str | None = None
    codes: dict[str, Any] | str | None = None  # a dict or the name of a built-in table
    date_format: str | None = None  # strftime pattern, or "year" for a year number
    month: int = 12
    day: int = 31
    offset: dict[str, int] = field(default_factory=dict)  # years / months / days to add
    ids: IdFormat = field(default_factory=IdFormat)  # firm_id only

    @property
    def where(self) -> str:
        return f"columns.{self.target}"


@dataclass(frozen=True)
class TableMapping:
    table: str
    columns: tuple[ColumnSpec, ...]
    unit: str = "천원"
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    aggregate_by: tuple[str, ...] = ()
    percent_change: tuple[str, ...] = ()

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(c.target for c in self.columns)


@dataclass(frozen=True)
class SourceOptions:
    format: str | None = None  # default: from the file's extension
    encoding: str = "utf-8"
    sep: str = ","
    sheet: str | int = 0
    skip_rows: int = 0


@dataclass(frozen=True)
class Mapping:
    name: str
    description: str
    source: SourceOptions
    tables: dict[str, TableMapping]


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise MappingError(str(path), f"not valid YAML ({error})") from None
    return parse_mapping(raw, Path(path).stem)


def parse_mapping(raw: object, name: str = "mapping") -> Mapping:
    top = _as_dict(raw, "(top level)")
    _known_keys(top, _TOP_KEYS, "")
    tables = _as_dict(top.get("tables"), "tables")
    if not tables:
        raise MappingError("tables", "the mapping feeds no table; add e.g. `tables: {financials:`")
    parsed = {}
    for table, section in tables.items():
        if table not in schema.TABLES:
            raise MappingError(f"tables.{table}", f"not a table; one of {', '.join(schema.TABLES)}")
        parsed[table] = _table(str(table), _as_dict(section, f"tables.{table}"))
    return Mapping(
        name=name,
        description=str(top.get("description", "")).strip(),
        source=_source(_as_dict(top.get("source", {}), "source")),
        tables=parsed,
    )


def _source(raw: dict[str, Any]) -> SourceOptions:
    _known_keys(raw, _SOURCE_KEYS, "source")
    fmt = raw.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise MappingError("source.format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    encoding = str(raw.get("encoding", "utf-8"))
    try:
        "".encode(encoding)
    except LookupError:
        raise MappingError("source.encoding", f"unknown encoding {encoding!r}") from None
    return SourceOptions(
        format=fmt,
        encoding=encoding,
        sep=str(raw.get("sep", ",")),
        sheet=raw.get("sheet", 0),
        skip_rows=_int(raw.get("skip_rows", 0), "source.skip_rows"),
    )


def _table(table: str, raw: dict[str, Any]) -> TableMapping:
    where = f"tables.{table}"
    _known_keys(raw, _TABLE_KEYS, where)
    unit = str(raw.get("unit", "천원"))
    _check_unit(unit, f"{where}.unit")
    columns = tuple(
        _column(table, str(target), spec, f"{where}.columns.{target}")
        for target, spec in _as_dict(raw.get("columns"), f"{where}.columns").items()
    )
    mapping = TableMapping(
        table=table,
        columns=columns,
        unit=unit,
        filters={
            str(k): tuple(str(v) for v in (vs if isinstance(vs, list) else [vs]))
            for k, vs in _as_dict(raw.get("filter", {}), f"{where}.filter").items()
        },
        **_aggregate(_as_dict(raw.get("aggregate", {}), f"{where}.aggregate"), where),
    )
    _check_keys_mapped(mapping, where)
    return mapping


def _column(table: str, target: str, spec: object, where: str) -> ColumnSpec:
    if not schema.is_column(table, target):
        known = ", ".join(schema.COLUMNS[table])
        raise MappingError(where, f"not a column of the {table} table (columns: {known})")
    raw = _as_dict({"from": spec} if isinstance(spec, str | list) else spec, where)
    _known_keys(raw, _COLUMN_KEYS, where)
    origins = [key for key in _ORIGINS if key in raw]
    if len(origins) != 1:
        raise MappingError(where, f"give exactly one of {', '.join(_ORIGINS)}; got {origins}")
    unit = raw.get("unit")
    if unit is not None:
        _check_unit(str(unit), f"{where}.unit")
    sources = raw.get("from", [])
    month, day = _month_day(raw, where)
    return ColumnSpec(
        target=target,
        sources=tuple(str(s) for s in (sources if isinstance(sources, list) else [sources])),
        expr=_expression(raw, where),
        value=raw.get("value"),
        row_number=_int(raw["row_number"], f"{where}.row_number") if "row_number" in raw else None,
        unit=None if unit is None else str(unit),
        codes=_codes(raw.get("codes"), f"{where}.codes"),
        date_format=None if raw.get("format") is None else str(raw["format"]),
        month=month,
        day=day,
        offset={
            key.removeprefix("offset_"): _int(raw[key], f"{where}.{key}")
            for key in ("offset_years", "offset_months", "offset_days")
            if key in raw
        },
        ids=_id_format(target, raw, where),
    )


def _id_format(target: str, raw: dict[str, Any], where: str) -> IdFormat:
    """``scheme`` (brn, crn or code), ``prefix`` and, for codes, ``width`` of a firm id."""
    given = sorted(_ID_KEYS & set(raw))
    if target != "firm_id":
        if given:
            raise MappingError(f"{where}.{given[0]}", "only firm_id takes an id scheme")
        return IdFormat()
    if "expr" in raw:
        raise MappingError(
            f"{where}.expr",
            "an id is text: take it `from` a source column with a scheme (brn, crn or code); "
            "an expression is arithmetic and would lose leading zeros",
        )
    scheme = raw.get("scheme", "brn")
    if scheme not in SCHEMES:
        raise MappingError(f"{where}.scheme", f"{scheme!r} is not one of {', '.join(SCHEMES)}")
    prefix = raw.get("prefix", "")
    if not isinstance(prefix, str) or (prefix and not re.fullmatch(CODE_CHARACTERS, prefix)):
        raise MappingError(
            f"{where}.prefix", f"{prefix!r}: give quoted text of letters, digits, '-', '_', '.'"
        )
    width = None
    if "width" in raw:
        if scheme != "code":
            raise MappingError(f"{where}.width", f"only a code is padded, not a {scheme} number")
        width = _int(raw["width"], f"{where}.width")
        if width < 1:
            raise MappingError(f"{where}.width", f"expected a positive width, got {width}")
    return IdFormat(scheme=scheme, prefix=prefix, width=width)


def _expression(raw: dict[str, Any], where: str) -> Expression | None:
    if "expr" not in raw:
        return None
    try:
        return parse_expression(str(raw["expr"]))
    except ExpressionError as error:
        raise MappingError(f"{where}.expr", str(error)) from None


def _codes(raw: object, where: str) -> dict[str, Any] | str | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        return _code_table(raw)
    if isinstance(raw, str) and raw in codes.BUILT_IN:
        return raw
    raise MappingError(
        where, f"give a mapping of values or a built-in table ({', '.join(codes.BUILT_IN)})"
    )


def _month_day(raw: dict[str, Any], where: str) -> tuple[int, int]:
    """Where in the year a ``format: year`` date falls (default 31 December)."""
    month = _int(raw.get("month", 12), f"{where}.month")
    day = _int(raw.get("day", 31), f"{where}.day")
    try:
        date(2001, month, day)
    except ValueError:
        raise MappingError(f"{where}.day", f"month {month}, day {day} is no date") from None
    return month, day


def _aggregate(raw: dict[str, Any], where: str) -> dict[str, tuple[str, ...]]:
    _known_keys(raw, _AGGREGATE_KEYS, f"{where}.aggregate")
    by = tuple(str(c) for c in raw.get("by", []))
    change = tuple(str(c) for c in raw.get("percent_change", []))
    if change and "period" not in by:
        raise MappingError(
            f"{where}.aggregate.by", "percent_change compares periods: include period in by"
        )
    return {"aggregate_by": by, "percent_change": change}


def _check_keys_mapped(mapping: TableMapping, where: str) -> None:
    targets = set(mapping.targets)
    missing = [c for c in schema.REQUIRED[mapping.table] if c not in targets]
    if missing:
        raise MappingError(
            f"{where}.columns", f"key column {', '.join(missing)} is not mapped (required)"
        )
    if mapping.table == "labels":
        if not targets & {"fiscal_year", "as_of"}:
            raise MappingError(f"{where}.columns", "map fiscal_year or as_of for the labels")
        if not targets - set(schema.COLUMNS["labels"]):
            raise MappingError(f"{where}.columns", "map at least one label column")
    for name in (*mapping.aggregate_by, *mapping.percent_change):
        if name not in targets:
            raise MappingError(f"{where}.aggregate", f"{name!r} is not a mapped column")
    for spec in mapping.columns:
        later = {c.target for c in mapping.columns[mapping.columns.index(spec) :]}
        if spec.expr is not None and spec.expr.names & (later - {spec.target}):
            raise MappingError(
                f"{where}.{spec.where}.expr", "uses a derived column defined further down"
            )


def _check_unit(unit: str, where: str) -> None:
    if unit not in codes.UNITS:
        raise MappingError(where, f"unknown unit {unit!r}; one of {', '.join(codes.UNITS)}")


def _code_table(raw: dict[Any, Any]) -> dict[str, Any]:
    """Lower-case keys (lookups ignore case). YAML reads ``YES``/``no`` as booleans: such a key
    stands for every spelling of yes (or no) that the built-in ``yes_no`` table knows."""
    table: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(key, bool):
            table.update({k: value for k, v in codes.YES_NO.items() if v is key})
        else:
            table[str(key).strip().lower()] = value
    return table


def _as_dict(value: object, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(where, f"expected a mapping of keys to values, got {value!r}")
    return value


def _known_keys(raw: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(map(str, raw)) - known)
    if unknown:
        field = f"{where}.{unknown[0]}" if where else unknown[0]
        raise MappingError(field, f"unknown key; known: {', '.join(sorted(known))}")


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MappingError(where, f"expected a whole number, got {value!r}")
    return value
