"""What would help a firm, for its page and ``GET /v1/firms/{firm_id}/help``: the grade's
action and KOSME stage (``scoring.actions``), the programmes that fit (``scoring.programmes``)
and the changes that would lower the grade (``scoring.recourse``).

The planner indexes the stored tables once, so it is built once per (snapshot, champion) pair,
found by identity (a reload's new champion gets a new one; the old one goes with it), and its
answers are kept per firm. The catalogue is read again only when its file changes, so an
operator's edit shows without a restart and a bad edit is reported, not served. A firm is
matched against its region's catalogue (``catalogue_for``): the national one and the region's
own programmes from ``config/regions.yaml``, re-read when either file changes.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from core.grades import GRADES_EN
from features.catalog import BY_NAME, FLAGS
from scoring.actions import rung
from scoring.programmes import (
    Catalogue,
    CatalogueError,
    Firm,
    Matches,
    Need,
    Programme,
    Suggestion,
    known,
    match,
    read_catalogue,
)
from scoring.recourse import Planner, Proposal, Recourse
from serving.access.policy import UNKNOWN_REGION
from serving.domain.region_settings import FILE_NAME as REGIONS_FILE
from serving.domain.region_settings import RegionSettingsError, read_region_settings
from serving.domain.state import Champion, Snapshot
from serving.schemas.help import (
    ActionOut,
    ChangeOut,
    CheckOut,
    ExcludedOut,
    HelpOut,
    LeverOut,
    MoveOut,
    NeedOut,
    NoteOut,
    ProgrammeOut,
    ProposalOut,
    RecourseOut,
    TargetOut,
)
from serving.schemas.scores import ScoreOut

ANSWERS_KEPT: Final = 2_048  # recent firms' recourse answers kept per planner
SHOWN_POINTS: Final = 0.0005  # a reason that reads 0.0%p is no need a programme answers


@dataclass
class _Holder:
    snapshot: Snapshot
    champion: Champion
    planner: Planner
    answers: OrderedDict[str, Recourse] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def recourse(self, firm_id: str) -> Recourse:
        with self.lock:
            found = self.answers.get(firm_id)
            if found is not None:
                self.answers.move_to_end(firm_id)
                return found
        answer = self.planner.firm(firm_id)
        self.keep(firm_id, answer)
        return answer

    def keep(self, firm_id: str, answer: Recourse) -> None:
        with self.lock:
            self.answers[firm_id] = answer
            while len(self.answers) > ANSWERS_KEPT:
                self.answers.popitem(last=False)


_holders: list[_Holder] = []  # at most two: the serving pair and, during a reload, the old one
_holders_lock = threading.Lock()
_catalogues: dict[Path, tuple[float, Catalogue | CatalogueError]] = {}
# (config folder, region) → (the national catalogue it was built on, regions.yaml's mtime or
# None without the file, the region's catalogue or why there is none)
_regional: dict[tuple[Path, str], tuple[Catalogue, int | None, Catalogue | CatalogueError]] = {}
_log = logging.getLogger(__name__)


def planner_for(snapshot: Snapshot, champion: Champion) -> _Holder:
    """The planner of this snapshot and champion, built on first use."""
    with _holders_lock:
        for holder in _holders:
            if holder.snapshot is snapshot and holder.champion is champion:
                return holder
        planner = Planner(
            snapshot.tables,
            snapshot.as_of,
            snapshot.context,
            champion.model,
            snapshot.stale_after_months,
        )
        holder = _Holder(snapshot, champion, planner)
        _holders.insert(0, holder)
        del _holders[2:]
        return holder


def warm(snapshot: Snapshot, champion: Champion, firm_ids: Sequence[str], chunk: int = 100) -> int:
    """Work out the answers for ``firm_ids`` ahead of their pages, ``chunk`` firms per features
    and predict call (about 1.3 single-firm calls' time for 100 firms); returns how many."""
    holder = planner_for(snapshot, champion)
    done = 0
    for start in range(0, len(firm_ids), chunk):
        ids = [f for f in firm_ids[start : start + chunk] if f not in holder.answers]
        for firm_id, answer in zip(ids, holder.planner.firms(ids), strict=True):
            holder.keep(firm_id, answer)
        done += len(ids)
    return done


def watched(snapshot: Snapshot, champion: Champion, per_region: int) -> list[str]:
    """The ``per_region`` rated firms with the highest PDs in each region (a watch list's head,
    before its filters): the firms whose pages staff open first."""
    rated = champion.latest.standing.rated
    pd_ = np.where(rated, champion.latest.pd, -np.inf)
    ids = snapshot.features["firm_id"].astype("string").to_numpy()
    regions = np.array([snapshot.regions.get(str(f), UNKNOWN_REGION) for f in ids])
    chosen: list[str] = []
    for region in np.unique(regions):
        rows = np.flatnonzero((regions == region) & rated)
        top = rows[np.argsort(-pd_[rows], kind="stable")[:per_region]]
        chosen += [str(ids[i]) for i in top]
    return chosen


def catalogue_in(config_dir: Path) -> Catalogue:
    """The programme catalogue of ``config_dir``, re-read when the file changes; raises
    CatalogueError (file, programme, field) for a missing or bad file."""
    path = (config_dir / "programmes.yaml").resolve()
    try:
        stamp = path.stat().st_mtime
    except OSError as error:
        raise CatalogueError(f"{path}: cannot read the programme catalogue: {error}") from error
    cached = _catalogues.get(path)
    if cached is None or cached[0] != stamp:
        try:
            loaded: Catalogue | CatalogueError = read_catalogue(path.parent)
        except CatalogueError as error:
            loaded = error
        _catalogues[path] = cached = (stamp, loaded)
    if isinstance(cached[1], CatalogueError):
        raise cached[1]
    return cached[1]


def catalogue_for(config_dir: Path, region: str) -> Catalogue:
    """The catalogue a firm of ``region`` is matched against: the national programmes and the
    region's own (``config/regions.yaml``; none for "00" or a region without additions),
    re-read when either file changes. The one answer to "which programmes can region R's firms
    get", for the help panel and the brief alike.

    Raises CatalogueError for a bad national catalogue, a regions file that cannot be read, or
    a region's programme taking a national id (the file, region and id named). Every region's
    additions are checked, not only ``region``'s: like a bad programmes.yaml, a bad regions
    file is refused as a whole and shows from every panel, not only where its firms are."""
    national = catalogue_in(config_dir)
    regions_path = (config_dir / REGIONS_FILE).resolve()
    try:
        regions_stamp: int | None = regions_path.stat().st_mtime_ns
    except OSError:
        regions_stamp = None  # no file: the built-in settings, which add nothing
    key = (regions_path.parent, region)
    cached = _regional.get(key)
    if cached is None or cached[0] is not national or cached[1] != regions_stamp:
        try:
            loaded: Catalogue | CatalogueError = _with_region(national, config_dir, region)
        except CatalogueError as error:
            _log.warning("programme catalogue not served for region %s: %s", region, error)
            loaded = error
        _regional[key] = cached = (national, regions_stamp, loaded)
    if isinstance(cached[2], CatalogueError):
        raise cached[2]
    return cached[2]


def _with_region(national: Catalogue, config_dir: Path, region: str) -> Catalogue:
    try:
        settings = read_region_settings(config_dir)
    except RegionSettingsError as error:
        raise CatalogueError(f"regional programmes not read: {error}") from error
    origin = settings.path or config_dir / REGIONS_FILE
    for setting in settings.regions.values():  # raises on any region's colliding id
        national.with_additions([a.programme for a in setting.programmes], origin)
    return national.with_additions([a.programme for a in settings.of(region).programmes], origin)


def firm_help(
    snapshot: Snapshot,
    champion: Champion,
    firm_id: str,
    score: ScoreOut | None,
    config_dir: Path,
) -> HelpOut:
    """Action, programmes and what lowers the grade for one firm (already allowed to be read)."""
    holder = planner_for(snapshot, champion)
    answer = holder.recourse(firm_id)
    grade = score.grade if score is not None else None
    firm = _firm(holder.planner, snapshot, firm_id, grade)
    notes = _notes(holder.planner, snapshot, firm_id, firm)
    needs = [*_reason_needs(score), *_flag_needs(firm), *_lever_needs(answer)]
    try:
        catalogue: Catalogue | None = catalogue_for(config_dir, firm.region or UNKNOWN_REGION)
        problem = None
    except CatalogueError as error:
        catalogue, problem = None, str(error)
    matches = match(catalogue, firm, needs) if catalogue is not None else Matches((), (), 0)
    suggested = [s.programme for s in matches.suggested]
    return HelpOut(
        firm_id=firm_id,
        as_of=snapshot.as_of.date(),
        action=_action(grade),
        programmes=[_programme_out(s) for s in matches.suggested],
        excluded=[
            ExcludedOut(
                id=e.programme.id,
                name_ko=e.programme.name_ko,
                name_en=e.programme.name_en,
                region=e.programme.region,
                failed=[CheckOut.model_validate(c, from_attributes=True) for c in e.failed],
            )
            for e in matches.excluded
        ],
        unrelated=matches.unrelated,
        catalogue_version=catalogue.version if catalogue is not None else None,
        catalogue_problem=problem,
        recourse=_recourse_out(answer, suggested),
        notes=notes,
    )


def _action(grade: str | None) -> ActionOut | None:
    if grade is None:
        return None
    found = rung(grade)
    return ActionOut(
        grade=found.grade,
        grade_en=_grade_en(found.grade),
        action_ko=found.action_ko,
        action_en=found.action_en,
        kosme_stage=found.kosme,
        kosme_stage_en=found.kosme_en,
    )


def _grade_en(grade: str) -> str:
    return GRADES_EN.get(grade, grade)


def _firm(planner: Planner, snapshot: Snapshot, firm_id: str, grade: str | None) -> Firm:
    """The fields eligibility rules read, missing ones as None (region "00" included)."""
    firms = planner.tables.firms
    at = planner.positions("firms", firm_id)

    def fact(column: str) -> Any:
        return known(firms[column].iat[at[0]]) if len(at) and column in firms else None

    founded, ksic = fact("founded"), fact("ksic")
    region = snapshot.regions.get(firm_id, UNKNOWN_REGION)
    row = snapshot.rows.get(firm_id)
    flags = (
        frozenset(f for f, on in zip(FLAGS, snapshot.flags[row], strict=True) if on)
        if row is not None
        else frozenset()
    )
    latest = _latest(planner, snapshot, firm_id)
    employees = _item(planner, latest, "employees")
    return Firm(
        firm_id=firm_id,
        as_of=snapshot.as_of.date(),
        size_class=fact("size_class"),
        founded=pd.Timestamp(founded).date() if founded is not None else None,
        ksic=str(ksic) if ksic is not None else None,
        region=None if region == UNKNOWN_REGION else region,
        grade=grade,
        flags=flags,
        employees=employees,
    )


def _latest(planner: Planner, snapshot: Snapshot, firm_id: str) -> int | None:
    """Position of the latest statement filed by the as-of date (the one the model reads)."""
    financials = planner.tables.financials
    at = planner.positions("financials", firm_id)
    filed = financials["filed_on"].to_numpy()[at]
    at = at[filed <= snapshot.as_of.to_datetime64()]
    if len(at) == 0:
        return None
    years = financials["fiscal_year"].to_numpy()[at]
    order = np.lexsort((financials["filed_on"].to_numpy()[at], years))
    return int(at[order[-1]])


def _item(planner: Planner, position: int | None, item: str) -> float | None:
    if position is None or item not in planner.tables.financials:
        return None
    value = known(planner.tables.financials[item].iat[position])
    return float(value) if value is not None else None


def _notes(planner: Planner, snapshot: Snapshot, firm_id: str, firm: Firm) -> list[NoteOut]:
    notes = []
    latest = _latest(planner, snapshot, firm_id)
    if latest is None:
        notes.append(
            NoteOut(ko="기준일까지 제출된 재무제표 없음", en="no statement filed by the as-of date")
        )
    elif all(_item(planner, latest, i) is None for i in ("total_assets", "borrowings")):
        notes.append(
            NoteOut(
                ko="재무상태표 자료 없음 (손익계산서만): 차입금 상환·매출채권 회수는 계산하지 않음",
                en="no balance sheet on file (income statement only): debt repayment and "
                "receivables are not tried",
            )
        )
    if firm.region is None:
        notes.append(
            NoteOut(
                ko="소재지 미상 (00): 지역 조건은 직원 확인",
                en="region unknown (00): regional rules are left to staff",
            )
        )
    return notes


def _reason_needs(score: ScoreOut | None) -> list[Need]:
    """Families and features that raise the firm's PD (regional and industry conditions are
    not the firm's to change, so no programme is matched to them)."""
    if score is None:
        return []
    needs = [
        Need("family", f.family, f.name_ko, f.name_en, f.contribution)
        for f in score.families
        if f.contribution >= SHOWN_POINTS and f.family != "environment"
    ]
    needs += [
        Need("feature", r.feature, r.label_ko, r.label_en, r.contribution)
        for r in score.reasons
        if r.contribution >= SHOWN_POINTS and r.family != "environment"
    ]
    return needs


def _flag_needs(firm: Firm) -> list[Need]:
    return [Need("flag", f, FLAGS[f][0], FLAGS[f][1]) for f in sorted(firm.flags)]


def _lever_needs(answer: Recourse) -> list[Need]:
    """Levers of the proposals, once each, with the PD drop of the first proposal using it."""
    seen: dict[str, Need] = {}
    for proposal in answer.proposals:
        for action in proposal.actions:
            if action.lever not in seen:
                seen[action.lever] = Need(
                    "lever", action.lever, action.ko, action.en, -proposal.points
                )
    return list(seen.values())


def _programme_out(suggestion: Suggestion) -> ProgrammeOut:
    p = suggestion.programme
    return ProgrammeOut(
        id=p.id,
        name_ko=p.name_ko,
        name_en=p.name_en,
        agency=p.agency,
        kind=p.kind,
        region=p.region,
        fits=[NeedOut.model_validate(n, from_attributes=True) for n in suggestion.fits],
        checks=[CheckOut.model_validate(c, from_attributes=True) for c in suggestion.checks],
        staff_check=list(p.staff_check),
        amount_max_krw_million=p.amount_max_krw_million,
        amount_note=p.amount_note,
        source_document=p.source.document,
        source_url=p.source.url,
        source_year=p.source.year,
        verified_ko=p.verified_ko,
        verified_en=p.verified_en,
    )


def _recourse_out(answer: Recourse, suggested: list[Programme]) -> RecourseOut:
    return RecourseOut(
        status=answer.status,
        pd=answer.pd,
        grade=answer.grade,
        targets=[
            TargetOut(
                grade=t.grade,
                steps=t.steps,
                proposal=_proposal_out(t.proposal, suggested) if t.proposal else None,
                reason_ko=t.reason_ko,
                reason_en=t.reason_en,
            )
            for t in answer.targets
        ],
        reason_ko=answer.reason_ko,
        reason_en=answer.reason_en,
    )


def _proposal_out(proposal: Proposal, suggested: list[Programme]) -> ProposalOut:
    used = {a.lever for a in proposal.actions}
    return ProposalOut(
        actions=[LeverOut.model_validate(a, from_attributes=True) for a in proposal.actions],
        changes=[
            ChangeOut(
                item=c.item,
                ko=c.ko,
                before=_finite(c.before),
                after=_finite(c.after),
                unit=c.unit,
            )
            for c in proposal.changes
        ],
        settled=[(pd.Timestamp(when).date(), kind) for when, kind in proposal.settled],
        pd=proposal.pd,
        grade=proposal.grade,
        grade_en=_grade_en(proposal.grade),
        points=proposal.points,
        moves=[
            MoveOut(
                feature=name,
                label_ko=BY_NAME[name].ko if name in BY_NAME else name,
                label_en=BY_NAME[name].en if name in BY_NAME else name,
                points=points,
            )
            for name, points in proposal.moves
        ],
        programmes=[p.id for p in suggested if used & p.addresses.levers],
    )


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
