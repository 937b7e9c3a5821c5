"""Cases: each watch-listed firm's stage, owner and follow-up, and their changes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
