"""`ews ingest` (bring your own data through a mapping file) and `ews benchmark polish|spain`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from tabulate import tabulate

from core.settings import get_settings

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TABLE_CHOICES = ("firms", "financials", "events", "regional", "visits", "labels")

benchmark_app = typer.Typer(
    help="Real-data benchmarks: our figures beside published ones.", no_args_is_help=True
)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def ingest(
    source: Annotated[Path, typer.Argument(help="CSV, Parquet or Excel file to ingest.")],
    mapping: Annotated[Path, typer.Option(help="Mapping file (YAML); see docs/data.md.")],
    table: Annotated[
        list[str] | None,
        typer.Option(help=f"Only these tables of the mapping: {', '.join(TABLE_CHOICES)}."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Raw data folder (default data/raw).")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="CSV encoding, overriding the mapping (utf-8, cp949).")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Fail when a mapped source column is absent from the file.")
    ] = False,
) -> None:
    """Validate SOURCE against the data contract through a mapping and upsert it into the raw
    folder; rows that break the contract go to a quarantine file with their reason."""
    from features.ingestion import MappingError, SourceError, load_mapping
    from features.ingestion import ingest as run_ingest

    for name in table or []:
        if name not in TABLE_CHOICES:
            _fail(f"--table {name!r}: one of {', '.join(TABLE_CHOICES)}")
    folder = out or get_settings().raw_dir
    try:
        reports = run_ingest(
            source, load_mapping(mapping), folder, table, encoding, progress=True, strict=strict
        )
    except (MappingError, SourceError, OSError) as error:
        _fail(f"{mapping if isinstance(error, MappingError) else source}: {error}")
    for report in reports:
        written = report.written
        stored = (
            f"-> {written.path} (stored {written.before:,} + {written.new:,} new = "
            f"{written.total:,}; {written.updated:,} updated, {written.unchanged:,} already "
            f"stored, {written.merged:,} merged in the source)"
            if written
            else "(nothing written)"
        )
        typer.echo(
            f"{report.table}: rows in {report.rows_in:,} = accepted {report.accepted:,} "
            f"+ quarantined {report.quarantined:,} {stored}"
        )
        if report.cells:
            typer.echo(f"  cells set missing: {report.cell_summary()}")
        if report.filtered_out:
            typer.echo(f"  skipped by the mapping's filter: {report.filtered_out:,} rows")
        if report.quarantine_file:
            typer.secho(
                f"  quarantined rows, each with its reason: {report.quarantine_file}",
                fg=typer.colors.YELLOW,
            )
        for target, sources in report.absent.items():
            typer.echo(f"  not in the source, left missing: {target} (from {', '.join(sources)})")


def _print(result: object) -> None:
    from training.benchmarks import BenchmarkResult

    assert isinstance(result, BenchmarkResult)
    typer.echo(tabulate(result.rows, headers="keys", tablefmt="github", floatfmt=".4f"))
    for note in result.notes:
        typer.echo(f"  {note}")


def _log(result: object, mlflow: bool | None) -> None:
    """Log to MLflow when a tracking URI is configured, or when asked (local store)."""
    from training.benchmarks import BenchmarkResult, log_benchmark

    assert isinstance(result, BenchmarkResult)
    settings = get_settings()
    configured = bool(settings.mlflow_tracking_uri or os.environ.get("MLFLOW_TRACKING_URI"))
    if mlflow if mlflow is not None else configured:
        run_id = log_benchmark(result, settings)
        typer.echo(f"  logged as MLflow run {run_id} (experiment 'benchmarks')")


DataOption = Annotated[Path, typer.Option(help="The shared data folder (polish/, spain/, kosis/).")]
MlflowOption = Annotated[
    bool | None,
    typer.Option(help="Log an MLflow run (default: only when a tracking URI is configured)."),
]


@benchmark_app.command("polish")
def benchmark_polish(
    data: DataOption = SHARED_DATA,
    folds: Annotated[int, typer.Option(min=2, help="Stratified CV folds.")] = 10,
    seed: Annotated[int, typer.Option(help="Fold and LightGBM seed.")] = 7,
    jobs: Annotated[int, typer.Option(min=1, help="Folds fitted in parallel.")] = (
        os.cpu_count() or 1
    ),
    sample: Annotated[
        int | None, typer.Option(help="Keep this many firms per file (quick check).")
    ] = None,
    rounds: Annotated[
        int | None, typer.Option(min=1, help="Boosting rounds (default: the benchmark's).")
    ] = None,
    mlflow: MlflowOption = None,
) -> None:
    """Polish data, 1year.arff and 5year.arff (status 5 and 1 years later): CV AUC vs published."""
    from dataclasses import replace

    from training.benchmarks import run_polish
    from training.benchmarks.polish import PolishModel

    if not (data / "polish").exists():
        _fail(f"no Polish data under {data / 'polish'}; pass --data")
    model = PolishModel() if rounds is None else replace(PolishModel(), rounds=rounds)
    jobs = min(jobs, folds)
    result = run_polish(data, folds=folds, seed=seed, model=model, sample=sample, n_jobs=jobs)
    _print(result)
    _log(result, mlflow)


@benchmark_app.command("spain")
def benchmark_spain(
    data: DataOption = SHARED_DATA,
    seed: Annotated[int, typer.Option(help="LightGBM seed.")] = 7,
    workdir: Annotated[
        Path | None, typer.Option(help="Keep the ingested raw tables here (default: temporary).")
    ] = None,
    mlflow: MlflowOption = None,
) -> None:
    """Spanish firm-years through ingestion and features: train 1998-2001, test 2002-2003."""
    from training.benchmarks import run_spain

    if not (data / "spain").exists():
        _fail(f"no Spanish data under {data / 'spain'}; pass --data")
    result = run_spain(data, workdir, seed=seed)
    _print(result)
    _log(result, mlflow)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ews` app."""
    app.command("ingest")(ingest)
    app.add_typer(benchmark_app, name="benchmark")
