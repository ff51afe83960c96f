"""Users, roles and API tokens.

Roles: ``public`` (anonymous), ``planner`` (reads every layer, no personal data), ``land_manager``
(reads and writes in their municipalities, reads owners and counterparties there) and ``admin``.
Tokens are random strings shown once; only their SHA-256 hash is stored.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.errors import AuthenticationRequired, Conflict, InputError, NotFound

ROLES = ("planner", "land_manager", "admin")
# as the database checks auth.users.email: one @, a dot in the domain, no spaces, brackets or list separators
EMAIL = re.compile(r'[^@\s<>,;"]+@[^@\s<>,;"]+\.[^@\s<>,;"]+')
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


def require_municipality(conn: Connection, ags: str) -> None:
    """A 404 (``NotFound``) unless the municipality ``ags`` is in the database."""
    if not conn.execute(text("SELECT EXISTS (SELECT 1 FROM core.municipalities WHERE ags = :a)"), {"a": ags}).scalar():
        raise NotFound(f"no municipality {ags}")


def all_municipalities(conn: Connection) -> list[str]:
    """The keys (AGS) of every municipality in the database, in order."""
    return list(conn.execute(text("SELECT ags FROM core.municipalities ORDER BY ags")).scalars())


def municipalities_for(conn: Connection, principal: Principal, municipality: str | None, what: str) -> list[str]:
    """Whose personal data (or report queue) ``principal`` asks for: the municipality named (checked),
    else all of theirs; admins every municipality. ``what`` names the data in the refusal."""
    from flaechenpool.errors import PermissionDenied

    if municipality is not None:
        require_municipality(conn, municipality)
        if not principal.may_read_personal_data(municipality):
            raise PermissionDenied(f"{what} of municipality {municipality} are not readable for this user")
        return [municipality]
    if principal.role == "admin":
        return all_municipalities(conn)
    if principal.role != "land_manager" or not principal.municipalities:
        raise PermissionDenied(f"{what} are readable for land managers of the municipality only")
    return list(principal.municipalities)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(conn: Connection, username: str, *, role: str, display_name: str | None = None,
             municipalities: list[str] | None = None, email: str | None = None) -> int:
    """Create a user; land managers need at least one municipality (AGS). ``email``: where the user is told
    about new inquiries and site reports (``flaechenpool.notifications``)."""
    municipalities = _checked_assignment(conn, role, municipalities or [])
    if conn.execute(text("SELECT 1 FROM auth.users WHERE username = :u"), {"u": username}).first():
        raise Conflict(f"user {username!r} exists already")
    user_id = conn.execute(
        text("INSERT INTO auth.users (username, display_name, role, email) VALUES (:u, :d, :r, :e) RETURNING id"),
        {"u": username, "d": display_name or username, "r": role, "e": checked_email(email)},
    ).scalar_one()
    if municipalities:
        conn.execute(text("INSERT INTO auth.user_municipalities (user_id, municipality_ags) VALUES (:i, :a)"),
                     [{"i": user_id, "a": m} for m in municipalities])
    return int(user_id)


def checked_email(email: str | None) -> str | None:
    """A user's e-mail address as stored (trimmed), or ``None``; a malformed one is an ``InputError``."""
    if email is None:
        return None
    email = email.strip()
    if not EMAIL.fullmatch(email) or len(email) > 254:
        raise InputError(f"{email!r} is not an e-mail address (name@example.org)")
    return email


def _checked_assignment(conn: Connection, role: str, municipalities: list[str]) -> list[str]:
    """The municipalities of a user with ``role``, checked: a known role, known keys, and at least one for
    a land manager (whose rights are bound to them)."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "land_manager" and not municipalities:
        raise InputError("a land manager needs at least one municipality (--municipality AGS)")
    known = set(conn.execute(text("SELECT ags FROM core.municipalities WHERE ags = ANY(:a)"),
                             {"a": municipalities}).scalars())
    missing = [m for m in municipalities if m not in known]
    if missing:
        raise InputError(f"unknown municipality key(s): {', '.join(missing)}")
    return sorted(set(municipalities))


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Every user with role, municipalities, state and tokens (how many are usable, when one was last used)."""
    return [dict(row) for row in conn.execute(text(
        "SELECT u.username, u.display_name, u.role, u.active, u.created_at, u.email, u.notify, "
        "       coalesce((SELECT array_agg(m.municipality_ags ORDER BY m.municipality_ags) "
        "                 FROM auth.user_municipalities m WHERE m.user_id = u.id), '{}') AS municipalities, "
        "       (SELECT count(*) FROM auth.tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL "
        "          AND (t.expires_at IS NULL OR t.expires_at > now())) AS usable_tokens, "
        "       (SELECT max(t.last_used_at) FROM auth.tokens t WHERE t.user_id = u.id) AS last_used_at "
        "FROM auth.users u ORDER BY u.username")).mappings()]


