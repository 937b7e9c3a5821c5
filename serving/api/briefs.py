"""The regional brief (위기예방계획 초안) as PDF, workbook and page data."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
