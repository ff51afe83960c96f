"""CQL2 (text and JSON) filters → SQL with bound parameters (OGC API – Features Part 3).

The ``cql2`` package (developmentseed, Rust) parses and validates both encodings into CQL2-JSON; this
module walks that tree. Property names must be whitelisted properties the caller's role may read;
every literal becomes a bound parameter; geometry literals are given in ``filter-crs``, must be valid
(``spatial.parse_geometry``: a self-intersecting polygon or a ring of two points is a 400) and are
transformed to the storage CRS (the column is never transformed). Types are checked here so a
mismatch is a 400 naming the operator, not a database error.

Supported: and/or/not, = <> < <= > >=, like, between, in, isNull, casei, + - * /, the spatial
operators s_intersects … s_crosses, the temporal operators t_after … t_starts on instants and
intervals, and the array operators a_equals, a_contains, a_containedBy, a_overlaps.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import cql2

from flaechenpool.errors import InputError
from flaechenpool.features.binds import Binds
from flaechenpool.features.crs import Crs
from flaechenpool.features.registry import Collection
from flaechenpool.features.timefilter import OPEN, parse_instant
from flaechenpool.spatial import BBox, parse_geometry

MAX_FILTER_CHARS = 100_000
# cql2's parser recurses per nesting level and per chained operator; deep or long enough text overflows the
# thread's stack and kills the process (measured here: 2,000 nested parentheses, 5,000 NOTs, 10,000 chained
# '+' or 20,000 ORs), and a chain of arithmetic or NOTs is a tree as deep as it is long. CQL2 text is refused
# well below that, before it reaches the parser (``_check_structure``).
MAX_NESTING = 64            # parentheses and brackets
MAX_CHAINED = 100           # NOT and arithmetic operators, each one level of the tree
MAX_CONNECTIVES = 2_000     # AND and OR (their arguments are a list, not a chain)
_STRING = re.compile(r"'(?:[^']|'')*'")
_GEOMETRY = re.compile(r"\b(?:POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION|"
                       r"BBOX|ENVELOPE)\s*(?:Z\s*)?\(", re.IGNORECASE)
_CHAINED = re.compile(r"\bNOT\b|[-+*/%^]", re.IGNORECASE)
_CONNECTIVE = re.compile(r"\b(?:AND|OR)\b", re.IGNORECASE)
GEOMETRY_NAMES = ("geometry", "geom")
COMPARISON = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
ARITHMETIC = {"+": "+", "-": "-", "*": "*", "/": "/"}
SPATIAL = {"s_intersects": "ST_Intersects", "s_equals": "ST_Equals", "s_touches": "ST_Touches",
           "s_within": "ST_Within", "s_overlaps": "ST_Overlaps", "s_crosses": "ST_Crosses",
           "s_contains": "ST_Contains", "s_disjoint": "ST_Disjoint"}
ARRAY = {"a_equals": "=", "a_contains": "@>", "a_containedby": "<@", "a_overlaps": "&&"}
# Allen's relations on [a0, a1] and [b0, b1] as CQL2 defines them
TEMPORAL = {
    "t_after": "{a0} > {b1}", "t_before": "{a1} < {b0}",
    "t_contains": "({a0} < {b0} AND {a1} > {b1})", "t_during": "({a0} > {b0} AND {a1} < {b1})",
    "t_disjoint": "({a1} < {b0} OR {a0} > {b1})", "t_intersects": "({a0} <= {b1} AND {a1} >= {b0})",
    "t_equals": "({a0} = {b0} AND {a1} = {b1})", "t_finishedby": "({a0} < {b0} AND {a1} = {b1})",
    "t_finishes": "({a0} > {b0} AND {a1} = {b1})", "t_meets": "{a1} = {b0}", "t_metby": "{a0} = {b1}",
    "t_overlappedby": "({a0} > {b0} AND {a0} < {b1} AND {a1} > {b1})",
    "t_overlaps": "({a0} < {b0} AND {a1} > {b0} AND {a1} < {b1})",
    "t_startedby": "({a0} = {b0} AND {a1} > {b1})", "t_starts": "({a0} = {b0} AND {a1} < {b1})",
}
NUMERIC = {"integer", "number"}
TIME = {"date", "date-time"}

Node = tuple[str, str]  # (sql, type)


def parse_filter(text: str, lang: str | None) -> dict[str, Any] | bool:
    """CQL2-JSON of a ``filter`` in ``cql2-text`` (default) or ``cql2-json``; 400 when it does not parse.

    ``cql-text`` (the draft's name, which GDAL's OAPIF driver sends) is read as CQL2 text in which a
    plain string may stand for a date or timestamp, as the draft allowed; the tree is wrapped in a
    ``legacy-text`` node that tells the compiler so.

    A client paging or panning sends the same filter again and again: the trees of the last
    ``PARSED_KEPT`` filters of up to ``PARSED_KEPT_CHARS`` characters are kept (as JSON text, so each
    caller gets a tree of its own)."""
    if len(text) > MAX_FILTER_CHARS:
        raise InputError(f"filter: longer than {MAX_FILTER_CHARS} characters")
    lang = (lang or "cql2-text").strip().lower()
    if lang in ("cql2-text", "cql-text"):
        _check_structure(text)
    kept = _parsed(text, lang) if len(text) <= PARSED_KEPT_CHARS else _parse(text, lang)
    return json.loads(kept)  # type: ignore[no-any-return]


PARSED_KEPT, PARSED_KEPT_CHARS = 256, 4_000


def _check_structure(text: str) -> None:
    """Refuse CQL2 text nested deeper or chaining more operators than the parser can take safely. Strings and
    the coordinates of geometry literals (signs of negative numbers) are not operators."""
    code = _STRING.sub("''", text)
    parts, depth, deepest, at = [], 0, 0, 0
    while (literal := _GEOMETRY.search(code, at)) is not None:      # keep a literal's keyword, drop its numbers
        parts.append(code[at:literal.end() - 1])
        level, end = 0, literal.end() - 1
        for end in range(literal.end() - 1, len(code)):
            level += {"(": 1, ")": -1}.get(code[end], 0)
            if level == 0:
                break
        at = end + 1
    code = "".join(parts) + code[at:]
    for char in code:
        if char in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]":
            depth -= 1
    if deepest > MAX_NESTING:
        raise InputError(f"filter: nested more than {MAX_NESTING} levels deep")
    if len(_CHAINED.findall(code)) > MAX_CHAINED:
        raise InputError(f"filter: more than {MAX_CHAINED} NOT and arithmetic operators")
    if len(_CONNECTIVE.findall(code)) > MAX_CONNECTIVES:
        raise InputError(f"filter: more than {MAX_CONNECTIVES} AND and OR")


def _parse(text: str, lang: str) -> str:
    try:
        if lang in ("cql2-text", "cql-text"):
            expr = cql2.parse_text(_ilike_to_casei(text) if lang == "cql-text" else text)
        elif lang == "cql2-json":
            expr = cql2.parse_json(text)
            expr.validate()
        else:
            raise InputError(f"filter-lang: {lang!r} is not supported; use cql2-text or cql2-json")
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:400]
        raise InputError(f"filter: not valid {lang}: {reason}") from None
    try:
        tree = expr.to_json()
        return json.dumps({"op": "legacy-text", "args": [tree]} if lang == "cql-text" else tree)
    except RecursionError:
        raise InputError("filter: nested too deeply") from None


_parsed = functools.lru_cache(maxsize=PARSED_KEPT)(_parse)


class Compiler:
    """Translates one CQL2-JSON tree for ``collection`` as seen by ``role``."""

    def __init__(self, collection: Collection, role: str, filter_crs: Crs, bind: Binds) -> None:
        self.legacy = False
        self.collection = collection
        self.role = role
        self.crs = filter_crs
        self.bind = bind

    def predicate(self, node: Any) -> str:
        if isinstance(node, dict) and node.get("op") == "legacy-text":
            self.legacy = True
            node = node["args"][0]
        sql, kind = self.value(node)
        if kind not in ("boolean", "null"):
            raise InputError(f"filter: {_show(node)} is not a condition")
        return sql

    # -- values -------------------------------------------------------------------------------------------
    def value(self, node: Any) -> Node:
        if isinstance(node, bool):
            return ("TRUE" if node else "FALSE"), "boolean"
        if isinstance(node, int | float):
            return self.bind(node), "number"
        if isinstance(node, str):
            return self.bind(node), "string"
        if node is None:
            return "NULL", "null"
        if isinstance(node, list):
            raise InputError(f"filter: a list {_show(node)} is only allowed after IN or in an array operator")
        if not isinstance(node, dict):
            raise InputError(f"filter: cannot interpret {_show(node)}")
        if "property" in node:
            return self.property(str(node["property"]))
        if "timestamp" in node or "date" in node:
            instant = parse_instant(str(node.get("timestamp") or node.get("date")), name="filter")
            return instant.sql(self.bind), "date" if instant.is_date else "date-time"
        if "bbox" in node or "type" in node:
            return self.geometry_literal(node), "geometry"
        if "interval" in node:
            raise InputError("filter: an INTERVAL is only allowed in a temporal operator")
        if "op" in node:
            return self.operation(str(node["op"]).lower(), list(node.get("args") or []))
        raise InputError(f"filter: cannot interpret {_show(node)}")

    def property(self, name: str) -> Node:
        if name in GEOMETRY_NAMES:
            return "t.geom", "geometry"
        prop = self.collection.visible_prop(name, self.role, what="property in filter")
        return prop.expr, prop.type

    def geometry_literal(self, node: dict[str, Any]) -> str:
        if "bbox" in node:
            values = [float(v) for v in node["bbox"]]
            if len(values) == 6:
                values = [values[0], values[1], values[3], values[4]]
            if len(values) != 4:
                raise InputError("filter: BBOX needs four (or six) numbers")
            a, b, c, d = values
            minx, miny, maxx, maxy = (b, a, d, c) if self.crs.swap else (a, b, c, d)
            if minx > maxx or miny > maxy:
                raise InputError("filter: BBOX lower corner greater than upper corner")
            sql, params = BBox(minx, miny, maxx, maxy, self.crs.srid).sql(prefix=self.bind.fresh())
            self.bind.update(params)
            return sql
        # checked as a written geometry is: a broken or self-intersecting polygon is a 400, not a guess
        checked = parse_geometry(node, name="filter", srid=self.crs.srid, lat_first=self.crs.swap, crs_hint="filter-crs")
        return self.crs.input_sql(f"ST_GeomFromGeoJSON({self.bind(checked)})")

    # -- operators ----------------------------------------------------------------------------------------
    def operation(self, op: str, args: list[Any]) -> Node:
        if op in ("and", "or"):
            if len(args) < 2:
                raise InputError(f"filter: {op.upper()} needs at least two conditions")
            return "(" + f" {op.upper()} ".join(self.predicate(a) for a in args) + ")", "boolean"
        if op == "not":
            return f"(NOT {self.predicate(_one(op, args))})", "boolean"
        if op in COMPARISON:
            left, right = self._pair(op, args)
            return f"({left[0]} {COMPARISON[op]} {right[0]})", "boolean"
        if op == "like":
            left, right = self._pair(op, args)
            if left[1] != "string" or right[1] != "string":
                raise InputError("filter: LIKE compares text with a text pattern")
            return f"({left[0]} LIKE {right[0]})", "boolean"
        if op == "between":
            if len(args) != 3:
                raise InputError("filter: BETWEEN needs a value and two bounds")
            v, lo, hi = (self.value(a) for a in args)
            for bound in (lo, hi):
                _compatible("BETWEEN", v, bound)
            return f"({v[0]} BETWEEN {lo[0]} AND {hi[0]})", "boolean"
        if op == "in":
            if len(args) != 2 or not isinstance(args[1], list) or not args[1]:
                raise InputError("filter: IN needs a value and a non-empty list")
            v = self.value(args[0])
            items = [self.value(a) for a in args[1]]
            for item in items:
                _compatible("IN", v, item)
            return f"({v[0]} IN ({', '.join(i[0] for i in items)}))", "boolean"
        if op == "isnull":
            return f"({self.value(_one(op, args))[0]} IS NULL)", "boolean"
        if op == "casei":
            v = self.value(_one(op, args))
            if v[1] != "string":
                raise InputError("filter: CASEI applies to text")
            return f"lower({v[0]})", "string"
        if op in ARITHMETIC or op in ("%", "^"):
            left, right = self._pair(op, args)
            if left[1] not in NUMERIC or right[1] not in NUMERIC:
                raise InputError(f"filter: {op} needs numbers on both sides")
            if op == "%":
                return f"mod(CAST({left[0]} AS numeric), CAST({right[0]} AS numeric))", "number"
            if op == "^":
                return f"power(CAST({left[0]} AS double precision), {right[0]})", "number"
            return f"({left[0]} {ARITHMETIC[op]} {right[0]})", "number"
        if op in SPATIAL:
            left, right = self._pair(op, args)
            if left[1] != "geometry" or right[1] != "geometry":
                raise InputError(f"filter: {op.upper()} compares two geometries")
            if op == "s_disjoint":
                return f"(NOT ST_Intersects({left[0]}, {right[0]}))", "boolean"
            return f"{SPATIAL[op]}({left[0]}, {right[0]})", "boolean"
        if op in TEMPORAL:
            if len(args) != 2:
                raise InputError(f"filter: {op.upper()} needs two arguments")
            (a0, a1), (b0, b1) = (self.period(a) for a in args)
            return TEMPORAL[op].format(a0=a0, a1=a1, b0=b0, b1=b1), "boolean"
        if op in ARRAY:
            if len(args) != 2:
                raise InputError(f"filter: {op.upper()} needs two arrays")
            first, second = (self.array(a) for a in args)
            return f"({first} {ARRAY[op]} {second})", "boolean"
        if op == "accenti":
            raise InputError("filter: ACCENTI is not supported by this server")
        raise InputError(f"filter: unknown operator or function {op!r}")

    def _pair(self, op: str, args: list[Any]) -> tuple[Node, Node]:
        if len(args) != 2:
            raise InputError(f"filter: {op.upper()} needs two operands")
        left, right = self.value(args[0]), self.value(args[1])
        if self.legacy:  # the draft allowed '2020-01-01' for DATE('2020-01-01')
            left, right = self._time_text(args[0], left, right[1]), self._time_text(args[1], right, left[1])
        if op in COMPARISON:
            _compatible(op, left, right)
        return left, right

    def _time_text(self, node: Any, value: Node, other: str) -> Node:
        if isinstance(node, str) and other in TIME:
            instant = parse_instant(node.rstrip("T"), name="filter")
            return instant.sql(self.bind), "date" if instant.is_date else "date-time"
        return value

    def period(self, node: Any) -> tuple[str, str]:
        """Start and end SQL of a temporal operand (an instant has start = end)."""
        if isinstance(node, dict) and "interval" in node:
            ends = list(node["interval"])
            if len(ends) != 2:
                raise InputError("filter: INTERVAL needs a start and an end")
            out = []
            for i, end in enumerate(ends):
                if end == OPEN:
                    out.append("CAST('-infinity' AS timestamptz)" if i == 0 else "CAST('infinity' AS timestamptz)")
                elif isinstance(end, str):
                    instant = parse_instant(end, name="filter")
                    out.append(instant.sql(self.bind) if i == 0 else instant.end_sql(self.bind))
                else:
                    sql, kind = self.value(end)
                    if kind not in TIME:
                        raise InputError(f"filter: {_show(end)} is not a time")
                    out.append(sql)
            return out[0], out[1]
        if isinstance(node, dict) and "date" in node:
            instant = parse_instant(str(node["date"]), name="filter")
            return instant.sql(self.bind), instant.end_sql(self.bind)
        sql, kind = self.value(node)
        if kind not in TIME:
            raise InputError(f"filter: {_show(node)} is not a time (use TIMESTAMP, DATE or INTERVAL)")
        return sql, sql

    def array(self, node: Any) -> str:
        if isinstance(node, list):
            if not all(isinstance(v, str) for v in node):
                raise InputError("filter: array literals hold text values here")
            return f"CAST({self.bind(list(node))} AS text[])"
        sql, kind = self.value(node)
        if kind != "array":
            raise InputError(f"filter: {_show(node)} is not an array")
        return sql


def compile_filter(tree: dict[str, Any] | bool, collection: Collection, role: str, filter_crs: Crs,
                   bind: Binds) -> str:
    """SQL condition of a parsed filter (see ``parse_filter``)."""
    return Compiler(collection, role, filter_crs, bind).predicate(tree)


_STRING = re.compile(r"'(?:[^']|'')*'")
_ILIKE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s+ILIKE\s*$", re.IGNORECASE)


def _ilike_to_casei(text: str) -> str:
    """``name ILIKE 'x%'`` (GDAL's draft CQL) as CQL2 ``CASEI(name) LIKE CASEI('x%')``; strings untouched."""
    out, pos = [], 0
    for match in _STRING.finditer(text):
        before = text[pos:match.start()]
        ilike = _ILIKE.search(before)
        if ilike:
            out.append(before[:ilike.start()] + f"CASEI({ilike.group(1)}) LIKE CASEI({match.group(0)})")
        else:
            out.append(before + match.group(0))
        pos = match.end()
    return "".join(out) + text[pos:]


def _one(op: str, args: list[Any]) -> Any:
    if len(args) != 1:
        raise InputError(f"filter: {op.upper()} takes one argument")
    return args[0]


def _compatible(op: str, left: Node, right: Node) -> None:
    kinds = {left[1], right[1]} - {"null"}
    if len(kinds) <= 1 or kinds <= NUMERIC or kinds <= TIME:
        return
    if kinds <= TIME | {"string"}:
        raise InputError(f"filter: {op} compares a time with text; write TIMESTAMP('…') or DATE('…')")
    raise InputError(f"filter: {op} compares {left[1]} with {right[1]}")


def _show(node: Any) -> str:
    text = json.dumps(node, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."
