"""Creates the demo account of `account.py` in the emulator, through boto3 and the emulator's admin API.

Every call runs in a fixed order so that a fresh emulator started with the same --seed ends up
with the same account. A feature the endpoint refuses is recorded as a gap (with the expectations
it takes away) instead of aborting, so the seeder also works, reduced, against plain moto_server.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

from . import account as A
from .fakesecrets import SecretFactory
from .metrics import series
from .packages import build_layer, build_package

# botocore gzips PutMetricData bodies over 10 KiB; plain moto reads them as text, so send them uncompressed.
CFG = Config(retries={"mode": "standard", "max_attempts": 10}, connect_timeout=5, read_timeout=120, disable_request_compression=True)


class Gap(Exception):
    pass


class Seeder:
    def __init__(self, endpoint: str, today: dt.date, seed: int, verbose: bool = False, verify: bool = True):
        self.do_verify = verify
        self.endpoint = endpoint.rstrip("/")
        self.today = today
        self.seed = seed
        self.secrets = SecretFactory(seed)
        self.verbose = verbose
        self.session = boto3.session.Session()
        self._clients = {}
        self.gaps = []  # {"feature", "detail", "functions"}
        self.res = {r: {} for r in A.REGIONS}  # per-region resource ids
        self.layer_arns = {}  # (region, key) -> arn
        self.created = {}  # fn name -> create_function response
        self.env_values = {}  # (fn, var) -> value (kept in memory only)
        self.last_modified = {}  # fn -> iso
        self.apis = {}  # API name -> the id API Gateway gave it
        self.albs = {}  # load balancer name -> (load balancer ARN, target group ARN)

    # ---------------------------------------------------------------- plumbing
    def log(self, msg):
        if self.verbose:
            print(f"[seed] {msg}", file=sys.stderr)

    def client(self, service, region=A.HOME, account=A.ACCOUNT):
        key = (service, region, account)
        if key not in self._clients:
            access_key = "testing" if account == A.ACCOUNT else account
            c = self.session.client(
                service,
                region_name=region,
                endpoint_url=self.endpoint,
                aws_access_key_id=access_key,
                aws_secret_access_key="testing",
                config=CFG,
            )
            if account != A.ACCOUNT:
                c.meta.events.register("before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
            self._clients[key] = c
        return self._clients[key]

    def admin(self, path, body):
        req = urllib.request.Request(
            self.endpoint + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise Gap(f"POST {path} -> HTTP {e.code}: {e.read()[:200]!r}") from None
        except urllib.error.URLError as e:
            raise Gap(f"POST {path} -> {e.reason}") from None

    def gap(self, feature, detail, functions=(), checks=()):
        self.gaps.append({"feature": feature, "detail": str(detail)[:300], "functions": sorted(set(functions)), "checks": sorted(set(checks))})
        print(f"[seed] GAP {feature}: {str(detail)[:300]}", file=sys.stderr)

    def attempt(self, feature, fn, functions=(), checks=()):
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - any refusal is a gap, recorded with what it costs
            self.gap(feature, f"{type(e).__name__}: {e}", functions, checks)
            return None

    # ---------------------------------------------------------------- steps
    def run(self):
        t0 = time.monotonic()
        self.wait_ready()
        self.step("iam", self.seed_iam)
        self.step("organization", self.seed_organization)
        for region in A.REGIONS:
            self.step(f"infra {region}", lambda r=region: self.seed_infra(r))
        self.step("cloudtrail", self.seed_cloudtrail)
        self.step("layers", self.seed_layers)
        for fn in A.FUNCTIONS:
            self.step(f"function {fn.name}", lambda f=fn: self.seed_function(f))
        for api in A.APIS:
            self.step(f"api {api.name}", lambda a=api: self.seed_api(a))
        for alb in A.ALBS:
            self.step(f"load balancer {alb.name}", lambda a=alb: self.seed_alb(a))
        self.step("after-the-fact changes", self.seed_decay)
        self.step("admin data", self.seed_admin)
        self.step("metrics", self.seed_metrics)
        if self.do_verify:
            from .verify import verify

            self.step("read back", lambda: verify(self))
        self.elapsed = time.monotonic() - t0
        return self

    def step(self, name, fn):
        t = time.monotonic()
        fn()
        self.log(f"{name}: {time.monotonic() - t:.2f}s")

    def wait_ready(self):
        deadline = time.monotonic() + 30
        while True:
            try:
                self.client("sts").get_caller_identity()
                break
            except Exception:  # noqa: BLE001
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        # moto's own id generator (plain moto_server); the emulator seeds itself with its --seed.
        try:
            urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/seed?a={self.seed}", method="POST"), timeout=5).read()
        except Exception:  # noqa: BLE001
            pass

    def seed_iam(self):
        iam = self.client("iam")
        for p in A.CUSTOMER_POLICIES.values():
            iam.create_policy(PolicyName=p.name, PolicyDocument=json.dumps(p.document), Description=p.description)
        for r in A.ROLES.values():
            users = [f.name for f in A.FUNCTIONS if f.role == r.name]
            kw = dict(RoleName=r.name, AssumeRolePolicyDocument=json.dumps(r.trust), Description=r.why[:1000])
            if r.tags:
                kw["Tags"] = [{"Key": k, "Value": v} for k, v in r.tags.items()]
            if r.boundary:
                kw["PermissionsBoundary"] = A.CUSTOMER_POLICIES[r.boundary].arn
            iam.create_role(**kw)
            for m in r.aws_managed:
                self.attempt(
                    f"attach AWS managed policy {m}",
                    lambda m=m: iam.attach_role_policy(RoleName=r.name, PolicyArn=A.aws_policy_arn(m)),
                    users,
                    [c for c in r.fails] + ["role-logs-unscoped"],
                )
            for c in r.customer_managed:
                iam.attach_role_policy(RoleName=r.name, PolicyArn=A.CUSTOMER_POLICIES[c].arn)
            for name, d in r.inline.items():
                iam.put_role_policy(RoleName=r.name, PolicyName=name, PolicyDocument=json.dumps(d))

    def seed_organization(self):
        """The demo account manages an AWS organization of its own (so grants pinned to A.PARTNER_ORG are foreign)."""

        def create():
            org = self.client("organizations").create_organization(FeatureSet="ALL")["Organization"]
            self.org_id = org["Id"]

        self.attempt("organization", create, [f.name for f in A.FUNCTIONS if any(p.org_id for p in f.perms)], ["lambda-cross-account-invoke"])

    def seed_infra(self, region):
        res = self.res[region]
        kms = self.client("kms", region)
        key = kms.create_key(Description="Acme Lambda environment encryption", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
        kms.create_alias(AliasName="alias/acme-lambda-env", TargetKeyId=key["KeyId"])
        res["kms_key_arn"] = key["Arn"]

        sqs = self.client("sqs", region)
        res["queues"] = {}  # name -> ARN (manifest)
        self._queue_urls = getattr(self, "_queue_urls", {})
        names = A.QUEUES.get(region, [])
        for q in sorted(names, key=lambda n: (n != "orders-dlq", n)):
            attrs = {}
            if q == "orders-queue":
                attrs["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": f"arn:aws:sqs:{region}:{A.ACCOUNT}:orders-dlq", "maxReceiveCount": "5"})
                attrs["VisibilityTimeout"] = "180"
            url = sqs.create_queue(QueueName=q, Attributes=attrs)["QueueUrl"]
            self._queue_urls[(region, q)] = url
            res["queues"][q] = f"arn:aws:sqs:{region}:{A.ACCOUNT}:{q}"
        sns = self.client("sns", region)
        for t in A.TOPICS.get(region, []):
            sns.create_topic(Name=t)

        logs = self.client("logs", region)
        log_checks = ["log-group-missing", "log-retention", "log-group-no-cmk"]
        for f in A.FUNCTIONS:
            if f.region != region or not f.log_group_exists:
                continue
            kw = {"logGroupName": f.effective_log_group}
            if f.log_kms:
                kw["kmsKeyId"] = res["kms_key_arn"]
            self.attempt("log group", lambda kw=kw: logs.create_log_group(**kw), [f.name], log_checks)
            if f.log_retention:
                self.attempt("log retention", lambda g=f.effective_log_group, d=f.log_retention:
                             logs.put_retention_policy(logGroupName=g, retentionInDays=d), [f.name], ["log-retention"])

        if region == A.HOME:
            ec2 = self.client("ec2", region)
            vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
            ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "acme-prod"}])
            subnets = {}
            for label, cidr, az in [("app-a", "10.20.1.0/24", "us-east-1a"), ("app-b", "10.20.2.0/24", "us-east-1b"), ("db-a", "10.20.3.0/24", "us-east-1a")]:
                sid = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]
                ec2.create_tags(Resources=[sid], Tags=[{"Key": "Name", "Value": f"acme-prod-{label}"}])
                subnets[label] = {"id": sid, "az": az}
            sg = ec2.create_security_group(GroupName="acme-lambda", Description="Lambda functions in acme-prod", VpcId=vpc)["GroupId"]
            res["vpc"] = {"vpc_id": vpc, "subnets": subnets, "security_group": sg}

            kin = self.client("kinesis", region)
            kin.create_stream(StreamName="clickstream", ShardCount=1)
            res["kinesis_clickstream"] = kin.describe_stream_summary(StreamName="clickstream")["StreamDescriptionSummary"]["StreamARN"]
            ddb = self.client("dynamodb", region)
            t = ddb.create_table(
                TableName="orders",
                AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            )["TableDescription"]
            res["orders_stream"] = t.get("LatestStreamArn")

        lam = self.client("lambda", region)
        csc_users = [f.name for f in A.FUNCTIONS if f.region == region and f.csc]
        if csc_users:
            def mk():
                return lam.create_code_signing_config(
                    Description="Acme production signing",
                    AllowedPublishers={"SigningProfileVersionArns": [f"arn:aws:signer:{region}:{A.ACCOUNT}:/signing-profiles/acme_prod_signing/Vx7Lp2Qs9d"]},
                    CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
                )["CodeSigningConfig"]["CodeSigningConfigArn"]

            res["csc_arn"] = self.attempt("code signing config", mk, csc_users, ["code-signing-off"])

    def seed_cloudtrail(self):
        """The trails and the CloudTrail Lake event data store of A.TRAILS / A.EVENT_DATA_STORES."""
        everyone = [f.name for f in A.FUNCTIONS]
        checks = ["invoke-not-audited"]
        self.client("s3", A.HOME).create_bucket(Bucket=A.TRAIL_BUCKET)
        for t in A.TRAILS:
            ct = self.client("cloudtrail", t.home)

            def make(t=t, ct=ct):
                ct.create_trail(Name=t.name, S3BucketName=A.TRAIL_BUCKET, IsMultiRegionTrail=t.multi_region)
                if t.basic:
                    ct.put_event_selectors(TrailName=t.name, EventSelectors=t.basic)
                if t.advanced:
                    ct.put_event_selectors(TrailName=t.name, AdvancedEventSelectors=t.advanced)
                ct.start_logging(Name=t.name)
                if not t.logging:
                    ct.stop_logging(Name=t.name)

            self.attempt(f"trail {t.name}", make, everyone, checks)
        for e in A.EVENT_DATA_STORES:
            ct = self.client("cloudtrail", e.region)
            self.attempt(f"event data store {e.name}", lambda e=e, ct=ct: ct.create_event_data_store(
                Name=e.name, AdvancedEventSelectors=e.advanced, MultiRegionEnabled=e.multi_region), everyone, checks)

    def seed_layers(self):
        needed = sorted({(f.region, k) for f in A.FUNCTIONS for k in f.layers})
        for region, key in needed:
            account, lname, kind, runtimes = A.LAYERS[key]
            blob, _ = build_layer(kind, self.secrets, lname)
            users = [f.name for f in A.FUNCTIONS if f.region == region and key in f.layers]

            def publish():
                lam = self.client("lambda", region, account)
                lv = lam.publish_layer_version(LayerName=lname, Content={"ZipFile": blob}, CompatibleRuntimes=runtimes, Description=f"{lname} ({kind})")
                arn = lv["LayerVersionArn"]
                if f":{account}:" not in arn:
                    raise Gap(f"published as {arn}, not in account {account}")
                if account != A.ACCOUNT:
                    lam.add_layer_version_permission(
                        LayerName=lname, VersionNumber=lv["Version"], StatementId="public", Action="lambda:GetLayerVersion", Principal="*"
                    )
                return arn

            arn = self.attempt(f"layer {lname} from account {account}", publish, users, ["layer-foreign", "code-secret"])
            if arn:
                self.layer_arns[(region, key)] = arn

    def env_value(self, fn, e):
        v = e.value
        if v.startswith("secret:"):
            return self.secrets.make(v.split(":", 1)[1], f"{fn.name}:{e.name}")
        if v == "weak":
            return self.secrets.weak_password(f"{fn.name}:{e.name}")
        if v == "uuid":
            return self.secrets.uuid(f"{fn.name}:{e.name}")
        if v == "hex":
            return self.secrets.hexdigest(f"{fn.name}:{e.name}")
        return v

    def env_variables(self, fn, env):
        """The values of `env` (generated secrets included), remembered for the read-back."""
        values = {e.name: self.env_value(fn, e) for e in env}
        self.env_values.update({(fn.name, k): v for k, v in values.items()})
        return values

    def seed_function(self, fn: A.Fn):
        lam = self.client("lambda", fn.region)
        res = self.res[fn.region]
        blob, _, handler, _ = build_package(fn.package, fn.description, self.secrets, fn.name)
        kw = dict(
            FunctionName=fn.name,
            Runtime=fn.runtime,
            Role=A.ROLES[fn.role].arn,
            Handler=handler,
            Code={"ZipFile": blob},
            Description=fn.description,
            Timeout=fn.timeout,
            MemorySize=fn.memory,
            Publish=False,
            TracingConfig={"Mode": "Active" if fn.tracing else "PassThrough"},
            Architectures=["arm64"] if fn.runtime == "provided.al2023" else ["x86_64"],
        )
        if fn.tags:
            kw["Tags"] = dict(fn.tags)
        if fn.env:
            kw["Environment"] = {"Variables": self.env_variables(fn, fn.env)}
        if fn.released:
            # created as it was when its versions were published; $LATEST is fixed after they are
            kw["Runtime"] = fn.released.runtime
            kw["Environment"] = {"Variables": self.env_variables(fn, fn.released.env)}
        if fn.cmk:
            kw["KMSKeyArn"] = res["kms_key_arn"]
        if fn.dlq:
            kw["DeadLetterConfig"] = {"TargetArn": fn.dlq.arn(fn.region)}
        if fn.vpc == "detached":
            kw["VpcConfig"] = {"SubnetIds": [], "SecurityGroupIds": []}
        elif fn.vpc:
            v = res["vpc"]
            labels = ["app-a", "db-a"] if fn.vpc == "1az" else ["app-a", "app-b"]
            kw["VpcConfig"] = {"SubnetIds": [v["subnets"][lab]["id"] for lab in labels], "SecurityGroupIds": [v["security_group"]]}
        if fn.layers:
            kw["Layers"] = [self.layer_arns[(fn.region, k)] for k in fn.layers if (fn.region, k) in self.layer_arns]
        if fn.log_group:
            kw["LoggingConfig"] = {"LogFormat": "JSON", "LogGroup": fn.log_group, "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}
        if fn.csc and res.get("csc_arn"):
            kw["CodeSigningConfigArn"] = res["csc_arn"]
        try:
            got = lam.create_function(**kw)
        except Exception as e:  # noqa: BLE001
            if not kw.get("Layers"):
                self.gap("create function", f"{type(e).__name__}: {e}", [fn.name], self._all_checks())
                return
            self.gap("function with layers", f"{type(e).__name__}: {e}", [fn.name], ["layer-foreign", "code-secret"])
            kw.pop("Layers")
            got = lam.create_function(**kw)
        self.created[fn.name] = got
        if fn.dlq and not got.get("DeadLetterConfig"):
            self.gap("DeadLetterConfig stored", "CreateFunction answered without DeadLetterConfig", [fn.name], ["dlq-unwritable", "async-no-failure-destination"])
        if fn.log_group and (got.get("LoggingConfig") or {}).get("LogGroup") != fn.log_group:
            self.gap("LoggingConfig stored", "CreateFunction answered without LoggingConfig.LogGroup", [fn.name], ["role-logs-missing"])

        for i in range(fn.versions):
            if i:
                lam.update_function_configuration(FunctionName=fn.name, Description=f"{fn.description} (rev {i + 1})")
                self._wait_updated(lam, fn.name)
            lam.publish_version(FunctionName=fn.name, Description=f"release {i + 1}")
        for alias, version in fn.aliases.items():
            lam.create_alias(FunctionName=fn.name, Name=alias, FunctionVersion=version)
        if fn.released:
            fixed = {"Variables": self.env_variables(fn, fn.env) if fn.env else {}}
            lam.update_function_configuration(FunctionName=fn.name, Runtime=fn.runtime, Environment=fixed)
            self._wait_updated(lam, fn.name)
        if fn.reserved is not None:
            lam.put_function_concurrency(FunctionName=fn.name, ReservedConcurrentExecutions=fn.reserved)
        for p in fn.perms:
            self.add_permission(lam, fn, p)
        for u in fn.urls:
            kw = dict(FunctionName=fn.name, AuthType=u.auth)
            if u.qualifier:
                kw["Qualifier"] = u.qualifier
            if u.cors_origins is not None:
                kw["Cors"] = {"AllowOrigins": u.cors_origins, "AllowMethods": ["GET", "POST"], "AllowHeaders": ["content-type"], "MaxAge": 300}
            self.attempt("function URL config", lambda kw=kw: lam.create_function_url_config(**kw), [fn.name], ["lambda-url-public", "lambda-url-cors-wildcard"])
        if fn.async_cfg:
            c = fn.async_cfg
            kw = dict(FunctionName=fn.name)
            if c.qualifier != "$LATEST":
                kw["Qualifier"] = c.qualifier
            if c.max_retries is not None:
                kw["MaximumRetryAttempts"] = c.max_retries
            if c.max_age is not None:
                kw["MaximumEventAgeInSeconds"] = c.max_age
            if c.on_failure:
                kw["DestinationConfig"] = {"OnFailure": {"Destination": c.on_failure.arn(fn.region)}}
            self.attempt("event invoke config", lambda kw=kw: lam.put_function_event_invoke_config(**kw), [fn.name], ["async-no-failure-destination", "dlq-unwritable"])
        for e in fn.esms:
            self.attempt("event source mapping", lambda e=e: self.create_esm(lam, fn, e), [fn.name], ["esm-no-failure-destination"])
        for alias, n in fn.provisioned.items():
            self.attempt(
                "provisioned concurrency",
                lambda a=alias, n=n: lam.put_provisioned_concurrency_config(FunctionName=fn.name, Qualifier=a, ProvisionedConcurrentExecutions=n),
                [fn.name],
            )

    @staticmethod
    def _all_checks():
        from .expect import CHECK_IDS

        return CHECK_IDS

    def _wait_updated(self, lam, name):
        for _ in range(50):
            c = lam.get_function_configuration(FunctionName=name)
            if c.get("LastUpdateStatus", "Successful") != "InProgress":
                return
            time.sleep(0.05)

    def add_permission(self, lam, fn, p: A.Perm):
        if p.not_principal is not None:
            stmt = {
                "Sid": p.sid,
                "Effect": "Allow",
                "NotPrincipal": p.not_principal,
                "Action": p.action,
                "Resource": fn.arn + (f":{p.qualifier}" if p.qualifier else ""),
            }
            body = {"function_name": fn.name, "region": fn.region, "statement": stmt}
            if p.qualifier:
                body["qualifier"] = p.qualifier
            self.attempt(
                "raw resource-policy statement (NotPrincipal)",
                lambda: self.admin("/_lp/function-policy-statement", body),
                [fn.name],
                ["lambda-notprincipal-allow"],
            )
            return
        kw = dict(FunctionName=fn.name, StatementId=p.sid, Action=p.action, Principal=p.principal)
        if p.qualifier:
            kw["Qualifier"] = p.qualifier
        if p.source_arn:
            kw["SourceArn"] = p.source_arn
        if p.source_account:
            kw["SourceAccount"] = p.source_account
        if p.org_id:
            kw["PrincipalOrgID"] = p.org_id
        if p.url_auth:
            kw["FunctionUrlAuthType"] = p.url_auth
        if p.via_url:
            kw["InvokedViaFunctionUrl"] = True
        lam.add_permission(**kw)

    def create_esm(self, lam, fn, e: A.Esm):
        kind, name = e.source.split(":", 1)
        res = self.res[fn.region]
        if kind == "sqs":
            arn = f"arn:aws:sqs:{fn.region}:{A.ACCOUNT}:{name}"
        elif kind == "kinesis":
            arn = res["kinesis_clickstream"]
        else:
            arn = res["orders_stream"]
        kw = dict(EventSourceArn=arn, FunctionName=fn.name, BatchSize=e.batch_size, Enabled=True)
        if kind != "sqs":
            kw["StartingPosition"] = "LATEST"
            if e.on_failure:
                kw["DestinationConfig"] = {"OnFailure": {"Destination": f"arn:aws:sqs:{fn.region}:{A.ACCOUNT}:{e.on_failure}"}}
            if e.bisect is not None:
                kw["BisectBatchOnFunctionError"] = e.bisect
            if e.max_retries is not None:
                kw["MaximumRetryAttempts"] = e.max_retries
        got = lam.create_event_source_mapping(**kw)
        if e.on_failure and not (got.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination"):
            raise Gap("CreateEventSourceMapping answered without DestinationConfig.OnFailure")

    # ---------------------------------------------------------------- API Gateway front doors
    API_CHECKS = ["api-unauthenticated-route", "api-public-no-waf", "api-private-open-policy"]

    def function_arn(self, name, region):
        return f"arn:aws:lambda:{region}:{A.ACCOUNT}:function:{name}"

    def invocation_uri(self, region, function_arn):
        return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"

    def seed_api(self, api: A.Api):
        users = sorted({r.function for r in api.routes})
        if api.kind == "rest":
            self.attempt(f"REST API {api.name}", lambda: self._rest_api(api), users, self.API_CHECKS)
        else:
            self.attempt(f"HTTP API {api.name}", lambda: self._http_api(api), users, self.API_CHECKS)

    def _rest_api(self, api: A.Api):
        gw = self.client("apigateway", api.region)
        kw = {"name": api.name, "endpointConfiguration": {"types": [api.endpoint]}}
        if api.default_endpoint_disabled:
            kw["disableExecuteApiEndpoint"] = True
        if api.policy:
            kw["policy"] = json.dumps(api.policy)
        rid = gw.create_rest_api(**kw)["id"]
        resources = {r["path"]: r["id"] for r in gw.get_resources(restApiId=rid)["items"]}
        authorizer = None
        if any(r.auth == "CUSTOM" for r in api.routes):
            fn = self.function_arn("session-authorizer", api.region)
            authorizer = gw.create_authorizer(restApiId=rid, name="session-token", type="TOKEN",
                                              authorizerUri=self.invocation_uri(api.region, fn),
                                              identitySource="method.request.header.Authorization")["id"]
        variables = {}
        for r in api.routes:
            path = ""
            for part in r.path.strip("/").split("/"):
                parent = resources[path or "/"]
                path = f"{path}/{part}"
                if path not in resources:
                    resources[path] = gw.create_resource(restApiId=rid, parentId=parent, pathPart=part)["id"]
            method = {"restApiId": rid, "resourceId": resources[path], "httpMethod": r.method,
                      "authorizationType": r.auth, "apiKeyRequired": r.api_key}
            if r.auth == "CUSTOM":
                method["authorizerId"] = authorizer
            gw.put_method(**method)
            target = self.function_arn(r.function, api.region)
            if r.alias_variable:
                target = f"{target}:${{stageVariables.alias}}"
                variables["alias"] = r.alias_variable
            integration = dict(restApiId=rid, resourceId=resources[path], httpMethod=r.method, type="AWS_PROXY",
                               integrationHttpMethod="POST", uri=self.invocation_uri(api.region, target))
            if r.credentials:
                integration["credentials"] = r.credentials
            gw.put_integration(**integration)
        gw.create_deployment(restApiId=rid, stageName=api.stage, variables=variables)
        for r in api.routes:
            if r.draft_auth:  # changed in the draft after the deployment, never deployed
                gw.update_method(restApiId=rid, resourceId=resources[r.path], httpMethod=r.method,
                                 patchOperations=[{"op": "replace", "path": "/authorizationType", "value": r.draft_auth}])
        if api.domain:
            gw.create_domain_name(domainName=api.domain, endpointConfiguration={"types": ["REGIONAL"]},
                                  regionalCertificateArn=f"arn:aws:acm:{api.region}:{A.ACCOUNT}:certificate/{api.name}")
            gw.create_base_path_mapping(domainName=api.domain, restApiId=rid, stage=api.stage,
                                        **({"basePath": api.base_path} if api.base_path else {}))
        if api.waf:
            waf = self.client("wafv2", api.region)
            acl = waf.create_web_acl(Name=f"{api.name}-protection", Scope="REGIONAL", DefaultAction={"Allow": {}},
                                     VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                                       "MetricName": f"{api.name}-protection"}, Rules=[])["Summary"]["ARN"]
            waf.associate_web_acl(WebACLArn=acl,
                                  ResourceArn=f"arn:aws:apigateway:{api.region}::/restapis/{rid}/stages/{api.stage}")
        self.apis[api.name] = rid
        self.api_permissions(api, rid)

    def api_permissions(self, api: A.Api, api_id: str):
        """The Lambda permission each route needs (apigateway.amazonaws.com, SourceArn of the route in every stage on
        the API's real id), unless the route plants its absence."""
        lam = self.client("lambda", api.region)
        for i, r in enumerate(api.routes):
            if not r.permission:
                continue
            source = A.api_permission_source(api, r, api_id)
            kw = dict(FunctionName=r.function, StatementId=A.api_permission_sid(api, i), Action="lambda:InvokeFunction",
                      Principal="apigateway.amazonaws.com", SourceArn=source)
            if r.alias_variable:
                kw["Qualifier"] = r.alias_variable
            lam.add_permission(**kw)

    def _http_api(self, api: A.Api):
        gw = self.client("apigatewayv2", api.region)
        aid = gw.create_api(Name=api.name, ProtocolType="HTTP",
                            DisableExecuteApiEndpoint=api.default_endpoint_disabled)["ApiId"]
        authorizer = None
        if any(r.auth == "JWT" for r in api.routes):
            authorizer = gw.create_authorizer(ApiId=aid, AuthorizerType="JWT", Name="acme-users",
                                              IdentitySource=["$request.header.Authorization"],
                                              JwtConfiguration={"Audience": ["acme-web"],
                                                                "Issuer": "https://login.acme.example"})["AuthorizerId"]
        for r in api.routes:
            integration = dict(ApiId=aid, IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                               IntegrationUri=self.function_arn(r.function, api.region))
            if r.credentials:
                integration["CredentialsArn"] = r.credentials
            integration = gw.create_integration(**integration)["IntegrationId"]
            route = {"ApiId": aid, "RouteKey": f"{r.method} {r.path}", "Target": f"integrations/{integration}",
                     "AuthorizationType": r.auth}
            if r.auth == "JWT":
                route["AuthorizerId"] = authorizer
            gw.create_route(**route)
        gw.create_stage(ApiId=aid, StageName=api.stage)
        if api.domain:
            gw.create_domain_name(DomainName=api.domain, DomainNameConfigurations=[
                {"CertificateArn": f"arn:aws:acm:{api.region}:{A.ACCOUNT}:certificate/{api.name}"}])
            gw.create_api_mapping(DomainName=api.domain, ApiId=aid, Stage=api.stage, ApiMappingKey=api.base_path)
        self.apis[api.name] = aid
        self.api_permissions(api, aid)

    # ---------------------------------------------------------------- Application Load Balancer front doors
    ALB_CHECKS = ["alb-unauthenticated-target"]

    def seed_alb(self, alb: A.Alb):
        self.attempt(f"load balancer {alb.name}", lambda: self._alb(alb), [alb.function], self.ALB_CHECKS)

    def _alb(self, alb: A.Alb):
        ec2, elb = self.client("ec2", alb.region), self.client("elbv2", alb.region)
        vpc = next(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault"))
        subnets = [x["SubnetId"] for x in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
        sg = ec2.create_security_group(GroupName=f"{alb.name}-alb", Description=f"{alb.name} load balancer",
                                       VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": alb.port, "ToPort": alb.port,
            "IpRanges": [{"CidrIp": c} for c in alb.ingress if ":" not in c],
            "Ipv6Ranges": [{"CidrIpv6": c} for c in alb.ingress if ":" in c]}])
        tg = elb.create_target_group(Name=alb.target_group, TargetType="lambda")["TargetGroups"][0]["TargetGroupArn"]
        if tg != A.tg_arn(alb.region, alb.target_group):
            raise Gap(f"target group ARN {tg} is not the one the function's policy names")
        target = self.function_arn(alb.function, alb.region) + (f":{alb.qualifier}" if alb.qualifier else "")
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": target}])
        lb = elb.create_load_balancer(Name=alb.name, Subnets=subnets[:2], SecurityGroups=[sg], Scheme=alb.scheme,
                                      Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
        actions = []
        if alb.auth == "authenticate-oidc":
            actions.append({"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {
                "Issuer": "https://login.acme.example", "AuthorizationEndpoint": "https://login.acme.example/authorize",
                "TokenEndpoint": "https://login.acme.example/token", "UserInfoEndpoint": "https://login.acme.example/userinfo",
                "ClientId": "acme-alb", "ClientSecret": "not-a-secret", "OnUnauthenticatedRequest": "authenticate"}})
        elif alb.auth == "authenticate-cognito":
            actions.append({"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": {
                "UserPoolArn": f"arn:aws:cognito-idp:{alb.region}:{A.ACCOUNT}:userpool/{alb.region}_AcMe1",
                "UserPoolClientId": "acme-alb", "UserPoolDomain": "acme-login"}})
        actions.append({"Type": "forward", "Order": len(actions) + 1, "TargetGroupArn": tg})
        not_found = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"}}
        listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=alb.port,
                                       DefaultActions=[not_found] if alb.path else actions)["Listeners"][0]["ListenerArn"]
        if alb.path:
            elb.create_rule(ListenerArn=listener, Priority=10, Actions=actions,
                            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": [alb.path]}}])
        self.albs[alb.name] = (lb, tg)

    def seed_decay(self):
        """What happened after deployment: a clean-up that removed a DLQ permission, a deleted queue, a deleted role."""
        iam = self.client("iam")
        for r in A.ROLES.values():
            for name in r.removed_inline:
                iam.delete_role_policy(RoleName=r.name, PolicyName=name)
        for region, queues in A.DELETED_QUEUES.items():
            sqs = self.client("sqs", region)
            for q in queues:
                sqs.delete_queue(QueueUrl=self._queue_urls[(region, q)])
                self.res[region]["queues"].pop(q)
        for r in A.ROLES.values():
            if not r.deleted:
                continue
            for m in iam.list_attached_role_policies(RoleName=r.name)["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=r.name, PolicyArn=m["PolicyArn"])
            for n in iam.list_role_policies(RoleName=r.name)["PolicyNames"]:
                iam.delete_role_policy(RoleName=r.name, PolicyName=n)
            iam.delete_role(RoleName=r.name)

    def seed_admin(self):
        from .expect import last_invocation

        rng = random.Random(f"{self.seed}:admin")
        # LastModified: every function gets a deterministic date; the stale ones an old one.
        for fn in A.FUNCTIONS:
            age = fn.code_age_days if fn.code_age_days is not None else rng.randrange(3, 240)
            when = dt.datetime.combine(self.today - dt.timedelta(days=age), dt.time(9, 30 + rng.randrange(0, 29), tzinfo=dt.timezone.utc))
            iso = when.isoformat().replace("+00:00", "Z")
            ok = self.attempt(
                "set function LastModified",
                lambda fn=fn, iso=iso: self.admin("/_lp/function-last-modified", {"function_name": fn.name, "region": fn.region, "last_modified": iso}),
                [fn.name] if fn.code_age_days else [],
                ["stale-function"] if fn.code_age_days else [],
            )
            if ok is not None:
                self.last_modified[fn.name] = iso
        for r in A.ROLES.values():
            if r.deleted:
                continue
            # Roles predate their functions (the oldest code is a few years old): CreateDate 3 years back, so the
            # last-accessed window of role-unused-permissions covers them.
            created = dt.datetime.combine(self.today - dt.timedelta(days=3 * 365), dt.time(8, 0, tzinfo=dt.timezone.utc))
            self.attempt(
                "role CreateDate",
                lambda r=r, created=created: self.admin(
                    "/_lp/role-create-date", {"role_name": r.name, "create_date": created.isoformat().replace("+00:00", "Z")}
                ),
                [f.name for f in A.FUNCTIONS if f.role == r.name],
                ["role-unused-permissions"],
            )
            users = [f for f in A.FUNCTIONS if f.role == r.name]
            lasts = [(last_invocation(f, self.today), f.region) for f in users]
            lasts = [x for x in lasts if x[0] is not None]
            if lasts:
                day, region = max(lasts)
                when = dt.datetime.combine(day, dt.time(12, 0, tzinfo=dt.timezone.utc)).isoformat().replace("+00:00", "Z")
                self.attempt(
                    "RoleLastUsed",
                    lambda r=r, when=when, region=region: self.admin("/_lp/role-last-used", {"role_name": r.name, "last_used_date": when, "region": region}),
                )
            # Services used: on or a little before the role's last use (its functions' last invocation);
            # a role whose functions never ran has used nothing.
            granted = r.services()
            used = [s for s in (r.used_services_override if "*" in granted else granted) if s not in r.unused_services and s != "*"]
            role_last = max(lasts)[0] if lasts else None
            svc = []
            region = max(lasts)[1] if lasts else (users[0].region if users else A.HOME)
            for s in sorted(used):
                if role_last is None:
                    svc.append({"namespace": s, "last_authenticated": None})
                    continue
                day = role_last - dt.timedelta(days=rng.randrange(0, 3))
                svc.append(
                    {
                        "namespace": s,
                        "last_authenticated": dt.datetime.combine(day, dt.time(10, 0, tzinfo=dt.timezone.utc)).isoformat().replace("+00:00", "Z"),
                        "last_authenticated_region": region,
                    }
                )
            for s in sorted(r.unused_services):
                svc.append({"namespace": s, "last_authenticated": None})
            self.attempt(
                "service last accessed",
                lambda r=r, svc=svc: self.admin("/_lp/service-last-accessed", {"role_arn": r.arn, "services": svc}),
                [f.name for f in users],
                ["role-unused-permissions"],
            )

    def seed_metrics(self):
        for region in A.REGIONS:
            data = []
            for fn in A.FUNCTIONS:
                if fn.region == region:
                    data += series(fn, self.today, self.seed)
            cw = self.client("cloudwatch", region)
            for i in range(0, len(data), 500):
                cw.put_metric_data(Namespace="AWS/Lambda", MetricData=data[i : i + 500])
            self.res[region]["metric_datums"] = len(data)
