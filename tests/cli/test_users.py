"""flaechenpool user add / token create / token revoke, on the test's rolled-back connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, text

from flaechenpool import cli
from flaechenpool.auth import authenticate
from flaechenpool.errors import AuthenticationRequired
from tests.cli.conftest import invoke


@pytest.fixture(autouse=True)
def _cli_on_test_connection(conn: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def connection(_settings: object) -> Iterator[Connection]:
        yield conn

    monkeypatch.setattr(cli, "_connection", connection)


def test_tokens_are_created_hashed_and_revoked(conn: Connection) -> None:
    added = invoke("user", "add", "berta", "--role", "land_manager", "--municipality", "16070029")
    assert added.exit_code == 0, added.output
    tokens = [invoke("token", "create", "berta", "--name", n).output.strip() for n in ("qgis", "laptop")]
    assert all(t.startswith("fp_") for t in tokens)
    stored = conn.execute(text("SELECT token_hash FROM auth.tokens t JOIN auth.users u ON u.id = t.user_id "
                               "WHERE u.username = 'berta'")).scalars().all()
    assert len(stored) == 2 and not set(stored) & set(tokens)          # only hashes at rest
    assert authenticate(conn, tokens[0]).municipalities == ("16070029",)

    revoked = invoke("token", "revoke", "berta", "--name", "qgis")
    assert revoked.exit_code == 0 and "1 token(s) of berta revoked" in revoked.output
    with pytest.raises(AuthenticationRequired):
        authenticate(conn, tokens[0])
    assert authenticate(conn, tokens[1]).username == "berta"         # the other token still works
    assert "1 token(s)" in invoke("token", "revoke", "berta").output
    with pytest.raises(AuthenticationRequired):
        authenticate(conn, tokens[1])


def test_unknown_user_and_role_are_one_message(conn: Connection) -> None:
    unknown = invoke("token", "revoke", "nobody")
    assert unknown.exit_code == 1 and "no user 'nobody'" in unknown.output
    bad_role = invoke("user", "add", "carl", "--role", "mayor")
    assert bad_role.exit_code == 1 and "role" in bad_role.output
    assert conn.execute(text("SELECT count(*) FROM auth.users WHERE username = 'carl'")).scalar() == 0
