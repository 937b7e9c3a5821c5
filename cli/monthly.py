"""Monthly scores: the feature table on month-ends, the monthly model, its lead time against the
annual one, and the monthly re-score of every firm with what changed since last month.

`ews monthly features` builds the point-in-time table on every month-end (the latest filed
statement plus every event and regional figure known by then); `ews monthly train` fits the
monthly model on it and registers it as `<model name>-monthly` (alias challenger), with the lead
time against the annual champion in its report; `ews monthly promote` runs the usual gate on it;
`ews monthly evaluate` prints that lead-time comparison again; `ews monthly score --as-of
2026-11-30` re-scores every firm on a month-end, streamed in chunks of firms, and writes
`data/monthly/scores-2026-11-30.parquet` with the change since the previous month-end
(docs/monthly.md lists the columns).
"""

from __future__ import annotations

import json
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import numpy as np
import pandas as pd
import typer
from tqdm.auto import tqdm

from core import contract
from core.settings import Settings, get_settings

if TYPE_CHECKING:  # heavy modules, imported where a command needs them
    from cli.batch import Chunk
    from core.bundle import LoadedModel
    from features.peers import PeerReference
    from features.tables import RawTables

MONTHLY_FEATURES_FILE = "features-monthly.parquet"
MONTHLY_SUFFIX = "-monthly"  # the monthly model's registry name: <EWS_MODEL_NAME>-monthly
MONTHLY_DIR = "monthly"  # under the data folder: scores-YYYY-MM-DD.parquet
DEFAULT_YEARS = 8  # as-of years of the monthly table: train, validation and test years
PLAN_KEY = "ews.monthly.plan"  # Parquet metadata: which chunk of firms each row group holds
# What changed for a firm since the previous month-end, most urgent first; a firm gets the
# first that applies.
CHANGES = (
    "failed",  # a first default-type event in the month: out of the population, shown in red
    "worse",  # a higher grade than last month
    "new_trigger",  # an arrears or 30-day delinquency event in the month
    "became_stale",  # the latest statement passed the stale age this month (자료 오래됨)
    "better",  # a lower grade than last month
    "first_scored",  # no row last month (new filer, or no previous file)
    "unchanged",
)
REASONS = ("changed", "all", "none")

