"""The collection registry: what ``/ogc`` publishes and who sees which collection and field.

A ``Collection`` names its source (a table, or a query kept in ``flaechenpool/sql/ogc/``), its
feature id, geometry and time columns and a whitelist of ``Property`` objects. Every identifier that
reaches SQL comes from here. The database role of the caller is still the final judge: the
registry only decides what is asked for (anonymous callers never ask for a column the ``public``
role has no grant on).

To publish another table, add a ``Collection`` to ``catalog.COLLECTIONS``; a collection whose table
may not exist yet (e.g. ``analysis.*``) names it in ``requires`` and is hidden until it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flaechenpool.auth import Principal
from flaechenpool.errors import AuthenticationRequired, InputError, NotFound, PermissionDenied

ROLE_RANK = {"public": 0, "planner": 1, "land_manager": 2, "admin": 3}
TYPES = ("string", "integer", "number", "boolean", "date", "date-time", "array")


def role_allows(role: str, min_role: str) -> bool:
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[min_role]


@dataclass(frozen=True)
class Property:
    """A published attribute: output name, JSON type, German title; ``sql`` defaults to ``t.<name>``."""

    name: str
    type: str
    title: str
    description: str | None = None
    sql: str | None = None
    min_role: str = "public"
    enum: tuple[str, ...] | None = None
    items: str = "string"          # element type of arrays
    writable: bool = False         # Part 4: a client may set it (sites)

    def __post_init__(self) -> None:
        assert self.type in TYPES, self.type
        assert self.min_role in ROLE_RANK, self.min_role

    @property
    def expr(self) -> str:
        return self.sql or f't."{self.name}"'


@dataclass(frozen=True)
class Collection:
    """A feature collection. ``where`` always applies; ``public_where`` for anonymous callers;
    ``current_where`` unless ``datetime`` asks for another time (history tables)."""

    id: str
    title: str
    description: str
    source: str                               # FROM item, aliased as t (table name or "(query)")
    id_property: str                          # property holding the feature id
    geometry_type: str                        # MultiPolygon | Point | MultiLineString
    properties: tuple[Property, ...]
    tables: tuple[str, ...]                   # audit.log table names whose changes touch it
    min_role: str = "public"
    where: str | None = None
    public_where: str | None = None
    current_where: str | None = None
    temporal: tuple[str, str | None] | None = None   # start and end property (end None: an instant)
    min_zoom: int = 0                         # vector tiles: below this zoom the layer is left out
    writable: bool = False                    # Part 4 (sites only)
    requires: str | None = None               # table that must exist (e.g. analysis.candidates)
    keywords: tuple[str, ...] = field(default_factory=tuple)
    id_from_property: bool = True
    # rows depend on the user, not only the role (``where`` asks the database who acts): no vector tiles
    # (their cache is shared by a role) and nothing derived from the rows cached (numberMatched, extent)
    per_user: bool = False

    @property
    def id_expr(self) -> str:
        return self.prop(self.id_property).expr

    @property
    def id_is_integer(self) -> bool:
        return self.prop(self.id_property).type == "integer"

    def prop(self, name: str) -> Property:
        for p in self.properties:
            if p.name == name:
                return p
        raise KeyError(name)

    def visible(self, role: str) -> tuple[Property, ...]:
        """Properties the role may read, in publication order."""
        return tuple(p for p in self.properties if role_allows(role, p.min_role))

    def visible_prop(self, name: str, role: str, *, what: str = "property") -> Property:
        """The property ``name`` if the role may use it, else a 400 naming the allowed ones."""
        for p in self.visible(role):
            if p.name == name:
                return p
        names = ", ".join(p.name for p in self.visible(role))
        raise InputError(f"unknown {what} {name!r} for collection {self.id!r}; known: {names}")

    def conditions(self, role: str, *, with_time: bool) -> list[str]:
        """SQL conditions every query of this collection carries for ``role``."""
        out = [c for c in (self.where,) if c]
        if role == "public" and self.public_where:
            out.append(self.public_where)
        if self.current_where and not with_time:
            out.append(self.current_where)
        return out


class Registry:
    """The published collections, in order; lookups check the caller's role."""

    def __init__(self, collections: tuple[Collection, ...]) -> None:
        self._all = {c.id: c for c in collections}
        assert len(self._all) == len(collections), "duplicate collection id"
        self._existing: set[str] | None = None

    def set_existing_tables(self, tables: set[str]) -> None:
        """Tables found in the database (collections with ``requires`` outside it stay hidden)."""
        self._existing = tables

    @property
    def required_tables(self) -> list[str]:
        return sorted({c.requires for c in self._all.values() if c.requires})

    def _present(self, c: Collection) -> bool:
        return c.requires is None or (self._existing is not None and c.requires in self._existing)

    def all(self) -> list[Collection]:
        return [c for c in self._all.values() if self._present(c)]

    def for_role(self, role: str) -> list[Collection]:
        return [c for c in self.all() if role_allows(role, c.min_role)]

    def tiled_for_role(self, role: str) -> list[Collection]:
        """The collections of the role's vector tiles (``per_user`` ones have none)."""
        return [c for c in self.for_role(role) if not c.per_user]

    def get_tiled(self, collection_id: str, principal: Principal) -> Collection:
        """``get``, and 404 for a collection without vector tiles."""
        c = self.get(collection_id, principal)
        if c.per_user:
            raise NotFound(f"collection {collection_id!r} has no vector tiles (what it shows depends on the user); "
                           "read its items")
        return c

    def get(self, collection_id: str, principal: Principal) -> Collection:
        """The collection if the caller may read it: 404 unknown, 401 anonymous, 403 too low a role."""
        c = self._all.get(collection_id)
        if c is None or not self._present(c):
            raise NotFound(f"no collection {collection_id!r}")
        if not role_allows(principal.role, c.min_role):
            if principal.is_anonymous:
                raise AuthenticationRequired(f"collection {collection_id!r} needs an API token")
            raise PermissionDenied(f"role {principal.role!r} may not read collection {collection_id!r}")
        return c
