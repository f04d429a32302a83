"""Lambda functions, versions, aliases, layers and event source mappings: moto's store, AWS's answers.

moto keeps the functions; this module patches what it stores (DeadLetterConfig, LoggingConfig,
FileSystemConfigs, RevisionId, AWS-format LastModified, cross-account layer ARNs) and answers the
read operations itself so that they page like AWS (ListFunctions: at most 50 per page with
NextMarker), return the fields AWS returns (GetFunction: Tags, Concurrency including 0, a
downloadable Code.Location served by the emulator) and find layers published in other accounts.
"""
from __future__ import annotations

import base64
import bisect
import copy
import hashlib
import json
from datetime import datetime, timezone

from common import AwsError, Ctx, Reply, json_reply, rand_uuid

# sha256 hex -> zip bytes served at /_lp/code/<hex>
CODE_INDEX: dict[str, bytes] = {}

LIST_STRIPPED = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
                 "LastUpdateStatusReasonCode", "RuntimeVersionConfig")


def aws_time(dt: datetime) -> str:
    """Lambda's LastModified format: 2024-05-01T10:00:00.123+0000."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def lambda_backend(account: str, region: str):
    from moto.awslambda.models import lambda_backends

    return lambda_backends[account][region]


def not_found(msg: str = "The resource you requested does not exist.") -> AwsError:
    return AwsError("ResourceNotFoundException", msg, 404)


def invalid_param(msg: str) -> AwsError:
    return AwsError("InvalidParameterValueException", msg, 400)


# --- paging ------------------------------------------------------------------------------------
def encode_marker(key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_marker(marker: str):
    try:
        pad = "=" * (-len(marker) % 4)
        return json.loads(base64.urlsafe_b64decode((marker + pad).encode()))
    except Exception:
        raise invalid_param("Invalid Marker provided") from None


def page(ctx: Ctx, items: list, key_fn, default: int = 50, cap: int = 50):
    """AWS-style Marker paging over items sorted by key_fn. Returns (page_items, next_marker|None)."""
    items = sorted(items, key=key_fn)
    raw_max = ctx.q("MaxItems")
    try:
        size = int(raw_max) if raw_max not in (None, "") else default
    except ValueError:
        raise invalid_param(f"Invalid MaxItems {raw_max!r}") from None
    if size < 1:
        raise invalid_param("1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "
                            "Member must have value greater than or equal to 1")
    size = min(size, cap)
    start = 0
    marker = ctx.q("Marker")
    if marker:
        last = decode_marker(marker)
        try:
            start = bisect.bisect_right([key_fn(i) for i in items], last)
        except TypeError:
            raise invalid_param("Invalid Marker provided") from None
    chunk = items[start:start + size]
    nxt = encode_marker(key_fn(chunk[-1])) if chunk and start + size < len(items) else None
    return chunk, nxt


# --- function lookup -----------------------------------------------------------------------------
def split_name(name_or_arn: str, qualifier: str | None = None) -> tuple[str, str | None]:
    """Function name and qualifier from a name, name:qualifier, partial or full ARN."""
    s = name_or_arn
    if ":function:" in s:
        rest = s.split(":function:", 1)[1]
        name, _, q = rest.partition(":")
        return name, (q or qualifier)
    if ":" in s:
        name, _, q = s.partition(":")
        return name, (q or qualifier)
    return s, qualifier


def resolve(ctx: Ctx, name_or_arn: str, qualifier: str | None = None):
    """(function object for the qualifier, latest object, name, qualifier). Raises 404 like AWS."""
    name, q = split_name(name_or_arn, qualifier)
    be = lambda_backend(ctx.account, ctx.region)
    group = be._lambdas._functions.get(name)
    if not group or group.get("latest") is None:
        raise not_found(f"Function not found: arn:aws:lambda:{ctx.region}:{ctx.account}:function:{name}"
                        + (f":{q}" if q else ""))
    fn = be._lambdas.get_function_by_name_with_qualifier(name, q) if q else group["latest"]
    return fn, group["latest"], name, q


def is_alias(ctx: Ctx, name: str, q: str | None) -> bool:
    if not q or q == "$LATEST" or q.isdigit():
        return False
    be = lambda_backend(ctx.account, ctx.region)
    arn = f"arn:aws:lambda:{ctx.region}:{ctx.account}:function:{name}"
    return q in be._lambdas._aliases.get(arn, {})


def function_arn(ctx: Ctx, name: str, q: str | None = None) -> str:
    return f"arn:aws:lambda:{ctx.region}:{ctx.account}:function:{name}" + (f":{q}" if q else "")


def function_config(ctx: Ctx, fn, name: str, q: str | None, for_list: bool = False) -> dict:
    cfg = fn.get_configuration()
    if q is None:
        cfg["Version"] = "$LATEST" if str(fn.version) in ("$LATEST",) else cfg["Version"]
        cfg["FunctionArn"] = function_arn(ctx, name) if cfg["Version"] == "$LATEST" else cfg["FunctionArn"]
    elif q == "$LATEST":
        cfg["Version"] = "$LATEST"
        cfg["FunctionArn"] = function_arn(ctx, name, "$LATEST")
    elif is_alias(ctx, name, q):
        cfg["FunctionArn"] = function_arn(ctx, name, q)
    if for_list:
        for k in LIST_STRIPPED:
            cfg.pop(k, None)
    return cfg


def code_location(ctx: Ctx, code_bytes: bytes) -> str:
    digest = hashlib.sha256(code_bytes or b"").hexdigest()
    CODE_INDEX[digest] = code_bytes or b""
    return f"http://{ctx.host}/_lp/code/{digest}"


# --- moto patches ----------------------------------------------------------------------------------
_EXTRA_KEYS = ("DeadLetterConfig", "LoggingConfig", "FileSystemConfigs")


def install_patches() -> None:
    from moto.awslambda import models as m

    LF = m.LambdaFunction
    if getattr(LF, "_lp_patched", False):
        return
    LF._lp_patched = True
    orig_init, orig_conf, orig_update = LF.__init__, LF.get_configuration, LF.update_configuration
    orig_code = LF.update_function_code

    def __init__(self, account_id, spec, region, version=1):
        self._lp_extra = {k: copy.deepcopy(spec[k]) for k in _EXTRA_KEYS if spec.get(k) is not None}
        self._lp_revision = rand_uuid()
        self._lp_last_modified = datetime.now(timezone.utc)
        orig_init(self, account_id, spec, region, version)

    def touch(self):
        self._lp_revision = rand_uuid()
        self._lp_last_modified = datetime.now(timezone.utc)

    def get_configuration(self, on_create=False):
        cfg = orig_conf(self, on_create)
        extra = getattr(self, "_lp_extra", {})
        cfg["LastModified"] = aws_time(getattr(self, "_lp_last_modified", datetime.now(timezone.utc)))
        cfg["RevisionId"] = getattr(self, "_lp_revision", "")
        dlq = extra.get("DeadLetterConfig") or {}
        if dlq.get("TargetArn"):
            cfg["DeadLetterConfig"] = {"TargetArn": dlq["TargetArn"]}
        logging = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}"}
        logging.update(extra.get("LoggingConfig") or {})
        if logging.get("LogFormat") == "JSON":
            logging.setdefault("ApplicationLogLevel", "INFO")
            logging.setdefault("SystemLogLevel", "INFO")
        cfg["LoggingConfig"] = logging
        if extra.get("FileSystemConfigs"):
            cfg["FileSystemConfigs"] = extra["FileSystemConfigs"]
        if self.package_type == "Zip" and self.run_time:
            digest = hashlib.sha256(str(self.run_time).encode()).hexdigest()
            cfg["RuntimeVersionConfig"] = {"RuntimeVersionArn": f"arn:aws:lambda:{self.region}::runtime:{digest}"}
        if not cfg.get("Layers"):
            cfg.pop("Layers", None)
        return {k: v for k, v in cfg.items() if v is not None}

    def update_configuration(self, config_updates):
        # A new dict: published versions are shallow copies of $LATEST and must keep their own settings.
        extra = dict(getattr(self, "_lp_extra", {}))
        for k in _EXTRA_KEYS:
            if k in config_updates:
                extra[k] = copy.deepcopy(config_updates[k])
        self._lp_extra = extra
        if "TracingConfig" in config_updates:
            self.tracing_config = config_updates["TracingConfig"]
        if "KMSKeyArn" in config_updates:
            self.kms_key_arn = config_updates["KMSKeyArn"] or None
        if "EphemeralStorage" in config_updates:
            self.ephemeral_storage = config_updates["EphemeralStorage"]["Size"]
        touch(self)
        return orig_update(self, config_updates)

    def update_function_code(self, updated_spec):
        if not updated_spec.get("DryRun"):
            touch(self)
        return orig_code(self, updated_spec)

    def _get_layers_data(self, layers_versions_arns):
        out = []
        for arn in layers_versions_arns:
            lv = find_layer_version(arn)
            if lv is None:
                raise AwsError("InvalidParameterValueException", f"Layer version {arn} does not exist.", 400)
            out.append({"Arn": lv.arn, "CodeSize": lv.code_size})
        return out

    LF.__init__ = __init__
    LF.get_configuration = get_configuration
    LF.update_configuration = update_configuration
    LF.update_function_code = update_function_code
    LF._get_layers_data = _get_layers_data


def parse_layer_arn(arn: str):
    """(region, account, name, version|None) from a layer or layer version ARN, else None."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "layer":
        return None
    return parts[3], parts[4], parts[6], (parts[7] if len(parts) > 7 else None)


