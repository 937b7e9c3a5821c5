"""`ews compare` (challenger against champion) and `ews monitor` (drift of the served model)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import pandas as pd
import typer

from core.settings import get_settings

FEATURES_FILE = "features.parquet"


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _read_features(path: Path | None) -> pd.DataFrame:
    path = path or get_settings().features_dir / FEATURES_FILE
    if not path.exists():
        _fail(f"no feature table at {path}; run `ews features` first")
    return pd.read_parquet(path)


def compare(
    features: Annotated[Path | None, typer.Option(help="Feature table Parquet file.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the report (default models/comparisons).")
    ] = None,
    bootstrap: Annotated[int, typer.Option(min=10, help="Bootstrap resamples.")] = 200,
    rows: Annotated[int, typer.Option(min=0, help="Changed firms printed.")] = 20,
) -> None:
    """Challenger against champion on the same out-of-time rows: metrics with paired bootstrap
    intervals, calibration by grade, and the firms whose grade would change and why."""
    from training import registry
    from training.compare import compare as run_compare

    settings = get_settings()
    table = _read_features(features)
    client = registry.connect(settings)
    versions = {
        a: registry.version_for(client, settings.model_name, a)
        for a in (registry.CHALLENGER, registry.CHAMPION)
    }
    missing = [alias for alias, version in versions.items() if version is None]
    if missing:
        _fail(f"model {settings.model_name!r} has no {' or '.join(missing)} version to compare")
    try:
        comparison = run_compare(
            (
                str(versions[registry.CHALLENGER]),
                registry.load_alias(settings, registry.CHALLENGER),
            ),
            (str(versions[registry.CHAMPION]), registry.load_alias(settings, registry.CHAMPION)),
            table,
            n_boot=bootstrap,
        )
    except ValueError as error:
        _fail(str(error))
    path = comparison.write(out or settings.models_dir / "comparisons")
    typer.echo(comparison.to_markdown(rows=rows))
    typer.echo(f"wrote {path} and the changed firms beside it")


def monitor(
    as_of: Annotated[
        str | None, typer.Option(help="As-of date YYYY-MM-DD (default: the latest).")
    ] = None,
    features: Annotated[Path | None, typer.Option(help="Feature table Parquet file.")] = None,
) -> None:
    """Drift of the served model: PSI of the PD and of every feature (overall and by 시도),
    missing-value shifts and grade changes; writes models/monitoring/latest.json and .md."""
    from training.monitor import MonitoringError, monitor_champion

    when = pd.Timestamp(date.fromisoformat(as_of)) if as_of else None
    try:
        report, path = monitor_champion(get_settings(), _read_features(features), when)
    except MonitoringError as error:
        _fail(str(error))
    score, changes = report.score, report.grade_changes
    typer.echo(
        f"drift as of {report.as_of} for v{report.model.version}: "
        f"status {report.status} (score PSI {score.psi:.3f})"
    )
    typer.echo(f"  features stable/moderate/major: {report.feature_levels}")
    for row in report.features[:5]:
        typer.echo(f"  {row.feature:32s} PSI {row.psi:.3f} {row.level}")
    if changes.firms_compared and changes.changed_share is not None:
        typer.echo(
            f"  grade changed for {changes.changed_share:.1%} of "
            f"{changes.firms_compared:,} firms since {changes.previous_as_of}"
        )
    typer.echo(f"wrote {path} and {path.with_suffix('.md')}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ews` app."""
    app.command("compare")(compare)
    app.command("monitor")(monitor)
