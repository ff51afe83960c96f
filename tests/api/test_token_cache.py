"""Tokens are checked in the database once per ``api.token_cache_seconds`` (PrincipalCache): a
revoked token, a deactivated user or an expired token stops working within that bound, never later."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from flaechenpool.api.principal_cache import PrincipalCache
from flaechenpool.auth import revoke_tokens
from flaechenpool.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cache_of(client: TestClient, clock: Clock) -> PrincipalCache:
    cache: PrincipalCache = client.app.state.principals  # type: ignore[attr-defined]
    cache.clock = clock
    return cache


def status(client: TestClient, token: str) -> int:
    return client.get("/api/parcels", params={"limit": 1}, headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_revoked_token_stops_working_within_the_bound(client: TestClient, conn: Connection,
                                                        tokens: dict[str, str], settings: Settings) -> None:
    clock = Clock()
    cache_of(client, clock)
    assert status(client, tokens["planner"]) == 200
    assert revoke_tokens(conn, "planner") == 1
    clock.now += settings.api.token_cache_seconds / 2
    assert status(client, tokens["planner"]) == 200  # still within the bound: from memory
    clock.now += settings.api.token_cache_seconds / 2
    assert status(client, tokens["planner"]) == 401  # the bound has passed: checked again


def test_a_deactivated_user_and_a_changed_role_take_effect_within_the_bound(
        client: TestClient, conn: Connection, tokens: dict[str, str], settings: Settings) -> None:
    clock = Clock()
    cache = cache_of(client, clock)
    assert status(client, tokens["planner"]) == 200
    conn.execute(text("UPDATE auth.users SET active = false WHERE username = 'planner'"))
    clock.now += settings.api.token_cache_seconds
    assert status(client, tokens["planner"]) == 401
    assert cache.principal(conn, tokens["lm_jena"]).role == "land_manager"
    conn.execute(text("UPDATE auth.users SET role = 'admin' WHERE username = 'lm-jena'"))
    assert cache.principal(conn, tokens["lm_jena"]).role == "land_manager"  # within the bound
    clock.now += settings.api.token_cache_seconds
    assert cache.principal(conn, tokens["lm_jena"]).role == "admin"


def test_an_entry_is_not_used_past_the_token_expiry(client: TestClient, conn: Connection,
                                                   tokens: dict[str, str]) -> None:
    clock = Clock()
    cache_of(client, clock)
    conn.execute(text("UPDATE auth.tokens SET expires_at = now() + interval '1 hour' WHERE user_id = "
                      "(SELECT id FROM auth.users WHERE username = 'planner')"))
    assert status(client, tokens["planner"]) == 200
    # the token expires in the database; the memory knows its expiry and does not serve it past it
    conn.execute(text("UPDATE auth.tokens SET expires_at = now() - interval '1 second' WHERE user_id = "
                      "(SELECT id FROM auth.users WHERE username = 'planner')"))
    cache: PrincipalCache = client.app.state.principals  # type: ignore[attr-defined]
    for key, entry in list(cache._entries.items()):
        cache._entries[key] = entry._replace(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert status(client, tokens["planner"]) == 401


def test_a_wrong_user_name_with_a_cached_token_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/parcels", params={"limit": 1}, auth=("planner", tokens["planner"])).status_code == 200
    assert client.get("/api/parcels", params={"limit": 1}, auth=("admin", tokens["planner"])).status_code == 401


def test_without_the_cache_every_request_checks_the_token(conn: Connection, tokens: dict[str, str]) -> None:
    cache = PrincipalCache(0)
    assert cache.principal(conn, tokens["planner"]).role == "planner"
    revoke_tokens(conn, "planner")
    try:
        cache.principal(conn, tokens["planner"])
    except Exception as exc:  # noqa: BLE001
        assert type(exc).__name__ == "AuthenticationRequired"
    else:
        raise AssertionError("a revoked token was accepted")
    assert not cache._entries
