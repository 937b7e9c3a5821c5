"""The '이번 달 변화' page and the digest page."""

from __future__ import annotations

from fastapi import APIRouter

from serving.web.access import PageRoute

router = APIRouter(prefix="/web", route_class=PageRoute)
