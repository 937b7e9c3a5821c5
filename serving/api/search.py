"""Firm search by name (partial Korean match) within the caller's region."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
