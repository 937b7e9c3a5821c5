"""Case pages: a firm's case and the watch list's case columns."""

from __future__ import annotations

from fastapi import APIRouter

from serving.web.access import PageRoute

router = APIRouter(prefix="/web", route_class=PageRoute)
