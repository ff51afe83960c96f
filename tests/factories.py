"""Helpers shared by tests: users with API tokens, CLI commands on the test's connection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest
from sqlalchemy import Connection

from flaechenpool.auth import add_user, create_token


def make_tokens(conn: Connection, users: dict[str, tuple[str, list[str]]], prefix: str) -> dict[str, str]:
    """A token per user (name → (role, municipalities)); usernames are ``prefix`` + name."""
    return {name: _token(conn, prefix + name.replace("_", "-"), role, municipalities)
            for name, (role, municipalities) in users.items()}


def _token(conn: Connection, username: str, role: str, municipalities: list[str]) -> str:
    add_user(conn, username, role=role, municipalities=municipalities)
    return create_token(conn, username)


def bearer(tokens: dict[str, str]) -> Callable[[str | None], dict[str, str]]:
    """Headers for a test user (None: anonymous)."""
    return lambda user: {"Authorization": f"Bearer {tokens[user]}"} if user else {}


def cli_on_connection(monkeypatch: pytest.MonkeyPatch, conn: Connection, *modules: ModuleType,
                      actor: str = "cli:tester") -> None:
    """Let the commands of ``modules`` use the test's connection and act as ``actor``."""
    @contextmanager
    def connection(_settings: object) -> Iterator[Connection]:
        yield conn

    for module in modules:
        if hasattr(module, "_connection"):
            monkeypatch.setattr(module, "_connection", connection)
        if hasattr(module, "_actor"):
            monkeypatch.setattr(module, "_actor", lambda: actor)
