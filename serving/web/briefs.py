"""The regional brief's page and downloads."""

from __future__ import annotations

from fastapi import APIRouter

from serving.web.access import PageRoute

router = APIRouter(prefix="/web", route_class=PageRoute)
