"""flaechenpool user … and token …, on the test's rolled-back connection (tests/cli/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from flaechenpool.auth import authenticate
from flaechenpool.errors import AuthenticationRequired
from tests.cli.conftest import invoke


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


def test_a_user_who_leaves_is_deactivated_and_their_tokens_stop(conn: Connection) -> None:
    assert invoke("user", "add", "dora", "--role", "land_manager", "--municipality", "16070029",
                  "--display-name", "Dora Dietz").exit_code == 0
    tokens = [invoke("token", "create", "dora", "--name", n).output.strip() for n in ("qgis", "cli")]
    listed = invoke("user", "list")
    assert listed.exit_code == 0
    row = next(line for line in listed.output.splitlines() if " dora " in line)
    assert "Dora Dietz" in row and "land_manager" in row and "16070029" in row and " 2 " in row

    gone = invoke("user", "deactivate", "dora")
    assert gone.exit_code == 0 and "dora deactivated; 2 token(s) revoked" in gone.output
    for token in tokens:
        with pytest.raises(AuthenticationRequired):
            authenticate(conn, token)
    assert "no active user 'dora'" in invoke("token", "create", "dora").output    # no new token either
    states = invoke("token", "list", "dora").output
    assert states.count("revoked") >= 2 and "fp_" not in states                   # never the token itself
    audit = conn.execute(text("SELECT actor, reason FROM audit.log WHERE table_name = 'auth.users' AND action = 'update' "
                              "ORDER BY id DESC LIMIT 1")).one()
    assert audit == ("cli:tester", "user deactivate")

    back = invoke("user", "activate", "dora")
    assert back.exit_code == 0
    for token in tokens:                                   # the old tokens stay revoked
        with pytest.raises(AuthenticationRequired):
            authenticate(conn, token)
    fresh = invoke("token", "create", "dora").output.strip()
    assert authenticate(conn, fresh).username == "dora"


def test_role_and_municipalities_change_and_are_checked(conn: Connection) -> None:
    assert invoke("user", "add", "emil", "--role", "planner").exit_code == 0
    token = invoke("token", "create", "emil").output.strip()
    assert authenticate(conn, token).role == "planner"

    lacking = invoke("user", "change", "emil", "--role", "land_manager")
    assert lacking.exit_code == 1 and "needs at least one municipality" in lacking.output
    unknown = invoke("user", "change", "emil", "--role", "land_manager", "--municipality", "99999999")
    assert unknown.exit_code == 1 and "unknown municipality key(s): 99999999" in unknown.output
    assert authenticate(conn, token).role == "planner"                           # nothing changed

    moved = invoke("user", "change", "emil", "--role", "land_manager", "--municipality", "16070029",
                   "--municipality", "16070029")                                  # twice: kept once
    assert moved.exit_code == 0 and "role land_manager, municipalities 16070029" in moved.output
    assert authenticate(conn, token).municipalities == ("16070029",)
    swapped = invoke("user", "change", "emil", "--municipality", "16051000")        # replaces the list
    assert swapped.exit_code == 0
    assert authenticate(conn, token).municipalities == ("16051000",)
    assert invoke("user", "change", "emil").exit_code == 2                        # nothing to change
    assert "no user 'nobody'" in invoke("user", "change", "nobody", "--role", "admin").output


def test_e_mail_addresses_and_notifications_are_set_listed_and_checked(conn: Connection) -> None:
    assert invoke("user", "add", "emil", "--role", "land_manager", "--municipality", "16070029",
                  "--email", " emil@ilmenau.example ").exit_code == 0
    row = next(line for line in invoke("user", "list").output.splitlines() if " emil " in line)
    assert "emil@ilmenau.example" in row and "no notifications" not in row

    quiet = invoke("user", "change", "emil", "--no-notify")
    assert quiet.exit_code == 0 and "e-mail emil@ilmenau.example (no notifications)" in quiet.output
    bad = invoke("user", "change", "emil", "--email", "emil at ilmenau")
    assert bad.exit_code == 1 and "not an e-mail address" in bad.output
    assert conn.execute(text("SELECT email, notify FROM auth.users WHERE username = 'emil'")).one() == \
        ("emil@ilmenau.example", False)
    removed = invoke("user", "change", "emil", "--email", "", "--notify")
    assert removed.exit_code == 0 and "e-mail –" in removed.output
    assert conn.execute(text("SELECT email, notify FROM auth.users WHERE username = 'emil'")).one() == \
        (None, True)
    nothing = invoke("user", "change", "emil")
    assert nothing.exit_code != 0 and "--email" in nothing.output


def test_notifications_are_listed_and_sending_needs_an_smtp_server(conn: Connection,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # what other tests committed waits out this one (its transaction is rolled back)
    conn.execute(text("UPDATE core.notifications SET sent_at = now(), sent_to = '{}' WHERE sent_at IS NULL"))
    assert "no notifications waiting" in invoke("notifications", "list", "--pending").output
    reference = conn.execute(text(
        "SELECT core.submit_site_report('vacant_building', 'Das Haus steht seit drei Jahren leer.', ST_X(p), ST_Y(p), "
        "25832, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'v1') "
        "FROM (SELECT ST_PointOnSurface(geom) AS p FROM core.municipalities WHERE ags = '16070029') m")).scalar_one()
    listed = invoke("notifications", "list")
    assert listed.exit_code == 0 and reference in listed.output and "queued" in listed.output
    monkeypatch.delenv("FLAECHENPOOL_MAIL__SMTP_HOST", raising=False)
    refused = invoke("notifications", "send")
    assert refused.exit_code == 1 and "no SMTP server configured" in refused.output
    # an SMTP server nobody listens on: the notification stays queued with the reason
    monkeypatch.setenv("FLAECHENPOOL_MAIL__SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FLAECHENPOOL_MAIL__SMTP_PORT", "9")
    monkeypatch.setenv("FLAECHENPOOL_MAIL__SECURITY", "none")
    invoke("user", "add", "ida", "--role", "admin", "--email", "ida@thueringen.example")
    failed = invoke("notifications", "send")
    assert failed.exit_code == 0 and "0 sent, 1 failed" in failed.output, failed.output
    pending = invoke("notifications", "list", "--pending")
    assert "retrying" in pending.output and "Connection" in pending.output
    assert "0 sent, 0 failed" in invoke("notifications", "send").output        # waits for its next attempt
    retried = invoke("notifications", "send", "--retry")                        # the settings were fixed
    assert "0 sent, 1 failed" in retried.output, retried.output
    assert conn.execute(text("SELECT attempts FROM core.notifications WHERE reference = :r"),
                        {"r": reference}).scalar_one() == 2
