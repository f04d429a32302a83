"""Read the seeded account back through the public APIs, the way the scanner will, and compare it with
the declarations. Every difference becomes a gap (with the checks it puts at risk), so an emulator
regression shows up when seeding rather than as a puzzling end-to-end failure.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import urllib.request

from . import account as A
from .expect import last_invocation, role_last_use


def _policy(lam, name, qualifier=None):
    kw = {"FunctionName": name}
    if qualifier:
        kw["Qualifier"] = qualifier
    try:
        return json.loads(lam.get_policy(**kw)["Policy"])["Statement"]
    except lam.exceptions.ResourceNotFoundException:
        return []


def _download(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def verify(s) -> int:
    """Checks the account behind Seeder `s`; returns the number of differences (each recorded as a gap)."""
    before = len(s.gaps)

    def diff(feature, fn, detail, checks):
        s.gap(f"readback: {feature}", detail, [fn] if fn else [], checks)

    iam = s.client("iam")
    for r in A.ROLES.values():
        try:
            got = iam.get_role(RoleName=r.name)["Role"]
            if r.deleted:
                diff("role deleted", None, f"{r.name} still exists", ["role-missing"])
                continue
        except iam.exceptions.NoSuchEntityException:
            if not r.deleted:
                diff("role exists", None, f"{r.name} missing", [])
            continue
        want = role_last_use(r.name, s.today)
        have = got.get("RoleLastUsed", {}).get("LastUsedDate")
        if (want and (not have or have.date() != want)) or (not want and have):
            diff("RoleLastUsed", None, f"{r.name}: want {want}, have {have}", ["role-unused-permissions"])

    _verify_cloudtrail(s, diff)
    for fn in A.FUNCTIONS:
        if fn.name not in s.created:
            continue
        try:
            _verify_function(s, fn, diff)
        except Exception as e:  # noqa: BLE001
            diff("function read failed", fn.name, f"{type(e).__name__}: {e}", [])
    for api in A.APIS:
        if api.name not in s.apis:
            continue
        try:
            _verify_api(s, api, diff)
        except Exception as e:  # noqa: BLE001
            diff("API read failed", None, f"{api.name}: {type(e).__name__}: {e}", s.API_CHECKS)
    for alb in A.ALBS:
        if alb.name not in s.albs:
            continue
        try:
            _verify_alb(s, alb, diff)
        except Exception as e:  # noqa: BLE001
            diff("load balancer read failed", alb.function, f"{alb.name}: {type(e).__name__}: {e}", s.ALB_CHECKS)
    for region in A.REGIONS:
        try:
            _verify_metrics(s, region, diff)
        except Exception as e:  # noqa: BLE001
            diff("metrics read failed", None, f"{region}: {type(e).__name__}: {e}", [])
    return len(s.gaps) - before


def _verify_cloudtrail(s, diff):
    """Each trail seen from its home region with its selectors and status, each store enabled with its selectors."""
    checks = ["invoke-not-audited"]
    for t in A.TRAILS:
        ct = s.client("cloudtrail", t.home)
        seen = {x["Name"]: x for x in ct.describe_trails(includeShadowTrails=True)["trailList"]}
        if t.name not in seen or seen[t.name].get("IsMultiRegionTrail") != t.multi_region:
            diff("trail", None, f"{t.name}: {seen.get(t.name)}", checks)
            continue
        arn = seen[t.name]["TrailARN"]
        got = ct.get_event_selectors(TrailName=arn)
        if (got.get("EventSelectors") if t.basic else got.get("AdvancedEventSelectors")) != (t.basic or t.advanced):
            diff("trail selectors", None, f"{t.name}: {got}", checks)
        if ct.get_trail_status(Name=arn)["IsLogging"] != t.logging:
            diff("trail status", None, f"{t.name}: logging is not {t.logging}", checks)
    for e in A.EVENT_DATA_STORES:
        ct = s.client("cloudtrail", e.region)
        listed = {x["Name"]: x["EventDataStoreArn"] for x in ct.list_event_data_stores()["EventDataStores"]}
        store = ct.get_event_data_store(EventDataStore=listed[e.name]) if e.name in listed else {}
        if (store.get("Status"), store.get("AdvancedEventSelectors")) != ("ENABLED", e.advanced):
            diff("event data store", None, f"{e.name}: {store}", checks)


def _verify_alb(s, alb, diff):
    """The load balancer's scheme and security group, its target, and the rule forwarding to it, as the scanner reads
    them."""
    lb_arn, tg = s.albs[alb.name]
    elb, ec2 = s.client("elbv2", alb.region), s.client("ec2", alb.region)
    lb = elb.describe_load_balancers(LoadBalancerArns=[lb_arn])["LoadBalancers"][0]
    if lb["Scheme"] != alb.scheme:
        diff("load balancer scheme", alb.function, f"{alb.name}: {lb['Scheme']}", s.ALB_CHECKS)
    groups = ec2.describe_security_groups(GroupIds=lb["SecurityGroups"])["SecurityGroups"]
    admitted = sorted(r.get("CidrIp") or r.get("CidrIpv6") for g in groups for p in g["IpPermissions"]
                      if p.get("FromPort") == alb.port for r in p.get("IpRanges", []) + p.get("Ipv6Ranges", []))
    if admitted != sorted(alb.ingress):
        diff("load balancer security group", alb.function, f"{alb.name}: admits {admitted}", s.ALB_CHECKS)
    targets = [t["Target"]["Id"] for t in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]]
    want = s.function_arn(alb.function, alb.region) + (f":{alb.qualifier}" if alb.qualifier else "")
    if targets != [want]:
        diff("target group targets", alb.function, f"{alb.name}: {targets}", s.ALB_CHECKS)
    listener = elb.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"][0]["ListenerArn"]
    forwarding = [r for r in elb.describe_rules(ListenerArn=listener)["Rules"]
                  if any(a.get("TargetGroupArn") == tg for a in r["Actions"])]
    kinds = [[a["Type"] for a in sorted(r["Actions"], key=lambda a: a.get("Order", 0))] for r in forwarding]
    if kinds != [([alb.auth] if alb.auth else []) + ["forward"]]:
        diff("load balancer rule", alb.function, f"{alb.name}: actions {kinds}", s.ALB_CHECKS)


def _verify_api(s, api, diff):
    """The API's routes, their authorization and integration, its stage and web ACL, as the scanner reads them."""
    api_id = s.apis[api.name]
    if api.kind == "rest":
        gw = s.client("apigateway", api.region)
        got = {}
        for r in gw.get_resources(restApiId=api_id, embed=["methods"])["items"]:
            for verb, m in (r.get("resourceMethods") or {}).items():
                got[(verb, r["path"])] = (m.get("authorizationType"), bool(m.get("apiKeyRequired")),
                                          (m.get("methodIntegration") or {}).get("uri", ""))
        stages = gw.get_stages(restApiId=api_id)["item"]
        waf = [bool(st.get("webAclArn")) for st in stages if st["stageName"] == api.stage]
        if waf != [api.waf]:
            diff("API stage web ACL", None, f"{api.name}: stage {api.stage} web ACL {waf}, want {api.waf}",
                 ["api-public-no-waf"])
        read = gw.get_rest_api(restApiId=api_id)
        endpoint = read["endpointConfiguration"]["types"]
        if endpoint != [api.endpoint]:
            diff("API endpoint type", None, f"{api.name}: {endpoint}", s.API_CHECKS)
        if bool(read.get("disableExecuteApiEndpoint")) != api.default_endpoint_disabled:
            diff("API default endpoint", None, f"{api.name}: {read.get('disableExecuteApiEndpoint')}", s.API_CHECKS)
        if api.domain:
            mapped = [(m.get("restApiId"), m.get("stage"), m.get("basePath"))
                      for m in gw.get_base_path_mappings(domainName=api.domain)["items"]]
            if mapped != [(api_id, api.stage, api.base_path or "(none)")]:
                diff("API custom domain", None, f"{api.name}: {api.domain} maps {mapped}", ["api-unauthenticated-route"])
        deployment = [st.get("deploymentId") for st in stages if st["stageName"] == api.stage][0]
        summary = gw.get_deployment(restApiId=api_id, deploymentId=deployment, embed=["apisummary"])["apiSummary"]
        for r in api.routes:
            have = got.get((r.method, r.path))
            if not have or have[:2] != (r.draft_auth or r.auth, r.api_key) or f"function:{r.function}" not in have[2]:
                diff("API route", r.function, f"{api.name} {r.method} {r.path}: {have}", s.API_CHECKS)
            deployed = summary.get(r.path, {}).get(r.method, {})
            if (deployed.get("authorizationType"), bool(deployed.get("apiKeyRequired"))) != (r.auth, r.api_key):
                diff("API deployed method", r.function, f"{api.name} {r.method} {r.path}: {deployed}", s.API_CHECKS)
    else:
        gw = s.client("apigatewayv2", api.region)
        routes = {x["RouteKey"]: x.get("AuthorizationType") for x in gw.get_routes(ApiId=api_id)["Items"]}
        for r in api.routes:
            if routes.get(f"{r.method} {r.path}") != r.auth:
                diff("API route", r.function, f"{api.name} {r.method} {r.path}: {routes}", s.API_CHECKS)
        if [st["StageName"] for st in gw.get_stages(ApiId=api_id)["Items"]] != [api.stage]:
            diff("API stage", None, f"{api.name}: stages differ", s.API_CHECKS)