monthly_app = typer.Typer(
    help="Monthly as-of dates: features, the monthly model, lead time, monthly re-scores.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add `ews monthly …` to the `ews` app."""
    app.add_typer(monthly_app, name="monthly")


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def monthly_settings(settings: Settings) -> Settings:
    """The same deployment with the monthly model's registry name."""
    return settings.model_copy(update={"model_name": settings.model_name + MONTHLY_SUFFIX})


def monthly_features_path(settings: Settings) -> Path:
    return settings.features_dir / MONTHLY_FEATURES_FILE


def scores_path(settings: Settings, as_of: pd.Timestamp) -> Path:
    """Where `ews monthly score` writes the scores of a month-end."""
    return settings.data_dir / MONTHLY_DIR / f"scores-{as_of.date().isoformat()}.parquet"


def peak_rss_gib() -> float:
    """This process's peak resident memory so far, in GiB: VmHWM, the high-water mark of its
    own address space (``ru_maxrss`` also keeps the parent's from before an exec, so a child
    started from a large process would report the parent's peak); ``ru_maxrss`` elsewhere."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def month_end(text: str) -> pd.Timestamp:
    """A month-end as-of date from YYYY-MM-DD; any other day is refused with the nearest."""
    try:
        when = pd.Timestamp(date.fromisoformat(text))
    except ValueError:
        _fail(f"--as-of must be a date YYYY-MM-DD; got {text!r}")
    if not when.is_month_end:
        _fail(
            f"--as-of must be a month-end (monthly as-of dates); got {when.date()}, "
            f"e.g. {(when + pd.offsets.MonthEnd(0)).date()}"
        )
    return when


@monthly_app.command("features")
def features(
    years: Annotated[
        int, typer.Option(min=1, help="As-of years kept (the last N calendar years).")
    ] = DEFAULT_YEARS,
    label_rules: Annotated[
        str, typer.Option(help="Comma-separated: default_event, capital_impairment, marginal_firm.")
    ] = "default_event",
    horizon: Annotated[int, typer.Option(min=1, max=36, help="Label horizon in months.")] = 12,
    raw: Annotated[Path | None, typer.Option(help="Folder of raw contract tables.")] = None,
    out: Annotated[Path | None, typer.Option(help="Feature table Parquet file.")] = None,
) -> None:
    """Build the point-in-time feature table on every month-end (default
    data/features/features-monthly.parquet): one row per firm and month-end."""
    from cli.feature_table import write_feature_table
    from features.labels import LabelRuleError, check_rules
    from features.pipeline import MONTHLY, build_features
    from features.tables import read_tables

    settings = get_settings()
    try:
        rules = check_rules([r.strip() for r in label_rules.split(",") if r.strip()])
        tables = read_tables(raw or settings.raw_dir)
    except (LabelRuleError, FileNotFoundError) as error:
        _fail(str(error))
    start = time.perf_counter()
    table = build_features(
        tables, label_rules=rules, horizon_months=horizon, frequency=MONTHLY, years=years
    )
    if table.empty:
        _fail("no statement was filed by any as-of date: nothing to build")
    path = out or monthly_features_path(settings)
    extra = {"frequency": MONTHLY, "years": years}
    manifest = write_feature_table(table, path, rules, horizon, extra)
    typer.echo(
        f"wrote {len(table):,} monthly feature rows to {path} ({manifest['as_of_min']} … "
        f"{manifest['as_of_max']}, {table['as_of'].nunique()} month-ends, labelled "
        f"{int(table['label'].notna().sum()):,}) in {time.perf_counter() - start:.1f} s, "
        f"peak RSS {peak_rss_gib():.2f} GiB"
    )


def _read_monthly(settings: Settings, path: Path | None) -> tuple[pd.DataFrame, dict[str, object]]:
    path = path or monthly_features_path(settings)
    if not path.exists():
        _fail(f"no monthly feature table at {path}; run `ews monthly features` first")
    manifest = json.loads(path.with_suffix(".json").read_text())
    return pd.read_parquet(path), manifest


def _first_defaults(settings: Settings) -> pd.Series:
    from features.signals import first_default
    from features.tables import read_tables

    tables = read_tables(settings.raw_dir)
    firm_ids = tables.firms["firm_id"]
    return first_default(tables.events, firm_ids).set_axis(firm_ids.to_numpy())


def _annual_model(settings: Settings, alias: str) -> LoadedModel | None:
    """The annual model under ``alias``, or None when the registry has none."""
    from training import registry

    client = registry.connect(settings)
    if registry.version_for(client, settings.model_name, alias) is None:
        return None
    return registry.load_alias(settings, alias)


@monthly_app.command("train")
def train(
    valid_year: Annotated[
        int | None, typer.Option(help="As-of year for early stopping and calibration.")
    ] = None,
    test_year: Annotated[int | None, typer.Option(help="Out-of-time test as-of year.")] = None,
    first_year: Annotated[int | None, typer.Option(help="Drop as-of years before this.")] = None,
    seed: Annotated[int, typer.Option(help="LightGBM seed.")] = 7,
    bootstrap: Annotated[int, typer.Option(min=10, help="Bootstrap resamples.")] = 200,
    annual_alias: Annotated[
        str, typer.Option(help="The annual model to measure lead time against.")
    ] = "champion",
    features_file: Annotated[
        Path | None, typer.Option("--features", help="Monthly feature table.")
    ] = None,
) -> None:
    """Train the monthly model on the monthly feature table; register it as
    `<model name>-monthly` (alias challenger), with the lead time against the annual model in
    its report (section "Lead time: monthly against annual scoring")."""
    from training.params import TrainParams
    from training.pipeline import TrainingDataError
    from training.pipeline import train as run_training

    settings = get_settings()
    table, manifest = _read_monthly(settings, features_file)
    annual = _annual_model(settings, annual_alias)
    if annual is None:
        typer.echo(
            f"note: no annual {settings.model_name}@{annual_alias}: the report says lead time "
            "against it was not measured (run `ews train` and `ews promote` first)"
        )
    params = TrainParams(
        valid_year=valid_year,
        test_year=test_year,
        first_year=first_year,
        seed=seed,
        label_rules=tuple(manifest["label_rules"]),  # type: ignore[arg-type]
        horizon_months=int(manifest["horizon_months"]),  # type: ignore[call-overload]
    )
    provenance = {
        "feature_table_sha256": str(manifest["sha256"]),
        "feature_rows": str(manifest["rows"]),
        "as_of_range": f"{manifest['as_of_min']}..{manifest['as_of_max']}",
        "as_of_frequency": "monthly",
    }
    start = time.perf_counter()
    try:
        # No oracle: the demo's true PDs exist for 30 June rows only, not for the month-ends.
        result = run_training(
            table,
            params,
            monthly_settings(settings),
            _first_defaults(settings),
            None,
            provenance,
            n_boot=bootstrap,
            lead_time_against=annual,
        )
    except TrainingDataError as error:
        _fail(str(error))
    m = result.metrics
    typer.echo(
        f"run {result.run_id}: registered {settings.model_name}{MONTHLY_SUFFIX} "
        f"v{result.version} as challenger ({time.perf_counter() - start:.0f} s)"
    )
    for key in ("test_roc_auc", "test_pr_auc", "test_brier", "test_ece"):
        if key in m:
            typer.echo(f"  {key:14s} {m[key]:.4f}")
    evaluation = result.evaluation
    if evaluation is not None:
        typer.echo("lead time, monthly against annual (see the run's report/report.md):")
    _print_lead_time(m)


def _print_lead_time(metrics: dict[str, float]) -> None:
    shown = {k: v for k, v in metrics.items() if k.startswith("lead_time_") and "share" in k}
    for key, value in shown.items():
        typer.echo(f"  {key}: {value:.4f}")


@monthly_app.command("promote")
def promote(
    force: Annotated[bool, typer.Option(help="Promote even if the gate refuses.")] = False,
    reason: Annotated[str, typer.Option(help="Why, when forcing (recorded).")] = "",
    features_file: Annotated[
        Path | None, typer.Option("--features", help="Monthly feature table.")
    ] = None,
) -> None:
    """Move the monthly model's `champion` to its challenger, through the same gate as
    `ews promote` (label rule, then the current monthly champion) on the monthly test rows."""
    from training.pipeline import promote as run_promote
    from training.registry import PromotionRefused

    settings = monthly_settings(get_settings())
    table, _ = _read_monthly(settings, features_file)
    try:
        outcome = run_promote(settings, table, force=force, reason=reason)
    except PromotionRefused as error:
        _fail(str(error))
    typer.echo(f"{settings.model_name}: champion is now v{outcome['challenger']}")


@monthly_app.command("evaluate")
def evaluate(
    annual_alias: Annotated[str, typer.Option(help="Annual model alias.")] = "champion",
    monthly_alias: Annotated[str, typer.Option(help="Monthly model alias.")] = "challenger",
    test_year: Annotated[
        int | None, typer.Option(help="Annual test year (default: the annual model's).")
    ] = None,
    features_file: Annotated[
        Path | None, typer.Option("--features", help="Monthly feature table.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for lead_time.md and .csv (models/monthly).")
    ] = None,
) -> None:
    """Lead time of the monthly model against the annual one on the annual test year's distress
    events, at the same alert volume; printed and written to models/monthly/lead_time.md."""
    from training import registry
    from training.lead_time import (
        LeadTimeError,
        compare_lead_time,
        comparison_text,
        comparison_year,
    )
    from training.report import _display

    settings = get_settings()
    table, _ = _read_monthly(settings, features_file)
    annual = _annual_model(settings, annual_alias)
    monthly_model = _annual_model(monthly_settings(settings), monthly_alias)
    if annual is None or monthly_model is None:
        which = settings.model_name if annual is None else settings.model_name + MONTHLY_SUFFIX
        alias = annual_alias if annual is None else monthly_alias
        _fail(f"no {which}@{alias} in the registry ({registry.CHALLENGER} after a train)")
    try:
        year, caveat = comparison_year(annual, monthly_model)
        comparison = compare_lead_time(
            table, annual, monthly_model, _first_defaults(settings), test_year or year
        )
    except LeadTimeError as error:
        _fail(str(error))
    comparison = replace(comparison, note=comparison.note + caveat)
    folder = out or settings.models_dir / MONTHLY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    comparison.table.to_csv(folder / "lead_time.csv", index=False)
    text = comparison_text(comparison)
    shown = _display(comparison.table).to_markdown(index=False)
    (folder / "lead_time.md").write_text(
        f"# Lead time: monthly against annual scoring\n\n{text}\n\n{shown}\n", encoding="utf-8"
    )
    typer.echo(text)
    typer.echo(shown)


# --- the monthly re-score, streamed in chunks of firms --------------------------------------


@dataclass(frozen=True)
class Month:
    """The month being re-scored: its as-of date and the previous month-end. Events count in
    the month when ``previous <= event_date < as_of`` (features see events strictly before
    their as-of date, so each event belongs to exactly one month)."""

    as_of: pd.Timestamp
    previous: pd.Timestamp

    @classmethod
    def ending(cls, as_of: pd.Timestamp) -> Month:
        return cls(as_of, as_of - pd.offsets.MonthEnd(1))

    def within(self, dates: pd.Series) -> np.ndarray:
        values = dates.to_numpy()
        return (values >= self.previous.to_datetime64()) & (values < self.as_of.to_datetime64())


def industry_counts_light(folder: Path, as_of: pd.Timestamp) -> pd.DataFrame:
    """``features.distributed.industry_counts`` of one raw folder from the few columns it needs
    (firms' industry and founding date, default-type events): the counts add up over folders,
    and the statements, by far the largest table, are not read for them."""
    from features.environment import industry_distress_counts

    firms = pd.read_parquet(folder / "firms.parquet", columns=["firm_id", "ksic", "founded"])
    firms = firms.assign(
        firm_id=firms["firm_id"].astype("string"),
        ksic=firms["ksic"].astype("string"),
        founded=pd.to_datetime(firms["founded"]),
    )
    path = folder / "events.parquet"
    columns = ["firm_id", "event_type", "event_date"]
    if path.exists():
        events = pd.read_parquet(
            path, columns=columns, filters=[("event_type", "in", sorted(contract.DEFAULT_EVENTS))]
        )
    else:
        events = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    events = events.assign(
        firm_id=events["firm_id"].astype("string"),
        event_type=events["event_type"].astype("string"),
        event_date=pd.to_datetime(events["event_date"]),
    )
    return industry_distress_counts(firms, events, as_of)


@dataclass(frozen=True)
class Spilled:
    """One chunk's work between the passes: its features (no peers yet) and its month."""

    index: int
    features: Path
    month_rows: Path  # the failed firms' rows and the new triggers per firm


def month_events(tables: RawTables, month: Month) -> tuple[pd.DataFrame, pd.DataFrame]:
    """This chunk's firms that failed in the month (first default-type event in it), as rows,
    and per firm the arrears and 30-day delinquency events of the month (new triggers)."""
    from features.signals import first_default

    events, firms = tables.events, tables.firms
    ids = firms["firm_id"]
    first = first_default(events, ids)
    failed = month.within(first)
    defaults = events[events["event_type"].isin(contract.DEFAULT_EVENTS)]
    first_type = (
        defaults.sort_values(["firm_id", "event_date"], kind="stable")
        .drop_duplicates("firm_id")
        .set_index("firm_id")["event_type"]
    )
    failed_rows = firms.loc[failed, ["firm_id", "region", "district", "ksic", "size_class"]]
    failed_rows = failed_rows.assign(
        failed_on=first.to_numpy()[failed],
        failure_event=first_type.reindex(failed_rows["firm_id"]).to_numpy(),
    )
    triggers = events[
        events["event_type"].isin(contract.ARREARS_EVENTS) & month.within(events["event_date"])
    ]
    per_firm = triggers.groupby("firm_id", observed=True)["event_type"].agg(
        new_triggers=lambda types: ",".join(sorted(set(types.astype(str)))),
        new_trigger_count="size",
    )
    return failed_rows.reset_index(drop=True), per_firm.reset_index()


def featurize_month(
    index: int, chunk: Chunk, month: Month, rates: pd.Series, spill: Path
) -> tuple[Spilled, pd.DataFrame]:
    """Pass 2 for one chunk: features with the global industry rates (no peers), the month's
    failures and triggers, spilled to ``spill``; returns them and the peer-source columns."""
    from features import distributed

    tables = chunk.tables()
    features = distributed.features_without_peers(tables, month.as_of, rates)
    failed, triggers = month_events(tables, month)
    stem = f"{index:05d}"
    spilled = Spilled(index, spill / f"features-{stem}.parquet", spill / f"month-{stem}")
    features.to_parquet(spilled.features, index=False)
    spilled.month_rows.mkdir()
    failed.to_parquet(spilled.month_rows / "failed.parquet", index=False)
    triggers.to_parquet(spilled.month_rows / "triggers.parquet", index=False)
    return spilled, distributed.peer_sources(features)


def plan_signature(chunks: list[Chunk]) -> str:
    """The chunk plan as text: the same raw folders cut the same way give the same chunks, so
    last month's row group ``i`` holds this month's chunk ``i`` firms (most of them)."""
    return json.dumps([[c.folder.name, c.part, c.parts] for c in chunks], separators=(",", ":"))


PREVIOUS_COLUMNS = ["firm_id", "pd", "grade", "status"]


def previous_rows(
    previous: Path | None, index: int, signature: str, firm_ids: pd.Series
) -> pd.DataFrame:
    """Last month's pd, grade and status of these firms, from ``previous`` (a file this command
    wrote): its chunk ``index`` when the plan is the same, else filtered by firm id. Either way
    only this chunk's rows are read."""
    import pyarrow.parquet as pq

    from core.contract.ids import among

    if previous is None or not previous.exists():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PREVIOUS_COLUMNS})
    metadata = pq.ParquetFile(previous).schema_arrow.metadata or {}
    same_plan = metadata.get(PLAN_KEY.encode(), b"").decode() == signature
    where = (
        [("chunk", "==", index)]
        if same_plan
        else [("firm_id", "in", firm_ids.astype(str).tolist())]
    )
    rows = pd.read_parquet(previous, columns=PREVIOUS_COLUMNS, filters=where)
    rows = rows[among(rows["firm_id"], firm_ids.unique())]
    return rows.drop_duplicates("firm_id").assign(firm_id=lambda r: r["firm_id"].astype(str))


