"""This month's changes per centre, and the digest."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
