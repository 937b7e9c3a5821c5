"""Stress scenarios: `ews scenario run FILE [--region 26]` and `ews scenario list`.

`run` shocks the stored statements as the scenario file says, rebuilds the features, scores them
with the champion and prints the change in expected crises, employees and payroll at risk, and
grade crossings, by region, industry and district (docs/scenarios.md). It reads the raw tables
and the registry as `ews score` does; runs kept and audited are the API's (`POST
/v1/scenarios/run`), which has a key to audit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, NoReturn

import typer

if TYPE_CHECKING:
    import pandas as pd

    from scoring.stress import Scenario, StressResult

scenario_app = typer.Typer(help="Stress scenarios: shock the statements, score again, compare.")
SHOWN: Final = {
    "firms": "firms",
    "hit": "hit",
    "expected_crises_before": "E[crises] before",
    "expected_crises_after": "after",
    "expected_crises_delta": "Δ",
    "employees_at_risk_delta": "Δ employees at risk",
    "worse": "worse",
    "better": "better",
}


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _scenario(given: str, config_dir: Path) -> Scenario:
    """A file path, or the name of a file in the scenario folder."""
    from scoring.stress.spec import ScenarioError, find_scenario, load_scenario

    try:
        path = Path(given)
        if not path.is_file():
            path = find_scenario(config_dir / "scenarios", given)
        return load_scenario(path)
    except ScenarioError as error:
        _fail(str(error))


def _named(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """The table with a name beside each key (region, KSIC division, 시군구, cluster)."""
    from core.ksic import division_name
    from serving.domain.region_codes import cluster_name, district_name, region_names

    def name(key: str) -> str:
        if not key:
            return "(미상)"
        if by == "region":
            return region_names(key)[0]
        if by == "industry":
            return division_name(key, "ko") or key
        if by == "district":
            return district_name(key) or key
        return cluster_name(key) or key

    named = table.assign(name=table[by].map(name))
    return named[[by, "name", *SHOWN]].rename(columns=SHOWN)


def show(result: StressResult, by: list[str], top: int) -> None:
    """Print the run's totals, its tables by ``by`` (``top`` rows each) and its reach."""
    scenario = result.scenario
    where = f"region {result.region}" if result.region else "every region"
    typer.echo(f"{scenario.title_ko} / {scenario.title_en} — {where}, as of {result.as_of.date()}")
    totals = result.totals()
    typer.echo(
        f"rated firms {totals['firms']:,.0f}, hit {totals['hit']:,.0f}; expected crises "
        f"{totals['expected_crises_before']:,.1f} -> {totals['expected_crises_after']:,.1f} "
        f"(Δ {totals['expected_crises_delta']:+,.2f}); employees at risk "
        f"Δ {totals['employees_at_risk_delta']:+,.1f}; payroll at risk "
        f"Δ {totals['payroll_at_risk_delta']:+,.0f} 천원; worse grade {totals['worse']:,.0f}, "
        f"better {totals['better']:,.0f}, entered the state {totals['entered_state']:,.0f}"
    )
    for count in result.counts:
        unpriced = f", {count.unpriced:,} without the figure it needs (unchanged)"
        typer.echo(
            f"  {count.type}: {count.hit:,} firms changed" + (unpriced if count.unpriced else "")
        )
    for group in by:
        table = result.table(group)
        typer.echo(f"\nby {group} ({len(table):,} groups, top {min(top, len(table))}):")
        typer.echo(
            _named(table.head(top), group).to_string(index=False, float_format="{:,.2f}".format)
        )
    typer.echo("\ngrade before (rows) x after (columns):")
    typer.echo(result.crossings().to_string())


@scenario_app.command("run")
def run_command(
    scenario: Annotated[
        str, typer.Argument(help="A scenario file, or a name in config/scenarios.")
    ],
    region: Annotated[
        str | None, typer.Option(help="시도 code: shock and report only this region's firms.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date (default: the latest).")
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(help="Tables to print: region, industry, district, cluster (repeatable)."),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Rows per table.")] = 15,
) -> None:
    """Run a scenario on the stored firms with the champion and print the tables."""
    import pandas as pd

    from core.bundle import fetch_registered
    from core.settings import get_settings
    from features.tables import read_tables
    from scoring import stress
    from scoring.stress.spec import REGION_CODES

    settings = get_settings()
    spec = _scenario(scenario, settings.config_dir)
    if region is not None and region not in REGION_CODES:
        _fail(f"--region: {region!r} is not a 시도 code nor 00")
    groups = by or ["region", "industry", "district"]
    unknown = [g for g in groups if g not in stress.GROUPS]
    if unknown:
        _fail(f"--by: {', '.join(unknown)}; choose from {', '.join(stress.GROUPS)}")
    _, model = fetch_registered(settings.tracking_uri, settings.model_name, settings.model_alias)
    tables = read_tables(settings.raw_dir)
    when = pd.Timestamp(as_of) if as_of else None
    base = stress.baseline(tables, model, when, settings.stale_after_months)
    show(stress.run(base, model, spec, region, settings.stale_after_months), groups, top)


@scenario_app.command("list")
def list_command() -> None:
    """The scenario files in config/scenarios, and any that cannot be read (with the field)."""
    from core.settings import get_settings
    from scoring.stress.spec import ScenarioError, load_scenario, scenario_files

    folder = get_settings().config_dir / "scenarios"
    files = scenario_files(folder)
    if not files:
        typer.echo(f"no scenario files in {folder}")
    for path in files:
        try:
            spec = load_scenario(path)
        except ScenarioError as error:
            typer.secho(f"{path.name}: cannot be read: {error}", fg=typer.colors.RED)
            continue
        shocks = ", ".join(shock.type for shock in spec.shocks)
        typer.echo(f"{path.name}: {spec.title_ko} / {spec.title_en} [{shocks}]")


def register(app: typer.Typer) -> None:
    """Add `ews scenario …` to the `ews` app."""
    app.add_typer(scenario_app, name="scenario")