def _dtypes(grades: tuple[str, ...], top: int) -> dict[str, object]:
    """Every column's type, so that every chunk's row group has one schema."""
    from cli.batch import _FLAG_COMBINATIONS
    from scoring.standing import STATUSES

    grade = pd.CategoricalDtype(list(grades))
    types: dict[str, object] = {
        "firm_id": "string",
        "as_of": "datetime64[ns]",
        "region": "string",
        "district": "string",
        "ksic": "string",
        "size_class": "string",
        "pd": "float64",
        "grade": grade,
        "flags": pd.CategoricalDtype(_FLAG_COMBINATIONS),
        "status": pd.CategoricalDtype([*STATUSES, "failed"]),
        "statement_period_end": "datetime64[ns]",
        "statement_age_months": "float64",
        "previous_as_of": "datetime64[ns]",
        "previous_pd": "float64",
        "previous_grade": grade,
        "grade_change": "Int8",
        "new_triggers": "string",
        "new_trigger_count": "int32",
        "failed_on": "datetime64[ns]",
        "failure_event": "string",
        "change": pd.CategoricalDtype(list(CHANGES)),
        "chunk": "int32",
    }
    if top:
        types["base_pd"] = "float64"
        for k in range(1, top + 1):
            types |= {
                f"reason_{k}": "string",
                f"reason_{k}_ko": "string",
                f"reason_{k}_points": "float64",
            }
    return types