def find_layer_version(arn: str):
    p = parse_layer_arn(arn)
    if not p or not p[3]:
        return None
    region, account, name, version = p
    try:
        be = lambda_backend(account, region)
    except Exception:
        return None
    layer = be._layers._layers.get(name)
    if not layer:
        return None
    return layer.layer_versions.get(str(version))


# --- handlers ------------------------------------------------------------------------------------
def list_functions(ctx: Ctx) -> Reply:
    be = lambda_backend(ctx.account, ctx.region)
    all_versions = ctx.q("FunctionVersion") == "ALL"
    rows = []
    for name, group in list(be._lambdas._functions.items()):
        if group.get("latest") is not None:
            rows.append((name, -1, group["latest"]))
        if all_versions:
            rows.extend((name, int(v.version), v) for v in group["versions"])
    chunk, nxt = page(ctx, rows, lambda r: [r[0], r[1]])
    out = []
    for name, ver, fn in chunk:
        cfg = function_config(ctx, fn, name, ("$LATEST" if all_versions else None) if ver < 0 else str(ver), for_list=True)
        if ver >= 0:
            cfg["FunctionArn"] = function_arn(ctx, name, str(ver))
        out.append(cfg)
    body = {"Functions": out}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


def get_function(ctx: Ctx) -> Reply:
    fn, latest, name, q = resolve(ctx, ctx.params["FunctionName"], ctx.q("Qualifier"))
    body = {"Configuration": function_config(ctx, fn, name, q)}
    if "ImageUri" in fn.code:
        body["Code"] = {"RepositoryType": "ECR", "ImageUri": fn.code["ImageUri"],
                        "ResolvedImageUri": fn.code["ImageUri"].split(":")[0] + "@sha256:" + fn.code_sha_256}
    else:
        body["Code"] = {"RepositoryType": "S3", "Location": code_location(ctx, getattr(fn, "code_bytes", b""))}
    if latest.tags:
        body["Tags"] = dict(latest.tags)
    if latest.reserved_concurrency is not None:
        body["Concurrency"] = {"ReservedConcurrentExecutions": int(latest.reserved_concurrency)}
    return json_reply(body, ctx=ctx)


