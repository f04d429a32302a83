"""Scale seeder: an account of N Lambda functions (1,000, 10,000, ...) across regions, for the benchmark.

    mocks/.venv/bin/python mocks/seed_scale.py --endpoint http://127.0.0.1:PORT --functions 10000 \
        --regions us-east-1,eu-west-1 [--seed 0] [--today YYYY-MM-DD] [--long-tail] [--manifest FILE] [-v]
    mocks/.venv/bin/python mocks/seed_scale.py --endpoint URL --accounts 500 --functions 20 \
        [--role-name LambdaPostureAudit] [--external-id ID] [--manifest FILE]

`--accounts A` plants an organisation: the management account 123456789012 (the "testing" key, the scanning
caller) creates it and A - 1 member accounts (ids from the emulator's seeded generator), each with the audit role
trusting the management account, and every account gets --functions functions (the management account exactly the
single-account one of the same --seed; member k draws from seed "SEED/account-k"). The manifest is then
{"management", "role_name", "external_id", "accounts": [one single-account manifest per account]}.

Unlike the demo seeder (hand-written functions, every problem planted once), this one generates a
plausible large account from a seeded RNG: execution roles shared by a few functions each (inline and
AWS managed policies, some over-broad), functions with tags, environment variables, published versions,
aliases, resource policies on the function and on aliases, function URLs, asynchronous invoke configs,
provisioned and reserved concurrency, SQS event source mappings, and daily CloudWatch metrics.

`--long-tail` adds a deployment history on top of that same account (every other function is planted exactly as
without it): a tenth of the functions, drawn from a separate seeded RNG, have 50 to 300 published versions (a
framework publishing on every deploy and keeping them), aliases `live` and often `canary` on the newest ones, a
`rollback` alias left on an old version and now and then a `dev` alias on `$LATEST`, a few old versions with
resource-policy statements of their own (an API stage or a partner account wired to a fixed version, once in a
while a public one), SQS event source mappings on the `live` alias or pinned to an old version, and, for Python and
Node.js functions, the first versions built on an older runtime.

Every AWS call is serialised by botocore exactly as boto3 would send it, then posted to the emulator's
`POST /_lp/batch` endpoint (hundreds per HTTP request, answered in order, in-process, outside quotas and
faults): 10,000 functions take about a minute instead of a quarter of an hour through boto3 one by one.

The manifest (`--manifest`) lists every function with what was planted on it (counts of versions,
aliases, policy statements per qualifier, URLs, ...): the benchmark compares the scanner's inventory with
it to decide whether the inventory is complete.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import io
import json
import random
import sys
import time
import urllib.request
import zipfile
from urllib.parse import urlencode

import botocore.session
from botocore.validate import validate_parameters

ACCOUNT = "123456789012"
BATCH_SIZE = 400
RUNTIMES = ["python3.12", "python3.13", "nodejs20.x", "nodejs22.x", "java21", "python3.9", "nodejs16.x",
            "provided.al2023", "ruby3.3", "dotnet8"]
WORDS = ["orders", "billing", "catalog", "search", "auth", "email", "images", "reports", "etl", "audit",
         "payments", "inventory", "shipping", "profile", "feeds", "alerts", "export", "import", "sync", "cron"]
MANAGED = ["AWSLambdaBasicExecutionRole", "AWSXRayDaemonWriteAccess", "AmazonS3ReadOnlyAccess",
           "AmazonDynamoDBReadOnlyAccess", "AWSLambdaSQSQueueExecutionRole", "AmazonS3FullAccess",
           "AdministratorAccess"]
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


# --- requests: botocore-serialised, sent in batches ---------------------------------------------------------
class Sender:
    """Serialises AWS calls like boto3 and posts them to /_lp/batch in order; fails on the first refusal."""

    def __init__(self, endpoint: str, verbose: bool):
        self.endpoint = endpoint.rstrip("/")
        self.session = botocore.session.get_session()
        self.session.set_credentials("testing", "testing")
        self.clients: dict = {}
        self.pending: list[tuple[dict, str]] = []
        self.sent = 0
        self.verbose = verbose

    def _client(self, service: str, region: str):
        key = (service, region)
        if key not in self.clients:
            self.clients[key] = self.session.create_client(service, region_name=region, endpoint_url=self.endpoint)
        return self.clients[key]

    def call(self, account: str, service: str, region: str, operation: str, **params) -> None:
        """Queue one call acting as `account` (the emulator's 12-digit access key convention)."""
        client = self._client(service, region)
        model = client.meta.service_model.operation_model(operation)
        validate_parameters(params, model.input_shape)
        req = client._serializer.serialize_to_request(params, model)  # noqa: SLF001 - the exact wire form
        body = req["body"]
        if isinstance(body, dict):
            body = urlencode(body, doseq=True)
        if isinstance(body, str):
            body = body.encode()
        query = req["query_string"]
        if isinstance(query, dict):
            query = urlencode(query, doseq=True)
        signing = client.meta.service_model.signing_name
        headers = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in req["headers"].items()}
        if isinstance(req["body"], dict):
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        key = "testing" if account == ACCOUNT else account
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/20240101/{region}/{signing}/aws4_request, "
                                    "SignedHeaders=host, Signature=0")
        self.pending.append(({"method": req["method"], "path": req["url_path"], "query": query, "headers": headers,
                              "body_b64": base64.b64encode(body or b"").decode()}, f"{service} {operation} {region}"))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def admin(self, path: str, body: dict) -> dict:
        self.flush()
        req = urllib.request.Request(self.endpoint + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=600) as r:
            return json.loads(r.read() or b"{}")

    def flush(self) -> list[dict]:
        """Send what is queued; the answers ({"status", "body"}), in order."""
        if not self.pending:
            return []
        batch, self.pending = self.pending, []
        answer = self.admin("/_lp/batch", {"requests": [r for r, _ in batch]})
        for (_, what), resp in zip(batch, answer["responses"]):
            if resp["status"] >= 300:
                raise SystemExit(f"seed_scale.py: {what} refused: HTTP {resp['status']}: {resp['body'][:300]}")
        self.sent += len(batch)
        if self.verbose:
            print(f"[seed] {self.sent} calls", file=sys.stderr)
        return answer["responses"]


