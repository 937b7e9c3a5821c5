"""Query parameters shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Top = Annotated[
    int,
    Query(ge=0, le=500, description="How many reasons to list (largest first); 0 lists all"),
]