def get_function_configuration(ctx: Ctx) -> Reply:
    fn, _, name, q = resolve(ctx, ctx.params["FunctionName"], ctx.q("Qualifier"))
    return json_reply(function_config(ctx, fn, name, q), ctx=ctx)


def delete_function(ctx: Ctx) -> Reply:
    from lambda_features import purge_function

    fn, _, name, q = resolve(ctx, ctx.params["FunctionName"], ctx.q("Qualifier"))
    lambda_backend(ctx.account, ctx.region).delete_function(name, q)
    purge_function(ctx, name, q)
    return Reply(204, [("x-amzn-RequestId", ctx.request_id)], b"")


def list_versions_by_function(ctx: Ctx) -> Reply:
    _, latest, name, _ = resolve(ctx, ctx.params["FunctionName"])
    be = lambda_backend(ctx.account, ctx.region)
    rows = [(-1, latest)] + [(int(v.version), v) for v in be._lambdas._functions[name]["versions"]]
    chunk, nxt = page(ctx, rows, lambda r: r[0])
    out = []
    for ver, fn in chunk:
        cfg = function_config(ctx, fn, name, "$LATEST" if ver < 0 else str(ver), for_list=True)
        out.append(cfg)
    body = {"Versions": out}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


def _alias_json(a) -> dict:
    d = a.to_json()
    return {k: v for k, v in d.items() if v is not None}


