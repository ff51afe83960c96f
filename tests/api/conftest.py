"""Users and tokens for the API tests (created inside the test's rolled-back transaction)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection

from flaechenpool.auth import add_user, create_token

JENA = "16053000"
ILMENAU = "16070029"
SOEMMERDA = "16068051"


@pytest.fixture
def tokens(conn: Connection) -> dict[str, str]:
    """Tokens per test user: admin, planner, land managers of Jena, Ilmenau and Sömmerda."""
    users = {
        "admin": ("admin", []),
        "planner": ("planner", []),
        "lm_jena": ("land_manager", [JENA]),
        "lm_ilmenau": ("land_manager", [ILMENAU]),
        "lm_soemmerda": ("land_manager", [SOEMMERDA]),
    }
    result = {}
    for name, (role, municipalities) in users.items():
        add_user(conn, name.replace("_", "-"), role=role, municipalities=municipalities)
        result[name] = create_token(conn, name.replace("_", "-"))
    return result


@pytest.fixture
def auth(tokens: dict[str, str]) -> Callable[[str | None], dict[str, str]]:
    """Headers for a test user (None: anonymous)."""

    def headers(user: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[user]}"} if user else {}

    return headers
