"""`ews`: the command line over every stage (raw -> features -> train -> registry -> serve).

Each command reads the previous stage's named artifact from the configured folders, so any
stage can be rerun and inspected alone.
"""

from __future__ import annotations

import json
import os
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from cli import (
    audit,
    datasets,
    digest,
    modelops,
    monthly,
    people,
    region_plan,
    scenarios,
    visits,
    watchlist_check,
)
from core.settings import get_settings

if TYPE_CHECKING:
    from training.pipeline import TrainResult

app = typer.Typer(
    help="Early warning for regional SMEs: demo data, features, training, registry, service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("watchlist-check")(watchlist_check.check)

FEATURES_FILE = "features.parquet"
# Registry downloads are a few small files; their progress bars only clutter the logs.
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def _features_path() -> Path:
    return get_settings().features_dir / FEATURES_FILE


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command("demo-data")
def demo_data(
    firms: Annotated[int, typer.Option(min=100, help="Number of firms to simulate.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same panel.")] = 7,
    first_year: Annotated[int, typer.Option(help="First fiscal year.")] = 2012,
    last_year: Annotated[int, typer.Option(help="Last fiscal year.")] = 2025,
    out: Annotated[Path | None, typer.Option(help="Folder for the raw tables.")] = None,
    per_partition: Annotated[
        int,
        typer.Option(
            min=0,
            help="Write partitions of this many firms (raw/part-NNNNN/, national size); "
            "0: one folder.",
        ),
    ] = 0,
    only: Annotated[
        str | None,
        typer.Option(help="With --per-partition: write partitions A to B-1 only ('A:B')."),
    ] = None,
    vendor_export: Annotated[
        Path | None,
        typer.Option(
            help="Also write the panel as a vendor's statement export to this folder (6-character "
            "codes, section letters, income statements only, missing years, reversals, March/June "
            "year ends, firms that stop filing): ingest it with mappings/vendor_statements.yaml."
        ),
    ] = None,
    vendor_balance_sheet_share: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="With --vendor-export: firms with a balance sheet."),
    ] = 0.0,
    vendor_events: Annotated[
        bool, typer.Option(help="With --vendor-export: also write an events extract.")
    ] = False,
) -> None:
    """Generate the synthetic demo panel (the five contract tables plus the oracle PDs)."""
    from features.demo import generate_demo, write_demo
    from features.demo.partitions import write_partitioned_demo

    folder = out or get_settings().raw_dir
    if per_partition:
        first, _, stop = (only or "").partition(":")
        subset = range(int(first), int(stop)) if only else None
        written = write_partitioned_demo(
            folder, firms, seed, per_partition, first_year, last_year, only=subset
        )
        typer.echo(f"wrote {len(written)} partitions of up to {per_partition:,} firms to {folder}")
        return
    if only:
        _fail("--only needs --per-partition")
    data = generate_demo(
        firms, seed=seed, first_year=first_year, last_year=last_year, progress=True
    )
    write_demo(data, folder)
    counts = {name: len(getattr(data.tables, name)) for name in ("firms", "financials", "events")}
    typer.echo(f"wrote demo data to {folder}: {counts}")
    if vendor_export is not None:
        from features.demo.vendor import VendorOptions, write_vendor_export

        options = VendorOptions(
            balance_sheet_share=vendor_balance_sheet_share, events=vendor_events
        )
        export = write_vendor_export(data, vendor_export, seed=seed, options=options)
        typer.echo(f"wrote a vendor export to {export.statements} (key: {export.key})")


@app.command()
def features(
    label_rules: Annotated[
        str, typer.Option(help="Comma-separated: default_event, capital_impairment, marginal_firm.")
    ] = "default_event",
    horizon: Annotated[int, typer.Option(min=1, max=36, help="Label horizon in months.")] = 12,
    raw: Annotated[Path | None, typer.Option(help="Folder of raw contract tables.")] = None,
    out: Annotated[Path | None, typer.Option(help="Feature table Parquet file.")] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, e.g. tcp://host:8786; default: this machine."),
    ] = None,
) -> None:
    """Build the point-in-time feature table: one row per firm and 30 June as-of date."""
    from cli.feature_table import write_feature_table
    from features.labels import LabelRuleError, check_rules
    from features.pipeline import build_features
    from features.tables import read_tables

    settings = get_settings()
    try:
        rules = check_rules([r.strip() for r in label_rules.split(",") if r.strip()])
        tables = read_tables(raw or settings.raw_dir)
    except (LabelRuleError, FileNotFoundError) as error:
        _fail(str(error))
    if scheduler:
        from features.distributed import build_features_dask

        table = build_features_dask(raw or settings.raw_dir, scheduler, None, rules, horizon)
    else:
        table = build_features(tables, label_rules=rules, horizon_months=horizon, progress=True)
    path = out or _features_path()
    manifest = write_feature_table(table, path, rules, horizon)
    typer.echo(
        f"wrote {len(table):,} feature rows to {path} ({manifest['as_of_min']} … "
        f"{manifest['as_of_max']}, labelled {int(table['label'].notna().sum()):,})"
    )


