"""API Gateway gaps: what the scanner's front-door collector (src/collect/apigateway.rs) reads that moto lacks.

- v2 GetAuthorizers (`GET /v2/apis/{apiId}/authorizers`): moto has the authorizers but no listing of them.
- Paging. moto answers every listing whole and ignores the page parameters; AWS pages them. v1 listings take
  `limit` (default 25, at most 500) and answer `position` while more remain; v2 listings take `maxResults` (a string
  of 1..500, default: all here) and answer `nextToken`. Applied to moto's answers of the listings the collector reads,
  so the collector's paging loops are exercised; the tokens are opaque offsets. Custom domain names too: v1
  GetDomainNames / GetBasePathMappings and v2 GetDomainNames / GetApiMappings (moto keeps the v1 and v2 domain names
  apart, where AWS shares them: the collector reads both and merges the mappings).
- The deployed API summary. moto keeps no snapshot of a REST API's methods at CreateDeployment, so
  `GetDeployment?embed=apisummary` has no `apiSummary`: the emulator records each deployment's methods (path -> verb
  -> authorizationType, apiKeyRequired) when moto creates it, and answers them as AWS does; a later change of the
  draft (UpdateMethod) does not reach a deployed stage until the next deployment.
- v1 UpdateMethod, which moto lacks: `replace` of `/authorizationType`, `/authorizerId`, `/apiKeyRequired` (what the
  demo changes in a draft after deploying it).
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


# (account, region, REST API id, deployment id) -> the API summary at the deployment
SUMMARIES: dict[tuple, dict] = {}


def reset_all() -> None:
    SUMMARIES.clear()


def _summary(api) -> dict:
    """path -> verb -> {authorizationType, apiKeyRequired}: the methods of a REST API as they are now."""
    out: dict = {}
    for resource in api.resources.values():
        for verb, method in resource.resource_methods.items():
            out.setdefault(resource.get_path(), {})[verb] = {
                "authorizationType": method.authorization_type or "NONE",
                "apiKeyRequired": bool(method.api_key_required),
            }
    return out


def _rest_api(ctx: Ctx, api_id: str):
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[ctx.account][ctx.region].get_rest_api(api_id)


def record_deployment(ctx: Ctx, reply: Reply) -> Reply:
    """After moto's CreateDeployment (v1): the methods it deploys."""
    if _is_v2(ctx) or reply.status >= 300:
        return reply
    try:
        deployment_id = json.loads(reply.body or b"{}")["id"]
    except (ValueError, KeyError):
        return reply
    api_id = ctx.path.split("/")[2]
    SUMMARIES[(ctx.account, ctx.region, api_id, deployment_id)] = _summary(_rest_api(ctx, api_id))
    return reply


def get_deployment(ctx: Ctx) -> Reply | None:
    """v1 GetDeployment with embed=apisummary: moto's deployment plus the methods recorded when it was created."""
    if _is_v2(ctx) or "apisummary" not in (ctx.q("embed") or "").lower():
        return None
    parts = ctx.path.split("/")
    api_id, deployment_id = parts[2], parts[4]
    from moto.apigateway.models import apigateway_backends

    deployment = apigateway_backends[ctx.account][ctx.region].get_deployment(api_id, deployment_id)
    body = deployment.to_json()
    body.pop("stageName", None)
    body["apiSummary"] = SUMMARIES.get((ctx.account, ctx.region, api_id, deployment_id), {})
    return json_reply(body, ctx=ctx)


METHOD_PATCHES = {"/authorizationType": "authorization_type", "/authorizerId": "authorizer_id",
                  "/apiKeyRequired": "api_key_required"}


def update_method(ctx: Ctx) -> Reply | None:
    """v1 UpdateMethod: the patch operations on the method's authorization."""
    if _is_v2(ctx):
        return None
    parts = ctx.path.split("/")  # /restapis/{id}/resources/{rid}/methods/{verb}
    api = _rest_api(ctx, parts[2])
    resource = api.resources.get(parts[4])
    method = resource.resource_methods.get(parts[6]) if resource else None
    if method is None:
        raise AwsError("NotFoundException", "Invalid Method identifier specified", 404)
    for op in ctx.json_body().get("patchOperations", []):
        attr = METHOD_PATCHES.get(op.get("path"))
        if op.get("op") != "replace" or attr is None:
            raise _bad(f"Invalid patch operation: {op}")
        value = op.get("value")
        setattr(method, attr, str(value).lower() == "true" if attr == "api_key_required" else value)
    return json_reply(method.to_json(), ctx=ctx)


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


def after_moto(ctx: Ctx, reply: Reply) -> Reply:
    """What the emulator adds to moto's answers: deployments recorded, listings paged."""
    if ctx.operation == "CreateDeployment":
        return record_deployment(ctx, reply)
    return paginate(ctx, reply)


HANDLERS = {"GetAuthorizers": get_v2_authorizers, "GetDeployment": get_deployment, "UpdateMethod": update_method}