def list_aliases(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    aliases = list(lambda_backend(ctx.account, ctx.region).list_aliases(name))
    fv = ctx.q("FunctionVersion")
    if fv:
        aliases = [a for a in aliases if str(a.function_version) == fv]
    chunk, nxt = page(ctx, aliases, lambda a: a.name)
    body = {"Aliases": [_alias_json(a) for a in chunk]}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


def get_alias(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    a = lambda_backend(ctx.account, ctx.region).get_alias(ctx.params["Name"], name)
    return json_reply(_alias_json(a), ctx=ctx)


def update_alias(ctx: Ctx) -> Reply:
    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    b = ctx.json_body()
    a = lambda_backend(ctx.account, ctx.region).update_alias(ctx.params["Name"], name, b.get("FunctionVersion"),
                                                             b.get("Description"), b.get("RoutingConfig"))
    return json_reply(_alias_json(a), ctx=ctx)


def delete_alias(ctx: Ctx) -> Reply:
    from lambda_features import purge_function

    _, _, name, _ = resolve(ctx, ctx.params["FunctionName"])
    lambda_backend(ctx.account, ctx.region).delete_alias(ctx.params["Name"], name)
    purge_function(ctx, name, ctx.params["Name"])
    return Reply(204, [("x-amzn-RequestId", ctx.request_id)], b"")


def list_event_source_mappings(ctx: Ctx) -> Reply:
    be = lambda_backend(ctx.account, ctx.region)
    esms = list(be._event_source_mappings.values())
    src = ctx.q("EventSourceArn")
    fname = ctx.q("FunctionName")
    if src:
        esms = [e for e in esms if e.event_source_arn == src]
    if fname:
        want_name, want_q = split_name(fname)
        def match(e):
            n, q = split_name(e.function_arn)
            return n == want_name and (want_q is None or q == want_q)
        esms = [e for e in esms if match(e)]
    chunk, nxt = page(ctx, esms, lambda e: e.uuid, default=100, cap=10000)
    body = {"EventSourceMappings": [_esm_json(e) for e in chunk]}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


def _esm_json(e) -> dict:
    cfg = e.get_configuration()
    if not cfg.get("Tags"):
        cfg.pop("Tags", None)
    return cfg


# --- layers ------------------------------------------------------------------------------------------
def _layer_version_json(ctx: Ctx, lv, listing: bool = False) -> dict:
    d = lv.get_layer_version()
    if listing:
        d.pop("Content", None)
        d.pop("LayerArn", None)
    else:
        d["Content"]["Location"] = code_location(ctx, getattr(lv, "code_bytes", b""))
    if not d.get("LicenseInfo"):
        d.pop("LicenseInfo", None)
    return d


def _layer_in(ctx: Ctx, name_or_arn: str):
    """(backend account, region, layer name) for a layer name (this account) or a layer ARN (any account)."""
    p = parse_layer_arn(name_or_arn)
    if p:
        return p[1], p[0], p[2]
    return ctx.account, ctx.region, name_or_arn


def _check_layer_access(ctx: Ctx, lv) -> None:
    """A layer version owned by another account is readable only if its policy grants this account or *."""
    if lv.account_id == ctx.account:
        return
    for st in getattr(lv.policy, "statements", []):
        princ = st.get("Principal")
        aws = princ.get("AWS") if isinstance(princ, dict) else princ
        principals = aws if isinstance(aws, list) else [aws]
        if st.get("Effect", "Allow") == "Allow" and any(
                p in ("*", ctx.account, f"arn:aws:iam::{ctx.account}:root") for p in principals):
            return
    raise AwsError("AccessDeniedException",
                   f"User: arn:aws:iam::{ctx.account}:root is not authorized to perform: lambda:GetLayerVersion "
                   f"on resource: {lv.arn} because no resource-based policy allows the lambda:GetLayerVersion action",
                   403)


def get_layer_version(ctx: Ctx) -> Reply:
    account, region, name = _layer_in(ctx, ctx.params["LayerName"])
    lv = find_layer_version(f"arn:aws:lambda:{region}:{account}:layer:{name}:{ctx.params['VersionNumber']}")
    if lv is None:
        raise not_found()
    _check_layer_access(ctx, lv)
    return json_reply(_layer_version_json(ctx, lv), ctx=ctx)


def get_layer_version_by_arn(ctx: Ctx) -> Reply:
    arn = ctx.q("Arn") or ""
    p = parse_layer_arn(arn)
    if not p or not p[3]:
        raise AwsError("ValidationException", f"1 validation error detected: Value '{arn}' at 'arn' failed to "
                       "satisfy constraint: Member must satisfy regular expression pattern: "
                       "(arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:"
                       "[a-zA-Z0-9-_]+:[0-9]+)", 400)
    lv = find_layer_version(arn)
    if lv is None:
        raise not_found()
    _check_layer_access(ctx, lv)
    return json_reply(_layer_version_json(ctx, lv), ctx=ctx)


def list_layer_versions(ctx: Ctx) -> Reply:
    account, region, name = _layer_in(ctx, ctx.params["LayerName"])
    be = lambda_backend(account, region)
    versions = list(be._layers.get_layer_versions(name))
    rt, arch = ctx.q("CompatibleRuntime"), ctx.q("CompatibleArchitecture")
    if rt:
        versions = [v for v in versions if rt in (v.compatible_runtimes or [])]
    if arch:
        versions = [v for v in versions if arch in (v.compatible_architectures or [])]
    chunk, nxt = page(ctx, versions, lambda v: -int(v.version))
    body = {"LayerVersions": [_layer_version_json(ctx, v, listing=True) for v in chunk]}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


def list_layers(ctx: Ctx) -> Reply:
    be = lambda_backend(ctx.account, ctx.region)
    rt, arch = ctx.q("CompatibleRuntime"), ctx.q("CompatibleArchitecture")
    rows = []
    for name, layer in be._layers._layers.items():
        versions = sorted(layer.layer_versions.values(), key=lambda v: -int(v.version))
        if rt:
            versions = [v for v in versions if rt in (v.compatible_runtimes or [])]
        if arch:
            versions = [v for v in versions if arch in (v.compatible_architectures or [])]
        if versions:
            rows.append((name, layer, versions[0]))
    chunk, nxt = page(ctx, rows, lambda r: r[0])
    body = {"Layers": [{"LayerName": n, "LayerArn": layer.layer_arn,
                        "LatestMatchingVersion": _layer_version_json(ctx, v, listing=True)} for n, layer, v in chunk]}
    if nxt:
        body["NextMarker"] = nxt
    return json_reply(body, ctx=ctx)


def publish_layer_version(ctx: Ctx) -> Reply:
    spec = ctx.json_body()
    spec["LayerName"] = ctx.params["LayerName"]
    lv = lambda_backend(ctx.account, ctx.region).publish_layer_version(spec)
    return json_reply(_layer_version_json(ctx, lv), 201, ctx=ctx)


HANDLERS = {
    "ListFunctions": list_functions,
    "GetFunction": get_function,
    "GetFunctionConfiguration": get_function_configuration,
    "DeleteFunction": delete_function,
    "ListVersionsByFunction": list_versions_by_function,
    "ListAliases": list_aliases,
    "GetAlias": get_alias,
    "UpdateAlias": update_alias,
    "DeleteAlias": delete_alias,
    "ListEventSourceMappings": list_event_source_mappings,
    "GetLayerVersion": get_layer_version,
    "GetLayerVersionByArn": get_layer_version_by_arn,
    "ListLayerVersions": list_layer_versions,
    "ListLayers": list_layers,
    "PublishLayerVersion": publish_layer_version,
}
