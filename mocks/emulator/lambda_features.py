"""Lambda features moto lacks or gets wrong, kept in our own per-(account, region) stores.

* Resource policies per qualifier: a permission added with Qualifier lives only in that alias's or
  version's policy (moto also shows it unqualified). Statements are built like AWS: a bare account
  id principal becomes `arn:aws:iam::ID:root`, FunctionUrlAuthType becomes a
  `lambda:FunctionUrlAuthType` condition, SourceArn/SourceAccount/PrincipalOrgID/EventSourceToken
  become conditions.
* Function URL configs for the function and for aliases (Qualifier), with AuthType, Cors, InvokeMode.
* Provisioned concurrency configs, code signing configs, account settings, recursion config,
  runtime management config and event invoke configs (per qualifier, epoch LastModified).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from common import AwsError, Ctx, Reply, json_reply, rand_token, rand_uuid
from lambda_core import function_arn, invalid_param, is_alias, lambda_backend, not_found, page, resolve

ACCOUNT_CONCURRENCY = {"limit": 1000}


@dataclass
class Extras:
    policies: dict = field(default_factory=dict)  # (name, qualifier|None) -> {"statements": [], "revision": str}
    urls: dict = field(default_factory=dict)  # (name, qualifier|None) -> config dict
    pcs: dict = field(default_factory=dict)  # (name, qualifier) -> config dict
    cscs: dict = field(default_factory=dict)  # arn -> config dict
    fn_csc: dict = field(default_factory=dict)  # name -> arn | None (explicit association)
    recursion: dict = field(default_factory=dict)  # name -> Allow | Terminate
    runtime: dict = field(default_factory=dict)  # (name, qualifier|None) -> dict
    eic: dict = field(default_factory=dict)  # (name, qualifier|None) -> dict


EXTRAS: dict[tuple[str, str], Extras] = {}


def extras(ctx: Ctx) -> Extras:
    return EXTRAS.setdefault((ctx.account, ctx.region), Extras())


def reset_all() -> None:
    EXTRAS.clear()


def purge_function(ctx: Ctx, name: str, q: str | None) -> None:
    ex = extras(ctx)
    for store in (ex.policies, ex.urls, ex.pcs, ex.runtime, ex.eic):
        for key in [k for k in store if k[0] == name and (q is None or k[1] == q)]:
            del store[key]
    if q is None:
        ex.fn_csc.pop(name, None)
        ex.recursion.pop(name, None)


def _norm_q(q: str | None) -> str | None:
    return None if q in (None, "", "$LATEST") else q


def _qualified(ctx: Ctx, name_or_arn: str, q: str | None, allow_latest: bool = True):
    """Validate the function and qualifier exist; returns (fn, latest, name, normalised qualifier)."""
    fn, latest, name, qq = resolve(ctx, name_or_arn, q)
    return fn, latest, name, _norm_q(qq)


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- resource policies ------------------------------------------------------------------------------
SERVICE_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".amazon.com", ".aws.internal")


def format_principal(p: str):
    if p == "*":
        return "*"
    if p.isdigit() and len(p) == 12:
        return {"AWS": f"arn:aws:iam::{p}:root"}
    if p.startswith("arn:"):
        return {"AWS": p}
    if p.endswith(SERVICE_SUFFIXES) or "." in p:
        return {"Service": p}
    return {"AWS": p}


def build_statement(ctx: Ctx, name: str, q: str | None, body: dict) -> dict:
    for req in ("StatementId", "Action", "Principal"):
        if not body.get(req):
            raise AwsError("ValidationException", f"1 validation error detected: Value null at '{req[0].lower() + req[1:]}' "
                           "failed to satisfy constraint: Member must not be null", 400)
    cond: dict[str, dict] = {}

    def add(op: str, key: str, value):
        cond.setdefault(op, {})[key] = value

    if body.get("SourceAccount"):
        add("StringEquals", "AWS:SourceAccount", body["SourceAccount"])
    if body.get("PrincipalOrgID"):
        add("StringEquals", "aws:PrincipalOrgID", body["PrincipalOrgID"])
    if body.get("EventSourceToken"):
        add("StringEquals", "lambda:EventSourceToken", body["EventSourceToken"])
    if body.get("FunctionUrlAuthType"):
        if body["FunctionUrlAuthType"] not in ("NONE", "AWS_IAM"):
            raise invalid_param("FunctionUrlAuthType must be NONE or AWS_IAM")
        add("StringEquals", "lambda:FunctionUrlAuthType", body["FunctionUrlAuthType"])
    if body.get("InvokedViaFunctionUrl") is True:
        add("Bool", "lambda:InvokedViaFunctionUrl", "true")
    if body.get("SourceArn"):
        add("ArnLike", "AWS:SourceArn", body["SourceArn"])
    st = {"Sid": body["StatementId"], "Effect": "Allow", "Principal": format_principal(body["Principal"]),
          "Action": body["Action"], "Resource": function_arn(ctx, name, q)}
    if cond:
        st["Condition"] = cond
    return st


def add_permission(ctx: Ctx) -> Reply:
    body = ctx.json_body()
    _, _, name, q = _qualified(ctx, ctx.params["FunctionName"], ctx.q("Qualifier"))
    pol = extras(ctx).policies.setdefault((name, q), {"statements": [], "revision": rand_uuid()})
    if body.get("RevisionId") and body["RevisionId"] != pol["revision"]:
        raise AwsError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. "
                       "Call the GetPolicy API to retrieve the latest Revision Id", 412)
    if any(s["Sid"] == body.get("StatementId") for s in pol["statements"]):
        raise AwsError("ResourceConflictException", f"The statement id ({body.get('StatementId')}) provided already "
                       "exists. Please provide a new statement id, or remove the existing statement.", 409)
    st = build_statement(ctx, name, q, body)
    pol["statements"].append(st)
    pol["revision"] = rand_uuid()
    return json_reply({"Statement": json.dumps(st, separators=(",", ":"))}, 201, ctx=ctx)


def get_policy(ctx: Ctx) -> Reply:
    _, _, name, q = _qualified(ctx, ctx.params["FunctionName"], ctx.q("Qualifier"))
    pol = extras(ctx).policies.get((name, q))
    if not pol or not pol["statements"]:
        raise not_found()
    doc = {"Version": "2012-10-17", "Id": "default", "Statement": pol["statements"]}
    return json_reply({"Policy": json.dumps(doc, separators=(",", ":")), "RevisionId": pol["revision"]}, ctx=ctx)


def remove_permission(ctx: Ctx) -> Reply:
    _, _, name, q = _qualified(ctx, ctx.params["FunctionName"], ctx.q("Qualifier"))
    pol = extras(ctx).policies.get((name, q))
    sid = ctx.params["StatementId"]
    if not pol or not any(s["Sid"] == sid for s in pol["statements"]):
        raise not_found(f"Statement {sid} is not found in resource policy.")
    rev = ctx.q("RevisionId")
    if rev and rev != pol["revision"]:
        raise AwsError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id.", 412)
    pol["statements"] = [s for s in pol["statements"] if s["Sid"] != sid]
    pol["revision"] = rand_uuid()
    return Reply(204, [("x-amzn-RequestId", ctx.request_id)], b"")


def add_raw_statement(account: str, region: str, function_name: str, qualifier: str | None, statement: dict) -> dict:
    """Admin: append a statement AddPermission cannot produce (NotPrincipal, Deny, ...) to a resource policy."""
    from common import Ctx as _Ctx

    if not isinstance(statement, dict) or not statement.get("Sid"):
        raise AwsError("BadRequest", "statement must be an object with a Sid", 400)
    ctx = _Ctx({}, "POST", "/", {}, b"", {}, service="lambda", region=region, account=account)
    _, _, name, q = _qualified(ctx, function_name, qualifier)
    pol = extras(ctx).policies.setdefault((name, q), {"statements": [], "revision": rand_uuid()})
    if any(s["Sid"] == statement["Sid"] for s in pol["statements"]):
        raise AwsError("ResourceConflictException", f"The statement id ({statement['Sid']}) provided already exists.", 409)
    st = dict(statement)
    st.setdefault("Resource", function_arn(ctx, name, q))
    pol["statements"].append(st)
    pol["revision"] = rand_uuid()
    return {"function": name, "qualifier": q, "statements": len(pol["statements"])}


# --- function URLs ------------------------------------------------------------------------------------
def _url_target(ctx: Ctx):
    fn_param = ctx.params["FunctionName"]
    _, _, name, q = _qualified(ctx, fn_param, ctx.q("Qualifier"))
    if q is not None and not is_alias(ctx, name, q):
        raise invalid_param("Function URLs can only be created on $LATEST or an alias.")
    return name, q


def _url_rand() -> str:
    return rand_token(32)


def _validate_url_body(b: dict, create: bool) -> None:
    if create and b.get("AuthType") is None:
        raise AwsError("ValidationException", "1 validation error detected: Value null at 'authType' failed to satisfy "
                       "constraint: Member must not be null", 400)
    if b.get("AuthType") is not None and b["AuthType"] not in ("NONE", "AWS_IAM"):
        raise AwsError("ValidationException", f"1 validation error detected: Value '{b['AuthType']}' at 'authType' "
                       "failed to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]", 400)


def create_function_url_config(ctx: Ctx) -> Reply:
    name, q = _url_target(ctx)
    b = ctx.json_body()
    _validate_url_body(b, True)
    urls = extras(ctx).urls
    arn = function_arn(ctx, name, q)
    if (name, q) in urls:
        raise AwsError("ResourceConflictException", f"Failed to create function url config for [functionArn = {arn}]. "
                       "Error message:  FunctionUrlConfig exists for this Lambda function", 409)
    now = _now_iso()
    cfg = {"FunctionUrl": f"https://{_url_rand()}.lambda-url.{ctx.region}.on.aws/", "FunctionArn": arn,
           "AuthType": b["AuthType"], "CreationTime": now, "LastModifiedTime": now,
           "InvokeMode": b.get("InvokeMode") or "BUFFERED"}
    if b.get("Cors") is not None:
        cfg["Cors"] = b["Cors"]
    urls[(name, q)] = cfg
    out = {k: v for k, v in cfg.items() if k != "LastModifiedTime"}
    return json_reply(out, 201, ctx=ctx)


def get_function_url_config(ctx: Ctx) -> Reply:
    name, q = _url_target(ctx)
    cfg = extras(ctx).urls.get((name, q))
    if not cfg:
        raise not_found()
    return json_reply(cfg, ctx=ctx)


def update_function_url_config(ctx: Ctx) -> Reply:
    name, q = _url_target(ctx)
    cfg = extras(ctx).urls.get((name, q))
    if not cfg:
        raise not_found()
    b = ctx.json_body()
    _validate_url_body(b, False)
    for k in ("AuthType", "Cors", "InvokeMode"):
        if b.get(k) is not None:
            cfg[k] = b[k]
    cfg["LastModifiedTime"] = _now_iso()
    return json_reply(cfg, ctx=ctx)


def delete_function_url_config(ctx: Ctx) -> Reply:
    name, q = _url_target(ctx)
    if extras(ctx).urls.pop((name, q), None) is None:
        raise not_found()
    return Reply(204, [("x-amzn-RequestId", ctx.request_id)], b"")


def list_function_url_configs(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    rows = [cfg for (n, _), cfg in extras(ctx).urls.items() if n == name]
    chunk, nxt = page(ctx, rows, lambda c: c["FunctionArn"])
    body = {"FunctionUrlConfigs": chunk}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


# --- provisioned concurrency ---------------------------------------------------------------------------
def _pc_target(ctx: Ctx):
    q = ctx.q("Qualifier")
    _, _, name, qq = resolve(ctx, ctx.params["FunctionName"], q)
    if qq in (None, "$LATEST"):
        raise invalid_param("Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    return name, qq


def put_provisioned_concurrency_config(ctx: Ctx) -> Reply:
    name, q = _pc_target(ctx)
    n = ctx.json_body().get("ProvisionedConcurrentExecutions")
    if not isinstance(n, int) or n < 1:
        raise invalid_param("ProvisionedConcurrentExecutions must be a positive integer")
    ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")
    extras(ctx).pcs[(name, q)] = {"FunctionArn": function_arn(ctx, name, q), "RequestedProvisionedConcurrentExecutions": n,
                                  "AvailableProvisionedConcurrentExecutions": n,
                                  "AllocatedProvisionedConcurrentExecutions": n, "Status": "READY", "LastModified": ts}
    return json_reply({"RequestedProvisionedConcurrentExecutions": n, "AllocatedProvisionedConcurrentExecutions": 0,
                       "Status": "IN_PROGRESS", "LastModified": ts}, 202, ctx=ctx)


def get_provisioned_concurrency_config(ctx: Ctx) -> Reply:
    name, q = _pc_target(ctx)
    cfg = extras(ctx).pcs.get((name, q))
    if not cfg:
        raise AwsError("ProvisionedConcurrencyConfigNotFoundException",
                       "No Provisioned Concurrency Config found for this function", 404)
    return json_reply({k: v for k, v in cfg.items() if k != "FunctionArn"}, ctx=ctx)


def delete_provisioned_concurrency_config(ctx: Ctx) -> Reply:
    name, q = _pc_target(ctx)
    if extras(ctx).pcs.pop((name, q), None) is None:
        raise AwsError("ProvisionedConcurrencyConfigNotFoundException",
                       "No Provisioned Concurrency Config found for this function", 404)
    return Reply(204, [("x-amzn-RequestId", ctx.request_id)], b"")


def list_provisioned_concurrency_configs(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    rows = [c for (n, _), c in extras(ctx).pcs.items() if n == name]
    chunk, nxt = page(ctx, rows, lambda c: c["FunctionArn"])
    body = {"ProvisionedConcurrencyConfigs": chunk}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


# --- account settings ----------------------------------------------------------------------------------
def get_account_settings(ctx: Ctx) -> Reply:
    be = lambda_backend(ctx.account, ctx.region)
    reserved = 0
    total_code = 0
    count = 0
    for group in be._lambdas._functions.values():
        latest = group.get("latest")
        if latest is None:
            continue
        count += 1
        reserved += int(latest.reserved_concurrency or 0)
        total_code += int(latest.code_size or 0) + sum(int(v.code_size or 0) for v in group["versions"])
    for layer in be._layers._layers.values():
        total_code += sum(int(v.code_size or 0) for v in layer.layer_versions.values())
    limit = int(ACCOUNT_CONCURRENCY["limit"])
    return json_reply({"AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                                        "CodeSizeZipped": 52428800, "ConcurrentExecutions": limit,
                                        "UnreservedConcurrentExecutions": limit - reserved},
                       "AccountUsage": {"TotalCodeSize": total_code, "FunctionCount": count}}, ctx=ctx)


# --- code signing ------------------------------------------------------------------------------------------
def _csc_get(ctx: Ctx, arn: str) -> dict:
    cfg = extras(ctx).cscs.get(arn)
    if not cfg:
        raise not_found(f"The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}.")
    return cfg


def create_code_signing_config(ctx: Ctx) -> Reply:
    b = ctx.json_body()
    if not (b.get("AllowedPublishers") or {}).get("SigningProfileVersionArns"):
        raise AwsError("ValidationException", "1 validation error detected: Value null at 'allowedPublishers' failed "
                       "to satisfy constraint: Member must not be null", 400)
    cid = "csc-" + rand_uuid().replace("-", "")[:17]
    arn = f"arn:aws:lambda:{ctx.region}:{ctx.account}:code-signing-config:{cid}"
    cfg = {"CodeSigningConfigId": cid, "CodeSigningConfigArn": arn, "Description": b.get("Description", ""),
           "AllowedPublishers": b["AllowedPublishers"],
           "CodeSigningPolicies": b.get("CodeSigningPolicies") or {"UntrustedArtifactOnDeployment": "Warn"},
           "LastModified": _now_iso()}
    extras(ctx).cscs[arn] = cfg
    return json_reply({"CodeSigningConfig": cfg}, 201, ctx=ctx)


def get_code_signing_config(ctx: Ctx) -> Reply:
    return json_reply({"CodeSigningConfig": _csc_get(ctx, ctx.params["CodeSigningConfigArn"])}, ctx=ctx)


def update_code_signing_config(ctx: Ctx) -> Reply:
    cfg = _csc_get(ctx, ctx.params["CodeSigningConfigArn"])
    b = ctx.json_body()
    for k in ("Description", "AllowedPublishers", "CodeSigningPolicies"):
        if b.get(k) is not None:
            cfg[k] = b[k]
    cfg["LastModified"] = _now_iso()
    return json_reply({"CodeSigningConfig": cfg}, ctx=ctx)


def _functions_with_csc(ctx: Ctx, arn: str) -> list[str]:
    be = lambda_backend(ctx.account, ctx.region)
    ex = extras(ctx)
    out = []
    for name, group in be._lambdas._functions.items():
        latest = group.get("latest")
        if latest is not None and _fn_csc(ctx, ex, name, latest) == arn:
            out.append(function_arn(ctx, name))
    return out


def delete_code_signing_config(ctx: Ctx) -> Reply:
    arn = ctx.params["CodeSigningConfigArn"]
    _csc_get(ctx, arn)
    if _functions_with_csc(ctx, arn):
        raise AwsError("ResourceConflictException", "The code signing configuration cannot be deleted because it is "
                       "used by one or more functions.", 409)
    del extras(ctx).cscs[arn]
    return Reply(204, [("x-amzn-RequestId", ctx.request_id)], b"")


def list_code_signing_configs(ctx: Ctx) -> Reply:
    chunk, nxt = page(ctx, list(extras(ctx).cscs.values()), lambda c: c["CodeSigningConfigArn"])
    body = {"CodeSigningConfigs": chunk}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


def list_functions_by_code_signing_config(ctx: Ctx) -> Reply:
    arn = ctx.params["CodeSigningConfigArn"]
    _csc_get(ctx, arn)
    chunk, nxt = page(ctx, _functions_with_csc(ctx, arn), lambda a: a)
    body = {"FunctionArns": chunk}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


def _fn_csc(ctx: Ctx, ex: Extras, name: str, latest) -> str | None:
    if name in ex.fn_csc:
        return ex.fn_csc[name]
    return getattr(latest, "code_signing_config_arn", None)


def put_function_code_signing_config(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    arn = ctx.json_body().get("CodeSigningConfigArn")
    _csc_get(ctx, arn)
    extras(ctx).fn_csc[name] = arn
    return json_reply({"CodeSigningConfigArn": arn, "FunctionName": name}, ctx=ctx)


def get_function_code_signing_config(ctx: Ctx) -> Reply:
    _, latest, name, _ = resolve(ctx, ctx.params["FunctionName"])
    arn = _fn_csc(ctx, extras(ctx), name, latest)
    return json_reply({"CodeSigningConfigArn": arn or "", "FunctionName": name}, ctx=ctx)


def delete_function_code_signing_config(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    extras(ctx).fn_csc[name] = None
    return Reply(204, [("x-amzn-RequestId", ctx.request_id)], b"")


# --- recursion and runtime management ------------------------------------------------------------------------
def get_function_recursion_config(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    return json_reply({"RecursiveLoop": extras(ctx).recursion.get(name, "Terminate")}, ctx=ctx)


def put_function_recursion_config(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    v = ctx.json_body().get("RecursiveLoop")
    if v not in ("Allow", "Terminate"):
        raise AwsError("ValidationException", f"1 validation error detected: Value '{v}' at 'recursiveLoop' failed to "
                       "satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]", 400)
    extras(ctx).recursion[name] = v
    return json_reply({"RecursiveLoop": v}, ctx=ctx)


def get_runtime_management_config(ctx: Ctx) -> Reply:
    fn, _, name, q = _qualified(ctx, ctx.params["FunctionName"], ctx.q("Qualifier"))
    cfg = extras(ctx).runtime.get((name, q)) or {"UpdateRuntimeOn": "Auto"}
    out = {"UpdateRuntimeOn": cfg["UpdateRuntimeOn"], "FunctionArn": function_arn(ctx, name, q or "$LATEST")}
    if cfg.get("RuntimeVersionArn"):
        out["RuntimeVersionArn"] = cfg["RuntimeVersionArn"]
    return json_reply(out, ctx=ctx)


def put_runtime_management_config(ctx: Ctx) -> Reply:
    fn, _, name, q = _qualified(ctx, ctx.params["FunctionName"], ctx.q("Qualifier"))
    b = ctx.json_body()
    mode = b.get("UpdateRuntimeOn")
    if mode not in ("Auto", "Manual", "FunctionUpdate"):
        raise invalid_param(f"Invalid UpdateRuntimeOn {mode!r}")
    if mode == "Manual" and not b.get("RuntimeVersionArn"):
        raise invalid_param("RuntimeVersionArn is required when UpdateRuntimeOn is Manual")
    cfg = {"UpdateRuntimeOn": mode}
    if mode == "Manual":
        cfg["RuntimeVersionArn"] = b["RuntimeVersionArn"]
    extras(ctx).runtime[(name, q)] = cfg
    return json_reply({**cfg, "FunctionArn": function_arn(ctx, name, q or "$LATEST")}, ctx=ctx)


# --- event invoke configs (moto returns LastModified as a string and appends duplicates) ------------------
def _validate_eic(b: dict) -> None:
    if b.get("MaximumRetryAttempts") is not None and not 0 <= int(b["MaximumRetryAttempts"]) <= 2:
        raise AwsError("ValidationException", "1 validation error detected: Value at 'maximumRetryAttempts' failed to "
                       "satisfy constraint: Member must have value less than or equal to 2", 400)
    if b.get("MaximumEventAgeInSeconds") is not None and not 60 <= int(b["MaximumEventAgeInSeconds"]) <= 21600:
        raise AwsError("ValidationException", "1 validation error detected: Value at 'maximumEventAgeInSeconds' failed "
                       "to satisfy constraint: Member must have value between 60 and 21600", 400)


def _eic_target(ctx: Ctx):
    _, _, name, q = _qualified(ctx, ctx.params["FunctionName"], ctx.q("Qualifier"))
    return name, q


def put_function_event_invoke_config(ctx: Ctx, merge: bool = False) -> Reply:
    name, q = _eic_target(ctx)
    b = ctx.json_body()
    _validate_eic(b)
    store = extras(ctx).eic
    if merge:
        if (name, q) not in store:
            raise not_found(f"The function {function_arn(ctx, name, q)} doesn't have an EventInvokeConfig")
        cfg = dict(store[(name, q)])
    else:
        cfg = {"FunctionArn": function_arn(ctx, name, q or "$LATEST")}
    for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"):
        if k in b and b[k] is not None:
            cfg[k] = b[k]
    cfg["LastModified"] = time.time()
    store[(name, q)] = cfg
    return json_reply(cfg, ctx=ctx)


def update_function_event_invoke_config(ctx: Ctx) -> Reply:
    return put_function_event_invoke_config(ctx, merge=True)


def get_function_event_invoke_config(ctx: Ctx) -> Reply:
    name, q = _eic_target(ctx)
    cfg = extras(ctx).eic.get((name, q))
    if not cfg:
        raise not_found(f"The function {function_arn(ctx, name, q or '$LATEST')} doesn't have an EventInvokeConfig")
    return json_reply(cfg, ctx=ctx)


def delete_function_event_invoke_config(ctx: Ctx) -> Reply:
    name, q = _eic_target(ctx)
    if extras(ctx).eic.pop((name, q), None) is None:
        raise not_found(f"The function {function_arn(ctx, name, q or '$LATEST')} doesn't have an EventInvokeConfig")
    return Reply(204, [("x-amzn-RequestId", ctx.request_id)], b"")


def list_function_event_invoke_configs(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    rows = [c for (n, _), c in extras(ctx).eic.items() if n == name]
    chunk, nxt = page(ctx, rows, lambda c: c["FunctionArn"])
    body = {"FunctionEventInvokeConfigs": chunk}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


HANDLERS = {
    "AddPermission": add_permission,
    "GetPolicy": get_policy,
    "RemovePermission": remove_permission,
    "CreateFunctionUrlConfig": create_function_url_config,
    "GetFunctionUrlConfig": get_function_url_config,
    "UpdateFunctionUrlConfig": update_function_url_config,
    "DeleteFunctionUrlConfig": delete_function_url_config,
    "ListFunctionUrlConfigs": list_function_url_configs,
    "PutProvisionedConcurrencyConfig": put_provisioned_concurrency_config,
    "GetProvisionedConcurrencyConfig": get_provisioned_concurrency_config,
    "DeleteProvisionedConcurrencyConfig": delete_provisioned_concurrency_config,
    "ListProvisionedConcurrencyConfigs": list_provisioned_concurrency_configs,
    "GetAccountSettings": get_account_settings,
    "CreateCodeSigningConfig": create_code_signing_config,
    "GetCodeSigningConfig": get_code_signing_config,
    "UpdateCodeSigningConfig": update_code_signing_config,
    "DeleteCodeSigningConfig": delete_code_signing_config,
    "ListCodeSigningConfigs": list_code_signing_configs,
    "ListFunctionsByCodeSigningConfig": list_functions_by_code_signing_config,
    "PutFunctionCodeSigningConfig": put_function_code_signing_config,
    "GetFunctionCodeSigningConfig": get_function_code_signing_config,
    "DeleteFunctionCodeSigningConfig": delete_function_code_signing_config,
    "GetFunctionRecursionConfig": get_function_recursion_config,
    "PutFunctionRecursionConfig": put_function_recursion_config,
    "GetRuntimeManagementConfig": get_runtime_management_config,
    "PutRuntimeManagementConfig": put_runtime_management_config,
    "PutFunctionEventInvokeConfig": put_function_event_invoke_config,
    "UpdateFunctionEventInvokeConfig": update_function_event_invoke_config,
    "GetFunctionEventInvokeConfig": get_function_event_invoke_config,
    "DeleteFunctionEventInvokeConfig": delete_function_event_invoke_config,
    "ListFunctionEventInvokeConfigs": list_function_event_invoke_configs,
}
