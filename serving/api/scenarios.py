"""Stress scenarios: run one, list and fetch stored runs."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