def _verify_function(s, fn, diff):
    lam = s.client("lambda", fn.region)
    g = lam.get_function(FunctionName=fn.name)
    c = g["Configuration"]
    if c.get("Runtime") != fn.runtime or c.get("Role") != A.ROLES[fn.role].arn:
        diff("runtime/role", fn.name, f"{c.get('Runtime')} {c.get('Role')}", ["runtime-deprecated", "role-shared"])
    names = set((c.get("Environment") or {}).get("Variables", {}))
    if names != {e.name for e in fn.env}:
        diff("environment", fn.name, f"variables {sorted(names)}", ["env-secret-value", "env-secret-name", "env-no-cmk"])
    if bool(c.get("KMSKeyArn")) != fn.cmk:
        diff("KMSKeyArn", fn.name, str(c.get("KMSKeyArn")), ["env-no-cmk"])
    if (c.get("TracingConfig") or {}).get("Mode") != ("Active" if fn.tracing else "PassThrough"):
        diff("TracingConfig", fn.name, str(c.get("TracingConfig")), ["tracing-off"])
    dlq = (c.get("DeadLetterConfig") or {}).get("TargetArn")
    if dlq != (fn.dlq.arn(fn.region) if fn.dlq else None):
        diff("DeadLetterConfig", fn.name, f"have {dlq}", ["dlq-unwritable", "async-no-failure-destination"])
    accounts = [layer["Arn"].split(":")[4] for layer in c.get("Layers", [])]
    if accounts != [A.LAYERS[k][0] for k in fn.layers]:
        diff("Layers", fn.name, f"layer accounts {accounts}", ["layer-foreign", "code-secret"])
    subnets = (c.get("VpcConfig") or {}).get("SubnetIds") or []
    if bool(subnets) != fn.in_vpc:
        diff("VpcConfig", fn.name, f"subnets {subnets}", ["vpc-single-az"])
    group = (c.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{fn.name}"
    if group != fn.effective_log_group:
        diff("LoggingConfig", fn.name, f"log group {group}", ["role-logs-missing"])
    found = s.client("logs", fn.region).describe_log_groups(logGroupIdentifiers=[group])["logGroups"]
    have = (bool(found), found[0].get("retentionInDays") if found else None, bool(found and found[0].get("kmsKeyId")))
    want = (fn.log_group_exists, fn.log_retention if fn.log_group_exists else None, fn.log_group_exists and fn.log_kms)
    if have != want:
        diff("log group", fn.name, f"{group}: (exists, retention, kms) {have}, want {want}",
             ["log-group-missing", "log-retention", "log-group-no-cmk"])
    lm = c.get("LastModified", "")
    if fn.name in s.last_modified and lm[:10] != s.last_modified[fn.name][:10]:
        diff("LastModified", fn.name, f"have {lm}, set {s.last_modified[fn.name]}", ["stale-function"])
    reserved = (g.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    if reserved != fn.reserved:
        diff("reserved concurrency", fn.name, f"have {reserved}", ["concurrency-disabled", "no-reserved-concurrency"])
    csc = lam.get_function_code_signing_config(FunctionName=fn.name).get("CodeSigningConfigArn")
    if bool(csc) != fn.csc:
        diff("code signing", fn.name, f"have {csc!r}", ["code-signing-off"])
    # the package must be downloadable (--scan-code) and be what was uploaded
    try:
        blob = _download(g["Code"]["Location"])
        if base64.b64encode(hashlib.sha256(blob).digest()).decode() != c.get("CodeSha256"):
            diff("Code.Location", fn.name, "downloaded bytes do not match CodeSha256", ["code-secret"])
    except Exception as e:  # noqa: BLE001
        diff("Code.Location", fn.name, f"{g['Code'].get('Location')}: {e}", ["code-secret"])
    for layer in c.get("Layers", []):
        try:
            lv = lam.get_layer_version_by_arn(Arn=layer["Arn"])
            _download(lv["Content"]["Location"])
        except Exception as e:  # noqa: BLE001
            diff("layer content", fn.name, f"{layer['Arn']}: {e}", ["code-secret"])

    # resource policies, per qualifier
    # (the seeder adds the API routes' permissions: A.api_permissions)
    api_perms = A.api_permissions(fn.name)
    for q in sorted({None, *fn.aliases, *(str(i + 1) for i in range(fn.versions)), *(p.qualifier for p in fn.perms)}, key=str):
        routes = {sid for sid, qualifier in api_perms if qualifier == q}
        want = sorted({p.sid for p in fn.perms if p.qualifier == q and p.not_principal is None} | routes)
        have = sorted(st.get("Sid") for st in _policy(lam, fn.name, q))
        if not set(want) <= set(have) or set(have) - {p.sid for p in fn.perms if p.qualifier == q} - routes:
            diff("resource policy", fn.name, f"qualifier {q}: want {want}, have {have}",
                 ["lambda-public-invoke", "lambda-service-invoke-unscoped", "lambda-cross-account-invoke"])
    for p in fn.perms:
        if p.principal and p.principal.isdigit():
            sts = [st for st in _policy(lam, fn.name, p.qualifier) if st.get("Sid") == p.sid]
            if sts and sts[0].get("Principal") != {"AWS": f"arn:aws:iam::{p.principal}:root"}:
                diff("account principal", fn.name, f"stored as {sts[0].get('Principal')}", ["lambda-cross-account-invoke"])
    urls = lam.list_function_url_configs(FunctionName=fn.name).get("FunctionUrlConfigs", [])
    have = sorted((u["FunctionArn"].split(":")[7] if u["FunctionArn"].count(":") > 6 else None, u["AuthType"]) for u in urls)
    want = sorted((u.qualifier, u.auth) for u in fn.urls)
    if [(str(a), b) for a, b in have] != [(str(a), b) for a, b in want]:
        diff("function URLs", fn.name, f"have {have}", ["lambda-url-public", "lambda-url-cors-wildcard"])
    eics = lam.list_function_event_invoke_configs(FunctionName=fn.name).get("FunctionEventInvokeConfigs", [])
    dests = [((e.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination") for e in eics]
    want_dest = fn.async_cfg.on_failure.arn(fn.region) if fn.async_cfg and fn.async_cfg.on_failure else None
    if bool(eics) != bool(fn.async_cfg) or (want_dest and want_dest not in dests):
        diff("event invoke config", fn.name, f"have {dests}", ["async-no-failure-destination", "dlq-unwritable"])
    esms = lam.list_event_source_mappings(FunctionName=fn.name).get("EventSourceMappings", [])
    if len(esms) != len(fn.esms):
        diff("event source mappings", fn.name, f"have {len(esms)}", ["esm-no-failure-destination"])
    for e, got in zip(fn.esms, esms):
        dest = ((got.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if bool(dest) != bool(e.on_failure) or (e.bisect is not None and got.get("BisectBatchOnFunctionError") != e.bisect) or (
            e.max_retries is not None and got.get("MaximumRetryAttempts") != e.max_retries
        ):
            diff("event source mapping settings", fn.name, json.dumps({k: got.get(k) for k in ("DestinationConfig", "BisectBatchOnFunctionError", "MaximumRetryAttempts")}), ["esm-no-failure-destination"])
    pcs = lam.list_provisioned_concurrency_configs(FunctionName=fn.name).get("ProvisionedConcurrencyConfigs", [])
    if len(pcs) != len(fn.provisioned):
        diff("provisioned concurrency", fn.name, f"have {len(pcs)}", ["unused-function"])



def _verify_metrics(s, region, diff):
    """Last invocation day, worst error rate in 7 days, throttles and max duration of every function."""
    end = dt.datetime.combine(s.today, dt.time(0, 0), tzinfo=dt.timezone.utc)
    start = end - dt.timedelta(days=455)
    fns = [f for f in A.FUNCTIONS if f.region == region]
    queries = []
    for i, fn in enumerate(fns):
        for j, (metric, stat) in enumerate((("Invocations", "Sum"), ("Errors", "Sum"), ("Throttles", "Sum"), ("Duration", "Maximum"))):
            queries.append(
                {
                    "Id": f"m{i}_{j}",
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": [{"Name": "FunctionName", "Value": fn.name}]},
                        "Period": 86400,
                        "Stat": stat,
                    },
                }
            )
    cw = s.client("cloudwatch", region)
    results = {}
    token = None
    while True:
        kw = dict(MetricDataQueries=queries, StartTime=start, EndTime=end)
        if token:
            kw["NextToken"] = token
        r = cw.get_metric_data(**kw)
        for res in r["MetricDataResults"]:
            acc = results.setdefault(res["Id"], {})
            acc.update({t.date(): v for t, v in zip(res["Timestamps"], res["Values"])})
        token = r.get("NextToken")
        if not token:
            break
    for i, fn in enumerate(fns):
        inv, err, thr, dur = (results.get(f"m{i}_{j}", {}) for j in range(4))
        have_last = max((d for d, v in inv.items() if v > 0), default=None)
        want_last = last_invocation(fn, s.today)
        if have_last != want_last:
            diff("metrics: last invocation", fn.name, f"want {want_last}, have {have_last}", ["unused-function", "stale-function"])
        recent = [d for d in inv if (s.today - d).days <= 7]
        spike = any(inv[d] and err.get(d, 0) / inv[d] > 0.10 for d in recent)
        if spike != bool(fn.activity.error_spike):
            diff("metrics: error rate", fn.name, f"spike={spike}", ["high-error-rate"])
        if bool(sum(thr.values())) != bool(fn.activity.throttle_days):
            diff("metrics: throttles", fn.name, f"sum={sum(thr.values())}", ["throttled"])
        near = bool(dur) and max(dur.values()) >= 0.9 * fn.timeout * 1000
        if near != (fn.activity.duration_ratio >= 0.9 and want_last is not None):
            diff("metrics: duration", fn.name, f"max={max(dur.values()) if dur else None}", ["timeout-near-limit"])
