"""User administration on the command line: ``user add|list|change|deactivate|activate`` and
``token create|list|revoke``.

Runs with the operator's rights (role admin, actor ``cli:<os user>``); every change lands in the audit
log. Tokens are printed once, at creation; lists never show a token or its hash. A running service
applies role, municipality and activity changes once its cached check of a token expires
(``api.token_cache_seconds``).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from flaechenpool.cli import _as_operator, _when, out, show

user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)


def _email(user: dict[str, Any]) -> str:
    """A user's e-mail address as the lists show it, saying when they get no notifications."""
    if user["email"] is None:
        return "–"
    return user["email"] + ("" if user["notify"] else " (no notifications)")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name (a-z, 0-9, . _ -)")],
    role: Annotated[str, typer.Option(help="planner, land_manager or admin")],
    municipality: Annotated[list[str] | None, typer.Option(help="AGS of a municipality the user works for")] = None,
    display_name: Annotated[str | None, typer.Option(help="Full name")] = None,
    email: Annotated[str | None, typer.Option(help="Work e-mail: notifications of new inquiries and site reports")] = None,
) -> None:
    """Create a user with a role (and municipalities for land managers)."""
    from flaechenpool.auth import add_user

    user_id = _as_operator("user add", lambda conn: add_user(conn, username, role=role, display_name=display_name,
                                                          municipalities=municipality, email=email))
    out.print(f"user {username} ({role}) created with id {user_id}")


@user_app.command("list")
def user_list() -> None:
    """Every user: role, municipalities, active or not, usable tokens and their last use."""
    from flaechenpool.auth import list_users

    users = _as_operator("user list", list_users)
    if not users:
        out.print("no users yet: create one with 'flaechenpool user add NAME --role ROLE'")
        return
    table = Table(title=f"{len(users)} user(s)")
    for column in ("user", "name", "role", "municipalities", "e-mail", "active", "usable tokens", "last used",
                   "created"):
        table.add_column(column)
    for u in users:
        table.add_row(u["username"], u["display_name"], u["role"], ", ".join(u["municipalities"]) or "–", _email(u),
                      "yes" if u["active"] else "[red]no[/red]", str(u["usable_tokens"]), _when(u["last_used_at"]),
                      _when(u["created_at"]))
    show(table)


@user_app.command("change")
def user_change(
    username: Annotated[str, typer.Argument(help="The user to change")],
    role: Annotated[str | None, typer.Option(help="New role: planner, land_manager or admin")] = None,
    municipality: Annotated[list[str] | None, typer.Option(
        help="AGS the user works for; the options given replace all the user's municipalities")] = None,
    display_name: Annotated[str | None, typer.Option(help="Full name")] = None,
    email: Annotated[str | None, typer.Option(help="Work e-mail for notifications ('' removes it)")] = None,
    notify: Annotated[bool | None, typer.Option(
        "--notify/--no-notify", help="Whether the user is e-mailed about new inquiries and site reports")] = None,
) -> None:
    """Change a user's role, municipalities, name, e-mail address or notifications.

    A running service applies a role or municipality change within api.token_cache_seconds."""
    from flaechenpool.auth import change_user

    if role is None and municipality is None and display_name is None and email is None and notify is None:
        raise typer.BadParameter("give --role, --municipality, --display-name, --email or --notify/--no-notify")
    user = _as_operator("user change", lambda conn: change_user(conn, username, role=role, municipalities=municipality,
                                                             display_name=display_name, email=email, notify=notify))
    out.print(f"user {username}: role {user['role']}, municipalities {', '.join(user['municipalities']) or '–'}, "
              f"name {user['display_name']}, e-mail {_email(user)}", highlight=False)


@user_app.command("deactivate")
def user_deactivate(username: Annotated[str, typer.Argument(help="The user who leaves")]) -> None:
    """Deactivate a user: their tokens are revoked and no new ones can be made; they stay in the audit trail."""
    from flaechenpool.auth import set_active

    revoked = _as_operator("user deactivate", lambda conn: set_active(conn, username, False))
    out.print(f"user {username} deactivated; {revoked} token(s) revoked")


@user_app.command("activate")
def user_activate(username: Annotated[str, typer.Argument(help="The user to activate again")]) -> None:
    """Activate a deactivated user again (their old tokens stay revoked: create a new one)."""
    from flaechenpool.auth import set_active

    _as_operator("user activate", lambda conn: set_active(conn, username, True))
    out.print(f"user {username} activated; create a token with 'flaechenpool token create {username}'")


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="User the token belongs to")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. qgis-laptop")] = "default",
    days: Annotated[int | None, typer.Option(help="Validity in days (default: unlimited)")] = None,
) -> None:
    """Create an API token; it is printed once (send it as Bearer token or as the Basic password)."""
    from flaechenpool.auth import create_token

    out.print(_as_operator("token create", lambda conn: create_token(conn, username, name=name, valid_days=days)),
              highlight=False)


@token_app.command("list")
def token_list(username: Annotated[str | None, typer.Argument(help="Only this user's tokens")] = None) -> None:
    """The tokens (names, dates, state), never the tokens themselves."""
    from flaechenpool.auth import list_tokens

    tokens = _as_operator("token list", lambda conn: list_tokens(conn, username))
    if not tokens:
        out.print(f"no tokens{f' of {username}' if username else ''}: create one with 'flaechenpool token create USER'")
        return
    table = Table(title=f"{len(tokens)} token(s)")
    for column in ("user", "name", "state", "created", "expires", "last used", "revoked"):
        table.add_column(column)
    for t in tokens:
        state = t["state"] if t["state"] == "usable" else f"[red]{t['state']}[/red]"
        table.add_row(t["username"], t["name"], state, _when(t["created_at"]), _when(t["expires_at"]),
                      _when(t["last_used_at"]), _when(t["revoked_at"]))
    show(table)


@token_app.command("revoke")
def token_revoke(
    username: Annotated[str, typer.Argument(help="User whose tokens are revoked")],
    name: Annotated[str | None, typer.Option(help="Only the tokens with this name (default: all)")] = None,
) -> None:
    """Revoke a user's tokens (a running service stops accepting them within api.token_cache_seconds)."""
    from flaechenpool.auth import revoke_tokens

    count = _as_operator("token revoke", lambda conn: revoke_tokens(conn, username, name=name))
    out.print(f"{count} token(s) of {username} revoked" + (f" (name {name})" if name else ""))