def score_month_chunk(
    spilled: Spilled,
    month: Month,
    peers: PeerReference,
    model: LoadedModel,
    top: int,
    reasons: str,
    previous: Path | None,
    signature: str,
    stale_after_months: int,
) -> pd.DataFrame:
    """Pass 3 for one chunk: PD, grade and flags of every firm; last month's grade; the change;
    reasons for the rows ``reasons`` asks for; the month's failed firms as rows of their own."""
    from cli.batch import score_frame
    from features import distributed

    features = distributed.with_peers(pd.read_parquet(spilled.features), peers)
    part = score_frame(features, model, 0, reasons=False, stale_after_months=stale_after_months)
    failed = pd.read_parquet(spilled.month_rows / "failed.parquet")
    triggers = pd.read_parquet(spilled.month_rows / "triggers.parquet")
    ids = pd.concat([part["firm_id"], failed["firm_id"]]).astype(str)
    before = previous_rows(previous, spilled.index, signature, ids).set_index("firm_id")
    part = _with_month(part, before, triggers.set_index("firm_id"), month, model)
    top = top if reasons != "none" else 0
    if top:
        part = _with_reasons(part, features, model, top, reasons, stale_after_months)
    failed_part = _failed_rows(failed, before, triggers.set_index("firm_id"), month)
    whole = pd.concat([part, failed_part], ignore_index=True) if len(failed_part) else part
    whole["chunk"] = spilled.index
    types = _dtypes(tuple(model.bundle.grade_table.grades), top)
    for column in types:
        if column not in whole.columns:
            whole[column] = pd.NA
    ordered = whole[[*ID_ORDER, *(c for c in types if c not in ID_ORDER)]]
    extra = [c for c in whole.columns if c not in ordered.columns]
    return _typed(pd.concat([ordered, whole[extra]], axis=1), types)


