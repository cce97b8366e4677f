"""Mutations: one thing broken that only packets show. Placeholder, filled in below."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MUTATIONS: dict[str, Any] = {}


def apply(name: str, recording: Any, scratch: Path) -> tuple[Any, str]:
    raise NotImplementedError


def static_check(recording: Any) -> Any:
    raise NotImplementedError