# --- the account ------------------------------------------------------------------------------------------------
def package(runtime: str) -> tuple[bytes, str]:
    """A tiny real deployment package and its handler, one per runtime family."""
    if runtime.startswith("python"):
        name, src, handler = "app.py", "def handler(event, context):\n    return {'ok': True}\n", "app.handler"
    elif runtime.startswith("nodejs"):
        name, src, handler = "index.js", "exports.handler = async () => ({ ok: true });\n", "index.handler"
    else:
        name, src, handler = "bootstrap", "#!/bin/sh\necho ok\n", "bootstrap"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, src)
    return buf.getvalue(), handler


def plan(n: int, regions: list[str], seed: int | str, today: dt.date, long_tail: bool = False,
         account: str = ACCOUNT) -> dict:
    """Everything to create in `account`, decided up front from the seeded RNG (the manifest is this plan)."""
    rng = random.Random(seed)
    n_roles = max(1, n // 4)
    roles = []
    for j in range(n_roles):
        managed = ["AWSLambdaBasicExecutionRole"]
        managed += rng.sample(MANAGED[1:5], rng.randint(0, 2))
        if rng.random() < 0.03:
            managed.append(rng.choice(MANAGED[5:]))
        inline = {}
        if rng.random() < 0.5:
            table = f"arn:aws:dynamodb:us-east-1:{account}:table/t{j % 50}"
            inline["data"] = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                 "Resource": table if rng.random() < 0.8 else "*"}]}
        roles.append({"name": f"scale-role-{j:05d}", "managed": managed, "inline": inline})
    functions = []
    for i in range(n):
        region = regions[i % len(regions)]
        runtime = rng.choice(RUNTIMES)
        name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i:05d}"
        versions = rng.choice([0, 0, 0, 1, 1, 2, 3]) if rng.random() < 0.45 else 0
        aliases = []
        if versions and rng.random() < 0.7:
            aliases.append({"name": "live", "version": str(versions)})
            if versions > 1 and rng.random() < 0.4:
                aliases.append({"name": "canary", "version": str(versions - 1)})
        perms = []  # (qualifier, statement id, principal, source arn or None)
        if rng.random() < 0.5:
            principal = rng.choice(["s3.amazonaws.com", "events.amazonaws.com", "apigateway.amazonaws.com",
                                    "sns.amazonaws.com"])
            source = None if rng.random() < 0.15 else f"arn:aws:execute-api:{region}:{account}:api{i}/*"
            perms.append({"qualifier": None, "sid": "invoke-1", "principal": principal, "source_arn": source})
            if rng.random() < 0.2:
                perms.append({"qualifier": None, "sid": "invoke-2", "principal": "210987654321", "source_arn": None})
        for a in aliases:
            if rng.random() < 0.6:
                perms.append({"qualifier": a["name"], "sid": f"alias-{a['name']}",
                              "principal": "apigateway.amazonaws.com",
                              "source_arn": f"arn:aws:execute-api:{region}:{account}:api{i}/*"})
        urls = []
        if rng.random() < 0.04:
            urls.append({"qualifier": aliases[0]["name"] if aliases and rng.random() < 0.5 else None,
                         "auth": "NONE" if rng.random() < 0.4 else "AWS_IAM",
                         "cors": rng.random() < 0.5})
        last_invoked = None if rng.random() < 0.12 else today - dt.timedelta(days=rng.choice(
            [1, 1, 1, 2, 3, 5, 8, 13, 30, 45, 80, 200]))
        functions.append({
            "region": region, "name": name, "runtime": runtime,
            "role": roles[rng.randrange(n_roles)]["name"],
            "memory": rng.choice([128, 256, 512, 1024, 2048]), "timeout": rng.choice([3, 10, 30, 60, 300, 900]),
            "tracing": rng.random() < 0.3,
            "tags": {k: rng.choice(WORDS) for k in rng.sample(["team", "service", "env", "cost-center", "owner"],
                                                              rng.randint(0, 4))},
            "env": {f"VAR_{k}": rng.choice(["info", "debug", "https://example.com/api", "eu-west-1", "42"])
                    for k in range(rng.choice([0, 0, 1, 2, 3, 5]))},
            "versions": versions, "aliases": aliases, "permissions": perms, "urls": urls,
            "async_config": rng.random() < 0.1,
            "provisioned": bool(aliases) and rng.random() < 0.05,
            "reserved": rng.choice([1, 2, 5]) if rng.random() < 0.03 else None,
            "queue": rng.randrange(20) if rng.random() < 0.05 else None,
            "last_invoked": last_invoked.isoformat() if last_invoked else None,
            "busy_days": rng.randint(0, 8),
            "metric_seed": rng.randrange(1 << 30),
        })
    p = {"account": account, "regions": regions, "seed": seed, "today": today.isoformat(),
         "roles": roles, "functions": functions}
    if long_tail:
        add_long_tail(p)
    return p


