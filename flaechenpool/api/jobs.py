"""The service's background jobs, each on its own connection and transaction, started by the lifespan:

* retention: at start and then every ``public.purge_every_h`` hours it deletes the inquiries and report
  contacts whose retention period has ended (``flaechenpool.privacy``);
* notifications: every ``mail.every_s`` seconds it e-mails the land managers what the public page
  received (``flaechenpool.notifications``), when an SMTP server is configured.

A failed turn is logged and tried again at the next one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from flaechenpool import notifications, privacy
from flaechenpool.db import acting
from flaechenpool.settings import Settings

log = logging.getLogger("flaechenpool.jobs")

RETENTION_ACTOR = "service:retention"
NOTIFICATIONS_ACTOR = "service:notifications"

T = TypeVar("T")


def _as_service(engine: Engine, actor: str, work: Callable[[Connection], T], reason: str | None = None) -> T:
    """``work(conn)`` in a transaction of its own, as admin with ``actor`` (and ``reason``) in the audit log."""
    with engine.connect() as conn, acting(conn, actor=actor, role="admin", reason=reason):
        return work(conn)


def purge_once(engine: Engine, settings: Settings) -> privacy.Erased:
    """One purge, as the actor ``service:retention``."""
    return _as_service(engine, RETENTION_ACTOR, lambda conn: privacy.purge_expired(conn, settings.public),
                       reason="retention period ended")


def notify_once(engine: Engine, settings: Settings) -> notifications.SendReport:
    """One turn of the notifications, as the actor ``service:notifications``."""
    return _as_service(engine, NOTIFICATIONS_ACTOR,
                       lambda conn: notifications.send_due(conn, settings.mail, settings.public))


async def repeat(name: str, every_s: float, turn: Callable[[Engine, Settings], T], engine: Engine,
                 settings: Settings, report: Callable[[T], None]) -> None:
    """Run ``turn`` in a worker thread now and then every ``every_s`` seconds until cancelled."""
    while True:
        try:
            report(await run_in_threadpool(turn, engine, settings))
        except Exception:
            log.exception("%s failed; trying again in %s s", name, every_s)
        await asyncio.sleep(every_s)


def _purged(erased: privacy.Erased) -> None:
    if erased.inquiries or erased.report_contacts:
        log.info("retention: %d inquiries and %d report contacts deleted, %d audit records redacted",
                 erased.inquiries, erased.report_contacts, erased.audit_records)


def _notified(sent: notifications.SendReport) -> None:
    if sent.sent or sent.failed or sent.without_recipient or sent.obsolete:
        log.info("notifications: %d sent, %d failed, %d without recipient, %d reminders obsolete", sent.sent,
                 sent.failed, sent.without_recipient, sent.obsolete)


def start(engine: Engine, settings: Settings) -> list[asyncio.Task[None]]:
    """The jobs the settings switch on, started."""
    tasks = []
    if settings.public.purge_every_h > 0:
        tasks.append(asyncio.create_task(repeat("retention purge", settings.public.purge_every_h * 3600, purge_once,
                                                engine, settings, _purged)))
    if settings.mail.smtp_host is not None and settings.mail.every_s > 0:
        tasks.append(asyncio.create_task(repeat("notifications", settings.mail.every_s, notify_once,
                                                engine, settings, _notified)))
    return tasks


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            pass
