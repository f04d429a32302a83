"""Elastic Load Balancing v2 gaps: what the scanner's load balancer collector (src/collect/elbv2.rs) reads that moto
lacks.

- Paging of DescribeTargetGroups and DescribeListeners. moto answers them whole and ignores `PageSize` / `Marker`;
  AWS pages every ELBv2 listing (`PageSize` 1..400, `NextMarker` while more remain). Applied to moto's answers so the
  collector's paging loop is exercised on them too; the markers are opaque offsets. (moto pages DescribeLoadBalancers
  and DescribeRules itself.)
- A `PageSize` outside 1..400 is refused (ValidationError) on every listing the collector reads.

- Target group ARNs derived from the account, region and name (moto draws a random id): a target group name is
  unique in its account and region, so the demo's function policies can name their target group's ARN before the
  group exists, as a template granting `elasticloadbalancing.amazonaws.com` would (see `target_group_id`).

Lambda target groups, registered function ARNs (qualified or not), listener rules with authenticate-oidc /
authenticate-cognito actions and weighted ForwardConfig, and DescribeSecurityGroups are moto's own.
"""
from __future__ import annotations

import hashlib
import re

from common import AwsError, Ctx, Reply

PAGED_HERE = {"DescribeTargetGroups": "TargetGroups", "DescribeListeners": "Listeners"}
CHECKED = {*PAGED_HERE, "DescribeLoadBalancers", "DescribeRules"}
MAX_PAGE = 400
_MEMBER = re.compile(rb"<member>.*?</member>", re.S)


def target_group_id(account: str, region: str, name: str) -> str:
    """The 16 hex digits of a target group's ARN (mocks/seedlib/account.py computes the same)."""
    return hashlib.sha256(f"{account}/{region}/{name}".encode()).hexdigest()[:16]


def install() -> None:
    """Make moto's target group ARNs deterministic (idempotent)."""
    import moto.elbv2.models as models

    if getattr(models, "_lp_deterministic_tg", False):
        return
    original = models.make_arn_for_target_group

    def make_arn(account_id: str, tg_id: str, name: str, region_name: str) -> str:
        return original(account_id, target_group_id(account_id, region_name, name), name, region_name)

    models.make_arn_for_target_group = make_arn
    models._lp_deterministic_tg = True


def _bad(message: str) -> AwsError:
    return AwsError("ValidationError", message, 400)


def _page_size(ctx: Ctx) -> int:
    raw = (ctx.form().get("PageSize") or [None])[0]
    if raw is None:
        return MAX_PAGE
    try:
        n = int(raw)
    except ValueError:
        raise _bad(f"Invalid PageSize: {raw}")
    if not 1 <= n <= MAX_PAGE:
        raise _bad(f"1 validation error detected: Value '{n}' at 'pageSize' failed to satisfy constraint: "
                   f"Member must have value between 1 and {MAX_PAGE}")
    return n


def check(ctx: Ctx) -> None:
    """Refuse a page size AWS refuses (before moto answers)."""
    if ctx.operation in CHECKED:
        _page_size(ctx)


def _top_members(body: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each top-level <member>…</member> between `start` and `end` (nested members skipped)."""
    spans, depth, i, open_at = [], 0, start, None
    while i < end:
        o = body.find(b"<member>", i, end)
        c = body.find(b"</member>", i, end)
        if c < 0:
            break
        if 0 <= o < c:
            if depth == 0:
                open_at = o
            depth += 1
            i = o + len(b"<member>")
        else:
            depth -= 1
            i = c + len(b"</member>")
            if depth == 0 and open_at is not None:
                spans.append((open_at, i))
    return spans


def paginate(ctx: Ctx, reply: Reply) -> Reply:
    """One page of a listing moto answered whole."""
    list_name = PAGED_HERE.get(ctx.operation or "")
    if list_name is None or reply.status >= 300:
        return reply
    body = reply.body
    open_tag, close_tag = f"<{list_name}>".encode(), f"</{list_name}>".encode()
    a, b = body.find(open_tag), body.rfind(close_tag)
    if a < 0 or b < 0:
        return reply
    a += len(open_tag)
    members = _top_members(body, a, b)
    size = _page_size(ctx)
    marker = (ctx.form().get("Marker") or [None])[0]
    try:
        start = int(marker) if marker else 0
    except ValueError:
        raise _bad("Invalid Marker")
    page = b"".join(body[s:e] for s, e in members[start:start + size])
    rest = body[b:]
    rest = re.sub(rb"<NextMarker>.*?</NextMarker>|<NextMarker/>", b"", rest)
    if start + size < len(members):
        rest = rest.replace(close_tag, close_tag + f"<NextMarker>{start + size}</NextMarker>".encode(), 1)
    new_body = body[:a] + page + rest
    headers = [(k, v) for k, v in reply.headers if k.lower() != "content-length"]
    return Reply(reply.status, headers, new_body)
