"""What the demo seeder planted, in the inventory's vocabulary: the expected side of tests/collect_demo.rs.

    mocks/.venv/bin/python tests/support/planted.py MANIFEST.json > PLANTED.json

Reads the account declaration (mocks/seedlib/account.py, the seeder's single source of truth) and the manifest
of one seeding run (ARNs and ids only known after seeding: layers, KMS keys, subnets, code signing configs,
streams). Never prints an environment variable value: only names.
"""
from __future__ import annotations

import json
import os
import sys

MOCKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "mocks")
sys.path.insert(0, os.path.abspath(MOCKS))

from seedlib import account as A  # noqa: E402


def principal(p: A.Perm):
    """The Principal element AWS writes for an AddPermission principal."""
    if p.principal == "*":
        return "*"
    if p.principal.endswith(".amazonaws.com"):
        return {"Service": p.principal}
    if p.principal.isdigit():
        return {"AWS": f"arn:aws:iam::{p.principal}:root"}
    return {"AWS": p.principal}


def permission(p: A.Perm) -> dict:
    return {
        "sid": p.sid,
        "qualifier": p.qualifier,
        "principal": principal(p) if p.not_principal is None else None,
        "not_principal": p.not_principal,
        "action": p.action,
        # Values that must appear in the statement's Condition block.
        "condition_values": [
            v for v in (p.source_arn, p.source_account, p.org_id, p.url_auth, "true" if p.via_url else None) if v is not None
        ],
    }


def route_permissions(f: A.Fn, api_ids: dict) -> list:
    """The Lambda permissions the seeder adds for the API routes invoking `f` (SourceArn on the API's real id)."""
    return [
        {
            "sid": A.api_permission_sid(a, i),
            "qualifier": r.alias_variable,
            "principal": {"Service": "apigateway.amazonaws.com"},
            "not_principal": None,
            "action": "lambda:InvokeFunction",
            "condition_values": [A.api_permission_source(a, r, api_ids[a.name])],
        }
        for a, i, r in A.api_route_permissions(f.name)
        if a.name in api_ids
    ]


def function(f: A.Fn, manifest_fn: dict, res: dict, api_ids: dict) -> dict:
    vpc = None
    if f.in_vpc:
        v = res["vpc"]
        labels = ["app-a", "db-a"] if f.vpc == "1az" else ["app-a", "app-b"]
        vpc = {
            "vpc_id": v["vpc_id"],
            "subnet_ids": [v["subnets"][label]["id"] for label in labels],
            "security_group_ids": [v["security_group"]],
            "subnet_azs": {v["subnets"][label]["id"]: v["subnets"][label]["az"] for label in labels},
        }
    description = f.description if f.versions <= 1 else f"{f.description} (rev {f.versions})"
    esms = []
    for e in f.esms:
        kind, name = e.source.split(":", 1)
        source = {"sqs": f"arn:aws:sqs:{f.region}:{A.ACCOUNT}:{name}", "kinesis": res.get("kinesis_clickstream"),
                  "ddbstream": res.get("orders_stream")}[kind]
        stream = kind != "sqs"
        esms.append({
            "event_source_arn": source,
            "batch_size": e.batch_size,
            "starting_position": "LATEST" if stream else None,
            "on_failure_destination": f"arn:aws:sqs:{f.region}:{A.ACCOUNT}:{e.on_failure}" if stream and e.on_failure else None,
            "bisect_batch_on_function_error": e.bisect if stream else None,
            "maximum_retry_attempts": e.max_retries if stream else None,
        })
    async_configs = []
    if f.async_cfg:
        c = f.async_cfg
        async_configs.append({
            "qualifier": c.qualifier,
            "maximum_retry_attempts": c.max_retries,
            "maximum_event_age_seconds": c.max_age,
            "on_failure": c.on_failure.arn(f.region) if c.on_failure else None,
        })
    return {
        "region": f.region,
        "arn": manifest_fn["arn"],
        "runtime": f.runtime,
        "role_arn": A.ROLES[f.role].arn,
        "description": description or None,
        "memory_mb": f.memory,
        "timeout_seconds": f.timeout,
        "architectures": ["arm64"] if f.runtime == "provided.al2023" else ["x86_64"],
        "tracing_mode": "Active" if f.tracing else "PassThrough",
        "kms_key_arn": res["kms_key_arn"] if f.cmk else None,
        "env_names": sorted(e.name for e in f.env),
        "dead_letter_target": f.dlq.arn(f.region) if f.dlq else None,
        "vpc": vpc,
        "log_group": f.log_group,
        "log_format": "JSON" if f.log_group else "Text",
        "layers": manifest_fn["layers"],
        "code_signing_config_arn": res.get("csc_arn") if f.csc else None,
        "tags": f.tags,
        "reserved_concurrency": f.reserved,
        "provisioned_concurrency": f.provisioned,
        "aliases": f.aliases,
        "versions": [str(i + 1) for i in range(f.versions)],
        "urls": [{"qualifier": u.qualifier, "auth_type": u.auth, "allow_origins": u.cors_origins} for u in f.urls],
        "async_invoke_configs": async_configs,
        "event_source_mappings": esms,
        "permissions": [permission(p) for p in f.perms] + route_permissions(f, api_ids),
        "last_invocation": manifest_fn["last_invocation_date"],
        "throttle_days_ago": list(f.activity.throttle_days),
        "last_modified": manifest_fn["last_modified"],
        "code_sha256": manifest_fn["code_sha256"],
    }


def role(r: A.Role, functions: list) -> dict:
    granted = r.services()
    planned = [s for s in (r.used_services_override if "*" in granted else granted) if s not in r.unused_services and s != "*"]
    lasts = [(f["last_invocation"], f["region"]) for f in functions if f["role_arn"] == r.arn and f["last_invocation"]]
    # as the seeder does: a role whose functions never ran has used nothing
    used = planned if lasts else []
    unused = sorted(set(r.unused_services) | (set() if lasts else set(planned)))
    return {
        "arn": r.arn,
        "name": r.name,
        "trust_policy": r.trust,
        "inline_policies": {n: d for n, d in r.inline.items() if n not in r.removed_inline},
        "attached_policies": sorted([A.aws_policy_arn(m) for m in r.aws_managed] + [A.CUSTOMER_POLICIES[c].arn for c in r.customer_managed]),
        "permissions_boundary": A.CUSTOMER_POLICIES[r.boundary].arn if r.boundary else None,
        "tags": r.tags,
        "last_used": max(lasts) if lasts else None,
        "services_used": sorted(used),
        "services_unused": unused,
        "grants_every_service": "*" in granted,
    }


def main() -> int:
    with open(sys.argv[1]) as fh:
        manifest = json.load(fh)
    by_name = {f["name"]: f for f in manifest["functions"]}
    functions = {f.name: function(f, by_name[f.name], manifest["resources"][f.region], manifest.get("apis", {}))
                 for f in A.FUNCTIONS}
    used_roles = {A.ROLES[f.role].name for f in A.FUNCTIONS}
    out = {
        "account_id": A.ACCOUNT,
        "regions": list(A.REGIONS),
        "functions": functions,
        "roles": {A.ROLES[n].arn: role(A.ROLES[n], list(functions.values())) for n in sorted(used_roles) if not A.ROLES[n].deleted},
        "deleted_roles": sorted(A.ROLES[n].arn for n in used_roles if A.ROLES[n].deleted),
        "customer_policies": {p.arn: p.document for p in A.CUSTOMER_POLICIES.values()},
        "aws_managed_policies": sorted({A.aws_policy_arn(m) for r in A.ROLES.values() for m in r.aws_managed}),
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
