"""Command-line tests run in-process (typer's runner) on the test's rolled-back connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection
from typer.testing import CliRunner, Result

from flaechenpool import cli, cli_landoffice

runner = CliRunner()


@pytest.fixture(autouse=True)
def _on_test_connection(conn: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def connection(_settings: object) -> Iterator[Connection]:
        yield conn

    for module in (cli, cli_landoffice):       # cli_landoffice's parcels find opens its own
        monkeypatch.setattr(module, "_connection", connection)
    for module in (cli, cli_landoffice):        # the audit log's actor, and the principal of the commands
        monkeypatch.setattr(module, "_actor", lambda: "cli:tester")
    monkeypatch.setattr(cli.out, "width", 250)
    cli._register_land_office()


def invoke(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))
