"""The header's firm search: by number or by name, within the caller's region."""

from __future__ import annotations

from fastapi import APIRouter

from serving.web.access import PageRoute

router = APIRouter(prefix="/web", route_class=PageRoute)
