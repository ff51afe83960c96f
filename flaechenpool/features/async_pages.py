"""Items pages read on the event loop through the app's ``AsyncReader`` (``async_reads``): the same
statements, context and numberMatched handling as ``items.read_page``, without a worker thread."""

from __future__ import annotations

from typing import Any

from flaechenpool.async_reads import AsyncReader
from flaechenpool.features.items import ItemsQuery, Page, plan_page


async def read_page(reader: AsyncReader, query: ItemsQuery, counts: Any = None, *, actor: str = "anonymous") -> Page:
    """``items.read_page`` through ``reader``: the page (and, when needed, its count) read as
    ``query.role`` by ``actor``, each an autocommit statement of its own."""
    plan = plan_page(query, counts)
    row = await reader.row_as(plan.sql, query.binds, role=query.role, actor=actor, plans="force_custom_plan",
                              text_as_buffer=True)
    page, count = plan.page(row, counts)
    if count:
        page = plan.counted(page, await reader.row_as(query.count_sql(), query.binds, role=query.role, actor=actor,
                                                      plans="force_custom_plan"), counts)
    return page
