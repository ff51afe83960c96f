"""Helpers shared by tests: users with API tokens."""

from __future__ import annotations

from collections.abc import Callable

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
