"""Dependencies shared by the routers: the service state and the reasons-count parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from serving.domain.state import ServiceState


async def get_state(request: Request) -> ServiceState:
    # async: a plain function dependency would be run in the thread pool on every request
    state: ServiceState = request.app.state.service
    return state


StateDep = Annotated[ServiceState, Depends(get_state)]
Top = Annotated[
    int,
    Query(ge=0, le=500, description="How many reasons to list (largest first); 0 lists all"),
]
