"""Who sends what anonymous visitors submit: the client address and the app's rate limiter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from flaechenpool.api.deps import SettingsDep
from flaechenpool.ratelimit import RateLimiter


def client_address(request: Request, settings: SettingsDep) -> str:
    """The client's IP; the first X-Forwarded-For entry only when configured to trust a reverse proxy."""
    if settings.public.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.client.host if request.client else "unknown"


def get_rate_limiter(request: Request) -> RateLimiter:
    """The rate limiter of the app (created in its lifespan; counts in the database)."""
    return request.app.state.rate_limiter  # type: ignore[no-any-return]


ClientDep = Annotated[str, Depends(client_address)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
