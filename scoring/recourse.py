"""What lowers the grade: the smallest actionable changes that move a firm one or two grades
down, according to the model itself (issue 13, item 3c).

For each firm, every combination of the levers' shares (``scoring.levers``) becomes a pseudo-firm
whose latest statement (and recent arrears) is rewritten; all of them go through the same
point-in-time pipeline as a submitted statement (``features_as_of`` with the stored market
context, so peer percentiles and industry rates are the stored ones and candidates never rank
against each other), then through one ``predict`` call. Per target grade the cheapest candidate
that reaches it wins, by the cost order: fewest levers, then the smallest sum of shares, then the
lowest PD. A firm that cannot be lowered says why (``Recourse.reason_ko``, ``Target.reason_ko``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd

from core.bundle import LoadedModel
from core.contract import FINANCIALS
from features import statements
from features.pipeline import MarketContext, features_as_of
from features.tables import RawTables
from scoring import explain, levers
from scoring.levers import LEVERS, SETTLEABLE_ARREARS
from scoring.standing import DEFAULT_STALE_AFTER_MONTHS, OK, Standing, standing_of

STEPS: Final[tuple[int, ...]] = (1, 2)  # grades down that a proposal aims at
SMALL_BATCH: Final[int] = 2_000  # below this many candidate rows, predict on one thread
TOP_MOVES: Final[int] = 5


@dataclass(frozen=True)
class Change:
    """One item before and after (statement amounts in 천원; arrears in events, 건)."""

    item: str
    ko: str
    before: float
    after: float
    unit: str


@dataclass(frozen=True)
class Action:
    """A lever and the share of its item it moves (0.3: 30 % of the borrowings repaid)."""

    lever: str
    ko: str
    en: str
    share: float


@dataclass(frozen=True)
class Proposal:
    """Changes that give ``grade`` (at or below the target) and ``pd``; ``points`` is the PD
    change (new − current, probability, negative) and ``moves`` the features that carried it,
    in probability points adding up to ``points``."""

    actions: tuple[Action, ...]
    changes: tuple[Change, ...]
    settled: tuple[tuple[pd.Timestamp, str], ...]  # (event_date, event_type) settled
    pd: float
    grade: str
    points: float
    moves: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Target:
    """A grade ``steps`` below the current one: the cheapest proposal reaching it, or why none."""

    grade: str
    steps: int
    proposal: Proposal | None
    reason_ko: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class Recourse:
    """One firm's answer: its PD and grade now and a target per step down, or, where it gets no
    proposals at all (lowest grade, stale, already in the state, not scored), the reason."""

    firm_id: str
    as_of: pd.Timestamp
    status: str  # "ok", "lowest", "stale", "in_state", "not_scored"
    pd: float | None
    grade: str | None
    targets: tuple[Target, ...]
    reason_ko: str = ""
    reason_en: str = ""

    @property
    def proposals(self) -> list[Proposal]:
        return [t.proposal for t in self.targets if t.proposal is not None]


@dataclass(frozen=True)
class Exploration:
    """One firm's candidates: the levers that apply, each candidate's shares (one column per
    lever of ``LEVERS``; row 0 is the firm as filed), its feature row and its PD."""

    levers: list[str]
    shares: np.ndarray
    features: pd.DataFrame
    pd: np.ndarray


class Planner:
    """The stored tables indexed by firm once, with the model and market context that scores
    them; ``firm`` and ``firms`` answer what lowers each firm's grade."""

    def __init__(
        self,
        tables: RawTables,
        as_of: pd.Timestamp,
        context: MarketContext,
        model: LoadedModel,
        stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
    ) -> None:
        self.tables, self.as_of, self.context, self.model = tables, as_of, context, model
        self.stale_after_months = stale_after_months
        self._rows = {
            name: _rows_by_firm(getattr(tables, name)) for name in ("firms", "financials", "events")
        }

    def firm(self, firm_id: str, lever_names: Sequence[str] | None = None) -> Recourse:
        return self.firms([firm_id], lever_names)[0]

    def firms(
        self, firm_ids: Sequence[str], lever_names: Sequence[str] | None = None
    ) -> list[Recourse]:
        """Every firm's candidates in one features call and one predict call."""
        plans, scored = self._evaluate(firm_ids, lever_names)
        return [
            self._answer(firm_id, plan, scored)
            for firm_id, plan in zip(firm_ids, plans, strict=True)
        ]

    def positions(self, table: str, firm_id: str) -> np.ndarray:
        """Positions of the firm's rows in a stored table (``firms``, ``financials`` or
        ``events``), from the index built once rather than a scan of the table."""
        return self._rows[table].get(firm_id, _NONE)

    def explore(self, firm_id: str, lever_names: Sequence[str] | None = None) -> Exploration:
        """Every candidate of one firm with its feature row and PD (for checks and what-ifs)."""
        (plan,), scored = self._evaluate([firm_id], lever_names)
        if plan is None or scored.row(plan, 0) is None:
            raise ValueError(f"firm_id {firm_id} is not scored on {self.as_of.date()}")
        rows = [scored.row(plan, c) for c in range(len(plan.shares))]
        index = np.array(rows, dtype=np.intp)
        features = scored.frame.iloc[index].reset_index(drop=True)
        return Exploration(plan.usable, plan.shares, features, scored.pd[index])

    def _evaluate(
        self, firm_ids: Sequence[str], lever_names: Sequence[str] | None
    ) -> tuple[list[_Plan | None], _Scored]:
        names = list(lever_names) if lever_names is not None else [x.name for x in LEVERS]
        unknown = sorted(set(names) - set(levers.BY_NAME))
        if unknown:
            raise ValueError(
                f"lever_names: unknown levers {unknown}; known: {list(levers.BY_NAME)}"
            )
        plans = [self._plan(i, firm_id, names) for i, firm_id in enumerate(firm_ids)]
        tables = _candidate_tables(self.tables, [p for p in plans if p is not None])
        frame = features_as_of(tables, self.as_of, self.context).reset_index(drop=True)
        return plans, self._score(frame)

    def _plan(self, position: int, firm_id: str, names: list[str]) -> _Plan | None:
        """The firm's rows and candidates; None when it has no filing known by the as-of date."""
        rows = {name: self._rows[name].get(firm_id, _NONE) for name in self._rows}
        stored, as_of = self.tables.financials, self.as_of.to_datetime64()
        # Plain arrays of the firm's filings (their columns' views, indexed): pandas' slicing
        # and sorting cost more than the rest of the plan on a single firm.
        filed = stored["filed_on"].to_numpy()[rows["financials"]]
        known = np.flatnonzero(filed <= as_of)  # a missing date: never
        if len(rows["firms"]) == 0 or not len(known):
            return None
        # The filing the pipeline reads: the latest fiscal year, its latest filing by then (a
        # missing year last, as a stable sort on (fiscal_year, filed_on) puts it).
        years = stored["fiscal_year"].array[rows["financials"]].to_numpy("float64", na_value=np.inf)
        latest = int(known[np.lexsort((known, filed[known], years[known]))[-1]])
        row = int(rows["financials"][latest])
        # The candidates carry only the filings and events the features read on the as-of date
        # (filed by then, of the latest year or the LAGS before it; events before it): the
        # same features from fewer rows copied per candidate.
        keep = ~(filed > as_of) & ~(years < years[latest] - statements.LAGS)
        rows["financials"], latest = rows["financials"][keep], int(keep[:latest].sum())
        happened = self.tables.events["event_date"].to_numpy()[rows["events"]]
        rows["events"] = rows["events"][~(happened >= as_of)]  # a missing date stays
        statement = {i: float(stored[i].iat[row]) for i in levers.ITEMS}
        events = _slice(self.tables.events, rows["events"])
        settleable = _settleable(events, stored["period_end"].iat[row], self.as_of)
        usable = levers.applicable(names, statement, len(settleable))
        shares = levers.grid(usable)
        items = levers.rewrite(statement, shares)
        inside = levers.within_contract(items)
        shares, items = shares[inside], {k: v[inside] for k, v in items.items()}
        return _Plan(position, firm_id, rows, latest, statement, settleable, usable, shares, items)

    def _score(self, frame: pd.DataFrame) -> _Scored:
        rules = self.model.bundle.label_rules
        matrix = self.model.matrix(frame)
        threads = 1 if len(matrix) < SMALL_BATCH else 0
        margin = np.asarray(self.model.booster.predict(matrix, raw_score=True, num_threads=threads))
        pd_ = self.model.bundle.calibration.pd(margin)
        cuts = np.asarray(self.model.bundle.grade_table.cut_points)
        rank = np.searchsorted(cuts, pd_, side="right")  # as GradeTable.grade (bisect_right)
        ids = frame["firm_id"].to_numpy(dtype=object)
        where = {key: row for row, key in enumerate(ids)}
        standing = standing_of(frame, rules, self.stale_after_months)
        return _Scored(frame, matrix, pd_, rank, standing, where)

    def _answer(self, firm_id: str, plan: _Plan | None, scored: _Scored) -> Recourse:
        row = scored.row(plan, 0) if plan is not None else None
        if plan is None or row is None:
            return _without(firm_id, self.as_of, "not_scored", None, None, _NOT_SCORED)
        ladder = self.model.bundle.grade_table.grades
        pd_now, rank = float(scored.pd[row]), int(scored.rank[row])
        status = scored.standing.status(row)
        if status != "ok":
            ko, en = scored.standing.message(row)
            message = (ko or status, en or status)
            return _without(firm_id, self.as_of, status, None, None, message)
        if rank == 0:
            return _without(firm_id, self.as_of, "lowest", pd_now, ladder[0], _LOWEST)
        rows = np.array([scored.row(plan, c) for c in range(len(plan.shares))], dtype=object)
        found = np.array([r is not None for r in rows])
        candidate_rows = rows[found].astype(np.intp)
        ok = scored.standing.code[candidate_rows] == OK
        candidates = np.flatnonzero(found)[ok]
        candidate_rows = candidate_rows[ok]
        targets = []
        for steps in STEPS:
            if rank - steps < 0:
                break
            targets.append(
                self._target(plan, scored, candidates, candidate_rows, row, rank - steps, steps)
            )
        return Recourse(firm_id, self.as_of, "ok", pd_now, ladder[rank], tuple(targets))

    def _target(
        self,
        plan: _Plan,
        scored: _Scored,
        candidates: np.ndarray,
        rows: np.ndarray,
        base_row: int,
        goal: int,
        steps: int,
    ) -> Target:
        ladder = self.model.bundle.grade_table.grades
        reaching = scored.rank[rows] <= goal
        if not reaching.any():
            return Target(ladder[goal], steps, None, *_not_reached(plan, scored, rows, ladder))
        shares = plan.shares[candidates[reaching]]
        order = np.lexsort(
            (scored.pd[rows[reaching]], shares.sum(axis=1), (shares > 0).sum(axis=1))
        )
        best = int(np.flatnonzero(reaching)[order[0]])
        proposal = self._proposal(plan, scored, int(candidates[best]), int(rows[best]), base_row)
        return Target(ladder[goal], steps, proposal)

    def _proposal(
        self, plan: _Plan, scored: _Scored, candidate: int, row: int, base_row: int
    ) -> Proposal:
        shares = plan.shares[candidate]
        actions = tuple(
            Action(lever.name, lever.ko, lever.en, float(share))
            for lever, share in zip(LEVERS, shares, strict=True)
            if share > 0
        )
        changes = [
            Change(item, FINANCIALS.column(item).description, before, float(after), "천원")
            for item in levers.ITEMS
            if not _same(before := plan.statement[item], after := plan.items[item][candidate])
        ]
        settled = plan.settled(shares)
        if settled:
            before = len(plan.settleable)
            changes.append(
                Change("settleable_arrears", "정리 대상 체납", before, before - len(settled), "건")
            )
        pd_new, pd_now = float(scored.pd[row]), float(scored.pd[base_row])
        grade = self.model.bundle.grade_table.grades[int(scored.rank[row])]
        moves = self._moves(scored, base_row, row)
        return Proposal(actions, tuple(changes), settled, pd_new, grade, pd_new - pd_now, moves)

    def _moves(self, scored: _Scored, base_row: int, row: int) -> tuple[tuple[str, float], ...]:
        """The PD change split over the features that moved it (exact TreeSHAP differences,
        carried through calibration along the path from the current log-odds)."""
        model = self.model
        shap, expected = explain.tree_shap(model.booster, scored.matrix[[base_row, row]])
        calibration = model.bundle.calibration
        start = calibration.log_odds(np.array([expected[0] + shap[0].sum()]))
        moves = calibration.slope * (shap[1] - shap[0])[np.newaxis, :]
        points = explain.along_path(start, moves)[0]
        names = model.bundle.feature_names
        order = np.argsort(points)[:TOP_MOVES]
        return tuple((names[i], float(points[i])) for i in order if points[i] < 0)