ID_ORDER = ["firm_id", "as_of", "region", "district", "ksic", "size_class"]


def _typed(frame: pd.DataFrame, types: dict[str, object]) -> pd.DataFrame:
    """Each column as ``types`` says. Columns a part lacks arrive as pd.NA objects and go
    through object values; columns already of a numpy float or datetime type, or of the very
    categorical type, are cast directly (the object round trip cost a second per chunk)."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        wanted = types.get(column)
        native = isinstance(values.dtype, np.dtype)
        if wanted is None or values.dtype == wanted:
            out[column] = values
        elif isinstance(wanted, pd.CategoricalDtype):
            out[column] = values.astype("object").where(values.notna(), None).astype(wanted)
        elif wanted == "float64":
            if native and values.dtype.kind in "fiu":
                out[column] = values.astype("float64")
            else:
                numbers = pd.to_numeric(values.astype("object").where(values.notna(), np.nan))
                out[column] = numbers.astype("float64")
        elif wanted == "datetime64[ns]":
            if native and values.dtype.kind == "M":
                out[column] = values.astype("datetime64[ns]")
            else:
                dates = pd.to_datetime(values.astype("object").where(values.notna(), None))
                out[column] = dates.astype("datetime64[ns]")
        else:
            out[column] = values.astype(wanted)  # type: ignore[call-overload]
    return pd.DataFrame(out)


def _with_month(
    part: pd.DataFrame,
    before: pd.DataFrame,
    triggers: pd.DataFrame,
    month: Month,
    model: LoadedModel,
) -> pd.DataFrame:
    """Last month's PD and grade, the grade's move (steps up the ladder: + is worse), the
    month's triggers and the change of each scored firm."""
    grades = list(model.bundle.grade_table.grades)
    ids = part["firm_id"].astype(str)
    last = before.reindex(ids)
    had = last["status"].notna().to_numpy()
    now_code = part["grade"].map({g: i for i, g in enumerate(grades)}).astype("float64")
    was_code = last["grade"].astype("object").map({g: i for i, g in enumerate(grades)})
    move = now_code.to_numpy() - was_code.astype("float64").to_numpy()
    count = triggers["new_trigger_count"].reindex(ids).fillna(0).to_numpy("int64")
    status = part["status"].astype(str).to_numpy()
    stale_now = status == "stale"
    stale_before = last["status"].astype("object").to_numpy() == "stale"
    change = np.select(
        [
            move > 0,
            count > 0,
            stale_now & had & ~stale_before,
            move < 0,
            ~had,
        ],
        ["worse", "new_trigger", "became_stale", "better", "first_scored"],
        "unchanged",
    )
    return part.assign(
        previous_as_of=month.previous,
        previous_pd=last["pd"].to_numpy("float64"),
        previous_grade=last["grade"].astype("object").to_numpy(),
        grade_change=pd.array(np.where(np.isnan(move), np.nan, move)).astype("Int8"),
        new_triggers=triggers["new_triggers"].reindex(ids).to_numpy(),
        new_trigger_count=count,
        failed_on=pd.NaT,
        failure_event=pd.NA,
        change=change,
    )


