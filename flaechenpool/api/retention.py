"""The service's retention job: at start and then every ``public.purge_every_h`` hours it deletes the
inquiries and report contacts whose retention period has ended (see ``flaechenpool.privacy``)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from flaechenpool import privacy
from flaechenpool.db import acting
from flaechenpool.settings import PublicSettings

log = logging.getLogger("flaechenpool.retention")

ACTOR = "service:retention"


def purge_once(engine: Engine, limits: PublicSettings) -> privacy.Erased:
    """One purge in its own transaction, as admin with the actor ``service:retention``."""
    with engine.connect() as conn, acting(conn, actor=ACTOR, role="admin", reason="retention period ended"):
        return privacy.purge_expired(conn, limits)


async def purge_periodically(engine: Engine, limits: PublicSettings) -> None:
    """Run ``purge_once`` now and then every ``limits.purge_every_h`` hours until cancelled; a failed
    purge is logged and tried again at the next turn."""
    while True:
        try:
            erased = await run_in_threadpool(purge_once, engine, limits)
            if erased.inquiries or erased.report_contacts:
                log.info("retention: %d inquiries and %d report contacts deleted, %d audit records redacted",
                         erased.inquiries, erased.report_contacts, erased.audit_records)
        except Exception:
            log.exception("retention purge failed; trying again in %s h", limits.purge_every_h)
        await asyncio.sleep(limits.purge_every_h * 3600)
