"""IAM gaps: authorization details like AWS, last-used data, and AWS managed policies without the 1,582-policy load.

* AWS managed policies: moto either loads none or all 1,582 for every account. Here a curated
  set (AdministratorAccess, PowerUserAccess, IAMFullAccess, the Lambda execution roles, S3/DynamoDB
  full and read-only, ...) is created with each IAM backend, and any other AWS managed policy from
  moto's bundled data is materialised on first reference (Attach*Policy, GetPolicy, GetPolicyVersion,
  ...), with its real document.
* GetAccountAuthorizationDetails: own implementation with MaxItems/Marker/IsTruncated paging,
  URL-encoded (RFC 3986) trust and permission policies, RoleLastUsed, and AWS managed policies
  listed only when attached (as AWS does); LocalManagedPolicy lists every customer policy.
* RoleLastUsed is settable through the admin API (stored on moto's Role, so GetRole shows it).
* GenerateServiceLastAccessedDetails / GetServiceLastAccessedDetails: job ids, COMPLETED, and per
  service data from the admin API; every service the role's policies name defaults to never accessed.
* Policy documents are URL-encoded everywhere AWS does it (GetPolicyVersion, ListPolicyVersions, ...).
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import quote, unquote

from common import AwsError, Ctx, Reply, rand_uuid

CURATED_AWS_POLICIES = (
    "AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "ReadOnlyAccess", "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess", "AmazonDynamoDBFullAccess", "AmazonDynamoDBReadOnlyAccess", "AmazonSQSFullAccess",
    "AmazonSNSFullAccess", "AWSLambda_FullAccess", "AWSLambdaBasicExecutionRole", "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaVPCAccessExecutionRole", "AWSLambdaKinesisExecutionRole", "AWSLambdaDynamoDBExecutionRole",
    "AWSXRayDaemonWriteAccess", "CloudWatchLogsFullAccess", "SecretsManagerReadWrite", "AmazonEC2FullAccess",
)
AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"

# (account, role arn) -> list of {"namespace", "last_authenticated", "last_authenticated_region"}
SERVICE_LAST_ACCESSED: dict[tuple[str, str], list[dict]] = {}
JOBS: dict[tuple[str, str], dict] = {}


def aws_quote(s: str) -> str:
    return quote(s, safe="")


@lru_cache(maxsize=1)
def _aws_policy_data() -> dict:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def iam_backend(account: str):
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def ensure_aws_policy(backend, arn: str):
    """Materialise the AWS managed policy `arn` in `backend` from moto's bundled data, if it exists."""
    if not isinstance(arn, str) or not arn.startswith(AWS_POLICY_PREFIX) or arn in backend.managed_policies:
        return
    name = arn.rsplit("/", 1)[-1]
    data = _aws_policy_data().get(name)
    if not data:
        return
    from moto.iam.models import AWSManagedPolicy

    pol = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
    if pol.arn == arn:
        backend.aws_managed_policies.append(pol)
        backend.managed_policies[pol.arn] = pol


def install_patches() -> None:
    import inspect

    from moto.core import serialize
    from moto.iam import models as m
    from moto.iam.responses import IamResponse

    B = m.IAMBackend
    if getattr(B, "_lp_patched", False):
        return
    B._lp_patched = True

    def _init_aws_policies(self):
        data = _aws_policy_data()
        return [m.AWSManagedPolicy.from_data(n, self.account_id, self.region_name, data[n])
                for n in CURATED_AWS_POLICIES if n in data]

    B._init_aws_policies = _init_aws_policies

    def wrap(fn):
        sig = inspect.signature(fn)

        def inner(self, *a, **kw):
            try:
                bound = sig.bind_partial(self, *a, **kw)
                ensure_aws_policy(self, bound.arguments.get("policy_arn"))
            except TypeError:
                pass
            return fn(self, *a, **kw)

        inner.__name__ = fn.__name__
        inner.__doc__ = fn.__doc__
        return inner

    for name, fn in list(vars(B).items()):
        if name.startswith("_") or not inspect.isfunction(fn):
            continue
        if "policy_arn" in inspect.signature(fn).parameters:
            setattr(B, name, wrap(fn))

    # URL-encode documents like AWS (RFC 3986: also '/' and '*') wherever IAM returns them.
    def enc(value):
        return aws_quote(value) if isinstance(value, str) else value

    t = IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER
    for k, v in list(t.items()):
        if v is serialize.url_encode:
            t[k] = enc
    t["GetPolicyVersionResponse.PolicyVersion.Document"] = enc
    t["ListPolicyVersionsResponse.Versions.PolicyVersion.Document"] = enc
    t["ListRolesResponse.Roles.Role.AssumeRolePolicyDocument"] = enc
    t["UpdateAssumeRolePolicyResponse"] = lambda v: v