def _with_reasons(
    part: pd.DataFrame,
    features: pd.DataFrame,
    model: LoadedModel,
    top: int,
    reasons: str,
    stale_after_months: int,
) -> pd.DataFrame:
    """The top reasons (probability points) for every graded row (``all``) or for those whose
    grade moved, that got a trigger or had no row last month (``changed``): the rows a digest
    shows; the others keep their PD and grade without the explanation's cost."""
    from cli.batch import score_frame

    graded = part["pd"].notna().to_numpy()
    wanted = graded.copy()
    if reasons == "changed":
        wanted &= part["change"].isin(["worse", "new_trigger", "better", "first_scored"]).to_numpy()
    rows = np.flatnonzero(wanted)
    explained = score_frame(
        features.iloc[rows], model, top, reasons=True, stale_after_months=stale_after_months
    )
    columns = ["base_pd", *(c for c in explained.columns if c.startswith("reason_"))]
    out = part.copy()
    for column in columns:
        values = pd.Series(pd.NA, index=out.index, dtype="object")
        values.iloc[rows] = explained[column].to_numpy()
        out[column] = values
    return out


def _failed_rows(
    failed: pd.DataFrame, before: pd.DataFrame, triggers: pd.DataFrame, month: Month
) -> pd.DataFrame:
    """The month's failed firms: no PD or grade now (out of the population), last month's
    kept beside the failure's date and type and the month's triggers."""
    if failed.empty:
        return failed
    ids = failed["firm_id"].astype(str)
    last = before.reindex(ids)
    return failed.assign(
        as_of=month.as_of,
        status="failed",
        previous_as_of=month.previous,
        previous_pd=last["pd"].to_numpy("float64"),
        previous_grade=last["grade"].astype("object").to_numpy(),
        new_triggers=triggers["new_triggers"].reindex(ids).to_numpy(),
        new_trigger_count=triggers["new_trigger_count"].reindex(ids).fillna(0).to_numpy("int64"),
        change="failed",
    )


