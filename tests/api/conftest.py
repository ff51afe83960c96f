"""Users and tokens for the API tests (created inside the test's rolled-back transaction)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection

from tests.factories import bearer, make_tokens

JENA = "16053000"
ILMENAU = "16070029"
SOEMMERDA = "16068051"


@pytest.fixture
def tokens(conn: Connection) -> dict[str, str]:
    """Tokens per test user: admin, planner, land managers of Jena, Ilmenau and Sömmerda."""
    return make_tokens(conn, {"admin": ("admin", []), "planner": ("planner", []), "lm_jena": ("land_manager", [JENA]),
                              "lm_ilmenau": ("land_manager", [ILMENAU]),
                              "lm_soemmerda": ("land_manager", [SOEMMERDA])}, prefix="")


@pytest.fixture
def auth(tokens: dict[str, str]) -> Callable[[str | None], dict[str, str]]:
    """Headers for a test user (None: anonymous)."""
    return bearer(tokens)
