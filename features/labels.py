"""Distress labels for (firm, as-of) rows by configurable rules (SPEC §5).

Besides the rules computed from events and statements, ``column:<name>`` takes a label the user
brought: column ``<name>`` of the ``labels`` table (firm_id, fiscal_year or as_of, label
columns), as written by ``ews ingest``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from core.settings import Settings
from features.ratios import _icr
from features.signals import first_default
from features.statements import filed_by, lower_median, present_fiscal_year
from features.visit_labels import visit_confirmed

LABEL_RULES: Final[tuple[str, ...]] = (
    "default_event",
    "capital_impairment",
    "marginal_firm",
    "visit_confirmed",
)
DEFAULT_RULES: Final[tuple[str, ...]] = ("default_event",)
COLUMN_RULE: Final[str] = "column:"
# The user-label table: a label for the row built on a fiscal year's statement, or for an as-of.
LABEL_KEYS: Final[tuple[str, ...]] = ("firm_id", "fiscal_year", "as_of")
# The service's EWS_STALE_AFTER_MONTHS default: older statements get no grade, nor a label.
STALE_AFTER_MONTHS: Final[int] = Settings.model_fields["stale_after_months"].default
VISIT_COLUMNS: Final = ("firm_id", "visited_on", "finding")
_LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# What each rule predicts, in the words staff use ("부도위험을 높입니다" is wrong for a 한계기업
# model): (Korean noun phrase, English noun phrase).
EVENT_NAMES: Final[dict[str, tuple[str, str]]] = {
    "default_event": ("부도·폐업 위험", "risk of default or closure"),
    "capital_impairment": ("자본잠식 위험", "risk of capital impairment"),
    "marginal_firm": ("한계기업 진입 위험", "risk of becoming a marginal firm"),
    "visit_confirmed": ("현장 확인 위기", "crisis confirmed on a visit"),
}
# The state a firm is already in, for rules whose population at risk excludes it: the rule flag
# (a column of the feature table) and its name for staff.
STATE_FLAGS: Final[dict[str, tuple[str, str, str]]] = {
    "marginal_firm": ("marginal_firm", "이미 한계기업", "already a marginal firm"),
    "capital_impairment": (
        "complete_capital_impairment",
        "이미 완전 자본잠식",
        "already in complete capital impairment",
    ),
}


class LabelRuleError(ValueError):
    """An unknown label rule was asked for, or its label column is not there."""


def check_rules(rules: Sequence[str]) -> tuple[str, ...]:
    unknown = [r for r in rules if r not in LABEL_RULES and not _is_column_rule(r)]
    if unknown or not rules:
        raise LabelRuleError(
            f"label_rules must be a non-empty subset of {', '.join(LABEL_RULES)} or "
            f"{COLUMN_RULE}<name> (a column of the labels table); got {list(rules)}"
        )
    return tuple(rules)


def _is_column_rule(rule: str) -> bool:
    return rule.startswith(COLUMN_RULE) and bool(_LABEL_NAME.match(rule[len(COLUMN_RULE) :]))


def event_name(rules: Sequence[str], lang: str = "ko") -> str:
    """What a model trained on ``rules`` predicts: "한계기업 진입 위험", or the user label's name
    ("위험: closure_12m"); several rules are joined ("부도·폐업 위험 또는 자본잠식 위험")."""
    names = []
    for rule in rules:
        if rule in EVENT_NAMES:
            names.append(EVENT_NAMES[rule][1 if lang == "en" else 0])
        else:
            label = rule.removeprefix(COLUMN_RULE)
            names.append(f"risk of {label}" if lang == "en" else f"{label} 위험")
    return (" or " if lang == "en" else " 또는 ").join(names) or (
        "risk of distress" if lang == "en" else "부실 위험"
    )


def in_state(rows: pd.DataFrame, rules: Sequence[str]) -> pd.Series:
    """True where a row is already in the state every one of ``rules`` predicts, so that it is
    out of the population at risk (a 한계기업 cannot *become* one); missing where that cannot be
    told. Rules without such a state (a default event removes the firm already) give False."""
    states = []
    for rule in rules:
        if rule not in STATE_FLAGS:
            return pd.Series(False, index=rows.index, dtype="boolean")
        flag = STATE_FLAGS[rule][0]
        states.append(rows[flag].astype("boolean") if flag in rows else pd.NA)
    combined = pd.Series(True, index=rows.index, dtype="boolean")
    for state in states:
        combined = combined & state
    return combined


def normalise_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """Key types for the labels table; label columns as floats (1, 0 or missing)."""
    labels = labels.copy()
    for column in LABEL_KEYS:
        if column not in labels.columns:
            labels[column] = pd.NA
    labels["firm_id"] = labels["firm_id"].astype("string")
    labels["fiscal_year"] = pd.to_numeric(labels["fiscal_year"]).astype("Int64")
    labels["as_of"] = pd.to_datetime(labels["as_of"]).astype("datetime64[ns]")
    for column in labels.columns.difference(LABEL_KEYS):
        labels[column] = pd.to_numeric(labels[column], errors="coerce").astype("float64")
    return labels


def user_label(keys: pd.DataFrame, labels: pd.DataFrame | None, column: str) -> pd.Series:
    """The user's label for each row; missing where the user gave none.

    A label keyed by ``as_of`` belongs to that as-of row. One keyed by ``fiscal_year`` belongs
    to the first as-of row built on that year's statement; later rows that still use the same
    (by then stale) statement are left unlabelled, so no label counts twice.
    """
    if labels is None or column not in labels.columns:
        have = [] if labels is None else sorted(labels.columns.difference(LABEL_KEYS))
        raise LabelRuleError(
            f"label rule {COLUMN_RULE}{column}: no column {column!r} in the labels table "
            f"(label columns: {have or 'none; ingest a labels table first'})"
        )
    labels = normalise_labels(labels)
    by_as_of = labels.dropna(subset=["as_of"]).drop_duplicates(["firm_id", "as_of"], keep="last")
    exact = pd.MultiIndex.from_arrays([keys["firm_id"].astype("string"), keys["as_of"]])
    label = by_as_of.set_index(["firm_id", "as_of"])[column].reindex(exact).to_numpy()
    by_year = labels[labels["as_of"].isna()].dropna(subset=["fiscal_year"])
    by_year = by_year.drop_duplicates(["firm_id", "fiscal_year"], keep="last")
    year_keys = pd.MultiIndex.from_arrays(
        [keys["firm_id"].astype("string"), keys["fiscal_year"].astype("Int64")]
    )
    from_year = by_year.set_index(["firm_id", "fiscal_year"])[column].reindex(year_keys)
    first = keys.groupby([keys["firm_id"], keys["fiscal_year"]])["as_of"].transform("min")
    from_year = from_year.to_numpy().astype("float64")
    from_year[(keys["as_of"] != first).to_numpy()] = np.nan
    merged = np.where(np.isnan(label.astype("float64")), from_year, label)
    return pd.Series(merged, index=keys.index, dtype="float64")


def default_event(keys: pd.DataFrame, events: pd.DataFrame, horizon_months: int) -> pd.Series:
    """1 when the first default-type event falls in [as_of, as_of + horizon)."""
    when = first_default(events, keys["firm_id"])
    end = horizon_end(keys["as_of"], horizon_months)
    return ((when >= keys["as_of"]) & (when < end)).astype("float64")


def horizon_end(as_of: pd.Series, months: int) -> pd.Series:
    """``as_of + months`` by the calendar, computed once per distinct date (rows share a few)."""
    codes, dates = pd.factorize(as_of)
    ends = (pd.DatetimeIndex(dates) + pd.DateOffset(months=months)).to_numpy()
    # A missing as-of (code -1) reads the NaT appended last.
    return pd.Series(np.append(ends, np.datetime64("NaT"))[codes], index=as_of.index)


def _statement_after(keys: pd.DataFrame, financials: pd.DataFrame, years: int) -> pd.DataFrame:
    """The statement for the fiscal year ``years`` after the row's latest one (0: that year
    itself), in its final version, whenever it was filed: labels look ahead by design."""
    final = filed_by(financials, pd.Timestamp.max).set_index(["firm_id", "fiscal_year"])
    index = pd.MultiIndex.from_arrays([keys["firm_id"], keys["fiscal_year"] + years])
    return final.reindex(index).set_axis(keys.index)


def _decided(one: pd.Series, zero: pd.Series) -> pd.Series:
    """1 where ``one`` holds, else 0 where ``zero`` holds, else missing (undecidable)."""
    label = pd.Series(np.nan, index=one.index)
    label[zero.fillna(False).to_numpy(bool)] = 0.0
    label[one.fillna(False).to_numpy(bool)] = 1.0
    return label


def capital_impairment(keys: pd.DataFrame, financials: pd.DataFrame) -> pd.Series:
    """1 when the next statement shows complete capital impairment (자본총계 < 0).

    A firm already impaired is out of the population at risk; one whose equity now, or next
    year, is not known cannot be decided: both stay missing, never 0.
    """
    now = _statement_after(keys, financials, 0)["equity"]
    following = _statement_after(keys, financials, 1)["equity"]
    at_risk = now >= 0
    return _decided(at_risk & (following < 0), at_risk & (following >= 0))


def marginal_firm(keys: pd.DataFrame, financials: pd.DataFrame) -> pd.Series:
    """1 when the next statement makes the firm a 한계기업 (third straight year of ICR < 1).

    Decided only where interest coverage is known for the two years before, this year and the
    next: a shorter history could not tell whether the firm already is one, and leaving out just
    the rows that might be positive would bias the rest towards 0. A firm already a 한계기업
    cannot become one and is left out of the population at risk. Missing, never 0.
    """
    icr_next = _icr(_statement_after(keys, financials, 1))
    now, last, before = (keys[f"interest_coverage{lag}"] for lag in ("", "_l1", "_l2"))
    history = icr_next.notna() & now.notna() & last.notna() & before.notna()
    already = (now < 1.0) & (last < 1.0) & (before < 1.0)
    becomes = (icr_next < 1.0) & (now < 1.0) & (last < 1.0)
    at_risk = history & ~already
    return _decided(at_risk & becomes, at_risk & ~becomes)


def first_row_per_statement(keys: pd.DataFrame) -> pd.Series:
    """True on the first as-of row built on each (firm, fiscal year) statement: a label about
    the *next* statement belongs to it once, not again on later rows still showing the same one."""
    first = keys.groupby([keys["firm_id"], keys["fiscal_year"]])["as_of"].transform("min")
    return keys["as_of"] == first


def next_statement_not_due(keys: pd.DataFrame, financials: pd.DataFrame) -> pd.Series:
    """As-of dates whose typical firm's next statement lies beyond the data: their labels about
    the next statement are not observed yet, even where a late filer's happens to be (a test
    year made of late filers only would be no test at all)."""
    present = present_fiscal_year(financials)
    if present is None:
        return pd.Series(True, index=keys.index)
    typical = keys.groupby("as_of")["fiscal_year"].transform(
        lambda years: lower_median(years.dropna())
    )
    return (typical + 1 > present).fillna(True).astype(bool)


def stale(keys: pd.DataFrame, months: int = STALE_AFTER_MONTHS) -> pd.Series:
    """Rows built on a statement older than ``months`` after its period end: the service gives
    them no grade (자료 오래됨, ``scoring.standing``), so no label either. An unknown age is not
    called stale."""
    return (keys["statement_age_months"] > months).fillna(False).astype(bool)


def make_labels(
    keys: pd.DataFrame,
    financials: pd.DataFrame,
    events: pd.DataFrame,
    rules: Sequence[str],
    horizon_months: int,
    observed_until: pd.Timestamp,
    labels: pd.DataFrame | None = None,
    visits: pd.DataFrame | None = None,
) -> pd.Series:
    """1 if any chosen rule fires; missing where the horizon runs past the observed data.

    A user label (``column:<name>``) is taken as given: the user's data define its horizon.
    ``visit_confirmed`` reads what staff found on site (``visits``; ``features.visit_labels``).
    """
    open_window = horizon_end(keys["as_of"], horizon_months) > observed_until
    not_scored = stale(keys)
    repeated = ~first_row_per_statement(keys)
    parts = []
    for rule in check_rules(rules):
        if rule.startswith(COLUMN_RULE):
            parts.append(user_label(keys, labels, rule[len(COLUMN_RULE) :]))
        elif rule == "default_event":
            parts.append(default_event(keys, events, horizon_months).mask(open_window | not_scored))
        elif rule == "visit_confirmed":
            seen = visits if visits is not None else pd.DataFrame(columns=VISIT_COLUMNS)
            end = horizon_end(keys["as_of"], horizon_months)
            parts.append(visit_confirmed(keys, seen, end, observed_until).mask(not_scored))
        else:
            label = (capital_impairment if rule == "capital_impairment" else marginal_firm)(
                keys, financials
            )
            unseen = open_window | next_statement_not_due(keys, financials)
            parts.append(label.mask(unseen | not_scored | repeated))
    stacked = np.vstack([p.to_numpy(dtype="float64") for p in parts])
    label = pd.Series(np.nanmax(np.where(np.isnan(stacked), -1, stacked), axis=0), index=keys.index)
    return label.where(label >= 0).rename("label")