@dataclass(frozen=True)
class RescoreResult:
    rows: int
    changes: dict[str, int]
    seconds: float
    previous_found: bool


def rescore_month(
    chunks: list[Chunk],
    model: LoadedModel,
    out: Path,
    as_of: pd.Timestamp,
    previous: Path | None,
    top: int = 3,
    reasons: str = "changed",
    stamp: dict[str, str] | None = None,
    stale_after_months: int = 18,
    workers: int = 1,
    progress: bool = False,
) -> RescoreResult:
    """Re-score every firm of ``chunks`` on the month-end ``as_of`` into ``out``.

    Three passes, each over one chunk of firms at a time, so memory is bounded by the chunk
    size (times ``workers``), not the panel: (1) industry distress counts per raw folder from a
    few columns; (2) per chunk, features with the global rates and the month's failures and
    triggers, spilled to disk, keeping only the peer-source columns; (3) per chunk, peer
    percentiles from the global reference, PD, grade, last month's grade (``previous``: last
    month's file), the change and reasons, appended as one row group in chunk order.
    ``workers`` processes run the chunks side by side (``cli.pool``); the file is the same.
    """
    from cli.batch import _Writer
    from cli.pool import local_workers
    from features import distributed

    if reasons not in REASONS:
        raise ValueError(f"reasons must be one of {', '.join(REASONS)}; got {reasons!r}")
    start = time.perf_counter()
    month = Month.ending(as_of)
    folders = sorted({c.folder for c in chunks})
    signature = plan_signature(chunks)
    spill = Path(tempfile.mkdtemp(prefix="ews-monthly-"))
    writer = _Writer(out.with_name(out.name + ".partial"), {PLAN_KEY: signature})
    changes: dict[str, int] = dict.fromkeys(CHANGES, 0)
    n = len(chunks)
    try:
        with local_workers(workers) as run:
            counts = run(industry_counts_light, folders, [as_of] * len(folders))
            rates = distributed.combine_counts(counts)
            featurized = list(
                tqdm(
                    run(featurize_month, range(n), chunks, [month] * n, [rates] * n, [spill] * n),
                    total=n,
                    desc="features",
                    unit="chunk",
                    disable=not progress,
                )
            )
        peers = distributed.fit_peers(source for _, source in featurized)
        spilled = [done for done, _ in featurized]
        del featurized
        task = MonthTask(month, top, reasons, previous, signature, stale_after_months)
        with local_workers(workers, shared={"peers": peers, "model": model}) as run:
            scored = run(_score_shared, spilled, [task] * n)
            for part in tqdm(scored, total=n, desc="scoring", unit="chunk", disable=not progress):
                for key, value in (stamp or {}).items():
                    part[key] = value
                for change, count in part["change"].value_counts().items():
                    changes[str(change)] += int(count)
                writer.write(part)
    finally:
        writer.close()
        shutil.rmtree(spill, ignore_errors=True)
    # Written under a temporary name and moved at the end, so that a reader (the service, the
    # digest) never sees half a month.
    if writer.writer is not None:
        writer.out.replace(out)
    found = previous is not None and previous.exists()
    return RescoreResult(writer.rows, changes, time.perf_counter() - start, found)


