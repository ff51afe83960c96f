"""Users, roles and API tokens.

Roles: ``public`` (anonymous), ``planner`` (reads every layer, no personal data), ``land_manager``
(reads and writes in their municipalities, reads owners and counterparties there) and ``admin``.
Tokens are random strings shown once; only their SHA-256 hash is stored.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from flaechenpool.errors import AuthenticationRequired, Conflict, InputError, NotFound

ROLES = ("planner", "land_manager", "admin")
TOKEN_PREFIX = "fp_"


# ``source`` of records entered through the API/CLI. Who entered them is kept in ``created_by`` and the
# audit log, for staff only: a user name never reaches public fields.
USER_SOURCE = "Erfasst im Flächenpool"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user with a role and the municipalities (AGS) they work for."""

    username: str
    role: str
    municipalities: tuple[str, ...] = field(default_factory=tuple)
    user_id: int | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.role == "public"

    def may_read_personal_data(self, municipality: str) -> bool:
        """Owners and counterparties: land managers of that municipality, and admins."""
        return self.role == "admin" or (self.role == "land_manager" and municipality in self.municipalities)

    def may_write(self, municipality: str) -> bool:
        return self.may_read_personal_data(municipality)


ANONYMOUS = Principal(username="anonymous", role="public")


def municipalities_for(conn: Connection, principal: Principal, municipality: str | None, what: str) -> list[str]:
    """Whose personal data (or report queue) ``principal`` asks for: the municipality named (checked),
    else all of theirs; admins every municipality. ``what`` names the data in the refusal."""
    from flaechenpool.errors import NotFound, PermissionDenied

    if municipality is not None:
        if not conn.execute(text("SELECT EXISTS (SELECT 1 FROM core.municipalities WHERE ags = :a)"),
                            {"a": municipality}).scalar():
            raise NotFound(f"no municipality {municipality}")
        if not principal.may_read_personal_data(municipality):
            raise PermissionDenied(f"{what} of municipality {municipality} are not readable for this user")
        return [municipality]
    if principal.role == "admin":
        return list(conn.execute(text("SELECT ags FROM core.municipalities ORDER BY ags")).scalars())
    if principal.role != "land_manager" or not principal.municipalities:
        raise PermissionDenied(f"{what} are readable for land managers of the municipality only")
    return list(principal.municipalities)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(conn: Connection, username: str, *, role: str, display_name: str | None = None,
             municipalities: list[str] | None = None) -> int:
    """Create a user; land managers need at least one municipality (AGS)."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    municipalities = municipalities or []
    if role == "land_manager" and not municipalities:
        raise InputError("a land manager needs at least one municipality (--municipality AGS)")
    known = set(conn.execute(text("SELECT ags FROM core.municipalities WHERE ags = ANY(:a)"),
                             {"a": municipalities}).scalars())
    missing = [m for m in municipalities if m not in known]
    if missing:
        raise InputError(f"unknown municipality key(s): {', '.join(missing)}")
    if conn.execute(text("SELECT 1 FROM auth.users WHERE username = :u"), {"u": username}).first():
        raise Conflict(f"user {username!r} exists already")
    user_id = conn.execute(
        text("INSERT INTO auth.users (username, display_name, role) VALUES (:u, :d, :r) RETURNING id"),
        {"u": username, "d": display_name or username, "r": role},
    ).scalar_one()
    if municipalities:
        conn.execute(text("INSERT INTO auth.user_municipalities (user_id, municipality_ags) VALUES (:i, :a)"),
                     [{"i": user_id, "a": m} for m in municipalities])
    return int(user_id)


def create_token(conn: Connection, username: str, *, name: str = "default", valid_days: int | None = None) -> str:
    """A new API token for ``username``; the token itself is returned once and never stored."""
    user_id = conn.execute(text("SELECT id FROM auth.users WHERE username = :u AND active"),
                           {"u": username}).scalar()
    if user_id is None:
        raise NotFound(f"no active user {username!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        text("INSERT INTO auth.tokens (user_id, name, token_hash, expires_at) VALUES (:i, :n, :h, "
             "CASE WHEN CAST(:d AS integer) IS NULL THEN NULL ELSE now() + make_interval(days => CAST(:d AS integer)) END)"),
        {"i": user_id, "n": name, "h": hash_token(token), "d": valid_days},
    )
    return token


def authenticate(conn: Connection, token: str, *, username: str | None = None) -> Principal:
    """The principal of a valid token (and matching user name, when one is given), else 401."""
    return check_token(conn, token, username=username)[0]


def check_token(conn: Connection, token: str, *,
                username: str | None = None) -> tuple[Principal, datetime.datetime | None]:
    """Like ``authenticate``, with the token's expiry (None: unlimited); records its use (at most every 5 min)."""
    row = conn.execute(
        text(
            "SELECT u.id, u.username, u.role, t.id AS token_id, t.expires_at, "
            "       coalesce(array_agg(m.municipality_ags ORDER BY m.municipality_ags) "
            "                FILTER (WHERE m.municipality_ags IS NOT NULL), '{}') AS municipalities "
            "FROM auth.tokens t JOIN auth.users u ON u.id = t.user_id "
            "LEFT JOIN auth.user_municipalities m ON m.user_id = u.id "
            "WHERE t.token_hash = :h AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) "
            "AND u.active GROUP BY u.id, t.id"
        ),
        {"h": hash_token(token)},
    ).mappings().first()
    if row is None or (username is not None and username != row["username"]):
        raise AuthenticationRequired("invalid, expired or revoked token")
    conn.execute(text("UPDATE auth.tokens SET last_used_at = now() WHERE id = :i "
                      "AND (last_used_at IS NULL OR last_used_at < now() - interval '5 minutes')"),
                 {"i": row["token_id"]})
    principal = Principal(username=row["username"], role=row["role"], municipalities=tuple(row["municipalities"]),
                          user_id=row["id"])
    return principal, row["expires_at"]


def revoke_tokens(conn: Connection, username: str, *, name: str | None = None) -> int:
    """Revoke the active tokens of a user (only those called ``name`` when given); returns how many.

    A service that caches checked tokens (``api.token_cache_seconds``) stops accepting them within that time."""
    if conn.execute(text("SELECT 1 FROM auth.users WHERE username = :u"), {"u": username}).first() is None:
        raise NotFound(f"no user {username!r}")
    return conn.execute(
        text("UPDATE auth.tokens t SET revoked_at = now() FROM auth.users u "
             "WHERE u.id = t.user_id AND u.username = :u AND t.revoked_at IS NULL "
             "AND (CAST(:n AS text) IS NULL OR t.name = :n)"),
        {"u": username, "n": name},
    ).rowcount