_NONE: Final = np.array([], dtype=np.intp)
_NOT_SCORED = (
    "점수 없음: 기준일까지 제출된 재무제표가 없거나 이미 부실 상태",
    "not scored: no statement filed by the as-of date, or already in distress",
)
_LOWEST = ("이미 가장 낮은 등급(정상)입니다", "already at the lowest grade (normal)")


@dataclass(frozen=True)
class _Plan:
    """One firm's candidates: its rows in the stored tables, the latest statement (by its index
    in ``financials``), the settleable arrears and each candidate's shares and items."""

    position: int
    firm_id: str
    rows: dict[str, np.ndarray]
    latest: int  # position of the latest statement among the filings in ``rows``
    statement: dict[str, float]
    settleable: pd.DataFrame  # the firm's settleable events, most recent first
    usable: list[str]
    shares: np.ndarray
    items: dict[str, np.ndarray]

    def key(self, candidate: int) -> str:
        return f"{self.position:07d}.{candidate:05d}"

    def keys(self) -> np.ndarray:
        return np.array([self.key(c) for c in range(len(self.shares))], dtype=object)

    def settled_counts(self) -> np.ndarray:
        return levers.settled_count(self.shares[:, levers.column("arrears")], len(self.settleable))

    def settled(self, shares: np.ndarray) -> tuple[tuple[pd.Timestamp, str], ...]:
        count = int(
            levers.settled_count(shares[[levers.column("arrears")]], len(self.settleable))[0]
        )
        chosen = self.settleable.iloc[:count]
        return tuple(zip(chosen["event_date"], chosen["event_type"], strict=True))


