"""Fixtures of the analysis tests: the constructed town in Gera, its analysis run, API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection

from flaechenpool.analysis.profiles import get_profile
from flaechenpool.auth import add_user, create_token
from tests.analysis.town import GERA, Town, build_town, run

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
def tokens(conn: Connection) -> dict[str, str]:
    users = {"planner": ("planner", []), "lm_gera": ("land_manager", [GERA]), "lm_jena": ("land_manager", [JENA]),
             "admin": ("admin", [])}
    out = {}
    for name, (role, municipalities) in users.items():
        username = "a-" + name.replace("_", "-")
        add_user(conn, username, role=role, municipalities=municipalities)
        out[name] = create_token(conn, username)
    return out


@pytest.fixture
def auth(tokens: dict[str, str]) -> Callable[[str | None], dict[str, str]]:
    def headers(user: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[user]}"} if user else {}

    return headers
