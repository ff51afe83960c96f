"""Rate limits of what anonymous visitors send: per client IP and site, per IP, per site; 429 as a
problem with Retry-After; counted in the database (shared by every process); configurable in the settings."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from flaechenpool.errors import TooManyRequests
from flaechenpool.ratelimit import RateLimiter
from flaechenpool.settings import PublicSettings, Settings

GOOD = {"name": "Rate Tester", "email": "rate@example.org", "message": "Bitte um ein Exposé mit Preisangaben.",
        "consent": True}


@pytest.fixture
def settings() -> Settings:
    return Settings(load_demo=False, public=PublicSettings(inquiries_per_ip_and_site=2, inquiries_per_ip=3,
                                                           reports_per_ip=2, rate_window_s=600))


def published(conn: Connection) -> list[int]:
    return list(conn.execute(text("SELECT id FROM core.public_sites ORDER BY id LIMIT 3")).scalars())


def test_inquiries_are_limited_per_ip_and_site_then_per_ip(client: TestClient, conn: Connection) -> None:
    first, second, third = published(conn)
    for _ in range(2):
        assert client.post(f"/api/public/sites/{first}/inquiries", json=GOOD).status_code == 201
    r = client.post(f"/api/public/sites/{first}/inquiries", json=GOOD)
    assert r.status_code == 429 and r.headers["content-type"] == "application/problem+json"
    assert 1 <= int(r.headers["retry-after"]) <= 600 and "Zu viele" in r.json()["detail"]
    assert r.json()["title"] == "Zu viele Anfragen"
    assert client.post(f"/api/public/sites/{second}/inquiries", json=GOOD).status_code == 201   # 3rd of this IP
    assert client.post(f"/api/public/sites/{third}/inquiries", json=GOOD).status_code == 429    # IP exhausted
    stored = conn.execute(text("SELECT count(*) FROM personal.inquiries WHERE email = 'rate@example.org'")).scalar()
    assert stored == 3


def test_another_client_address_has_its_own_budget(client: TestClient, conn: Connection, settings: Settings) -> None:
    first = published(conn)[0]
    for _ in range(2):
        client.post(f"/api/public/sites/{first}/inquiries", json=GOOD)
    assert client.post(f"/api/public/sites/{first}/inquiries", json=GOOD).status_code == 429
    # X-Forwarded-For is not trusted unless configured: the same client stays limited
    r = client.post(f"/api/public/sites/{first}/inquiries", json=GOOD, headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 429
    settings.public.trust_forwarded_for = True
    r = client.post(f"/api/public/sites/{first}/inquiries", json=GOOD, headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 201


def test_limiter_window_retry_after_and_atomicity(conn: Connection) -> None:
    limiter = RateLimiter(lambda: nullcontext(conn), 60)
    for _ in range(2):
        limiter.acquire([("a", 2), ("b", 5)], message="x")
    with pytest.raises(TooManyRequests) as exc:
        limiter.acquire([("a", 2), ("b", 5)], message="voll")
    assert 59 <= exc.value.retry_after <= 60 and exc.value.detail == "voll"
    # a refused attempt records nothing: "b" still has three hits left
    for _ in range(3):
        limiter.acquire([("b", 5)], message="x")
    with pytest.raises(TooManyRequests):
        limiter.acquire([("b", 5)], message="x")
    conn.execute(text("UPDATE core.rate_hits SET at = at - interval '61 seconds'"))   # the window passes
    limiter.acquire([("a", 2)], message="x")
    # keys are stored hashed: neither the key nor its parts appear in the table
    limiter.acquire([(("inquiry", "198.51.100.7", 17), 3)], message="x")
    stored = conn.execute(text("SELECT string_agg(encode(bucket, 'escape'), '') FROM core.rate_hits")).scalar_one()
    assert "198.51.100.7" not in stored and len(conn.execute(text("SELECT bucket FROM core.rate_hits")).first()[0]) == 32


def test_limits_are_shared_by_every_app_on_the_database(conn: Connection) -> None:
    """Two limiters (two processes of the service) count in the same table."""
    first, second = (RateLimiter(lambda: nullcontext(conn), 600) for _ in range(2))
    first.acquire([(("report", "203.0.113.5"), 2)], message="x")
    second.acquire([(("report", "203.0.113.5"), 2)], message="x")
    with pytest.raises(TooManyRequests):
        first.acquire([(("report", "203.0.113.5"), 2)], message="x")


def test_the_database_refuses_nonsense_limits(conn: Connection) -> None:
    for keys, limits, window in ((["a"], [0], 60), (["a", "b"], [1], 60), (["a"], [1], 0)):
        savepoint = conn.begin_nested()
        with pytest.raises(DBAPIError) as caught:
            conn.execute(text("SELECT core.rate_acquire(CAST(:k AS text[]), CAST(:l AS integer[]), :w)"),
                         {"k": keys, "l": limits, "w": window})
        assert caught.value.orig.sqlstate == "22023"
        savepoint.rollback()