# --- serialization via moto's botocore-model-driven query serializer ---------------------------------------
def _serialize(ctx: Ctx, op: str, result: dict) -> Reply:
    from moto.core.serialize import QuerySerializer
    from moto.core.utils import get_service_model

    ser = QuerySerializer(operation_model=get_service_model("iam").operation_model(op))
    out = ser.serialize(result)
    body = out["body"]
    body = body.encode() if isinstance(body, str) else body
    hdrs = [("Content-Type", "text/xml"), ("x-amzn-RequestId", ctx.request_id)]
    return Reply(int(out.get("status_code", 200)), hdrs, body)


def _param_list(form: dict, name: str) -> list[str]:
    out = []
    n = 1
    while f"{name}.member.{n}" in form:
        out.append(form[f"{name}.member.{n}"][0])
        n += 1
    return out


def _paging(form: dict, default: int = 100, cap: int = 1000) -> tuple[int, int]:
    raw = (form.get("MaxItems") or [None])[0]
    size = int(raw) if raw else default
    if size < 1 or size > cap:
        raise AwsError("ValidationError", f"1 validation error detected: Value '{size}' at 'maxItems' failed to "
                       f"satisfy constraint: Member must have value less than or equal to {cap}", 400)
    marker = (form.get("Marker") or [None])[0]
    start = 0
    if marker:
        try:
            start = int(unquote(marker).split(":", 1)[1])
        except Exception:
            raise AwsError("ValidationError", "Invalid Marker", 400) from None
    return size, start


def _role_last_used(role) -> dict:
    out = {}
    if role.last_used:
        out["LastUsedDate"] = role.last_used
        if role.last_used_region:
            out["Region"] = role.last_used_region
    return out


def _tags(obj) -> list:
    tags = getattr(obj, "tags", None) or []
    if isinstance(tags, dict):
        return [{"Key": k, "Value": (v.get("Value") if isinstance(v, dict) else v)} for k, v in tags.items()]
    return list(tags)


def _attached(obj) -> list:
    return [{"PolicyName": p.name, "PolicyArn": p.arn} for p in obj.managed_policies.values()]


def _inline(policies: dict) -> list:
    return [{"PolicyName": n, "PolicyDocument": aws_quote(d)} for n, d in policies.items()]


def _instance_profile(ip) -> dict:
    return {"Path": ip.path, "InstanceProfileName": ip.name, "InstanceProfileId": ip.id, "Arn": ip.arn,
            "CreateDate": ip.create_date, "Roles": [_role_core(r) for r in ip.roles]}


def _role_core(r) -> dict:
    return {"Path": r.path, "RoleName": r.name, "RoleId": r.id, "Arn": r.arn, "CreateDate": r.create_date,
            "AssumeRolePolicyDocument": aws_quote(r.assume_role_policy_document or "")}


def _role_detail(be, r) -> dict:
    d = _role_core(r)
    d["InstanceProfileList"] = [_instance_profile(ip) for ip in be.instance_profiles.values() if r in ip.roles]
    d["RolePolicyList"] = _inline(r.policies)
    d["AttachedManagedPolicies"] = _attached(r)
    if r.permissions_boundary_arn:
        d["PermissionsBoundary"] = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                    "PermissionsBoundaryArn": r.permissions_boundary_arn}
    tags = _tags(r)
    if tags:
        d["Tags"] = tags
    d["RoleLastUsed"] = _role_last_used(r)
    return d


def _user_detail(u) -> dict:
    d = {"Path": u.path, "UserName": u.name, "UserId": u.id, "Arn": u.arn, "CreateDate": u.create_date,
         "UserPolicyList": _inline(u.policies), "GroupList": [g.name for g in getattr(u, "_lp_groups", [])],
         "AttachedManagedPolicies": _attached(u)}
    tags = _tags(u)
    if tags:
        d["Tags"] = tags
    return d


def _group_detail(g) -> dict:
    return {"Path": g.path, "GroupName": g.name, "GroupId": g.id, "Arn": g.arn, "CreateDate": g.create_date,
            "GroupPolicyList": _inline(g.policies), "AttachedManagedPolicies": _attached(g)}


def _policy_detail(p) -> dict:
    return {"PolicyName": p.name, "PolicyId": p.id, "Arn": p.arn, "Path": p.path,
            "DefaultVersionId": p.default_version_id, "AttachmentCount": p.attachment_count,
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
            **({"Description": p.description} if p.description else {}),
            "CreateDate": p.create_date, "UpdateDate": p.update_date,
            "PolicyVersionList": [{"Document": aws_quote(v.document), "VersionId": v.version_id,
                                   "IsDefaultVersion": v.is_default, "CreateDate": v.create_date}
                                  for v in p.versions]}


