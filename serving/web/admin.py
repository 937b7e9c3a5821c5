"""Admin pages: users, keys and the audit log."""

from __future__ import annotations

from fastapi import APIRouter

from serving.web.access import PageRoute

router = APIRouter(prefix="/web", route_class=PageRoute)