@app.command()
def train(
    valid_year: Annotated[
        int | None, typer.Option(help="As-of year for early stopping and calibration.")
    ] = None,
    test_year: Annotated[int | None, typer.Option(help="Out-of-time test as-of year.")] = None,
    first_year: Annotated[
        int | None,
        typer.Option(help="Drop as-of years before this one (e.g. years with few labels)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="LightGBM seed.")] = 7,
    tune: Annotated[
        int, typer.Option(min=0, help="Optuna trials on the validation year first (0: none).")
    ] = 0,
    tune_metric: Annotated[
        str, typer.Option(help="What tuning optimises on the validation year: logloss or auc.")
    ] = "logloss",
    walk_forward: Annotated[
        int, typer.Option(min=0, help="Also refit and test on each of the last N test years.")
    ] = 0,
    bootstrap: Annotated[
        int, typer.Option(min=10, help="Bootstrap resamples for the confidence intervals.")
    ] = 200,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address, e.g. tcp://host:8786: boost there with lightgbm.dask "
            "(tuning trials stay on this machine); default: this machine."
        ),
    ] = None,
) -> None:
    """Train, calibrate and evaluate; log an MLflow run and register it as `challenger`.

    The run logs a report (report/report.md and .html) with metrics by year, region, industry
    and size, calibration by grade, lead time, baselines and bootstrap intervals."""
    from contextlib import nullcontext

    from features.signals import first_default
    from features.tables import read_tables
    from training.model import fit_booster
    from training.params import TrainParams
    from training.pipeline import BoosterFit, TrainingDataError
    from training.pipeline import train as run_training
    from training.tuning import OBJECTIVES, TUNED

    if tune_metric not in OBJECTIVES:
        _fail(f"--tune-metric must be one of {', '.join(OBJECTIVES)}; got {tune_metric!r}")
    settings = get_settings()
    path = _features_path()
    if not path.exists():
        _fail(f"no feature table at {path}; run `ews features` first")
    table = pd.read_parquet(path)
    manifest = json.loads(path.with_suffix(".json").read_text())
    tables = read_tables(settings.raw_dir)
    firm_ids = tables.firms["firm_id"]
    defaults = first_default(tables.events, firm_ids).set_axis(firm_ids.to_numpy())
    oracle_path = settings.raw_dir / "oracle.parquet"
    oracle = pd.read_parquet(oracle_path) if oracle_path.exists() else None
    params = TrainParams(
        valid_year=valid_year,
        test_year=test_year,
        first_year=first_year,
        seed=seed,
        label_rules=tuple(manifest["label_rules"]),
        horizon_months=manifest["horizon_months"],
    )
    provenance = {
        "feature_table_sha256": manifest["sha256"],
        "feature_rows": manifest["rows"],
        "as_of_range": f"{manifest['as_of_min']}..{manifest['as_of_max']}",
        "data_source": "demo" if oracle is not None else str(settings.raw_dir),
    }
    fitting: AbstractContextManager[BoosterFit] = nullcontext(fit_booster)
    if scheduler:
        from training.distributed import cluster_fit

        provenance["dask_scheduler"] = scheduler
        fitting = cluster_fit(scheduler)
    try:
        with fitting as fit:
            result = run_training(
                table,
                params,
                settings,
                defaults,
                oracle,
                provenance,
                tune_trials=tune,
                tune_metric=tune_metric,
                walk_forward_years=walk_forward,
                n_boot=bootstrap,
                fit=fit,
                visits=tables.visits,
            )
    except TrainingDataError as error:
        _fail(str(error))
    _print_training(result, tune, tune_metric, TUNED)


def _print_training(
    result: TrainResult, tune: int, tune_metric: str, tuned: tuple[str, ...]
) -> None:
    """The headline, the model against its label rule, missing baselines, tuning, folds."""
    settings = get_settings()
    m = result.metrics
    typer.echo(
        f"run {result.run_id}: registered {settings.model_name} v{result.version} as challenger"
    )
    for key in (
        "test_roc_auc",
        "test_oracle_roc_auc",
        "test_roc_auc_vs_oracle",
        "test_roc_auc_logit",
        "test_roc_auc_altman",
        "test_pr_auc",
        "test_brier",
        "test_ece",
    ):
        if key in m:
            typer.echo(f"  {key:26s} {m[key]:.4f}")
    if "test_roc_auc_ci_low" in m:
        typer.echo(
            f"  ROC AUC 95% CI             {m['test_roc_auc_ci_low']:.4f} … "
            f"{m['test_roc_auc_ci_high']:.4f}"
        )
    evaluation = result.evaluation
    if evaluation is not None:
        for name, why in evaluation.missing.items():
            typer.echo(f"  baseline {name}: not computed — {why}")
        typer.echo("model against the label rule (test year):")
        typer.echo(_rule_table(evaluation.tables["rule_baselines"]))
    if result.tuning is not None:
        chosen = {k: getattr(result.tuning.params, k) for k in tuned}
        typer.echo(
            f"  tuned ({tune} trials, validation {tune_metric} "
            f"{result.tuning.best_value:.4f}): {chosen}"
        )
    if result.walk_forward is not None:
        typer.echo("walk-forward (refitted per test year):")
        columns = ["test_year", "roc_auc", "roc_auc_ci_low", "roc_auc_ci_high", "pr_auc", "brier"]
        typer.echo(result.walk_forward[columns].to_string(index=False, float_format="%.4f"))


