"""Operation names for incoming requests, derived from botocore's service models (never hand lists).

Lambda, Security Hub and API Gateway (v1 and v2) are restJson1: the method plus the path is matched against every operation's `requestUri`
template (longest literal match wins, literal query parts such as `?find=LayerVersion` must be
present). IAM and STS are query protocol (`Action=`). CloudWatch is the CBOR path, the JSON
`X-Amz-Target` header or a query `Action=`.
"""
from __future__ import annotations

import gzip
import json
import os
import re
from functools import lru_cache
from urllib.parse import unquote

import botocore

from common import Ctx, cbor_path_operation

_DATA = os.path.join(os.path.dirname(botocore.__file__), "data")
_MODEL_DIRS = {"lambda": "lambda/2015-03-31", "iam": "iam/2010-05-08", "sts": "sts/2011-06-15",
               "cloudwatch": "cloudwatch/2010-08-01", "securityhub": "securityhub/2018-10-26",
               "apigateway": "apigateway/2015-07-09", "apigatewayv2": "apigatewayv2/2018-11-29"}


@lru_cache(maxsize=None)
def service_model_json(service: str) -> dict:
    path = os.path.join(_DATA, _MODEL_DIRS[service], "service-2.json.gz")
    with gzip.open(path) as f:
        return json.load(f)


@lru_cache(maxsize=None)
def botocore_service_model(service: str):
    from botocore.model import ServiceModel

    return ServiceModel(service_model_json(service), service_name=service)


class _Route:
    __slots__ = ("op", "method", "regex", "names", "query_literals", "score")

    def __init__(self, op: str, method: str, uri: str):
        self.op, self.method = op, method
        path, _, qs = uri.partition("?")
        self.query_literals = {}
        for part in filter(None, qs.split("&")):
            k, _, v = part.partition("=")
            self.query_literals[k] = v
        self.names: list[str] = []
        rx = "^"
        literal = 0
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{"):
                name = piece[1:-1]
                greedy = name.endswith("+")
                self.names.append(name.rstrip("+"))
                rx += "(.+)" if greedy else "([^/]+)"
            else:
                literal += len(piece)
                rx += re.escape(piece)
        self.regex = re.compile(rx + "/?$")
        self.score = literal * 10 + len(self.query_literals)


@lru_cache(maxsize=None)
def _rest_routes(service: str) -> list[_Route]:
    model = service_model_json(service)
    routes = [_Route(name, op["http"]["method"], op["http"]["requestUri"]) for name, op in model["operations"].items()]
    routes.sort(key=lambda r: -r.score)
    return routes


def match_rest(service: str, method: str, path: str, query: dict) -> tuple[str, dict] | None:
    for r in _rest_routes(service):
        if r.method != method:
            continue
        m = r.regex.match(path)
        if not m:
            continue
        if any(query.get(k, [None])[0] != v and not (v == "" and k in query) for k, v in r.query_literals.items()):
            continue
        return r.op, {n: unquote(g) for n, g in zip(r.names, m.groups())}
    return None


def detect_operation(ctx: Ctx) -> None:
    """Fill ctx.operation / ctx.protocol / ctx.params for the AWS services we know."""
    if ctx.service in ("lambda", "securityhub", "apigateway"):
        ctx.protocol = "rest-json"
        # API Gateway v1 and v2 share the signing name "apigateway"; v2's paths start with /v2/.
        model = "apigatewayv2" if ctx.service == "apigateway" and ctx.path.startswith("/v2/") else ctx.service
        hit = match_rest(model, ctx.method, ctx.path, ctx.query)
        if hit:
            ctx.operation, ctx.params = hit
        return
    if ctx.service == "cloudwatch":
        cb = cbor_path_operation(ctx.path)
        if cb:
            ctx.protocol, ctx.operation = "cbor", cb[1]
            return
        target = ctx.headers.get("x-amz-target")
        if target:
            ctx.protocol, ctx.operation = "json", target.split(".")[-1]
            return
        ctx.protocol = "query"
        ctx.operation = (ctx.form().get("Action") or [None])[0]
        return
    if ctx.service in ("iam", "sts", "elasticloadbalancing"):
        ctx.protocol = "query"
        ctx.operation = (ctx.form().get("Action") or [None])[0]
        return
    # Unknown service: try query Action then X-Amz-Target so stats still say something useful.
    target = ctx.headers.get("x-amz-target")
    if target:
        ctx.operation = target.split(".")[-1]
    elif ctx.body and b"Action=" in ctx.body[:200]:
        ctx.operation = (ctx.form().get("Action") or [None])[0]