@dataclass(frozen=True)
class _Scored:
    frame: pd.DataFrame
    matrix: np.ndarray
    pd: np.ndarray
    rank: np.ndarray
    standing: Standing
    where: dict[str, int]

    def row(self, plan: _Plan, candidate: int) -> int | None:
        return self.where.get(plan.key(candidate))


def _rows_by_firm(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Positions of each firm's rows in ``table``."""
    if table.empty:
        return {}
    groups = table.groupby(table["firm_id"].astype("string"), sort=False).indices
    return {str(k): np.asarray(v, dtype=np.intp) for k, v in groups.items()}


def _slice(table: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """A firm's rows of ``table``, indexed by their position among them."""
    return table.iloc[rows].reset_index(drop=True)


def _settleable(
    events: pd.DataFrame, period_end: pd.Timestamp, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Tax and social-insurance arrears after the statement's period end and before the as-of
    date (the ones the features count), most recent first."""
    since = events[
        events["event_type"].isin(SETTLEABLE_ARREARS)
        & (events["event_date"] > period_end)
        & (events["event_date"] < as_of)
    ]
    return since.sort_values("event_date", ascending=False, kind="stable")


def _same(before: float, after: float) -> bool:
    return (np.isnan(before) and np.isnan(after)) or abs(after - before) < 1e-6


def _candidate_tables(stored: RawTables, plans: Sequence[_Plan]) -> RawTables:
    """Every plan's candidates as pseudo-firms (ids ``_Plan.key``) in contract tables."""
    firms, financials, events = [], [], []
    for plan in plans:
        keys = plan.keys()
        firms.append(_copies(stored.firms, plan.rows["firms"][:1], keys))
        financials.append(_statements(stored.financials, plan, keys))
        events.append(_events(stored.events, plan, keys))
    return replace(
        stored,
        firms=_concat(firms, stored.firms),
        financials=_concat(financials, stored.financials),
        events=_concat(events, stored.events),
        visits=stored.visits.iloc[:0],
        labels=None,
    )


def _concat(parts: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    if len(parts) == 1:  # one firm (the page's call): nothing to join
        return parts[0]
    return pd.concat(parts, ignore_index=True) if parts else empty.iloc[:0]


def _copies(table: pd.DataFrame, rows: np.ndarray, keys: np.ndarray) -> pd.DataFrame:
    """``table``'s ``rows`` once per candidate, each copy under the candidate's id (plain
    Python strings: the pipeline only matches ids, and converting thousands to the string dtype
    costs more); taken from the stored table in one step, not sliced first and then tiled."""
    copies = table.iloc[np.tile(rows, len(keys))].reset_index(drop=True)
    copies["firm_id"] = np.repeat(keys, len(rows))
    return copies


def _statements(stored: pd.DataFrame, plan: _Plan, keys: np.ndarray) -> pd.DataFrame:
    """The firm's filings per candidate, the latest one rewritten by the candidate's levers."""
    rows = plan.rows["financials"]
    copies = _copies(stored, rows, keys)
    latest = plan.latest + len(rows) * np.arange(len(keys))
    for item, values in plan.items.items():
        column = copies[item].to_numpy(dtype="float64", copy=True)
        column[latest] = values
        copies[item] = column
    return copies


def _events(stored: pd.DataFrame, plan: _Plan, keys: np.ndarray) -> pd.DataFrame:
    """The firm's events per candidate, less the arrears each candidate settles."""
    rows = plan.rows["events"]
    copies = _copies(stored, rows, keys)
    if plan.settleable.empty:
        return copies
    # Rank of each settleable event (its index: position among the firm's events), most recent
    # first (0, 1, ...); other events never go.
    order = np.full(len(rows), np.inf)
    order[plan.settleable.index.to_numpy()] = np.arange(len(plan.settleable))
    settled = plan.settled_counts()
    keep = ~(np.tile(order, len(keys)) < np.repeat(settled, len(rows)))
    return copies[keep].reset_index(drop=True)


def _without(
    firm_id: str,
    as_of: pd.Timestamp,
    status: str,
    pd_: float | None,
    grade: str | None,
    reason: tuple[str, str],
) -> Recourse:
    return Recourse(firm_id, as_of, status, pd_, grade, (), reason[0], reason[1])


def _not_reached(
    plan: _Plan, scored: _Scored, rows: np.ndarray, ladder: tuple[str, ...]
) -> tuple[str, str]:
    """Why no candidate reaches a target: no lever applies, or the best one falls short."""
    if not plan.usable:
        return (
            "조정 가능한 항목이 없습니다 (차입금·이자비용·영업비용·매출채권·최근 체납 없음)",
            "nothing actionable to change (no borrowings, interest, costs, receivables or "
            "recent arrears)",
        )
    best = int(rows[np.argmin(scored.pd[rows])])
    pd_best, grade = float(scored.pd[best]), ladder[int(scored.rank[best])]
    tried = ", ".join(levers.BY_NAME[n].ko for n in plan.usable)
    tried_en = ", ".join(levers.BY_NAME[n].en for n in plan.usable)
    return (
        f"조정 가능한 항목({tried})을 최대로 바꿔도 도달하지 못합니다: 최저 PD "
        f"{100 * pd_best:.1f}% ({grade})",
        f"not reached even at the largest changes tried ({tried_en}): lowest PD "
        f"{100 * pd_best:.1f}% ({grade})",
    )
