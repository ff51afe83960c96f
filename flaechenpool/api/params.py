"""Query parameters shared by the routes."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, TypeVar, get_origin

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from flaechenpool.db import MAX_OFFSET

M = TypeVar("M", bound=BaseModel)

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (paging)")]

ListParam = Annotated[list[str] | None, Query(description="Repeat the parameter or separate values by commas")]


def split_values(values: list[str] | None) -> list[str]:
    """``a,b`` and repeated parameters alike as one list."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def parse_query_model(model: type[M], request: Request) -> M:
    """The request's query string as ``model`` (pydantic, lax: "500" → 500.0, "true" → True).

    For hot routes that skip FastAPI's per-parameter machinery (one validation of the whole model
    instead); fields typed as lists take every repetition of their parameter, the others the last.
    Errors are a ``RequestValidationError`` (400 problem, as for FastAPI's own query models).
    """
    lists = _list_fields(model)
    data: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in lists:
            data.setdefault(key, []).append(value)
        else:
            data[key] = value
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [dict(e, loc=("query", *e["loc"])) for e in exc.errors(include_url=False, include_context=False)]
        ) from None


def query_model_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting ``model``'s fields as query parameters (for ``parse_query_model``)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return {"parameters": parameters}


@cache
def _list_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(name for name, field in model.model_fields.items()
                     if get_origin(field.annotation) is list)


async def known_params_only(request: Request) -> None:
    """A router dependency of the REST API: a query parameter the route does not declare is a 400, so a misspelt
    filter (``munipality=``, ``asof=``) is not silently ignored with everything (or today's state) returned. What
    a route declares is read from the OpenAPI description (its own parameters and its dependencies'), once per
    route."""
    route = request.scope.get("route")
    if route is None or (getattr(route, "openapi_extra", None) or {}).get("parameters"):
        return      # a route that reads its query string as a model (parse_query_model) refuses extras itself
    known = _declared(request.app, route.path, "get" if request.method == "HEAD" else request.method.lower())
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in known]
    if unknown:
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", name), "input": request.query_params[name],
                                       "msg": "Extra inputs are not permitted"} for name in unknown])


def _declared(app: Any, path: str, method: str) -> frozenset[str]:
    cache: dict[tuple[str, str], frozenset[str]] | None = getattr(app.state, "declared_query", None)
    if cache is None:
        cache = app.state.declared_query = {}
    names = cache.get((path, method))
    if names is None:
        operation = app.openapi().get("paths", {}).get(path, {}).get(method, {})
        names = cache[(path, method)] = frozenset(p["name"] for p in operation.get("parameters", [])
                                                  if p.get("in") == "query")
    return names
