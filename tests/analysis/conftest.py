"""Fixtures of the analysis tests: the constructed town in Gera, its analysis run, API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection

from flaechenpool.analysis.profiles import get_profile
from tests.analysis.town import GERA, Town, build_town, run
from tests.factories import bearer, make_tokens

JENA = "16053000"


@pytest.fixture
def town(conn: Connection) -> Town:
    return build_town(conn)


@pytest.fixture
def profile() -> dict[str, Any]:
    return get_profile("default")


@pytest.fixture
def town_run(conn: Connection, town: Town) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The default-profile run over Gera (the town only) and its candidates."""
    return run(conn)


@pytest.fixture
def auth(conn: Connection) -> Callable[[str | None], dict[str, str]]:
    """Headers of a planner, land managers of Gera and Jena, an admin (usernames a-…)."""
    return bearer(make_tokens(conn, {"planner": ("planner", []), "lm_gera": ("land_manager", [GERA]),
                                     "lm_jena": ("land_manager", [JENA]), "admin": ("admin", [])}, "a-"))
