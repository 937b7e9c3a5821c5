"""Region risk: watch lists, region and cluster summaries (placeholder until built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
