"""CloudWatch Logs gaps: DescribeLogGroups with `logGroupIdentifiers`.

moto's DescribeLogGroups knows only `logGroupNamePrefix`; the scanner asks for its functions' groups by exact name,
up to 50 a request, with `logGroupIdentifiers` (names, or ARNs with or without `:*`). As AWS does: the identifiers
exclude every other filter (InvalidParameterException), 1 to 50 of them; only the groups that exist are answered,
sorted by name, with moto's own description of each (retentionInDays only when set, kmsKeyId when set). Requests
without identifiers go to moto unchanged.
"""
from __future__ import annotations

from common import AwsError, Ctx, Reply, json_reply

MAX_IDENTIFIERS = 50


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterException", message, 400)


def _name(identifier: str) -> str:
    """A group name from a name or an ARN (`arn:…:log-group:NAME` or `…:NAME:*`)."""
    if identifier.startswith("arn:") and ":log-group:" in identifier:
        name = identifier.split(":log-group:", 1)[1]
        return name[:-2] if name.endswith(":*") else name
    return identifier


def describe_log_groups(ctx: Ctx) -> Reply | None:
    body = ctx.json_body()
    identifiers = body.get("logGroupIdentifiers")
    if identifiers is None:
        return None  # moto
    if not isinstance(identifiers, list) or not 1 <= len(identifiers) <= MAX_IDENTIFIERS:
        raise _invalid(f"logGroupIdentifiers must hold 1 to {MAX_IDENTIFIERS} items")
    if any(k in body for k in ("logGroupNamePrefix", "logGroupNamePattern")):
        raise _invalid("logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern")
    from moto.logs.models import logs_backends

    groups = logs_backends[ctx.account][ctx.region].groups
    wanted = sorted({_name(str(i)) for i in identifiers})
    found = [groups[n].to_describe_dict() for n in wanted if n in groups]
    return json_reply({"logGroups": found}, ctx=ctx)


HANDLERS = {"DescribeLogGroups": describe_log_groups}