def _rule_table(table: pd.DataFrame) -> str:
    """Model and rule scores: ROC AUC, PR AUC, top-decile capture, the model inside each rule's
    group with its 95 % interval."""
    low, high = table["model_roc_auc_in_group_ci_low"], table["model_roc_auc_in_group_ci_high"]
    interval = [
        f"{a:.4f} … {b:.4f}" if pd.notna(a) and pd.notna(b) else ""
        for a, b in zip(low, high, strict=True)
    ]
    shown = table[["score", "roc_auc", "pr_auc", "capture_top10pct"]].assign(
        model_auc_in_group=table["model_roc_auc_in_group"], ci_95=interval
    )
    return shown.to_string(index=False, float_format="%.4f", na_rep="")


@app.command()
def promote(
    force: Annotated[bool, typer.Option(help="Promote even if the challenger is worse.")] = False,
    reason: Annotated[str, typer.Option(help="Why a forced promotion is needed (recorded).")] = "",
) -> None:
    """Move `champion` to the challenger when it is at least as good on the same test year."""
    from training.pipeline import promote as run_promote
    from training.registry import PromotionRefused

    try:
        outcome = run_promote(get_settings(), pd.read_parquet(_features_path()), force, reason)
    except PromotionRefused as error:
        _fail(str(error))
    if "rule_pr_auc" in outcome:
        typer.echo(
            f"gate: PR AUC {outcome['challenger_pr_auc']:.4f} against rule "
            f"{outcome['rule_baseline']} {outcome['rule_pr_auc']:.4f} on as-of year "
            f"{outcome['test_year']}"
        )
    typer.echo(f"champion is now v{outcome['challenger']} ({outcome})")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (EWS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (EWS_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Uvicorn worker processes.")] = 1,
    access_log: Annotated[
        bool,
        typer.Option(help="Uvicorn's line per request (each score is in the audit log anyway)."),
    ] = True,
    allow_plain_http: Annotated[
        bool,
        typer.Option(help="Bind beyond loopback without TLS (only behind a TLS proxy)."),
    ] = False,
) -> None:
    """Serve the champion model over HTTP (OpenAPI docs at /docs)."""
    import ipaddress

    import uvicorn

    from serving.logs import uvicorn_log_config

    settings = get_settings()
    bind = host or settings.host
    try:
        loopback = bind == "localhost" or ipaddress.ip_address(bind).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        loopback = False
    if not loopback and not allow_plain_http:
        _fail(
            f"refusing to serve plain HTTP on {bind}: API keys and session cookies would cross "
            "the network unencrypted. Put a TLS-terminating proxy (nginx, a load balancer) in "
            "front and pass --allow-plain-http, or bind to 127.0.0.1."
        )
    if not loopback:
        typer.echo(f"warning: plain HTTP on {bind}; TLS must be terminated in front", err=True)
    _check_service_database(settings.db_url)
    uvicorn.run(
        "serving.app:create_app",
        factory=True,
        host=bind,
        port=port or settings.port,
        workers=workers,
        log_level="info",
        log_config=uvicorn_log_config(),
        access_log=access_log,
    )


def _check_service_database(url: str) -> None:
    """Exit with one clear line, not a traceback from every worker, when ``url`` cannot be
    written: the service writes an audit row for every call."""
    from serving.readiness import startup_problem
    from serving.store.engine import make_engine

    engine = make_engine(url)
    problem = startup_problem(engine)
    engine.dispose()
    if problem is not None:
        _fail(problem)


@app.command()
def score(
    as_of: Annotated[
        str | None, typer.Option(help="As-of date YYYY-MM-DD (default: latest).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output Parquet file.")] = Path("data/scores.parquet"),
    top: Annotated[int, typer.Option(min=1, max=20, help="Reasons kept per firm.")] = 3,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, e.g. tcp://host:8786; default: this machine."),
    ] = None,
) -> None:
    """Batch-score every firm at an as-of date: PD, grade and top reasons to Parquet."""
    from cli.batch import score_all

    when = pd.Timestamp(date.fromisoformat(as_of)) if as_of else None
    written = score_all(get_settings(), when, out, top, scheduler=scheduler)
    typer.echo(f"wrote {written:,} scores to {out}")


registered = (audit, datasets, modelops, people, monthly, digest, region_plan, scenarios, visits)
for module in registered:
    module.register(app)

if __name__ == "__main__":
    app()
