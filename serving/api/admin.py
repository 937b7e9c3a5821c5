"""Admin API: users, keys and the audit log."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