def get_account_authorization_details(ctx: Ctx) -> Reply:
    form = ctx.form()
    filters = set(_param_list(form, "Filter"))
    allf = not filters
    size, start = _paging(form)
    be = iam_backend(ctx.account)
    items: list[tuple[str, object]] = []
    if allf or "User" in filters:
        for g in be.groups.values():
            for u in g.users:
                u.__dict__.setdefault("_lp_groups", [])
                if g not in u._lp_groups:
                    u._lp_groups.append(g)
        items += [("User", u) for u in sorted(be.users.values(), key=lambda u: u.name)]
    if allf or "Group" in filters:
        items += [("Group", g) for g in sorted(be.groups.values(), key=lambda g: g.name)]
    if allf or "Role" in filters:
        items += [("Role", r) for r in sorted(be.roles.values(), key=lambda r: r.name)]
    aws_arns = {p.arn for p in be.aws_managed_policies}
    pols = []
    for p in be.managed_policies.values():
        is_aws = p.arn in aws_arns or p.arn.startswith(AWS_POLICY_PREFIX)
        if is_aws and (allf or "AWSManagedPolicy" in filters) and p.attachment_count > 0:
            pols.append(p)
        elif not is_aws and (allf or "LocalManagedPolicy" in filters):
            pols.append(p)
    items += [("Policy", p) for p in sorted(pols, key=lambda p: p.arn)]
    chunk = items[start:start + size]
    result = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [],
              "IsTruncated": start + size < len(items)}
    for kind, obj in chunk:
        if kind == "User":
            result["UserDetailList"].append(_user_detail(obj))
        elif kind == "Group":
            result["GroupDetailList"].append(_group_detail(obj))
        elif kind == "Role":
            result["RoleDetailList"].append(_role_detail(be, obj))
        else:
            result["Policies"].append(_policy_detail(obj))
    if result["IsTruncated"]:
        result["Marker"] = f"{rand_uuid()[:8]}:{start + size}"
    return _serialize(ctx, "GetAccountAuthorizationDetails", result)


# --- service last accessed -------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _service_names() -> dict[str, str]:
    """IAM service namespace -> human name, from botocore's models (signing name / endpoint prefix)."""
    import sys

    import botocore

    cache = os.path.join(sys.prefix, f"lp-iam-service-names-{botocore.__version__}.json")
    try:
        with open(cache) as f:
            return json.load(f)
    except (OSError, ValueError):
        pass
    root = os.path.join(os.path.dirname(botocore.__file__), "data")
    out: dict[str, str] = {}
    for svc in sorted(os.listdir(root)):
        d = os.path.join(root, svc)
        if not os.path.isdir(d):
            continue
        versions = sorted(os.listdir(d))
        if not versions:
            continue
        path = os.path.join(d, versions[-1], "service-2.json.gz")
        if not os.path.exists(path):
            continue
        try:
            import gzip

            with gzip.open(path) as f:
                meta = json.load(f)["metadata"]
        except Exception:
            continue
        ns = meta.get("signingName") or meta.get("endpointPrefix")
        if ns and ns not in out:
            out[ns] = meta.get("serviceFullName") or ns
    out["cloudwatch"] = out.pop("monitoring", "Amazon CloudWatch")  # IAM's prefix differs from the signing name
    out.setdefault("lambda", "AWS Lambda")
    out.setdefault("logs", "Amazon CloudWatch Logs")
    try:
        tmp = f"{cache}.{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(out, f)
        os.replace(tmp, cache)
    except OSError:
        pass
    return out


def _policy_services(docs: list[str]) -> set[str] | None:
    """Service namespaces granted by Allow statements; None means all services (Action * or NotAction)."""
    out: set[str] = set()
    for doc in docs:
        try:
            d = json.loads(unquote(doc) if doc.lstrip().startswith("%") else doc)
        except ValueError:
            continue
        sts = d.get("Statement", [])
        for st in sts if isinstance(sts, list) else [sts]:
            if st.get("Effect") != "Allow":
                continue
            if "NotAction" in st:
                return None
            acts = st.get("Action", [])
            for a in acts if isinstance(acts, list) else [acts]:
                if a == "*":
                    return None
                out.add(a.split(":", 1)[0].lower())
    return out


def _role_documents(be, role) -> list[str]:
    docs = list(role.policies.values())
    for p in role.managed_policies.values():
        for v in p.versions:
            if v.is_default:
                docs.append(v.document)
    return docs


