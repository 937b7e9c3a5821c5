"""What the service holds in memory, built once at start: the stored data and the champion.

Everything a request needs is precomputed here (feature rows at the latest and the previous
as-of date, the model's float matrix, peer percentiles, every firm's PD and grade on both dates),
so scoring one firm is one ``pred_contrib`` call on one row and a watch list is a sort. Older
dates (histories) and every firm's reasons are filled in by a background warm-up once the
service is ready. A model reload builds a new ``Champion`` beside the old one and swaps a single
reference, so requests in flight finish on the model they started with.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.bundle import LoadedModel
from features.environment import industry_distress_rate
from features.pipeline import MarketContext, as_of_dates, build_context, features_as_of
from features.tables import RawTables
from scoring.explain import PeerRanks, peer_percentiles
from scoring.portfolio import Scored, score_period
from scoring.standing import DEFAULT_STALE_AFTER_MONTHS
from scoring.timeline import Period, Timeline
from scoring.wording import Event
from serving.domain.region_codes import served_regions
from serving.errors import NotReady, ReloadRefused

ModelLoader = Callable[[], tuple[str, LoadedModel]]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """The stored tables at their latest as-of date, with every firm's features computed once."""

    tables: RawTables
    as_of: pd.Timestamp
    features: pd.DataFrame  # one row per scorable firm, positional index
    context: MarketContext
    rows: dict[str, int]  # firm_id -> row of ``features``
    regions: dict[str, str]  # firm_id -> 시도, "00" when unknown, for every stored firm
    flags: np.ndarray  # (n, len(FLAGS)) bool
    timeline: Timeline  # every as-of date, computed on demand (history)
    previous: Period | None  # the as-of date before ``as_of`` (changes, watch-list hysteresis)
    stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS  # older statements get no grade

    @property
    def latest(self) -> Period:
        return Period(self.as_of, self.features, self.rows, self.flags)


def load_snapshot(
    tables: RawTables, stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS
) -> Snapshot:
    """Features for all stored firms at the latest and the previous as-of date, and the context."""
    dates = as_of_dates(tables.financials)
    as_of = dates[-1]
    features = features_as_of(tables, as_of).reset_index(drop=True)
    if features.empty:
        raise ValueError(f"no firm can be scored on {as_of.date()}: no filed statements")
    rates = industry_distress_rate(tables.firms, tables.events, as_of)
    context = build_context(features, rates)
    firm_ids = tables.firms["firm_id"].astype("string").tolist()
    regions = dict(zip(firm_ids, served_regions(tables.firms["region"]), strict=True))
    latest = Period.of(as_of, features)
    timeline = Timeline(tables, dates)
    timeline.keep(latest)
    previous = timeline.period(dates[-2]) if len(dates) > 1 else None
    return Snapshot(
        tables,
        as_of,
        latest.features,
        context,
        latest.rows,
        regions,
        latest.flags,
        timeline,
        previous,
        stale_after_months,
    )


@dataclass(frozen=True)
class Champion:
    """A verified model ready to serve: its matrix over the snapshot and the peer ranks."""

    name: str
    alias: str
    version: str
    model: LoadedModel
    matrix: np.ndarray  # (n, k) model features of ``Snapshot.features``
    peers: PeerRanks  # (n, k) peer percentiles (NaN where not shown) and their peer levels
    latest: Scored  # every stored firm's PD and grade at ``Snapshot.as_of``
    previous: Scored | None  # the same at the previous as-of date
    event: Event  # what the model predicts, as reasons name it

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.model.bundle.feature_names


def serve(snapshot: Snapshot, name: str, alias: str, version: str, model: LoadedModel) -> Champion:
    """Check the model against the stored features and precompute what requests need."""
    stale_after = snapshot.stale_after_months
    latest = score_period(snapshot.latest, model, stale_after)
    model.booster.predict(latest.matrix[:1], pred_contrib=True)  # fails now, not on a request
    peers = peer_percentiles(snapshot.context.peers, snapshot.features, model.bundle.feature_names)
    previous = None
    if snapshot.previous is not None:
        previous = score_period(snapshot.previous, model, stale_after)
    event = Event.of(model.bundle.label_rules)
    return Champion(name, alias, version, model, latest.matrix, peers, latest, previous, event)


