"""The national view: every 시도's stage, expected crises and employees at risk beside its
centre's casework (cases opened and closed, visits, referrals and the partners' answers) per
month, and how much of the expected crises a watch list of the centre's capacity covers.

Risk figures come from the champion's precomputed PDs, as the region pages'; each region is
staged by its own thresholds and capacity from ``config/regions.yaml`` (``region_settings``).
Months are calendar months of Korea's dates, the last ``months`` up to ``until``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import clock
from serving.domain import regions as risk
from serving.domain.region_codes import region_names
from serving.domain.region_settings import (
    RegionSettings,
    RegionSettingsError,
    read_region_settings,
)
from serving.domain.state import Champion, Snapshot
from serving.errors import NotReady
from serving.schemas.national import MonthFigures, NationalOut, NationalRow
from serving.store.tables import Case, Referral, Visit

MONTHS_MAX = 36


def settings_in(config_dir: Path) -> RegionSettings:
    """The region settings the service runs on; a broken file is a 503 naming the fault (the
    operator's edit must be fixed), never a 500."""
    try:
        return read_region_settings(config_dir)
    except RegionSettingsError as error:
        raise NotReady(f"region settings cannot be read: {error}") from error


def month_keys(until: dt.date, months: int) -> list[str]:
    """The ``months`` calendar months ending with ``until``'s, oldest first (YYYY-MM)."""
    year, month = until.year, until.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def _month(day: dt.date | dt.datetime | None) -> str | None:
    if day is None:
        return None
    if isinstance(day, dt.datetime):
        day = day.astimezone(clock.KST).date()
    return f"{day.year:04d}-{day.month:02d}"


@dataclass
class Tally:
    """Counts per (region, month, what), and the amounts approved."""

    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    amounts: defaultdict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    open_cases: Counter[str] = field(default_factory=Counter)

    def add(self, region: str, when: dt.date | dt.datetime | None, what: str) -> None:
        month = _month(when)
        if month is not None:
            self.counts[region, month, what] += 1

    def month(self, region: str, month: str) -> MonthFigures:
        def count(what: str) -> int:
            return self.counts[region, month, what]

        return MonthFigures(
            month=month,
            cases_opened=count("opened"),
            cases_closed=count("closed"),
            visits=count("visit"),
            referrals=count("referral"),
            approved=count("approved"),
            declined=count("declined"),
            amount_approved=float(self.amounts[region, month]),
        )


def casework(session: Session, snapshot: Snapshot, regions: Sequence[str], since: dt.date) -> Tally:
    """The regions' cases, visits and referrals since ``since`` (and every open case)."""
    tally = Tally()
    start = dt.datetime.combine(since, dt.time(), clock.KST)
    wanted = list(regions)
    with session.begin():
        cases = session.execute(
            select(Case.region, Case.opened_at, Case.closed_at).where(Case.region.in_(wanted))
        ).all()
        visits = session.execute(
            select(Visit.region, Visit.visited_on).where(
                Visit.region.in_(wanted), Visit.visited_on >= since
            )
        ).all()
        made = session.execute(
            select(
                Referral.region,
                Referral.created_at,
                Referral.status,
                Referral.decided_on,
                Referral.amount,
            ).where(
                Referral.region.in_(wanted),
                or_(Referral.created_at >= start, Referral.decided_on >= since),
            )
        ).all()
    for region, opened, closed in cases:
        tally.add(region, opened, "opened")
        tally.add(region, closed, "closed")
        tally.open_cases[region] += closed is None
    for region, visited_on in visits:
        tally.add(region, visited_on, "visit")
    for region, visited_on in _imported_visits(snapshot, wanted, since):
        tally.add(region, visited_on, "visit")
    for region, created_at, status, decided_on, amount in made:
        if created_at >= start:
            tally.add(region, created_at, "referral")
        if status in ("approved", "declined") and decided_on is not None and decided_on >= since:
            tally.add(region, decided_on, status)
            if status == "approved" and amount is not None:
                tally.amounts[region, _month(decided_on) or ""] += amount
    return tally


def _imported_visits(
    snapshot: Snapshot, regions: Iterable[str], since: dt.date
) -> list[tuple[str, dt.date]]:
    """Visits that came with the raw data, placed in their firm's stored region."""
    visits = snapshot.tables.visits
    if visits.empty:
        return []
    dates = pd.to_datetime(visits["visited_on"], errors="coerce")
    recent = visits[(dates >= pd.Timestamp(since)).fillna(False).to_numpy(dtype=bool)]
    wanted = set(regions)
    out = []
    for firm_id, day in zip(recent["firm_id"].astype(str), recent["visited_on"], strict=True):
        region = snapshot.regions.get(firm_id)
        if region in wanted and pd.notna(day):
            out.append((region, pd.Timestamp(day).date()))
    return out


def employees_at_risk(champion: Champion, rows: np.ndarray) -> float:
    """Σ PD × employees over ``rows`` (a firm without an employee count adds nothing)."""
    features = champion.latest.period.features
    if "employees" not in features.columns or not len(rows):
        return 0.0
    employees = features["employees"].to_numpy(dtype="float64", na_value=np.nan)[rows]
    employees = np.nan_to_num(employees, nan=0.0)
    return float((champion.latest.pd[rows] * employees).sum())


def list_coverage(champion: Champion, rows: np.ndarray, capacity: int) -> float:
    """The share of the expected crises among the ``capacity`` highest-PD firms of ``rows``."""
    pd_ = np.sort(champion.latest.pd[rows])[::-1]
    total = float(pd_.sum())
    return float(pd_[:capacity].sum()) / total if total > 0 else 0.0


def national_view(
    session: Session,
    snapshot: Snapshot,
    champion: Champion,
    settings: RegionSettings,
    regions: Sequence[str],
    until: dt.date,
    months: int,
) -> NationalOut:
    """The rows of ``regions`` (those the caller may read), with ``months`` months of work."""
    keys = month_keys(until, months)
    since = dt.date(int(keys[0][:4]), int(keys[0][5:]), 1)
    tally = casework(session, snapshot, regions, since)
    everyone = risk.group(champion)
    national = risk.figures(champion, everyone)
    rows = []
    for region in regions:
        setting = settings.of(region)
        members = risk.group(champion, "region", region)
        figures = risk.figures(champion, members)
        name_ko, name_en = region_names(region)
        rows.append(
            NationalRow(
                region=region,
                region_ko=name_ko,
                region_en=name_en,
                figures=figures,
                stage=risk.stage(figures, national, setting.stage_rule),
                employees_at_risk=employees_at_risk(champion, members.now),
                capacity=setting.capacity,
                list_coverage=list_coverage(champion, members.now, setting.capacity),
                open_cases=tally.open_cases[region],
                months=[tally.month(region, month) for month in keys],
            )
        )
    return NationalOut(
        as_of=snapshot.as_of.date(),
        previous_as_of=snapshot.previous.as_of.date() if snapshot.previous else None,
        model_name=champion.name,
        model_version=champion.version,
        settings_version=settings.version,
        months=keys,
        national=national,
        national_employees_at_risk=employees_at_risk(champion, everyone.now),
        regions=rows,
    )
