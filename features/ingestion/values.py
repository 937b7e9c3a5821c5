"""Reading source values as contract values: ids, years, dates, numbers, codes, yes/no.

Each parser takes the raw values of one column and returns the parsed values and a mask of the
rows whose (present) value could not be read; the caller turns the mask into a reason per row.
Korean exports write numbers as ``1,234,567``, negatives as ``(1,234)`` or ``△1,234`` and
nothing as ``-``; dates as ``2023-12-31``, ``20231231`` or ``2023.12.31``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import pandas as pd

from core.contract.columns import FIRST_YEAR, LAST_YEAR
from features.ingestion import codes

DATE_FORMATS: Final[tuple[str, ...]] = (
    "%Y-%m-%d",
    "%Y%m%d",
    "%Y.%m.%d",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M:%S",  # Excel date cells read as text
)
_NUMBER_JUNK = re.compile(r"[,\s원₩]")
_TRAILING_ZERO = re.compile(r"\.0+$")


def as_text(values: pd.Series) -> pd.Series:
    """Stripped text, missing for blanks; whole floats (Excel's ids) lose their ``.0``."""
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values == values.round())
        text = values.astype("string")
        text[whole] = values[whole].astype("int64").astype("string")
        return text
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def per_unique(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``fn`` applied once per distinct present value (codes repeat a lot), missing kept."""
    present = values.dropna()
    table = {value: fn(value) for value in pd.unique(present)}
    return pd.Series([table[v] for v in present], index=present.index, dtype=object).reindex(
        values.index
    )


def numbers(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), np.zeros(len(values), bool)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), np.zeros(len(values), bool)
    text = as_text(values)
    negative = text.str.match(r"^\(.*\)$|^[△▲\-−]", na=False)
    cleaned = text.str.replace(_NUMBER_JUNK, "", regex=True).str.strip("()△▲-−")
    cleaned = cleaned.mask(cleaned == "")
    parsed = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    parsed = parsed.where(~negative, -parsed)
    bad = (cleaned.notna() & parsed.isna()).to_numpy(bool)
    return parsed, bad


def years(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A year from ``2023``, ``2023.0``, ``"2023 년"`` or ``"FY2023"``; 1900-2100 only."""
    if pd.api.types.is_numeric_dtype(values):
        number = values.astype("float64")
        bad = number.notna() & (number != number.round())
    else:
        text = as_text(values)
        number = pd.to_numeric(text.str.extract(r"(\d{4})", expand=False), errors="coerce")
        bad = text.notna() & number.isna()
    sane = number.between(FIRST_YEAR, LAST_YEAR)
    bad = bad | (number.notna() & ~sane)
    return number.where(sane & ~bad).astype("Int64"), bad.to_numpy(bool)


def dates(
    values: pd.Series,
    date_format: str | None,
    month: int = 12,
    day: int = 31,
    offset: dict[str, int] | None = None,
) -> tuple[pd.Series, np.ndarray]:
    """Dates by a strftime pattern, by trying the common ones, or from a year (``"year"``)."""
    if date_format == "year":
        year, bad = years(values)
        parsed = pd.to_datetime(
            pd.DataFrame({"year": year, "month": month, "day": day}).astype("float64"),
            errors="coerce",
        )
    elif pd.api.types.is_datetime64_any_dtype(values):
        parsed, bad = values, np.zeros(len(values), bool)
    else:
        text = as_text(values).str.rstrip(".")
        patterns = (date_format,) if date_format else DATE_FORMATS
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        for pattern in patterns:
            parsed = parsed.fillna(pd.to_datetime(text, format=pattern, errors="coerce"))
        bad = (text.notna() & parsed.isna()).to_numpy(bool)
    parsed = pd.Series(parsed, index=values.index).astype("datetime64[ns]")
    if offset:
        parsed = parsed + pd.DateOffset(**offset)
    sane = parsed.dt.year.between(FIRST_YEAR, LAST_YEAR)
    bad = bad | (parsed.notna() & ~sane).to_numpy(bool)
    return parsed.where(sane), bad


def pattern(values: pd.Series, regex: str, strip: str = "") -> tuple[pd.Series, np.ndarray]:
    """Text that must match ``regex`` after removing the characters in ``strip``."""
    text = as_text(values).str.replace(_TRAILING_ZERO, "", regex=True)
    if strip:
        text = text.str.replace(f"[{re.escape(strip)}]", "", regex=True)
    bad = text.notna() & ~text.str.fullmatch(regex, na=False)
    return text.where(~bad), bad.to_numpy(bool)


def yes_no(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    def one(value: Any) -> bool | None:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        if isinstance(value, int | float | np.number):
            return {1: True, 0: False}.get(float(value))  # type: ignore[call-overload]
        return codes.yes_no(str(value))

    parsed = per_unique(values, one)
    bad = values.notna() & parsed.isna()
    return parsed.astype("boolean"), bad.to_numpy(bool)


def flags(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """1/0 from yes/no words, or any number (a share of districts, for example)."""
    as_bool, _ = yes_no(values)
    number, bad = numbers(values.where(as_bool.isna()))
    return number.fillna(as_bool.astype("Float64").astype("float64")), bad


def translate(values: pd.Series, table: dict[str, Any] | str) -> pd.Series:
    """Values through a code table (case ignored); values the table lacks pass unchanged.

    A code mapped to null (YAML ``null``) becomes missing.
    """
    missing = object()

    def one(value: Any) -> Any:
        key = str(value).strip()
        if isinstance(table, str):
            found = codes.translate_built_in(table, key)
            return value if found is None else found
        if isinstance(value, float) and value.is_integer():
            key = str(int(value))
        found = table.get(key.lower(), missing)
        return value if found is missing else found

    return per_unique(values, one)
