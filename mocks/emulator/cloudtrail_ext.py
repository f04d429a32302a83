"""CloudTrail gaps: CloudTrail Lake event data stores, and GetEventSelectors' default answer.

moto 5.2.5 implements trails (CreateTrail, DescribeTrails with shadow trails, Start/StopLogging, GetTrailStatus,
Put/GetEventSelectors, basic and advanced) but no event data store. Here, as AWS does:

- CreateEventDataStore (Name 3..128 of [a-zA-Z0-9._-], AdvancedEventSelectors, MultiRegionEnabled default true,
  OrganizationEnabled default false, RetentionPeriod 7..3653 default 2557, StartIngestion default true: status
  ENABLED, else STOPPED_INGESTION; a name already used in the region: EventDataStoreAlreadyExistsException).
- ListEventDataStores: the region's stores, `EventDataStoreArn` and `Name` only (AWS no longer returns the deprecated
  Status, AdvancedEventSelectors, MultiRegionEnabled, OrganizationEnabled there), MaxResults 1..1000, opaque NextToken.
- GetEventDataStore (the ARN, or the id that ends it): every field; unknown: EventDataStoreNotFoundException.
- StopEventDataStoreIngestion / StartEventDataStoreIngestion: STOPPED_INGESTION / ENABLED.
- GetEventSelectors of a trail that never had selectors put answers AWS's default basic selector (every read and
  write management event, no data event), not moto's empty list.

The stores live on moto's CloudTrail backend of the account and region, so `/_lp/reset` forgets them with it.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

from common import AwsError, Ctx, Reply, json_reply

NAME_RE = re.compile(r"^[a-zA-Z0-9._-]{3,128}$")
LIST_MAX = 1000
DEFAULT_BASIC_SELECTOR = {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                          "ExcludeManagementEventSources": []}


def _invalid(code: str, message: str) -> AwsError:
    return AwsError(code, message, 400)


def _backend(ctx: Ctx):
    from moto.cloudtrail.models import cloudtrail_backends

    return cloudtrail_backends[ctx.account][ctx.region]


def _stores(ctx: Ctx) -> dict:
    """ARN -> store, on the moto backend (reset with it)."""
    backend = _backend(ctx)
    if not hasattr(backend, "lp_event_data_stores"):
        backend.lp_event_data_stores = {}
    return backend.lp_event_data_stores


def _find(ctx: Ctx, ident) -> dict:
    stores = _stores(ctx)
    ident = str(ident or "")
    for arn, store in stores.items():
        if ident and (arn == ident or arn.endswith("/" + ident)):
            return store
    raise _invalid("EventDataStoreNotFoundException", f"The specified event data store {ident} was not found.")


def create_event_data_store(ctx: Ctx) -> Reply:
    body = ctx.json_body()
    name = body.get("Name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise _invalid("InvalidParameterException", "Name must be 3 to 128 characters of [a-zA-Z0-9._-]")
    stores = _stores(ctx)
    if any(s["Name"] == name for s in stores.values()):
        raise _invalid("EventDataStoreAlreadyExistsException", f"An event data store named {name} already exists.")
    retention = body.get("RetentionPeriod", 2557)
    if not isinstance(retention, int) or not 7 <= retention <= 3653:
        raise _invalid("InvalidParameterException", "RetentionPeriod must be between 7 and 3653")
    now = datetime.now(timezone.utc).timestamp()
    # A stable id (recorded demos do not change between runs); AWS's are random UUIDs of the same shape.
    store_id = uuid.uuid5(uuid.NAMESPACE_URL, f"lp-event-data-store/{ctx.account}/{ctx.region}/{name}")
    arn = f"arn:aws:cloudtrail:{ctx.region}:{ctx.account}:eventdatastore/{store_id}"
    store = {
        "EventDataStoreArn": arn,
        "Name": name,
        "Status": "ENABLED" if body.get("StartIngestion", True) else "STOPPED_INGESTION",
        "AdvancedEventSelectors": body.get("AdvancedEventSelectors") or [
            {"Name": "Default management events",
             "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}],
        "MultiRegionEnabled": bool(body.get("MultiRegionEnabled", True)),
        "OrganizationEnabled": bool(body.get("OrganizationEnabled", False)),
        "RetentionPeriod": retention,
        "TerminationProtectionEnabled": bool(body.get("TerminationProtectionEnabled", True)),
        "BillingMode": body.get("BillingMode", "EXTENDABLE_RETENTION_PRICING"),
        "CreatedTimestamp": now,
        "UpdatedTimestamp": now,
    }
    stores[arn] = store
    return json_reply(store, ctx=ctx)


def list_event_data_stores(ctx: Ctx) -> Reply:
    body = ctx.json_body()
    size = body.get("MaxResults", LIST_MAX)
    if not isinstance(size, int) or not 1 <= size <= LIST_MAX:
        raise _invalid("InvalidMaxResultsException", f"MaxResults must be between 1 and {LIST_MAX}")
    arns = sorted(_stores(ctx))
    start = 0
    token = body.get("NextToken")
    if token is not None:
        if not isinstance(token, str) or not token.startswith("lp-") or not token[3:].isdigit():
            raise _invalid("InvalidNextTokenException", "The NextToken is not valid.")
        start = int(token[3:])
    page = arns[start:start + size]
    answer = {"EventDataStores": [{"EventDataStoreArn": a, "Name": _stores(ctx)[a]["Name"]} for a in page]}
    if start + size < len(arns):
        answer["NextToken"] = f"lp-{start + size}"
    return json_reply(answer, ctx=ctx)


def get_event_data_store(ctx: Ctx) -> Reply:
    return json_reply(_find(ctx, ctx.json_body().get("EventDataStore")), ctx=ctx)


def _set_status(status: str):
    def handler(ctx: Ctx) -> Reply:
        store = _find(ctx, ctx.json_body().get("EventDataStore"))
        store["Status"] = status
        store["UpdatedTimestamp"] = datetime.now(timezone.utc).timestamp()
        return json_reply({}, ctx=ctx)

    return handler


def get_event_selectors(ctx: Ctx) -> Reply | None:
    from moto.cloudtrail.exceptions import TrailNotFoundException

    name = ctx.json_body().get("TrailName")
    try:
        trail = _backend(ctx).get_trail(str(name or ""))
    except TrailNotFoundException:
        return None  # moto's own error
    basic, advanced = trail.get_event_selectors()
    answer = {"TrailARN": trail.arn}
    if advanced and not basic:
        answer["AdvancedEventSelectors"] = advanced
    else:
        answer["EventSelectors"] = basic or [dict(DEFAULT_BASIC_SELECTOR)]
    return json_reply(answer, ctx=ctx)


HANDLERS = {
    "CreateEventDataStore": create_event_data_store,
    "ListEventDataStores": list_event_data_stores,
    "GetEventDataStore": get_event_data_store,
    "StopEventDataStoreIngestion": _set_status("STOPPED_INGESTION"),
    "StartEventDataStoreIngestion": _set_status("ENABLED"),
    "GetEventSelectors": get_event_selectors,
}
