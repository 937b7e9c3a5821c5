"""Batch scoring: every firm at one as-of date -> PD, grade, flags and top reasons in Parquet.

It streams. The raw tables are read one partition at a time (``raw/part-*/`` folders, as the
national-size generator writes them, or the single ``raw/`` folder cut into firm chunks), so
peak memory is one chunk's tables and features, not the country's:

1. count: industry distress counts per partition -> global industry rates (counts add up);
2. features: per chunk, features with the global rates, spilled to a temporary Parquet file,
   keeping only the two peer-source columns in memory -> one global peer reference;
3. score: per spilled chunk, peer columns filled in, PD, grade and reasons (fast exact SHAP),
   appended to the output file as a row group.

The output equals scoring ``features_as_of`` on the whole panel at once (tested). With a Dask
scheduler, steps 1–3 run as one task per chunk on the cluster (the spill folder must then be
on storage that every worker sees).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from cli.pool import windowed
from core import contract
from core.bundle import LoadedModel, fetch_registered
from core.grades import GradeTable
from core.settings import Settings
from features import distributed
from features.catalog import BY_NAME, FLAGS
from features.peers import PeerReference
from features.pipeline import as_of_dates
from features.tables import RawTables, empty_table, normalise, read_tables
from scoring.explain import attribute
from scoring.standing import DEFAULT_STALE_AFTER_MONTHS, STATUSES, standing_of

CHUNK_FIRMS = 200_000  # firms per feature chunk: about 2 GiB of tables and features at peak
ID_COLUMNS = ["firm_id", "as_of", "region", "district", "ksic", "size_class"]


@dataclass(frozen=True)
class Chunk:
    """A set of firms scored together: a raw folder and, within it, a slice of its firms."""

    folder: Path
    part: int
    parts: int

    def tables(self) -> RawTables:
        if self.parts == 1:
            return read_tables(self.folder)
        ids = pd.read_parquet(self.folder / "firms.parquet", columns=["firm_id"])["firm_id"]
        size = -(-len(ids) // self.parts)
        keep = ids.astype(str).iloc[self.part * size : (self.part + 1) * size].tolist()
        loaded = {}
        for name in contract.TABLES:
            path = self.folder / f"{name}.parquet"
            if not path.exists():
                loaded[name] = empty_table(name)
                continue
            only = None if name == "regional" else [("firm_id", "in", keep)]
            loaded[name] = normalise(name, pd.read_parquet(path, filters=only))
        return RawTables(**loaded)


def raw_partitions(raw_dir: Path) -> list[Path]:
    """``raw/part-*`` folders when the panel is partitioned, else ``raw`` itself."""
    parts = sorted(p for p in raw_dir.glob("part-*") if (p / "firms.parquet").is_file())
    return parts or [raw_dir]


def plan_chunks(raw_dir: Path, chunk_firms: int = CHUNK_FIRMS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for folder in raw_partitions(raw_dir):
        n_firms = pq.ParquetFile(folder / "firms.parquet").metadata.num_rows
        parts = max(1, -(-n_firms // chunk_firms))
        chunks.extend(Chunk(folder, i, parts) for i in range(parts))
    return chunks


def latest_as_of(chunks: list[Chunk]) -> pd.Timestamp:
    """The default as-of date of the whole panel (``features.pipeline.as_of_dates``: where most
    firms have a current statement), from the filing columns of every partition together."""
    columns = ["firm_id", "fiscal_year", "period_end", "filed_on"]
    financials = pd.concat(
        [
            pd.read_parquet(folder / "financials.parquet", columns=columns)
            for folder in sorted({c.folder for c in chunks})
        ],
        ignore_index=True,
    )
    financials["firm_id"] = financials["firm_id"].astype("string")
    for column in ("period_end", "filed_on"):
        financials[column] = pd.to_datetime(financials[column])
    return as_of_dates(financials)[-1]


def count_chunk(chunk: Chunk, when: pd.Timestamp) -> pd.DataFrame:
    return distributed.industry_counts(chunk.tables(), when)


def featurize_chunk(
    chunk: Chunk, when: pd.Timestamp, rates: pd.Series, spill: Path
) -> tuple[Path, pd.DataFrame]:
    """Features of one chunk (no peers yet) to ``spill``; returns the file and its peer sources."""
    features = distributed.features_without_peers(chunk.tables(), when, rates)
    path = spill / f"features-{chunk.folder.name}-{chunk.part:05d}.parquet"
    features.to_parquet(path, index=False)
    return path, distributed.peer_sources(features)


def score_frame(
    features: pd.DataFrame,
    model: LoadedModel,
    top: int,
    reasons: bool = True,
    stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
) -> pd.DataFrame:
    """PD, grade, flags and the ``top`` reasons (probability points) of scored feature rows.

    ``status`` says which rows get them: ``stale`` (latest statement older than
    ``stale_after_months``) and ``in_state`` (already in the state the model predicts) rows keep
    their flags and statement date but have no PD, grade or reasons, as in the API.
    """
    matrix = model.matrix(features)
    part = features[ID_COLUMNS].reset_index(drop=True)
    calibration = model.bundle.calibration
    if reasons:
        explained = attribute(model.booster, calibration, matrix)
        pd_, base = explained.pd, explained.base_pd
    else:
        pd_ = calibration.pd(np.asarray(model.booster.predict(matrix, raw_score=True)))
    part["pd"] = pd_
    part["grade"] = grades(model.bundle.grade_table, pd_)
    if reasons:
        part["base_pd"] = base
    part["flags"] = flag_text(features[list(FLAGS)].to_numpy(dtype=bool))
    if reasons and top:
        for column, values in top_reasons(
            model.bundle.feature_names, explained.points, top
        ).items():
            part[column] = values
    return _mark_standing(part, features, model, stale_after_months)


def _mark_standing(
    part: pd.DataFrame, features: pd.DataFrame, model: LoadedModel, stale_after_months: int
) -> pd.DataFrame:
    """Status and statement date of each row; no PD, grade or reason where it is not ok."""
    rows = features.reset_index(drop=True)
    standing = standing_of(rows, model.bundle.label_rules, stale_after_months)
    unrated = ~standing.rated
    part["status"] = pd.Categorical.from_codes(standing.code, categories=list(STATUSES))
    part["statement_period_end"] = standing.period_end
    part["statement_age_months"] = standing.age_months
    if unrated.any():
        part["pd"] = part["pd"].mask(unrated)
        part["grade"] = part["grade"].mask(unrated)
        for column in [c for c in part.columns if c.startswith("reason_")]:
            part[column] = part[column].mask(unrated)
    return part


def grades(table: GradeTable, pd_: np.ndarray) -> pd.Categorical:
    """The grade of each PD (same rule as ``GradeTable.grade``, vectorised).

    Categorical, like the flags: five labels over a million rows are codes in memory and
    dictionary-encoded in Parquet, not a million Python strings to make and write.
    """
    codes = np.searchsorted(np.asarray(table.cut_points), pd_, side="right")
    return pd.Categorical.from_codes(codes, categories=list(table.grades))


# Every combination of raised flags, numbered by its bit pattern: the same dictionary in every
# chunk, so the Parquet row groups share one, and a row's code is just its bits.
_FLAG_COMBINATIONS = [
    ",".join(f for k, f in enumerate(FLAGS) if b >> k & 1) for b in range(1 << len(FLAGS))
]


def flag_text(raised: np.ndarray) -> pd.Categorical:
    """Comma-joined names of the raised flags, per row ("" when none)."""
    bits = raised.astype(np.int64) @ (1 << np.arange(len(FLAGS), dtype=np.int64))
    return pd.Categorical.from_codes(bits, categories=_FLAG_COMBINATIONS)


def top_reasons(names: tuple[str, ...], points: np.ndarray, top: int) -> dict[str, Any]:
    """The ``top`` features by |probability points| per row: name, Korean label and points."""
    order = np.argsort(-np.abs(points), axis=1, kind="stable")[:, :top]
    english = np.asarray(names, dtype=object)
    korean = np.asarray([BY_NAME[n].ko if n in BY_NAME else n for n in names], dtype=object)
    columns: dict[str, Any] = {}
    for k in range(order.shape[1]):
        picked = order[:, k]
        columns[f"reason_{k + 1}"] = english[picked]
        columns[f"reason_{k + 1}_ko"] = korean[picked]
        columns[f"reason_{k + 1}_points"] = points[np.arange(len(points)), picked]
    return columns


class _Writer:
    """Appends scored parts to one Parquet file, each as its own row group, on one schema."""

    def __init__(self, out: Path, metadata: dict[str, str] | None = None) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.out = out
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0
        self.metadata = metadata or {}

    def write(self, part: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(part, preserve_index=False)
        if self.writer is None:
            if self.metadata:  # file-level key-value metadata, beside pandas' own
                extra = {k.encode(): v.encode() for k, v in self.metadata.items()}
                table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
            self.writer = pq.ParquetWriter(self.out, table.schema)
        else:
            table = table.cast(self.writer.schema)
        self.writer.write_table(table)
        self.rows += len(part)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def score_chunks(
    chunks: list[Chunk],
    model: LoadedModel,
    out: Path,
    top: int,
    as_of: pd.Timestamp | None = None,
    mapper: Callable[..., Iterator[Any]] | None = None,
    progress: bool = False,
    stamp: dict[str, str] | None = None,
    stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
) -> int:
    """Steps 1–3 over ``chunks``; ``mapper(fn, *iterables)`` runs each step (default: ``map``)."""
    run = mapper or map
    when = as_of if as_of is not None else latest_as_of(chunks)
    rates = distributed.combine_counts(run(count_chunk, chunks, [when] * len(chunks)))
    spill = Path(tempfile.mkdtemp(prefix="ews-score-"))
    writer = _Writer(out)
    try:
        featurized = list(
            run(
                featurize_chunk,
                chunks,
                [when] * len(chunks),
                [rates] * len(chunks),
                [spill] * len(chunks),
            )
        )
        peers = distributed.fit_peers(sources for _, sources in featurized)
        paths = [path for path, _ in featurized]
        del featurized
        scored = run(
            _score_spilled,
            paths,
            [peers] * len(paths),
            [model] * len(paths),
            [top] * len(paths),
            [stale_after_months] * len(paths),
        )
        for part in tqdm(
            scored, total=len(paths), desc="scoring", unit="chunk", disable=not progress
        ):
            for key, value in (stamp or {}).items():
                part[key] = value
            writer.write(part)
    finally:
        writer.close()
        shutil.rmtree(spill, ignore_errors=True)
    return writer.rows


def _score_spilled(
    path: Path,
    peers: PeerReference,
    model: LoadedModel,
    top: int,
    stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
) -> pd.DataFrame:
    features = distributed.with_peers(pd.read_parquet(path), peers)
    return score_frame(features, model, top, stale_after_months=stale_after_months)


def score_all(
    settings: Settings,
    as_of: pd.Timestamp | None,
    out: Path,
    top: int,
    scheduler: str | None = None,
    chunk_firms: int = CHUNK_FIRMS,
) -> int:
    """Score the champion on every eligible firm at ``as_of`` (default: the latest date).

    ``scheduler``: a Dask scheduler address (``tcp://host:8786``) to run the chunks on a
    cluster; without it, chunks run one after another in this process.
    """
    version, model = fetch_registered(
        settings.tracking_uri, settings.model_name, settings.model_alias
    )
    stamp = {
        "model_name": settings.model_name,
        "model_version": version,
        "grade_table_version": model.bundle.grade_table.version,
    }
    chunks = plan_chunks(settings.raw_dir, chunk_firms)
    stale_after = settings.stale_after_months
    if scheduler is None:
        return score_chunks(
            chunks,
            model,
            out,
            top,
            as_of,
            progress=True,
            stamp=stamp,
            stale_after_months=stale_after,
        )
    from dask.distributed import Client

    with Client(scheduler) as client:
        mapper = _dask_mapper(client)
        return score_chunks(chunks, model, out, top, as_of, mapper, True, stamp, stale_after)


def _dask_mapper(client: Any, window: int | None = None) -> Callable[..., Iterator[Any]]:
    """``map`` on a Dask cluster, in input order, with at most ``window`` chunks in flight.

    The window bounds memory: finished parts wait on the workers until they are written.
    """
    in_flight = window or 2 * max(1, len(client.scheduler_info()["workers"]))
    return windowed(lambda fn, *args: client.submit(fn, *args, pure=False).result, in_flight)
