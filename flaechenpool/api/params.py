"""Query parameters shared by the public routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

ListParam = Annotated[list[str] | None, Query(description="Repeat the parameter or separate values by commas")]


def split_values(values: list[str] | None) -> list[str]:
    """``a,b`` and repeated parameters alike as one list."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]
