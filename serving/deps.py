"""The service state as a request dependency, for the API routers and the pages alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from serving.domain.state import ServiceState


async def get_state(request: Request) -> ServiceState:
    # async: a plain function dependency would be run in the thread pool on every request
    state: ServiceState = request.app.state.service
    return state


StateDep = Annotated[ServiceState, Depends(get_state)]