def list_tokens(conn: Connection, username: str | None = None) -> list[dict[str, Any]]:
    """The tokens (of ``username``, else of everyone): name, dates and state; never the token or its hash."""
    if username is not None:
        _user_id(conn, username)
    return [dict(row) for row in conn.execute(text(
        "SELECT u.username, t.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, "
        "       CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked' "
        "            WHEN t.expires_at IS NOT NULL AND t.expires_at <= now() THEN 'expired' "
        "            WHEN NOT u.active THEN 'user deactivated' ELSE 'usable' END AS state "
        "FROM auth.tokens t JOIN auth.users u ON u.id = t.user_id "
        "WHERE CAST(:u AS text) IS NULL OR u.username = :u ORDER BY u.username, t.created_at, t.id"),
        {"u": username}).mappings()]


def change_user(conn: Connection, username: str, *, role: str | None = None,
                municipalities: list[str] | None = None, display_name: str | None = None,
                email: str | None = None, notify: bool | None = None) -> dict[str, Any]:
    """Change a user's role, municipalities (replaced as a whole), name, e-mail address (``""`` removes it)
    or whether they get notifications; returns the user as ``list_users`` shows it. A running service
    applies a role or municipality change once its cached check of the user's token expires
    (``api.token_cache_seconds``)."""
    user_id = _user_id(conn, username)
    current = conn.execute(text("SELECT role FROM auth.users WHERE id = :i"), {"i": user_id}).scalar_one()
    if municipalities is None:
        municipalities = list(conn.execute(text(
            "SELECT municipality_ags FROM auth.user_municipalities WHERE user_id = :i"), {"i": user_id}).scalars())
    municipalities = _checked_assignment(conn, role or current, municipalities)
    new_email = None if email is None or not email.strip() else checked_email(email)
    conn.execute(text(
        "UPDATE auth.users SET role = coalesce(:r, role), display_name = coalesce(:d, display_name), "
        "       email = CASE WHEN :keep THEN email ELSE :e END, notify = coalesce(:n, notify) "
        "WHERE id = :i AND (role, display_name, email, notify) IS DISTINCT FROM "
        "      (coalesce(:r, role), coalesce(:d, display_name), CASE WHEN :keep THEN email ELSE :e END, "
        "       coalesce(:n, notify))"),
        {"i": user_id, "r": role, "d": display_name, "e": new_email, "keep": email is None, "n": notify})
    conn.execute(text("DELETE FROM auth.user_municipalities WHERE user_id = :i AND NOT municipality_ags = ANY(:a)"),
                 {"i": user_id, "a": municipalities})
    conn.execute(text("INSERT INTO auth.user_municipalities (user_id, municipality_ags) "
                      "SELECT :i, a FROM unnest(CAST(:a AS text[])) a ON CONFLICT DO NOTHING"),
                 {"i": user_id, "a": municipalities})
    return next(u for u in list_users(conn) if u["username"] == username)


def set_active(conn: Connection, username: str, active: bool) -> int:
    """Deactivate a user (someone leaves the office: the user stays in the audit trail, every token of theirs
    is revoked, so reactivating needs new tokens) or activate them again; returns how many tokens were
    revoked."""
    user_id = _user_id(conn, username)
    conn.execute(text("UPDATE auth.users SET active = :a WHERE id = :i AND active <> :a"), {"i": user_id, "a": active})
    return 0 if active else revoke_tokens(conn, username)


def _user_id(conn: Connection, username: str) -> int:
    user_id = conn.execute(text("SELECT id FROM auth.users WHERE username = :u"), {"u": username}).scalar()
    if user_id is None:
        raise NotFound(f"no user {username!r}")
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
    _user_id(conn, username)
    return conn.execute(
        text("UPDATE auth.tokens t SET revoked_at = now() FROM auth.users u "
             "WHERE u.id = t.user_id AND u.username = :u AND t.revoked_at IS NULL "
             "AND (CAST(:n AS text) IS NULL OR t.name = :n)"),
        {"u": username, "n": name},
    ).rowcount