def settle_heap() -> None:
    """Move everything alive now out of the garbage collector's sight (``gc.freeze``).

    The snapshot and the warmed explanations are ~440,000 tracked objects on the 20k world; a
    full collection walks all of them, 0.49 s on this machine, and lands as a pause on whichever
    request triggers it (3 µs after freezing). Such collections are rare, so the average cost of
    a request did not change measurably; the worst one does. The objects stay alive for the life
    of the snapshot anyway; a reload frees the old champion's by reference counting.
    """
    gc.collect()
    gc.freeze()


# Below this many scorable firms a first request computes what it needs in well under a second,
# so no background work is started (and test apps do not compete for the CPU).
WARM_UP_MIN_FIRMS = 5_000
# The firm pages staff open first; their help answers (about 6–50 firms/s, docs/recourse.md) are
# worked out after the reasons, so a watch-listed firm's page gets a kept answer.
WARM_HELP_PER_REGION = 20


def warm_up(snapshot: Snapshot, champion: Champion) -> threading.Thread | None:
    """In the background: every firm's reasons, what would help the firms each region's list
    opens with (``WARM_HELP_PER_REGION`` highest PDs), then every older as-of date (histories)."""
    if len(snapshot.features) < WARM_UP_MIN_FIRMS:
        return None

    def work() -> None:
        from serving.domain.help import warm, watched  # help builds on this module

        champion.latest.explanations.warm()
        warm(snapshot, champion, watched(snapshot, champion, WARM_HELP_PER_REGION))
        snapshot.timeline.warm()
        settle_heap()

    thread = threading.Thread(target=work, name="warm-up", daemon=True)
    thread.start()
    return thread


class ServiceState:
    """The live snapshot and champion; ``problem`` says why the service is not ready."""

    def __init__(
        self,
        name: str,
        alias: str,
        loader: ModelLoader,
        stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
    ) -> None:
        self.name, self.alias, self.loader = name, alias, loader
        self.stale_after_months = stale_after_months
        self.snapshot: Snapshot | None = None
        self.champion: Champion | None = None
        self.problem: str | None = "starting"
        self._reload_lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self.snapshot is not None and self.champion is not None

    def start(self, tables: Callable[[], RawTables], model: tuple[str, LoadedModel] | None) -> None:
        """Load data and model once; on failure stay alive but not ready, saying why."""
        try:
            self.snapshot = load_snapshot(tables(), self.stale_after_months)
            version, loaded = model if model is not None else self.loader()
            self.champion = serve(self.snapshot, self.name, self.alias, version, loaded)
            self.problem = None
        except Exception as error:  # readiness reports it; liveness stays up
            log.exception("service not ready")
            self.problem = f"{type(error).__name__}: {error}"
            return
        warm_up(self.snapshot, self.champion)

    def current(self) -> tuple[Snapshot, Champion]:
        """The snapshot and champion for one request (read once, so a swap cannot split it)."""
        snapshot, champion = self.snapshot, self.champion
        if snapshot is None or champion is None:
            raise NotReady(self.problem or "not ready")
        return snapshot, champion

    def reload(self) -> tuple[str, str]:
        """Re-read the champion; on any failure keep the old one and raise ReloadRefused.

        After a start whose model failed (no champion yet) this is how the service recovers:
        once the registry serves a good model, the service becomes ready. Returns (previous
        version or "none", new version).
        """
        with self._reload_lock:
            snapshot, old = self.snapshot, self.champion
            if snapshot is None:  # the stored data failed: only a restart reads it again
                raise NotReady(self.problem or "not ready")
            try:
                version, loaded = self.loader()
                fresh = serve(snapshot, self.name, self.alias, version, loaded)
            except Exception as error:  # any failure must leave the old model serving
                log.warning("reload refused: %s", error)
                if old is None:  # still not ready; readiness says why now
                    self.problem = f"{type(error).__name__}: {error}"
                conflict = isinstance(error, ValueError)  # ModelIntegrityError, feature mismatch
                raise ReloadRefused(f"{type(error).__name__}: {error}", conflict) from error
            self.champion, self.problem = fresh, None
            warm_up(snapshot, fresh)
            return (old.version if old is not None else "none"), fresh.version