LONG_TAIL_SHARE = 0.10
LONG_TAIL_VERSIONS = (50, 300)
OLDER_RUNTIME = {"python": "python3.8", "nodejs": "nodejs16.x"}
PARTNER_ACCOUNT = "210987654321"


def add_long_tail(p: dict) -> None:
    """Give a tenth of the functions a deployment history (see the module docstring). Its own RNG, so the functions
    it leaves alone, and the draws of the default account, are exactly those of the account without it."""
    rng = random.Random(f"long-tail/{p['seed']}")
    functions = p["functions"]
    for i in sorted(rng.sample(range(len(functions)), max(1, round(len(functions) * LONG_TAIL_SHARE)))):
        f = functions[i]
        region, n = f["region"], rng.randint(*LONG_TAIL_VERSIONS)
        f["versions"] = n
        # The existing alias names stay (statements, URLs and provisioned concurrency name them), moved to the
        # newest versions; `live` is always first.
        had_canary = any(a["name"] == "canary" for a in f["aliases"])
        f["aliases"] = [{"name": "live", "version": str(n)}]
        if had_canary or rng.random() < 0.5:
            f["aliases"].append({"name": "canary", "version": str(n - 1)})
        if rng.random() < 0.6:
            f["aliases"].append({"name": "rollback", "version": str(rng.randint(1, n // 3))})
        if rng.random() < 0.2:
            f["aliases"].append({"name": "dev", "version": "$LATEST"})
        for v in sorted(rng.sample(range(1, n - 1), rng.choice([0, 1, 1, 2, 3]))):
            kind = rng.random()
            if kind < 0.1:
                principal, source = "*", None
            elif kind < 0.35:
                principal, source = PARTNER_ACCOUNT, None
            else:
                principal, source = "apigateway.amazonaws.com", f"arn:aws:execute-api:{region}:{p['account']}:api{i}/v{v}/*"
            f["permissions"].append({"qualifier": str(v), "sid": f"pinned-v{v}", "principal": principal,
                                     "source_arn": source})
        f["qualified_mappings"] = []
        if rng.random() < 0.3:
            f["qualified_mappings"].append({"qualifier": "live", "queue": rng.randrange(20)})
        if rng.random() < 0.15:
            f["qualified_mappings"].append({"qualifier": str(rng.randint(1, n - 1)), "queue": rng.randrange(20)})
        family = f["runtime"].rstrip("0123456789.x")
        if family in OLDER_RUNTIME and rng.random() < 0.5:
            f["older_runtime"] = {"runtime": OLDER_RUNTIME[family], "until": rng.randint(2, n - 1)}


AUDIT_ROLE = "LambdaPostureAudit"


def create_organization(sender: Sender, n_accounts: int, role_name: str, external_id: str | None) -> list[str]:
    """The management account (ACCOUNT, the callers' "testing" key) creates an organization with n_accounts - 1
    member accounts, each holding `role_name` trusting the management account (with the ExternalId condition when
    given), as the StackSet of docs/deploy would; the account ids, management first."""
    sender.call(ACCOUNT, "organizations", "us-east-1", "CreateOrganization", FeatureSet="ALL")
    sender.flush()
    members: list[str] = []
    for start in range(1, n_accounts, BATCH_SIZE - 1):
        for k in range(start, min(n_accounts, start + BATCH_SIZE - 1)):
            sender.call(ACCOUNT, "organizations", "us-east-1", "CreateAccount", AccountName=f"member-{k:04d}",
                        Email=f"member-{k:04d}@example.com")
        members += [json.loads(a["body"])["CreateAccountStatus"]["AccountId"] for a in sender.flush()]
    stmt = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    if external_id:
        stmt["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    trust = json.dumps({"Version": "2012-10-17", "Statement": [stmt]})
    for member in members:
        sender.call(member, "iam", "us-east-1", "CreateRole", RoleName=role_name, AssumeRolePolicyDocument=trust)
    sender.flush()
    return [ACCOUNT] + members


def seed(sender: Sender, p: dict) -> None:
    home, key = p["regions"][0], p["account"]
    sender.admin("/_lp/account-settings", {"concurrent_executions": 1_000_000})
    t = time.monotonic()
    for r in p["roles"]:
        sender.call(key, "iam", home, "CreateRole", RoleName=r["name"], AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
        for m in r["managed"]:
            sender.call(key, "iam", home, "AttachRolePolicy", RoleName=r["name"],
                        PolicyArn=f"arn:aws:iam::aws:policy/{'service-role/' if 'Execution' in m else ''}{m}")
        for name, doc in r["inline"].items():
            sender.call(key, "iam", home, "PutRolePolicy", RoleName=r["name"], PolicyName=name,
                        PolicyDocument=json.dumps(doc))
    for region in p["regions"]:
        for q in range(20):
            sender.call(key, "sqs", region, "CreateQueue", QueueName=f"scale-queue-{q:02d}")
    sender.flush()
    log(sender, f"IAM and queues: {time.monotonic() - t:.1f}s")
    t = time.monotonic()
    packages = {}
    for f in p["functions"]:
        seed_function(sender, f, packages, key)
    sender.flush()
    log(sender, f"functions: {time.monotonic() - t:.1f}s")
    t = time.monotonic()
    seed_metrics(sender, p, key)
    sender.flush()
    log(sender, f"metrics: {time.monotonic() - t:.1f}s")


def seed_function(sender: Sender, f: dict, packages: dict, key: str) -> None:
    region, name = f["region"], f["name"]
    family = f["runtime"].rstrip("0123456789.x")
    if family not in packages:
        packages[family] = package(f["runtime"])
    blob, handler = packages[family]
    kw = dict(FunctionName=name, Runtime=f["runtime"], Role=f"arn:aws:iam::{key}:role/{f['role']}",
              Handler=handler, Code={"ZipFile": blob}, MemorySize=f["memory"], Timeout=f["timeout"],
              TracingConfig={"Mode": "Active" if f["tracing"] else "PassThrough"}, Publish=False)
    if f["tags"]:
        kw["Tags"] = f["tags"]
    if f["env"]:
        kw["Environment"] = {"Variables": f["env"]}
    sender.call(key, "lambda", region, "CreateFunction", **kw)
    older = f.get("older_runtime")
    for v in range(f["versions"]):
        update = {"Description": f"release {v + 1}"} if v else {}
        if older and v in (0, older["until"]):  # versions 1 to `until` were built on the older runtime
            update["Runtime"] = older["runtime"] if v == 0 else f["runtime"]
        if update:
            sender.call(key, "lambda", region, "UpdateFunctionConfiguration", FunctionName=name, **update)
        sender.call(key, "lambda", region, "PublishVersion", FunctionName=name)
    for a in f["aliases"]:
        sender.call(key, "lambda", region, "CreateAlias", FunctionName=name, Name=a["name"], FunctionVersion=a["version"])
    for perm in f["permissions"]:
        kw = dict(FunctionName=name, StatementId=perm["sid"], Action="lambda:InvokeFunction",
                  Principal=perm["principal"])
        if perm["qualifier"]:
            kw["Qualifier"] = perm["qualifier"]
        if perm["source_arn"]:
            kw["SourceArn"] = perm["source_arn"]
        sender.call(key, "lambda", region, "AddPermission", **kw)
    for u in f["urls"]:
        kw = dict(FunctionName=name, AuthType=u["auth"])
        if u["qualifier"]:
            kw["Qualifier"] = u["qualifier"]
        if u["cors"]:
            kw["Cors"] = {"AllowOrigins": ["https://app.example.com"], "AllowMethods": ["GET", "POST"]}
        sender.call(key, "lambda", region, "CreateFunctionUrlConfig", **kw)
        if u["auth"] == "NONE":
            kw = dict(FunctionName=name, StatementId="url-public", Action="lambda:InvokeFunctionUrl",
                      Principal="*", FunctionUrlAuthType="NONE")
            if u["qualifier"]:
                kw["Qualifier"] = u["qualifier"]
            sender.call(key, "lambda", region, "AddPermission", **kw)
    if f["async_config"]:
        sender.call(key, "lambda", region, "PutFunctionEventInvokeConfig", FunctionName=name, MaximumRetryAttempts=1,
                    MaximumEventAgeInSeconds=3600)
    if f["provisioned"]:
        sender.call(key, "lambda", region, "PutProvisionedConcurrencyConfig", FunctionName=name,
                    Qualifier=f["aliases"][0]["name"], ProvisionedConcurrentExecutions=2)
    if f["reserved"] is not None:
        sender.call(key, "lambda", region, "PutFunctionConcurrency", FunctionName=name,
                    ReservedConcurrentExecutions=f["reserved"])
    if f["queue"] is not None:
        sender.call(key, "lambda", region, "CreateEventSourceMapping", FunctionName=name, BatchSize=10,
                    EventSourceArn=f"arn:aws:sqs:{region}:{key}:scale-queue-{f['queue']:02d}")
    for m in f.get("qualified_mappings", []):
        sender.call(key, "lambda", region, "CreateEventSourceMapping", FunctionName=f"{name}:{m['qualifier']}",
                    BatchSize=10, EventSourceArn=f"arn:aws:sqs:{region}:{key}:scale-queue-{m['queue']:02d}")


def metric_days(f: dict, today: dt.date) -> list[dt.date]:
    """Days with invocations: the last one, plus a few busy days before it."""
    if not f["last_invoked"]:
        return []
    last = dt.date.fromisoformat(f["last_invoked"])
    rng = random.Random(f["metric_seed"])
    days = {last} | {last - dt.timedelta(days=rng.randint(1, 80)) for _ in range(f["busy_days"])}
    return sorted(d for d in days if d <= today)


def seed_metrics(sender: Sender, p: dict, key: str) -> None:
    today = dt.date.fromisoformat(p["today"])
    for region in p["regions"]:
        data = []
        for f in p["functions"]:
            if f["region"] != region:
                continue
            rng = random.Random(f["metric_seed"] + 1)
            dims = [{"Name": "FunctionName", "Value": f["name"]}]
            for day in metric_days(f, today):
                stamp = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc)
                calls = float(rng.randint(1, 5000))
                data.append({"MetricName": "Invocations", "Dimensions": dims, "Timestamp": stamp,
                             "Value": calls, "Unit": "Count"})
                duration = float(rng.randint(5, f["timeout"] * 900))
                data.append({"MetricName": "Duration", "Dimensions": dims, "Timestamp": stamp, "Unit": "Milliseconds",
                             "StatisticValues": {"SampleCount": calls, "Sum": duration * calls / 3,
                                                 "Minimum": 1.0, "Maximum": duration}})
                if rng.random() < 0.2:
                    data.append({"MetricName": "Errors", "Dimensions": dims, "Timestamp": stamp,
                                 "Value": float(rng.randint(1, 50)), "Unit": "Count"})
        for i in range(0, len(data), 1000):
            sender.call(key, "cloudwatch", region, "PutMetricData", Namespace="AWS/Lambda", MetricData=data[i:i + 1000])


def manifest(p: dict) -> dict:
    """What the scanner must find: per function, counts of everything planted, the policy statements per qualifier,
    and the live versions with the runtime each was built on."""
    today = dt.date.fromisoformat(p["today"])
    out = []
    for f in p["functions"]:
        days = metric_days(f, today)
        statements: dict[str, int] = {}  # per qualifier ("" for the function itself)
        for q in [perm["qualifier"] for perm in f["permissions"]] + [u["qualifier"] for u in f["urls"]
                                                                      if u["auth"] == "NONE"]:
            statements[q or ""] = statements.get(q or "", 0) + 1
        mapped = [m["qualifier"] for m in f.get("qualified_mappings", [])]
        out.append({
            "region": f["region"], "name": f["name"], "role": f"arn:aws:iam::{p['account']}:role/{f['role']}",
            "runtime": f["runtime"], "tags": len(f["tags"]), "env": len(f["env"]), "versions": f["versions"],
            "aliases": [a["name"] for a in f["aliases"]],
            "policy_statements": sum(statements.values()), "policy_qualifiers": sorted(statements),
            "statements_by_qualifier": statements, "urls": len(f["urls"]),
            "async_configs": int(f["async_config"]), "provisioned": int(f["provisioned"]),
            "reserved": f["reserved"], "mappings": int(f["queue"] is not None) + len(mapped),
            "mapping_qualifiers": sorted(mapped),
            "live_versions": live_versions(f),
            "policy_versions": {q: version_runtime(f, int(q)) for q in sorted(statements, key=lambda q: q.zfill(9))
                                if q.isdigit()},
            "last_invoked": days[-1].isoformat() if days else None,
        })
    return {"account": p["account"], "regions": p["regions"], "seed": p["seed"], "today": p["today"],
            "roles": len(p["roles"]), "functions": out}


def live_versions(f: dict) -> dict[str, str]:
    """The published versions that run code whatever their resource policies say (an alias or an event source
    mapping points at them), with the runtime each was built on. Versions invoked by their own qualifier (named by a
    statement of their own) are live too; the benchmark adds those when the scan read their policies."""
    aliases = {a["name"]: a["version"] for a in f["aliases"]}
    targets = {aliases.get(m["qualifier"], m["qualifier"]) for m in f.get("qualified_mappings", [])}
    targets |= set(aliases.values())
    return {v: version_runtime(f, int(v)) for v in sorted(targets, key=lambda v: v.zfill(9)) if v.isdigit()}


def version_runtime(f: dict, version: int) -> str:
    older = f.get("older_runtime")
    return older["runtime"] if older and version <= older["until"] else f["runtime"]


def log(sender: Sender, msg: str) -> None:
    if sender.verbose:
        print(f"[seed] {msg}", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--functions", type=int, required=True)
    ap.add_argument("--regions", default="us-east-1", help="comma-separated; functions are spread round-robin")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--today", type=dt.date.fromisoformat, default=dt.datetime.now(dt.timezone.utc).date())
    ap.add_argument("--long-tail", action="store_true",
                    help="a tenth of the functions with 50 to 300 published versions, aliases, version statements")
    ap.add_argument("--accounts", type=int, help="an organisation of this many accounts (the management account "
                    "123456789012 and members with --role-name trusting it), each with --functions functions")
    ap.add_argument("--role-name", default=AUDIT_ROLE, help="the members' audit role (with --accounts)")
    ap.add_argument("--external-id", help="the audit role's sts:ExternalId condition (with --accounts)")
    ap.add_argument("--manifest", help="write what was planted (JSON) here")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    regions = [r for r in args.regions.split(",") if r]
    if args.accounts is not None and not 1 <= args.accounts <= 10000:
        ap.error("--accounts must be between 1 and 10000")
    t0 = time.monotonic()
    sender = Sender(args.endpoint, args.verbose)
    if args.accounts is None:
        p = plan(args.functions, regions, args.seed, args.today, args.long_tail)
        seed(sender, p)
        m, roles, versions = manifest(p), len(p["roles"]), sum(f["versions"] for f in p["functions"])
    else:
        accounts = create_organization(sender, args.accounts, args.role_name, args.external_id)
        m = {"management": ACCOUNT, "role_name": args.role_name, "external_id": args.external_id, "accounts": []}
        roles = versions = 0
        for k, account in enumerate(accounts):
            # The management account is the single-account one of the same --seed; members draw their own.
            p = plan(args.functions, regions, args.seed if k == 0 else f"{args.seed}/account-{k}", args.today,
                     args.long_tail, account)
            seed(sender, p)
            m["accounts"].append(manifest(p))
            roles, versions = roles + len(p["roles"]), versions + sum(f["versions"] for f in p["functions"])
            log(sender, f"account {k + 1}/{len(accounts)} ({account}): {time.monotonic() - t0:.1f}s")
    if args.manifest:
        with open(args.manifest, "w") as fh:
            json.dump(m, fh)
    print(f"seeded {args.functions} functions in {len(regions)} region(s)"
          f"{f' in each of {args.accounts} accounts' if args.accounts else ''}, {roles} roles, {versions} published "
          f"versions, {sender.sent} calls in {time.monotonic() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
