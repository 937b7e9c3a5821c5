"""What would help a firm: the grade's action, programmes and what lowers the grade."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
