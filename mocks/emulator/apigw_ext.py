"""API Gateway gaps: what the scanner's front-door collector (src/collect/apigateway.rs) reads that moto lacks.

- v2 GetAuthorizers (`GET /v2/apis/{apiId}/authorizers`): moto has the authorizers but no listing of them.
- Paging. moto answers every listing whole and ignores the page parameters; AWS pages them. v1 listings take
  `limit` (default 25, at most 500) and answer `position` while more remain; v2 listings take `maxResults` (a string
  of 1..500, default: all here) and answer `nextToken`. Applied to moto's answers of the listings the collector reads,
  so the collector's paging loops are exercised; the tokens are opaque offsets. Custom domain names too: v1
  GetDomainNames / GetBasePathMappings and v2 GetDomainNames / GetApiMappings (moto keeps the v1 and v2 domain names
  apart, where AWS shares them: the collector reads both and merges the mappings).
"""
from __future__ import annotations

import json

from common import AwsError, Ctx, Reply, json_reply

# v1 GetStages is not paged: it answers every stage.
V1_LISTINGS = {"GetRestApis", "GetResources", "GetAuthorizers", "GetDomainNames", "GetBasePathMappings"}
V2_LISTINGS = {"GetApis", "GetRoutes", "GetIntegrations", "GetStages", "GetAuthorizers", "GetDomainNames",
               "GetApiMappings"}
V1_DEFAULT_LIMIT = 25
MAX_PAGE = 500


def _bad(message: str) -> AwsError:
    return AwsError("BadRequestException", message, 400)


def _is_v2(ctx: Ctx) -> bool:
    return ctx.path.startswith("/v2/")


def get_v2_authorizers(ctx: Ctx) -> Reply | None:
    if not _is_v2(ctx):
        return None  # v1: moto's
    from moto.apigatewayv2.models import apigatewayv2_backends

    api_id = ctx.params.get("ApiId") or ctx.path.split("/")[3]
    api = apigatewayv2_backends[ctx.account][ctx.region].get_api(api_id)
    items = [a.to_json() for a in api.authorizers.values()]
    return json_reply({"items": items}, ctx=ctx)


def _page_size(raw: str | None, default: int | None) -> int | None:
    if raw is None:
        return default
    try:
        n = int(raw)
    except ValueError:
        raise _bad(f"Invalid page size: {raw}")
    if not 1 <= n <= MAX_PAGE:
        raise _bad(f"Page size must be between 1 and {MAX_PAGE}")
    return n


def _offset(raw: str | None) -> int:
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:
        raise _bad("Invalid pagination token")


def paginate(ctx: Ctx, reply: Reply) -> Reply:
    """One page of a listing moto answered whole."""
    if reply.status >= 300 or ctx.method != "GET":
        return reply
    v2 = _is_v2(ctx)
    if ctx.operation not in (V2_LISTINGS if v2 else V1_LISTINGS):
        return reply
    try:
        body = json.loads(reply.body or b"{}")
    except ValueError:
        return reply
    key, token_key = ("items", "nextToken") if v2 else ("item", "position")
    items = body.get(key)
    if not isinstance(items, list):
        return reply
    size = _page_size(ctx.q("maxResults") if v2 else ctx.q("limit"), None if v2 else V1_DEFAULT_LIMIT)
    start = _offset(ctx.q("nextToken") if v2 else ctx.q("position"))
    if size is None:
        size = len(items) or 1
    page = items[start:start + size]
    body[key] = page
    body.pop(token_key, None)
    if start + size < len(items):
        body[token_key] = str(start + size)
    return json_reply(body, ctx=ctx)


HANDLERS = {"GetAuthorizers": get_v2_authorizers}
