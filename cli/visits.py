"""Visit outcomes out of the service database: `ews visits export`.

Staff record visits in the service (``serving.domain.visits``); training reads the raw
``visits`` table (SPEC §3.5). The export adds the service's visits to that table the way
``ews ingest`` adds a source's rows (``features.ingestion.store.upsert``): a visit already
there is not added again, so exporting twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from core.settings import get_settings

visits_app = typer.Typer(help="Visit outcomes recorded in the service.", no_args_is_help=True)


def recorded_visits(db_url: str) -> pd.DataFrame:
    """Every visit in the service database, in the contract's columns."""
    from sqlalchemy import select

    from serving.store.engine import make_engine
    from serving.store.schema import create_schema
    from serving.store.tables import Visit

    engine = make_engine(db_url)
    create_schema(engine)
    columns = [Visit.firm_id, Visit.visited_on, Visit.finding, Visit.note]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(Visit.recorded_at)).all()
    engine.dispose()
    frame = pd.DataFrame(rows, columns=["firm_id", "visited_on", "finding", "note"])
    return frame.assign(visited_on=pd.to_datetime(frame["visited_on"]))


@visits_app.command("export")
def export(
    raw_dir: Annotated[
        Path | None, typer.Option(help="Raw data folder (default: the settings' data/raw).")
    ] = None,
) -> None:
    """Add the service's recorded visits to the raw `visits` table, for
    `--label-rules visit_confirmed` and the hit rate at visit."""
    from features.ingestion.store import upsert

    settings = get_settings()
    folder = raw_dir or settings.raw_dir
    folder.mkdir(parents=True, exist_ok=True)
    visits = recorded_visits(settings.db_url)
    written = upsert("visits", visits, folder)
    typer.echo(
        f"{len(visits):,} visits in the service; {written.new:,} new, "
        f"{written.unchanged:,} already in {written.path} ({written.total:,} rows now)"
    )


def register(app: typer.Typer) -> None:
    """Add `ews visits …` to the `ews` app."""
    app.add_typer(visits_app, name="visits")
