"""The centres' monthly digest: `ews digest …`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ews` app (none yet)."""
