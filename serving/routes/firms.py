"""A firm's score history and visit outcomes (placeholder until built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