def _entity_for_arn(be, arn: str):
    for coll in (be.roles.values(), be.users.values(), be.groups.values()):
        for e in coll:
            if e.arn == arn:
                return e
    for p in be.managed_policies.values():
        if p.arn == arn:
            return p
    return None


def generate_service_last_accessed_details(ctx: Ctx) -> Reply:
    form = ctx.form()
    arn = (form.get("Arn") or [""])[0]
    be = iam_backend(ctx.account)
    if _entity_for_arn(be, arn) is None:
        raise AwsError("NoSuchEntity", f"The entity {arn} does not exist.", 404)
    job = rand_uuid()
    JOBS[(ctx.account, job)] = {"arn": arn, "granularity": (form.get("Granularity") or ["SERVICE_LEVEL"])[0],
                                "created": datetime.now(timezone.utc)}
    return _serialize(ctx, "GenerateServiceLastAccessedDetails", {"JobId": job})


def get_service_last_accessed_details(ctx: Ctx) -> Reply:
    form = ctx.form()
    job_id = (form.get("JobId") or [""])[0]
    job = JOBS.get((ctx.account, job_id))
    if job is None:
        raise AwsError("NoSuchEntity", f"No job with id {job_id} exists.", 404)
    size, start = _paging(form, default=100, cap=1000)
    be = iam_backend(ctx.account)
    ent = _entity_for_arn(be, job["arn"])
    docs: list[str] = []
    if ent is not None and hasattr(ent, "policies") and hasattr(ent, "managed_policies"):
        docs = _role_documents(be, ent)
    elif ent is not None and hasattr(ent, "versions"):
        docs = [v.document for v in ent.versions if v.is_default]
    granted = _policy_services(docs)
    names = _service_names()
    admin = {s["namespace"]: s for s in SERVICE_LAST_ACCESSED.get((ctx.account, job["arn"]), [])}
    namespaces = set(names) if granted is None else set(granted)
    rows = []
    for ns in sorted(namespaces):
        row = {"ServiceName": names.get(ns, ns), "ServiceNamespace": ns, "TotalAuthenticatedEntities": 0}
        a = admin.get(ns)
        if a and a.get("last_authenticated"):
            row["LastAuthenticated"] = _parse_time(a["last_authenticated"])
            row["LastAuthenticatedEntity"] = job["arn"]
            row["LastAuthenticatedRegion"] = a.get("last_authenticated_region") or "us-east-1"
            row["TotalAuthenticatedEntities"] = 1
        rows.append(row)
    chunk = rows[start:start + size]
    result = {"JobStatus": "COMPLETED", "JobType": job["granularity"], "JobCreationDate": job["created"],
              "ServicesLastAccessed": chunk, "JobCompletionDate": job["created"],
              "IsTruncated": start + size < len(rows)}
    if result["IsTruncated"]:
        result["Marker"] = f"{rand_uuid()[:8]}:{start + size}"
    return _serialize(ctx, "GetServiceLastAccessedDetails", result)


def _parse_time(v) -> datetime:
    if isinstance(v, datetime):
        return v
    d = datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


# --- admin helpers --------------------------------------------------------------------------------------------
def set_role_last_used(account: str, role_name: str, when, region: str | None) -> dict:
    be = iam_backend(account)
    role = be.get_role(role_name)
    role.last_used = _parse_time(when) if when else None
    role.last_used_region = region if when else None
    return {"role_arn": role.arn, "last_used_date": role.last_used.isoformat() if role.last_used else None,
            "region": role.last_used_region}


def set_role_create_date(account: str, role_name: str, when) -> dict:
    role = iam_backend(account).get_role(role_name)
    role.create_date = _parse_time(when)
    return {"role_arn": role.arn, "create_date": role.create_date.isoformat()}


def set_service_last_accessed(account: str, role_arn: str, services: list[dict]) -> dict:
    clean = []
    for s in services:
        if not s.get("namespace"):
            raise ValueError("every service needs a namespace")
        if s.get("last_authenticated"):
            _parse_time(s["last_authenticated"])
        clean.append(dict(s))
    SERVICE_LAST_ACCESSED[(account, role_arn)] = clean
    return {"role_arn": role_arn, "services": len(clean)}


def reset_all() -> None:
    SERVICE_LAST_ACCESSED.clear()
    JOBS.clear()


HANDLERS = {
    "GetAccountAuthorizationDetails": get_account_authorization_details,
    "GenerateServiceLastAccessedDetails": generate_service_last_accessed_details,
    "GetServiceLastAccessedDetails": get_service_last_accessed_details,
}
