"""Drift monitoring results for analysts (placeholder until built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