@dataclass(frozen=True)
class MonthTask:
    """What pass 3 needs besides the chunk, the peers and the model (small: sent per chunk)."""

    month: Month
    top: int
    reasons: str
    previous: Path | None
    signature: str
    stale_after_months: int


def _score_shared(spilled: Spilled, task: MonthTask) -> pd.DataFrame:
    """Pass 3 for one chunk, with the peer reference and model each process holds once."""
    from cli.pool import shared

    return score_month_chunk(
        spilled,
        task.month,
        shared("peers"),
        shared("model"),
        task.top,
        task.reasons,
        task.previous,
        task.signature,
        task.stale_after_months,
    )


@monthly_app.command("score")
def score(
    as_of: Annotated[str, typer.Option(help="Month-end as-of date YYYY-MM-DD.")],
    out: Annotated[
        Path | None, typer.Option(help="Output file (data/monthly/scores-<as-of>.parquet).")
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(help="Last month's scores (default: the previous month-end's file)."),
    ] = None,
    reasons: Annotated[
        str,
        typer.Option(
            help="Reasons for: changed (grade moved, new trigger, first scored), all, none."
        ),
    ] = "changed",
    top: Annotated[int, typer.Option(min=1, max=20, help="Reasons kept per firm.")] = 3,
    alias: Annotated[str, typer.Option(help="Monthly model alias.")] = "champion",
    annual: Annotated[
        bool, typer.Option(help="Score with the annual model instead (before a monthly one).")
    ] = False,
    chunk_firms: Annotated[int, typer.Option(min=100, help="Firms per chunk (memory).")] = 200_000,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes side by side, one chunk each (default: one per core)."),
    ] = None,
) -> None:
    """Re-score every firm on a month-end, streamed by chunks of firms: PD, grade, flags,
    reasons and what changed since the previous month-end (grade moves, new arrears or
    delinquency, failures, stale statements)."""
    from cli.batch import plan_chunks
    from cli.pool import PeakMemory, default_workers
    from core.bundle import fetch_registered

    if reasons not in REASONS:
        _fail(f"--reasons must be one of {', '.join(REASONS)}; got {reasons!r}")
    when = month_end(as_of)
    settings = get_settings()
    scoring = settings if annual else monthly_settings(settings)
    try:
        version, model = fetch_registered(scoring.tracking_uri, scoring.model_name, alias)
    except Exception as error:  # MLflow raises its own RestException for an unknown alias
        _fail(
            f"cannot load {scoring.model_name}@{alias}: {error}. Train and promote a monthly "
            "model (`ews monthly train`, `ews monthly promote`) or pass --annual"
        )
    chunks = plan_chunks(settings.raw_dir, chunk_firms)
    target = out or scores_path(settings, when)
    last = previous or scores_path(settings, Month.ending(when).previous)
    stamp = {
        "model_name": scoring.model_name,
        "model_version": version,
        "grade_table_version": model.bundle.grade_table.version,
    }
    processes = workers or default_workers()
    with PeakMemory() as memory:
        result = rescore_month(
            chunks,
            model,
            target,
            when,
            last,
            top,
            reasons,
            stamp,
            settings.stale_after_months,
            processes,
            progress=True,
        )
    if not result.previous_found:
        typer.echo(f"note: no previous month's scores at {last}: every firm is first_scored")
    counts = ", ".join(f"{k} {v:,}" for k, v in result.changes.items() if v)
    typer.echo(
        f"wrote {result.rows:,} rows to {target} in {result.seconds:.1f} s with {processes} "
        f"process(es) (peak memory, all processes together: {memory.gib:.2f} GiB): {counts}"
    )
