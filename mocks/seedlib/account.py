"""The demo account, declared: "Acme Shop", an online retailer with a decade of Lambda history.

Everything the seeder creates and everything the expectations claim comes from this one file.
The posture of each function is intended (see the `why` strings); most check outcomes are derived
from these declarations by `expect.py`, and the role-level outcomes are declared on each role.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

ACCOUNT = "123456789012"
PARTNER_ACCOUNT = "210987654321"  # a logistics partner: invokes two functions, trusted by one role
# The loyalty partner's AWS organization: not the demo account's own (the seeder puts the account in an organization
# of its own, whose id moto generates), so every grant pinned to it is a cross-account grant.
PARTNER_ORG = "o-k7m2p9q4x1"
FOREIGN_LAYER_ACCOUNT = "999999999999"  # publishes a "community" ImageMagick layer
AWS_LAYER_ACCOUNT = "580247275435"  # the account AWS publishes LambdaInsightsExtension from
REGIONS = ("us-east-1", "eu-west-1")
HOME = "us-east-1"
EU = "eu-west-1"


def arn_logs(region: str, group: str) -> str:
    return f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{group}:*"


def stmt(actions, resources, sid=None, effect="Allow", condition=None):
    s = {"Effect": effect, "Action": actions if isinstance(actions, list) else [actions]}
    s["Resource"] = resources
    if sid:
        s = {"Sid": sid, **s}
    if condition:
        s["Condition"] = condition
    return s


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def logs_stmt(region: str, group: str):
    return stmt(["logs:CreateLogStream", "logs:PutLogEvents"], arn_logs(region, group), sid="WriteOwnLogs")


def trust(*principals):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole"} for p in principals],
    }


LAMBDA_TRUST = trust({"Service": "lambda.amazonaws.com"})

# Namespaces and log-group reach of the AWS managed policies we attach (their documents are AWS's).
AWS_MANAGED = {
    "AdministratorAccess": {"services": ["*"], "logs": ["*"]},
    "AmazonS3FullAccess": {"services": ["s3", "s3-object-lambda"], "logs": None},
    "AWSLambdaBasicExecutionRole": {"services": ["logs"], "logs": ["*"]},
    "AWSXRayDaemonWriteAccess": {"services": ["xray"], "logs": None},
    "AWSLambdaKinesisExecutionRole": {"services": ["kinesis", "logs"], "logs": ["*"]},
    "AWSLambdaVPCAccessExecutionRole": {"services": ["ec2", "logs"], "logs": ["*"]},
}


def aws_policy_arn(name: str) -> str:
    path = "/service-role/" if name.startswith("AWSLambda") and name != "AWSLambda_FullAccess" else "/"
    return f"arn:aws:iam::aws:policy{path}{name}"


@dataclass
class ManagedPolicy:
    name: str
    document: dict
    description: str = ""

    @property
    def arn(self):
        return f"arn:aws:iam::{ACCOUNT}:policy/{self.name}"


CUSTOMER_POLICIES = {
    p.name: p
    for p in [
        ManagedPolicy(
            "acme-orders-table-rw",
            doc(
                stmt(
                    ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
                    [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders/index/*"],
                    sid="OrdersTable",
                )
            ),
            "Read/write the orders table (shared by the order services)",
        ),
        ManagedPolicy(
            # A permissions boundary: wide on purpose, it caps and never grants. A scanner that reads it
            # as a grant would wrongly flag payments-role for wildcards.
            "acme-lambda-boundary",
            doc(
                stmt(["dynamodb:*", "sqs:*", "sns:*", "logs:*", "xray:*", "secretsmanager:GetSecretValue", "kms:Decrypt"], "*", sid="Ceiling"),
                stmt(["iam:*", "organizations:*"], "*", sid="NeverIam", effect="Deny"),
            ),
            "Permissions boundary for application Lambda roles",
        ),
    ]
}


@dataclass
class Role:
    name: str
    why: str
    trust: dict = field(default_factory=lambda: LAMBDA_TRUST)
    aws_managed: list = field(default_factory=list)
    customer_managed: list = field(default_factory=list)
    inline: dict = field(default_factory=dict)
    boundary: str | None = None
    # role-level checks this role fails (every function using it inherits them); role-shared,
    # role-missing and role-logs-* are derived, not declared
    fails: set = field(default_factory=set)
    # log groups the role can write to: None = none, "*" = any
    logs: list | None = None
    # namespaces granted but never used (service-last-accessed); every other granted one was used recently
    unused_services: list = field(default_factory=list)
    # namespaces to report for a role granting "*" (AdministratorAccess): used ones; unused listed above
    used_services_override: list | None = None
    deleted: bool = False  # deleted after its function was created (role-missing)
    # inline policy removed after the function was configured (story: someone "cleaned up")
    removed_inline: list = field(default_factory=list)
    tags: dict = field(default_factory=dict)

    @property
    def arn(self):
        return f"arn:aws:iam::{ACCOUNT}:role/{self.name}"

    def services(self) -> list:
        """Namespaces granted (Allow) by identity policies; '*' for everything. Boundary excluded."""
        out = set()
        for m in self.aws_managed:
            out.update(AWS_MANAGED[m]["services"])
        docs = [CUSTOMER_POLICIES[c].document for c in self.customer_managed]
        docs += [d for n, d in self.inline.items() if n not in self.removed_inline]
        for d in docs:
            for s in d["Statement"]:
                if s["Effect"] != "Allow":
                    continue
                for a in s["Action"]:
                    out.add("*" if a == "*" else a.split(":")[0])
        return sorted(out)


def scoped_role(name, region, fn, why, extra=(), aws_managed=(), customer_managed=(), log_group=None, **kw):
    """A dedicated lambda-only role with logs scoped to the function's own group plus `extra` statements."""
    group = log_group or f"/aws/lambda/{fn}"
    inline = {f"{fn}-runtime": doc(logs_stmt(region, group), *extra)}
    return Role(name, why, aws_managed=list(aws_managed), customer_managed=list(customer_managed), inline=inline, logs=[group], **kw)


def _sqs(region, queue):
    return f"arn:aws:sqs:{region}:{ACCOUNT}:{queue}"


def _sns(region, topic):
    return f"arn:aws:sns:{region}:{ACCOUNT}:{topic}"


def _ddb(region, table):
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}"


ROLES = {
    r.name: r
    for r in [
        Role(
            "orders-api-role",
            "model role: dedicated, lambda-only trust, table access through a customer-managed policy, logs scoped, one secret",
            aws_managed=["AWSXRayDaemonWriteAccess"],
            customer_managed=["acme-orders-table-rw"],
            inline={
                "orders-api-runtime": doc(
                    logs_stmt(HOME, "/aws/lambda/orders-api"),
                    stmt("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/orders/db-Qx7Lw2", sid="DbSecret"),
                )
            },
            logs=["/aws/lambda/orders-api"],
            tags={"owner": "orders-team"},
        ),
        scoped_role(
            "orders-fulfillment-role",
            HOME,
            "orders-fulfillment",
            "dedicated, scoped SQS consumer",
            extra=[stmt(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], _sqs(HOME, "orders-queue"), sid="Consume")],
            aws_managed=["AWSXRayDaemonWriteAccess"],
            customer_managed=["acme-orders-table-rw"],
        ),
        Role(
            "acme-lambda-shared",
            "the one-size-fits-all role from 2020, used by five small functions in both regions",
            aws_managed=["AWSLambdaBasicExecutionRole"],
            inline={
                "notify": doc(
                    stmt("sns:Publish", f"arn:aws:sns:*:{ACCOUNT}:ops-alerts", sid="Alerts"),
                    stmt("sqs:SendMessage", f"arn:aws:sqs:*:{ACCOUNT}:notify-dlq", sid="Dlq"),
                )
            },
            logs=["*"],
        ),
        Role(
            "image-pipeline-role",
            "AmazonS3FullAccess for a thumbnailer; shared by the US and EU copies (same role, two regions)",
            aws_managed=["AmazonS3FullAccess", "AWSLambdaBasicExecutionRole"],
            fails={
                "role-broad-managed-policy",
                "role-action-wildcard",
                "role-resource-wildcard",
                "role-data-exfiltration",
                "role-unused-permissions",
            },
            logs=["*"],
            unused_services=["s3-object-lambda"],
        ),
        Role(
            "legacy-admin-role",
            "AdministratorAccess, trusted by lambda AND ec2 (was an instance role once)",
            trust=trust({"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}),
            aws_managed=["AdministratorAccess"],
            fails={
                "role-admin-access",
                "role-action-wildcard",
                "role-resource-wildcard",
                "role-privilege-escalation",
                "role-data-exfiltration",
                "role-trust-broad",
                "role-all-purpose",
                "role-unused-permissions",
            },
            logs=["*"],
            used_services_override=["s3", "logs", "sts"],
            unused_services=["ec2", "iam", "rds", "lambda", "dynamodb"],
        ),
        scoped_role(
            "ci-deployer-role",
            HOME,
            "deploy-hook",
            "can pass any role to a function it creates: privilege escalation",
            extra=[
                stmt("iam:PassRole", "*", sid="PassAnyRole"),
                stmt(["lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction"], "*", sid="Deploy"),
            ],
            fails={"role-privilege-escalation", "role-resource-wildcard"},
        ),
        scoped_role(
            "finance-reports-role",
            HOME,
            "billing-reconciler",
            "reads any secret and any parameter in the account",
            extra=[
                stmt("secretsmanager:GetSecretValue", "*", sid="AnySecret"),
                stmt(["ssm:GetParameter", "ssm:GetParameters"], "*", sid="AnyParameter"),
                stmt("s3:PutObject", "arn:aws:s3:::acme-finance-reports/*", sid="Reports"),
            ],
            fails={"role-data-exfiltration"},
        ),
        Role(
            "partner-sync-role",
            "assumable by the partner account too (someone reused it for the partner's batch job)",
            trust=trust({"Service": "lambda.amazonaws.com"}, {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"}),
            inline={
                "partner": doc(
                    stmt(
                        ["logs:CreateLogStream", "logs:PutLogEvents"],
                        [arn_logs(HOME, "/aws/lambda/partner-inventory-feed"), arn_logs(HOME, "/aws/lambda/partner-pricing-api")],
                        sid="WriteOwnLogs",
                    ),
                    stmt(["dynamodb:PutItem", "dynamodb:GetItem"], _ddb(HOME, "partner-inventory"), sid="Inventory"),
                    stmt("sqs:SendMessage", _sqs(HOME, "partner-feed-failures"), sid="Failures"),
                )
            },
            fails={"role-trust-broad"},
            logs=["/aws/lambda/partner-inventory-feed", "/aws/lambda/partner-pricing-api"],
        ),
        scoped_role(
            "payments-role",
            HOME,
            "payments-webhook",
            "model role with a permissions boundary; logs go to a custom group and the role can write there",
            extra=[
                stmt(["dynamodb:PutItem", "dynamodb:GetItem"], _ddb(HOME, "payments"), sid="Payments"),
                stmt("sqs:SendMessage", _sqs(HOME, "payments-failures"), sid="Failures"),
                stmt("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/stripe-Zp3Kq9", sid="Stripe"),
            ],
            aws_managed=["AWSXRayDaemonWriteAccess"],
            boundary="acme-lambda-boundary",
            log_group="/acme/payments/webhook",
        ),
        scoped_role(
            "audit-writer-role",
            HOME,
            "audit-log-writer",
            "logs scoped to /aws/lambda/audit-log-writer, but the function logs to /acme/audit/trail",
            extra=[stmt("dynamodb:PutItem", _ddb(HOME, "audit-events"), sid="Audit")],
        ),
        Role(
            "clickstream-role",
            "AWS managed Kinesis execution role (logs on *)",
            aws_managed=["AWSLambdaKinesisExecutionRole"],
            inline={"firehose": doc(stmt("firehose:PutRecordBatch", f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/clickstream-archive", sid="Archive"))},
            logs=["*"],
        ),
        scoped_role(
            "ddb-auditor-role",
            HOME,
            "ddb-stream-auditor",
            "dedicated stream reader with its on-failure queue",
            extra=[
                stmt(
                    ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"],
                    f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders/stream/*",
                    sid="Stream",
                ),
                stmt("sqs:SendMessage", _sqs(HOME, "ddb-auditor-failures"), sid="OnFailure"),
            ],
        ),
        scoped_role(
            "metrics-collector-role",
            HOME,
            "internal-metrics-collector",
            "every statement scoped, but nine services: an all-purpose function; athena and glue never used",
            extra=[
                stmt("s3:GetObject", "arn:aws:s3:::acme-metrics-raw/*", sid="S3"),
                stmt("dynamodb:Query", _ddb(HOME, "metrics"), sid="Ddb"),
                stmt("sqs:SendMessage", _sqs(HOME, "metrics-backlog"), sid="Sqs"),
                stmt("sns:Publish", _sns(HOME, "metrics-failures"), sid="Sns"),
                stmt("kinesis:PutRecords", f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/clickstream", sid="Kinesis"),
                stmt("firehose:PutRecord", f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/metrics", sid="Firehose"),
                stmt("athena:StartQueryExecution", f"arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/metrics", sid="Athena"),
                stmt("glue:GetTable", [f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog", f"arn:aws:glue:us-east-1:{ACCOUNT}:table/metrics/*"], sid="Glue"),
            ],
            fails={"role-all-purpose", "role-unused-permissions"},
            unused_services=["athena", "glue"],
        ),
        Role(
            "refund-processor-role",
            "hand-written minimal role: no logs permissions, and its DLQ permission was removed in a clean-up",
            inline={
                "refunds": doc(stmt(["dynamodb:UpdateItem", "dynamodb:GetItem"], _ddb(HOME, "refunds"), sid="Refunds")),
                "refunds-dlq": doc(stmt("sqs:SendMessage", _sqs(HOME, "refunds-dlq"), sid="Dlq")),
            },
            removed_inline=["refunds-dlq"],
            logs=None,
        ),
        scoped_role(
            "invoice-pdf-role",
            HOME,
            "invoice-pdf-generator",
            "fine role; its function's DLQ queue was deleted later",
            extra=[
                stmt("s3:GetObject", "arn:aws:s3:::acme-invoice-uploads/*", sid="Read"),
                stmt("s3:PutObject", "arn:aws:s3:::acme-invoices/*", sid="Write"),
                stmt("sqs:SendMessage", _sqs(HOME, "invoice-dlq"), sid="Dlq"),
            ],
        ),
        scoped_role(
            "legacy-invoice-export-role",
            HOME,
            "legacy-invoice-export",
            "deleted in the 2024 IAM clean-up; the function was forgotten",
            deleted=True,
        ),
        Role(
            "web-backend-role",
            "shared by three web-facing functions",
            aws_managed=["AWSLambdaBasicExecutionRole"],
            inline={
                "web": doc(
                    stmt(["dynamodb:GetItem", "dynamodb:Query"], _ddb(HOME, "catalog"), sid="Catalog"),
                    stmt("s3:PutObject", "arn:aws:s3:::acme-user-uploads/incoming/*", sid="Uploads"),
                )
            },
            logs=["*"],
        ),
        Role(
            "db-migrator-role",
            "VPC function with the AWS managed VPC access role (ENI actions on *)",
            aws_managed=["AWSLambdaVPCAccessExecutionRole"],
            inline={"secrets": doc(stmt("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/orders/migrator-Hn4Tq1", sid="Db"))},
            fails={"role-resource-wildcard"},
            logs=["*"],
        ),
        scoped_role(
            "reporting-etl-role",
            HOME,
            "reporting-etl",
            "VPC function whose ENI permissions are scoped to its subnets and security group",
            extra=[
                stmt(["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], "*", sid="EniRead"),
                stmt(
                    ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
                    [f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/*", f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/*", f"arn:aws:ec2:us-east-1:{ACCOUNT}:network-interface/*"],
                    sid="EniWrite",
                ),
                stmt("s3:PutObject", "arn:aws:s3:::acme-reporting/*", sid="Out"),
                stmt("sns:Publish", _sns(HOME, "etl-failures"), sid="OnFailure"),
            ],
        ),
        scoped_role("status-page-role", HOME, "public-status-page", "dedicated", extra=[stmt("sqs:SendMessage", _sqs(HOME, "status-failures"), sid="OnFailure")]),
        scoped_role(
            "loyalty-points-role",
            HOME,
            "loyalty-points",
            "dedicated",
            extra=[
                stmt("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/loyalty/stripe-Lp4Xw9", sid="Stripe"),
                stmt("sqs:SendMessage", _sqs(HOME, "loyalty-dlq"), sid="Dlq"),
            ],
        ),
        scoped_role("marketing-email-role", HOME, "marketing-email-sender", "dedicated", extra=[stmt("ses:SendEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/acme.example", sid="Ses")]),
        scoped_role(
            "search-indexer-role",
            HOME,
            "search-indexer",
            "dedicated",
            extra=[stmt("es:ESHttpPost", f"arn:aws:es:us-east-1:{ACCOUNT}:domain/catalog/*", sid="Index"), stmt("sqs:SendMessage", _sqs(HOME, "search-dlq"), sid="Dlq")],
        ),
        scoped_role("recommendations-role", HOME, "recommendations-v2", "dedicated", extra=[stmt("dynamodb:Query", _ddb(HOME, "recommendations"), sid="Recs")]),
        scoped_role("feature-flags-role", HOME, "feature-flags-edge", "dedicated", extra=[stmt("appconfig:GetLatestConfiguration", "*", sid="Flags")]),
        scoped_role("recs-warmup-role", HOME, "recs-model-warmup", "dedicated", extra=[stmt("sagemaker:InvokeEndpoint", f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/recs-v2", sid="Model")]),
        scoped_role(
            "session-authorizer-role",
            HOME,
            "session-authorizer",
            "dedicated",
            extra=[stmt("dynamodb:GetItem", _ddb(HOME, "sessions"), sid="Sessions")],
            aws_managed=["AWSXRayDaemonWriteAccess"],
        ),
        scoped_role("pricing-role", HOME, "stale-price-updater", "dedicated", extra=[stmt("dynamodb:BatchWriteItem", _ddb(HOME, "prices"), sid="Prices"), stmt("sqs:SendMessage", _sqs(HOME, "pricing-dlq"), sid="Dlq")]),
        scoped_role("sandbox-role", HOME, "dev-sandbox-hello", "dedicated"),
        scoped_role(
            "gdpr-export-role",
            EU,
            "gdpr-export",
            "model EU role",
            extra=[
                stmt("s3:PutObject", "arn:aws:s3:::acme-gdpr-exports/*", sid="Export"),
                stmt("ssm:GetParameter", [f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/prod/gdpr/*"], sid="Params"),
            ],
            aws_managed=["AWSXRayDaemonWriteAccess"],
        ),
        scoped_role("sso-bridge-role", EU, "sso-bridge-eu", "dedicated", extra=[stmt("cognito-idp:AdminGetUser", f"arn:aws:cognito-idp:eu-west-1:{ACCOUNT}:userpool/eu-west-1_AcMe1", sid="Users")]),
        scoped_role("vat-calculator-role", EU, "vat-calculator-eu", "dedicated", extra=[stmt("dynamodb:GetItem", _ddb(EU, "vat-rates"), sid="Rates")]),
    ]
}

SYNC_SERVICES = {"apigateway.amazonaws.com", "elasticloadbalancing.amazonaws.com", "lex.amazonaws.com", "cognito-idp.amazonaws.com"}


@dataclass
class Perm:
    """One AddPermission call (or, with `not_principal`, a raw statement no real API can create)."""

    sid: str
    principal: str | None
    qualifier: str | None = None
    source_arn: str | None = None
    source_account: str | None = None
    org_id: str | None = None
    action: str = "lambda:InvokeFunction"
    url_auth: str | None = None
    # AddPermission's InvokedViaFunctionUrl: a `lambda:InvokedViaFunctionUrl` true condition (usable only through a URL)
    via_url: bool = False
    not_principal: dict | None = None

    def is_public(self) -> bool:
        if self.not_principal is not None:
            return False  # judgement: reported by lambda-notprincipal-allow only
        if self.principal != "*":
            return False
        return not self.pinned()

    def pinned(self) -> bool:
        fixed = lambda v: v is not None and "*" not in v and "?" not in v and "${" not in v  # noqa: E731
        return fixed(self.source_account) or fixed(self.source_arn) or fixed(self.org_id)

    def is_service(self) -> bool:
        return bool(self.principal) and self.principal.endswith(".amazonaws.com")

    def service_unscoped(self) -> bool:
        return self.is_service() and self.source_arn is None and self.source_account is None

    def foreign_account(self) -> str | None:
        p = self.principal or ""
        acct = p if p.isdigit() and len(p) == 12 else (p.split(":")[4] if p.startswith("arn:aws:iam::") else None)
        return acct if acct and acct != ACCOUNT else None

    def sync_only(self) -> bool:
        return self.action == "lambda:InvokeFunctionUrl" or self.via_url or (self.principal in SYNC_SERVICES)


@dataclass
class Url:
    auth: str  # NONE | AWS_IAM
    qualifier: str | None = None
    cors_origins: list | None = None


@dataclass
class Dlq:
    """A DeadLetterConfig or OnFailure target. Whether the role can send to it is derived from the role."""

    kind: str  # sqs | sns
    name: str
    exists: bool = True  # False: created, configured, then deleted

    def arn(self, region):
        return _sqs(region, self.name) if self.kind == "sqs" else _sns(region, self.name)


@dataclass
class AsyncCfg:
    max_retries: int | None = None
    max_age: int | None = None
    on_failure: Dlq | None = None
    qualifier: str = "$LATEST"


@dataclass
class Esm:
    source: str  # sqs:<queue> | kinesis:<stream> | ddbstream:<table>
    on_failure: str | None = None  # sqs queue name
    bisect: bool | None = None
    max_retries: int | None = None
    batch_size: int = 100

    def is_stream(self):
        return not self.source.startswith("sqs:")

    def fails(self):
        if not self.is_stream():
            return False  # judgement: SQS failures are handled by the source queue's redrive policy (it has one)
        limited = self.bisect or (self.max_retries is not None and self.max_retries >= 0)
        return self.on_failure is None and not limited


@dataclass
class Activity:
    """Invocation history, relative to --today (T). Daily datapoints at 12:00 UTC."""

    pattern: str  # busy | weekly | last:N | never
    per_day: int = 2000
    error_rate: float = 0.004
    error_spike: tuple | None = None  # (days ago, rate)
    throttle_days: tuple = ()  # days ago with throttles
    duration_ratio: float = 0.15  # max Duration / timeout
    avg_ratio: float = 0.05


@dataclass
class Env:
    name: str
    value: str  # literal, or "secret:<kind>" | "weak" | "uuid" | "hex" generated at seed time
    name_hit: bool = False  # the name is secret-like and the value is a literal (env-secret-name)

    @property
    def secret_kind(self):
        return self.value.split(":", 1)[1] if self.value.startswith("secret:") else None


@dataclass
class Release:
    """What the published versions were created with before $LATEST was fixed: the function is created with these,
    its versions published and its aliases created, then $LATEST is updated to the Fn's own settings."""

    runtime: str
    env: list = field(default_factory=list)


@dataclass
class Fn:
    name: str
    region: str
    runtime: str
    role: str
    package: str
    why: str
    description: str = ""
    memory: int = 256
    timeout: int = 30
    env: list = field(default_factory=list)
    cmk: bool = False
    tracing: bool = False
    csc: bool = False
    tags: dict = field(default_factory=lambda: {"owner": "platform-team", "team": "platform"})
    vpc: str | None = None  # 1az | 2az | detached (a VpcConfig without subnets: not in a VPC)
    log_group: str | None = None
    # The function's log group (custom or /aws/lambda/<name>): created for every function that has run (by Lambda or
    # by infrastructure code) unless `log_group_deleted`; retention in days (None: never expires) and a CMK.
    log_retention: int | None = None
    log_kms: bool = False
    log_group_deleted: bool = False
    layers: list = field(default_factory=list)
    reserved: int | None = None
    perms: list = field(default_factory=list)
    versions: int = 0  # how many versions to publish
    aliases: dict = field(default_factory=dict)  # alias -> version
    urls: list = field(default_factory=list)
    dlq: Dlq | None = None
    async_cfg: AsyncCfg | None = None
    esms: list = field(default_factory=list)
    provisioned: dict = field(default_factory=dict)  # alias -> count
    activity: Activity = field(default_factory=lambda: Activity("busy"))
    code_age_days: int | None = None  # LastModified this many days before T (needs the emulator's admin API)
    released: Release | None = None  # the published versions' settings, when $LATEST was fixed since

    @property
    def arn(self):
        return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{self.name}"

    @property
    def in_vpc(self):
        return self.vpc in ("1az", "2az")

    @property
    def effective_log_group(self):
        return self.log_group or f"/aws/lambda/{self.name}"

    @property
    def log_group_exists(self):
        """Custom groups are created by the seeder's infrastructure; the default one once the function has run."""
        if self.log_group_deleted:
            return False
        return self.log_group is not None or self.activity.pattern != "never"


def tg_arn(region, name):
    """A target group's ARN: the emulator derives its id from account, region and name (mocks/emulator/elbv2_ext.py)."""
    tg_id = hashlib.sha256(f"{ACCOUNT}/{region}/{name}".encode()).hexdigest()[:16]
    return f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:targetgroup/{name}/{tg_id}"


def apigw(region, api, route):
    return f"arn:aws:execute-api:{region}:{ACCOUNT}:{api}/{route}"


def rule(region, name):
    return f"arn:aws:events:{region}:{ACCOUNT}:rule/{name}"


TAGS_ORDERS = {"owner": "orders-team", "team": "commerce", "cost-center": "cc-1001"}
TAGS_PAY = {"owner": "payments-team", "team": "payments", "pci": "true"}
TAGS_DATA = {"team": "data-platform", "cost-center": "cc-2040"}
TAGS_WEB = {"owner": "web-team", "team": "storefront"}
TAGS_EU = {"owner": "eu-compliance", "team": "legal-eng", "data-residency": "eu"}

FUNCTIONS = [
    # ---------------------------------------------------------------- us-east-1: the good ones
    Fn(
        "orders-api",
        HOME,
        "python3.13",
        "orders-api-role",
        "python-clean",
        "model function: passes every check",
        log_retention=365, log_kms=True,
        description="REST API for orders (API Gateway prod stage)",
        timeout=10,
        env=[
            Env("TABLE_NAME", "orders"),
            Env("DB_PASSWORD_SECRET_ARN", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/orders/db-Qx7Lw2"),
            Env("BUILD_SHA", "hex"),
            Env("POWERTOOLS_SERVICE_NAME", "orders"),
        ],
        cmk=True,
        tracing=True,
        csc=True,
        tags=TAGS_ORDERS,
        layers=["acme-observability", "aws-insights"],
        reserved=100,
        perms=[Perm("apigw-prod-post-orders", "apigateway.amazonaws.com", source_arn=apigw(HOME, "a1b2c3d4e5", "prod/POST/orders"))],
        activity=Activity("busy", per_day=48000, duration_ratio=0.22),
    ),
    Fn(
        "orders-fulfillment",
        HOME,
        "nodejs24.x",
        "orders-fulfillment-role",
        "node-clean",
        "SQS consumer whose slowest run is 96% of its timeout; logs kept 30 days",
        log_retention=30,
        description="Consumes orders-queue, books shipments",
        timeout=30,
        env=[Env("TABLE_NAME", "orders"), Env("CARRIER_API_URL", "https://api.carrier.example/v2/shipments")],
        tracing=True,
        tags=TAGS_ORDERS,
        esms=[Esm("sqs:orders-queue", batch_size=10)],
        activity=Activity("busy", per_day=45000, duration_ratio=0.96, avg_ratio=0.3),
    ),
    Fn(
        "payments-webhook",
        HOME,
        "python3.13",
        "payments-role",
        "python-clean",
        "model function: alias `live` behind an IAM-auth URL with restricted CORS, custom log group the role can write",
        log_retention=400, log_kms=True,
        description="Stripe webhook receiver",
        timeout=15,
        env=[
            Env("STRIPE_API_KEY_SECRET_ARN", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/stripe-Zp3Kq9"),
            Env("PAYMENTS_TABLE", "payments"),
            Env("IDEMPOTENCY_TTL_SECONDS", "3600"),
        ],
        cmk=True,
        tracing=True,
        csc=True,
        tags=TAGS_PAY,
        log_group="/acme/payments/webhook",
        layers=["acme-observability"],
        reserved=50,
        versions=1,
        aliases={"live": "1"},
        urls=[Url("AWS_IAM", qualifier="live", cors_origins=["https://shop.acme.example"])],
        perms=[Perm("apigw-live", "apigateway.amazonaws.com", qualifier="live", source_arn=apigw(HOME, "p9q8r7s6t5", "prod/POST/webhooks/stripe"))],
        async_cfg=AsyncCfg(max_retries=2, max_age=3600, on_failure=Dlq("sqs", "payments-failures")),
        activity=Activity("busy", per_day=9000),
    ),
    Fn(
        "session-authorizer",
        HOME,
        "python3.13",
        "session-authorizer-role",
        "python-clean",
        "good posture, but a JWT sits in a harmlessly named variable",
        description="API Gateway Lambda authorizer",
        timeout=5,
        env=[Env("SESSIONS_TABLE", "sessions"), Env("SMOKE_TEST_IDENTITY", "secret:jwt")],
        cmk=True,
        tracing=True,
        csc=True,
        tags=TAGS_WEB,
        reserved=200,
        perms=[Perm("apigw-authorizer", "apigateway.amazonaws.com", source_arn=apigw(HOME, "a1b2c3d4e5", "authorizers/x1y2z3"))],
        activity=Activity("busy", per_day=60000),
    ),
    Fn(
        "reporting-etl",
        HOME,
        "python3.12",
        "reporting-etl-role",
        "python-clean",
        "VPC in two AZs, scheduled, OnFailure to SNS the role can publish to; behind an internal ALB",
        log_retention=90,
        description="Nightly reporting extract",
        timeout=900,
        memory=1024,
        env=[Env("OUTPUT_BUCKET", "acme-reporting"), Env("WAREHOUSE_HOST", "warehouse.internal.acme.example")],
        cmk=True,
        tracing=True,
        tags=TAGS_DATA,
        vpc="2az",
        layers=["aws-insights"],
        perms=[
            Perm("nightly", "events.amazonaws.com", source_arn=rule(HOME, "reporting-nightly")),
            Perm("alb-reports", "elasticloadbalancing.amazonaws.com", source_arn=tg_arn(HOME, "reporting-tg")),
        ],
        async_cfg=AsyncCfg(max_retries=1, on_failure=Dlq("sns", "etl-failures")),
        activity=Activity("busy", per_day=1, duration_ratio=0.4),
    ),
    Fn(
        "ddb-stream-auditor",
        HOME,
        "python3.12",
        "ddb-auditor-role",
        "python-clean",
        "DynamoDB stream consumer with on-failure queue, bisect and a retry limit",
        description="Audits order changes from the table stream",
        env=[Env("AUDIT_LEVEL", "full")],
        tags=TAGS_ORDERS,
        esms=[Esm("ddbstream:orders", on_failure="ddb-auditor-failures", bisect=True, max_retries=3)],
        activity=Activity("busy", per_day=40000),
    ),
    Fn(
        "admin-dashboard-api",
        HOME,
        "nodejs24.x",
        "web-backend-role",
        "node-clean",
        "function URL with AWS_IAM auth and CORS restricted to the admin site",
        description="Back office API",
        tags=TAGS_WEB,
        urls=[Url("AWS_IAM", cors_origins=["https://admin.acme.example"])],
        activity=Activity("busy", per_day=800),
    ),
    Fn(
        "public-status-page",
        HOME,
        "nodejs24.x",
        "status-page-role",
        "node-clean",
        "principal * but pinned by SourceAccount and by an exact SourceArn; OnFailure configured",
        description="Renders status.acme.example from SNS updates",
        tags=TAGS_WEB,
        perms=[
            Perm("status-sns-any-topic-in-account", "*", source_account=ACCOUNT),
            Perm("status-sns-topic", "*", source_arn=_sns(HOME, "status-updates")),
        ],
        async_cfg=AsyncCfg(max_retries=2, on_failure=Dlq("sqs", "status-failures")),
        activity=Activity("busy", per_day=300),
    ),
    # ---------------------------------------------------------------- us-east-1: the problems
    Fn(
        "checkout-service",
        HOME,
        "nodejs24.x",
        "web-backend-role",
        "node-dotenv",
        "public URL with CORS *, a Stripe live key in env and in a shipped .env, 14% errors two days ago, logs kept 7 days",
        log_retention=7,
        description="Checkout (function URL, no auth)",
        env=[Env("STRIPE_SECRET_KEY", "secret:stripe-key", name_hit=True), Env("CART_TABLE", "carts")],
        tags=TAGS_WEB,
        urls=[Url("NONE", cors_origins=["*"])],
        # the two statements AWS writes for a public URL since October 2025 (image-upload-url keeps only the first)
        perms=[
            Perm("FunctionURLAllowPublicAccess", "*", action="lambda:InvokeFunctionUrl", url_auth="NONE"),
            Perm("FunctionURLInvokeAllowPublicAccess", "*", via_url=True),
        ],
        activity=Activity("busy", per_day=5000, error_spike=(2, 0.14)),
    ),
    Fn(
        "thumbnail-resizer",
        HOME,
        "python3.12",
        "image-pipeline-role",
        "python-clean",
        "S3 may invoke it from any bucket (no SourceArn/SourceAccount), foreign ImageMagick layer, throttled",
        description="Resizes product images",
        memory=1536,
        timeout=60,
        env=[Env("OUTPUT_BUCKET", "acme-product-images"), Env("SIZES", "64,256,1024")],
        tags=TAGS_WEB,
        layers=["imagemagick"],
        reserved=20,
        perms=[Perm("s3-invoke", "s3.amazonaws.com")],
        activity=Activity("busy", per_day=12000, throttle_days=(9, 8, 3)),
    ),
    Fn(
        "legacy-report-2019",
        HOME,
        "python3.7",
        "legacy-admin-role",
        "python-hardcoded-source",
        "AdministratorAccess, AWS key pair in env and in source, python3.7, disabled with reserved concurrency 0, last run 200 days ago",
        description="Quarterly report (do not touch)",
        timeout=300,
        env=[
            Env("REPORTS_AWS_ACCESS_KEY_ID", "secret:aws-access-key-id", name_hit=True),
            Env("REPORTS_AWS_SECRET_ACCESS_KEY", "secret:aws-secret-access-key", name_hit=True),
            Env("REPORT_BUCKET", "acme-reports-2019"),
            # a secret-named literal that no value rule recognises: env-secret-name's, not env-secret-value's
            Env("LEGACY_API_KEY", "partnerdemo", name_hit=True),
        ],
        tags={"cost-center": "cc-9000"},
        reserved=0,
        perms=[Perm("quarterly", "events.amazonaws.com", source_arn=rule(HOME, "quarterly-report"))],
        activity=Activity("last:200", per_day=4),
        code_age_days=1650,
    ),
    Fn(
        "notify-slack",
        HOME,
        "nodejs14.x",
        "acme-lambda-shared",
        "node-clean",
        "nodejs14.x, Slack bot token in env, shared role; SNS scoped and DLQ fine",
        description="Posts ops alerts to Slack",
        env=[Env("SLACK_BOT_TOKEN", "secret:slack-token", name_hit=True), Env("SLACK_CHANNEL", "#ops-alerts")],
        tags={"team": "sre"},
        perms=[Perm("sns-ops-alerts", "sns.amazonaws.com", source_arn=_sns(HOME, "ops-alerts"))],
        dlq=Dlq("sqs", "notify-dlq"),
        activity=Activity("busy", per_day=150),
    ),
    Fn(
        "github-webhook-relay",
        HOME,
        "nodejs24.x",
        "acme-lambda-shared",
        "node-clean",
        "GitHub token in env; API Gateway may invoke without SourceArn; an unauthenticated public REST route with no WAF",
        description="Relays GitHub webhooks to the build queue",
        env=[Env("GITHUB_TOKEN", "secret:github-token", name_hit=True), Env("BUILD_QUEUE_URL", f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/builds")],
        tags={"team": "sre"},
        perms=[Perm("apigw-any", "apigateway.amazonaws.com")],
        activity=Activity("busy", per_day=700),
    ),
    Fn(
        "cron-cleanup",
        HOME,
        "python3.12",
        "acme-lambda-shared",
        "python-clean",
        "scheduled (async) with an invoke config that sets retries but no OnFailure destination",
        description="Deletes expired carts nightly",
        env=[Env("RETENTION_DAYS", "30")],
        tags={"team": "sre"},
        perms=[Perm("nightly-cleanup", "events.amazonaws.com", source_arn=rule(HOME, "cart-cleanup"))],
        async_cfg=AsyncCfg(max_retries=0, max_age=600),
        activity=Activity("busy", per_day=1),
    ),
    Fn(
        "customer-db-migrator",
        HOME,
        "python3.9",
        "db-migrator-role",
        "python-clean",
        "VPC in a single AZ, DB URL with password in env, python3.9, never invoked",
        description="One-off schema migrations",
        timeout=600,
        env=[Env("ORDERS_DB", "secret:url-password"), Env("MIGRATIONS_PATH", "/var/task/migrations")],
        tags={"owner": "orders-team"},
        vpc="1az",
        activity=Activity("never"),
    ),
    Fn(
        "kinesis-clickstream-processor",
        HOME,
        "java21",
        "clickstream-role",
        "java-clean",
        "Kinesis ESM with no on-failure destination, no bisect, infinite retries",
        description="Aggregates clickstream events",
        memory=2048,
        timeout=120,
        env=[Env("ARCHIVE_STREAM", "clickstream-archive")],
        tags=TAGS_DATA,
        esms=[Esm("kinesis:clickstream", batch_size=500)],
        activity=Activity("busy", per_day=90000, duration_ratio=0.3),
    ),
    Fn(
        "deploy-hook",
        HOME,
        "go1.x",
        "ci-deployer-role",
        "go-clean",
        "go1.x, can pass any role to functions it creates",
        description="Deploys Lambda functions from CI artifacts",
        tags={"owner": "platform-team"},
        activity=Activity("busy", per_day=25),
    ),
    Fn(
        "partner-inventory-feed",
        HOME,
        "python3.12",
        "partner-sync-role",
        "python-nested-zip",
        "partner account may invoke; role also assumable by the partner; token inside a vendored zip",
        description="Receives the partner's inventory pushes",
        env=[Env("INVENTORY_TABLE", "partner-inventory")],
        tags={"owner": "supply-chain"},
        perms=[Perm("partner-push", f"arn:aws:iam::{PARTNER_ACCOUNT}:root")],
        async_cfg=AsyncCfg(max_retries=2, on_failure=Dlq("sqs", "partner-feed-failures")),
        activity=Activity("busy", per_day=2400),
    ),
    Fn(
        "partner-pricing-api",
        HOME,
        "python3.12",
        "partner-sync-role",
        "python-clean",
        "cross-account invoke granted with a bare account id (AWS stores arn:aws:iam::ID:root); its REST route requires only an API key",
        description="Price lookups for the partner",
        env=[Env("PRICE_TABLE", "prices")],
        tags={"owner": "supply-chain"},
        perms=[Perm("partner-pricing", PARTNER_ACCOUNT)],
        activity=Activity("busy", per_day=3100),
    ),
    Fn(
        "loyalty-points",
        HOME,
        "python3.13",
        "loyalty-points-role",
        "python-clean",
        "alias `live` still runs version 1 (python3.9, Stripe key in env) although $LATEST was fixed; "
        "invokable by the loyalty partner's AWS organization; `live` behind an internet-facing ALB open to the "
        "partner's public addresses only, no authentication",
        description="Loyalty points ledger",
        env=[Env("STRIPE_KEY_SECRET_ARN", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/loyalty/stripe-Lp4Xw9")],
        cmk=True,
        tags={"owner": "loyalty-team"},
        versions=1,
        aliases={"live": "1"},
        released=Release("python3.9", env=[Env("STRIPE_SECRET_KEY", "secret:stripe-key")]),
        perms=[
            Perm("partner-org-invoke", "*", qualifier="live", org_id=PARTNER_ORG),
            Perm("alb-partner-live", "elasticloadbalancing.amazonaws.com", qualifier="live", source_arn=tg_arn(HOME, "loyalty-partner-tg")),
        ],
        dlq=Dlq("sqs", "loyalty-dlq"),
        activity=Activity("busy", per_day=1800),
    ),
    Fn(
        "marketing-email-sender",
        HOME,
        "python3.12",
        "marketing-email-role",
        "python-clean",
        "principal * 'pinned' by a SourceArn full of wildcards: still public",
        description="Sends the weekly newsletter",
        env=[Env("SES_CONFIGURATION_SET", "marketing"), Env("UNSUBSCRIBE_URL", "https://acme.example/unsubscribe")],
        tags={"cost-center": "cc-3100"},
        perms=[Perm("newsletter-topics", "*", source_arn="arn:aws:sns:us-east-1:*:newsletter-*")],
        activity=Activity("weekly", per_day=1),
    ),
    Fn(
        "image-upload-url",
        HOME,
        "nodejs18.x",
        "web-backend-role",
        "node-vendored",
        "function URL with no auth and CORS * on alias `prod`; Slack token in vendored node_modules",
        description="Presigned upload URLs for the storefront",
        tags=TAGS_WEB,
        versions=1,
        aliases={"prod": "1"},
        urls=[Url("NONE", qualifier="prod", cors_origins=["*"])],
        perms=[Perm("FunctionURLAllowPublicAccess", "*", qualifier="prod", action="lambda:InvokeFunctionUrl", url_auth="NONE")],
        activity=Activity("busy", per_day=2200),
    ),
    Fn(
        "search-indexer",
        HOME,
        "python3.12",
        "search-indexer-role",
        "python-clean",
        "resource policy with Allow + NotPrincipal (everyone except the account root)",
        description="Indexes catalog changes",
        env=[Env("SEARCH_ENDPOINT", "https://search-catalog.us-east-1.es.amazonaws.com")],
        tags=TAGS_WEB,
        reserved=10,
        perms=[Perm("allow-all-but-root", None, not_principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})],
        dlq=Dlq("sqs", "search-dlq"),
        activity=Activity("busy", per_day=6000),
    ),
    Fn(
        "recommendations-v2",
        HOME,
        "python3.12",
        "recommendations-role",
        "python-clean",
        "version 2 carries an unpinned public permission (function policy itself is clean but for its API route's); "
        "an unauthenticated REST route behind a disabled default endpoint, reached through a custom domain",
        description="Recommendations API",
        env=[Env("MODEL_VERSION", "2024-09")],
        tags=TAGS_WEB,
        reserved=300,
        versions=2,
        perms=[Perm("demo-public-v2", "*", qualifier="2")],
        activity=Activity("busy", per_day=20000),
    ),
    Fn(
        "feature-flags-edge",
        HOME,
        "nodejs22.x",
        "feature-flags-role",
        "node-clean",
        "alias `live` is publicly invokable; nodejs22.x deprecates 2027-04-30 (within 180 days); an unauthenticated "
        "REST route behind a disabled default endpoint that no custom domain maps (no way in)",
        description="Feature flag evaluation",
        timeout=3,
        tags=TAGS_WEB,
        versions=1,
        aliases={"live": "1"},
        perms=[Perm("public-live", "*", qualifier="live")],
        activity=Activity("busy", per_day=30000),
    ),
    Fn(
        "recs-model-warmup",
        HOME,
        "python3.12",
        "recs-warmup-role",
        "python-clean",
        "provisioned concurrency on alias `live` still billed; last invoked 120 days ago",
        description="Keeps the recommendation model warm",
        tags=TAGS_WEB,
        versions=1,
        aliases={"live": "1"},
        provisioned={"live": 5},
        activity=Activity("last:120", per_day=1400),
    ),
    Fn(
        "invoice-pdf-generator",
        HOME,
        "java21",
        "invoice-pdf-role",
        "java-clean",
        "DLQ points at a queue that no longer exists",
        description="Renders invoice PDFs from uploads",
        memory=1024,
        timeout=60,
        env=[Env("OUTPUT_BUCKET", "acme-invoices")],
        tags={"owner": "finance-eng"},
        perms=[Perm("s3-invoice-uploads", "s3.amazonaws.com", source_arn="arn:aws:s3:::acme-invoice-uploads", source_account=ACCOUNT)],
        dlq=Dlq("sqs", "invoice-dlq", exists=False),
        activity=Activity("busy", per_day=1800),
    ),
    Fn(
        "refund-processor",
        HOME,
        "python3.12",
        "refund-processor-role",
        "python-clean",
        "DLQ exists but the role cannot send to it; role has no logs permissions; detached from acme-prod (VpcConfig without subnets)",
        vpc="detached",
        description="Processes refund requests",
        env=[Env("REFUNDS_TABLE", "refunds")],
        tags={"owner": "payments-team"},
        perms=[Perm("refund-requests", "events.amazonaws.com", source_arn=rule(HOME, "refund-requested"))],
        dlq=Dlq("sqs", "refunds-dlq"),
        activity=Activity("busy", per_day=400),
    ),
    Fn(
        "legacy-invoice-export",
        HOME,
        "ruby3.2",
        "legacy-invoice-export-role",
        "ruby-clean",
        "its role was deleted; ruby3.2; never invoked",
        description="Exports invoices to the old ERP",
        tags={},
        activity=Activity("never"),
    ),
    Fn(
        "billing-reconciler",
        HOME,
        "ruby3.3",
        "finance-reports-role",
        "ruby-clean",
        "ruby3.3 (deprecation 2027-03-31, within 180 days); reads any secret; a Slack token inside its own layer",
        description="Reconciles Stripe payouts with the ledger",
        env=[Env("LEDGER_BUCKET", "acme-finance-reports")],
        tags={"owner": "finance-eng", "team": "finance"},
        layers=["acme-legacy-utils"],
        perms=[Perm("daily-reconcile", "events.amazonaws.com", source_arn=rule(HOME, "billing-reconcile"))],
        activity=Activity("busy", per_day=24),
    ),
    Fn(
        "internal-metrics-collector",
        HOME,
        "python3.12",
        "metrics-collector-role",
        "python-clean",
        "all-purpose role (nine services, two never used); OnFailure to SNS; behind a private API open to every VPC "
        "endpoint, and an internet-facing ALB whose security group admits the VPN range only",
        description="Collects business metrics",
        env=[Env("METRICS_TABLE", "metrics")],
        tags=TAGS_DATA,
        perms=[
            Perm("every-5-min", "events.amazonaws.com", source_arn=rule(HOME, "metrics-5min")),
            Perm("alb-metrics", "elasticloadbalancing.amazonaws.com", source_arn=tg_arn(HOME, "metrics-tg")),
        ],
        async_cfg=AsyncCfg(max_retries=2, on_failure=Dlq("sns", "metrics-failures")),
        activity=Activity("busy", per_day=288),
    ),
    Fn(
        "audit-log-writer",
        HOME,
        "python3.12",
        "audit-writer-role",
        "python-clean",
        "logs to a custom group its role cannot write to",
        log_retention=3653,
        description="Writes the audit trail",
        env=[Env("AUDIT_TABLE", "audit-events")],
        tags={"owner": "security"},
        log_group="/acme/audit/trail",
        activity=Activity("busy", per_day=5000),
    ),
    Fn(
        "dev-sandbox-hello",
        HOME,
        "nodejs24.x",
        "sandbox-role",
        "node-clean",
        "no owner tags, a weak admin password under a secret name, last invoked 40 days ago; an internet-facing ALB forwards to it unauthenticated",
        description="hello world from the onboarding guide",
        env=[Env("ADMIN_PASSWORD", "weak", name_hit=True), Env("GREETING", "hello")],
        tags={"env": "dev"},
        perms=[Perm("alb-hello", "elasticloadbalancing.amazonaws.com", source_arn=tg_arn(HOME, "sandbox-hello-tg"))],
        activity=Activity("last:40", per_day=3),
    ),
    Fn(
        "stale-price-updater",
        HOME,
        "python3.12",
        "pricing-role",
        "python-clean",
        "invoked daily, code last changed 500 days ago; its log group was deleted and its least-privilege role cannot recreate it",
        log_group_deleted=True,
        description="Applies the price list every morning",
        env=[Env("PRICE_TABLE", "prices")],
        tags={"owner": "merchandising"},
        perms=[Perm("daily-prices", "events.amazonaws.com", source_arn=rule(HOME, "price-update"))],
        dlq=Dlq("sqs", "pricing-dlq"),
        activity=Activity("busy", per_day=1),
        code_age_days=500,
    ),
    # ---------------------------------------------------------------- eu-west-1
    Fn(
        "thumbnail-resizer-eu",
        EU,
        "python3.12",
        "image-pipeline-role",
        "python-clean",
        "EU copy: same role as the US one (role-shared only when regions are joined), S3 scoped, no DLQ",
        description="Resizes product images (EU bucket)",
        memory=1536,
        timeout=60,
        env=[Env("OUTPUT_BUCKET", "acme-product-images-eu"), Env("SIZES", "64,256,1024")],
        tags=TAGS_WEB,
        layers=["imagemagick"],
        reserved=10,
        perms=[Perm("s3-eu-images", "s3.amazonaws.com", source_arn="arn:aws:s3:::acme-product-images-eu-incoming", source_account=ACCOUNT)],
        activity=Activity("busy", per_day=4000),
    ),
    Fn(
        "gdpr-export",
        EU,
        "python3.13",
        "gdpr-export-role",
        "python-clean",
        "model EU function: secret-named variables hold SSM parameter names; registered behind an open ALB that its "
        "policy never allowed to invoke it",
        log_retention=180, log_kms=True,
        description="Subject access request exports",
        timeout=120,
        env=[
            Env("DB_PASSWORD_PARAM", "/prod/gdpr/db-password"),
            Env("PARTNER_API_KEY_PARAM", "/prod/gdpr/partner-api-key"),
            Env("EXPORT_BUCKET", "acme-gdpr-exports"),
        ],
        cmk=True,
        tracing=True,
        csc=True,
        tags=TAGS_EU,
        reserved=5,
        perms=[Perm("apigw-eu", "apigateway.amazonaws.com", source_arn=apigw(EU, "e5d4c3b2a1", "prod/POST/exports"))],
        activity=Activity("busy", per_day=40),
    ),
    Fn(
        "audit-log-shipper-eu",
        EU,
        "python3.12",
        "acme-lambda-shared",
        "python-clean",
        "decoy-only environment (placeholders, references, paths, UUID, URL): nothing to report there",
        description="Ships CloudWatch Logs to the SIEM",
        env=[
            Env("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"),
            Env("API_TOKEN", "changeme"),
            Env("AUTH_TOKEN", "${AUTH_TOKEN}"),
            Env("SIEM_TOKEN_SECRET_ARN", f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prod/siem-hec-Ab12Cd"),
            Env("CA_BUNDLE_PATH", "/opt/certs/ca-bundle.pem"),
            Env("TRACE_NAMESPACE", "uuid"),
            Env("SIEM_URL", "https://siem.acme.example:8088/services/collector"),
            Env("SIGNING_KEY_ARN", f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/siem-signing"),
        ],
        tags={"team": "security"},
        perms=[
            Perm(
                "cwlogs-subscription",
                "logs.amazonaws.com",
                source_arn=f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/gdpr-export:*",
                source_account=ACCOUNT,
            )
        ],
        dlq=Dlq("sqs", "notify-dlq"),
        activity=Activity("busy", per_day=9000),
    ),
    Fn(
        "newsletter-unsubscribe-eu",
        EU,
        "python3.12",
        "acme-lambda-shared",
        "python-clean",
        "shared role, no tags, API Gateway only; its HTTP API route has no authorization and invokes through an integration role",
        description="Unsubscribe endpoint (EU)",
        tags={},
        perms=[Perm("apigw-unsub", "apigateway.amazonaws.com", source_arn=apigw(EU, "u1n2s3u4b5", "prod/GET/unsubscribe"))],
        activity=Activity("busy", per_day=120),
    ),
    Fn(
        "sso-bridge-eu",
        EU,
        "python3.12",
        "sso-bridge-role",
        "python-config-file",
        "SAML private key in env and in a config file; an unauthenticated public REST route (sso-legacy, no web ACL) its "
        "policy does not let API Gateway invoke (apigw-sso names another API): no way in",
        description="SAML bridge for the EU back office",
        env=[Env("SAML_PRIVATE_KEY", "secret:private-key", name_hit=True), Env("IDP_METADATA_URL", "https://idp.acme.example/metadata")],
        tags=TAGS_EU,
        perms=[Perm("apigw-sso", "apigateway.amazonaws.com", source_arn=apigw(EU, "s5s4o3b2r1", "prod/POST/saml/acs"))],
        activity=Activity("busy", per_day=350),
    ),
    Fn(
        "vat-calculator-eu",
        EU,
        "provided.al2023",
        "vat-calculator-role",
        "rust-clean",
        "high-entropy signing secret under a secret name; behind an ALB that authenticates users (OIDC) first",
        description="VAT computation service (Rust)",
        memory=128,
        timeout=5,
        env=[Env("WEBHOOK_SIGNING_SECRET", "secret:high-entropy", name_hit=True), Env("RATES_TABLE", "vat-rates")],
        tags=TAGS_EU,
        perms=[
            Perm(
                "alb-vat",
                "elasticloadbalancing.amazonaws.com",
                source_arn=tg_arn(EU, "vat-tg"),
            )
        ],
        activity=Activity("busy", per_day=15000),
    ),
]

# Layers: key -> (publisher account, layer name, package kind, compatible runtimes)
LAYERS = {
    "acme-observability": (ACCOUNT, "acme-observability", "observability", ["python3.12", "python3.13"]),
    "acme-legacy-utils": (ACCOUNT, "acme-legacy-utils", "legacy-utils", ["ruby3.3", "python3.12"]),
    "imagemagick": (FOREIGN_LAYER_ACCOUNT, "imagemagick-7", "imagemagick", ["python3.12"]),
    "aws-insights": (AWS_LAYER_ACCOUNT, "LambdaInsightsExtension", "insights", ["python3.12", "python3.13"]),
}

# Queues and topics that exist (per region). DLQ/destination targets that must be missing are absent.
QUEUES = {
    HOME: ["orders-queue", "orders-dlq", "notify-dlq", "refunds-dlq", "ddb-auditor-failures", "payments-failures",
           "partner-feed-failures", "status-failures", "pricing-dlq", "search-dlq", "metrics-backlog", "invoice-dlq", "loyalty-dlq"],
    EU: ["notify-dlq"],
}
DELETED_QUEUES = {HOME: ["invoice-dlq"]}
TOPICS = {HOME: ["ops-alerts", "etl-failures", "metrics-failures", "status-updates"], EU: ["ops-alerts"]}

# Deprecation dates of the runtimes used here ("Deprecation date" column of the AWS Lambda runtimes page).
RUNTIME_DEPRECATION = {
    "python3.7": "2023-12-04",
    "nodejs14.x": "2023-12-04",
    "go1.x": "2024-01-08",
    "nodejs18.x": "2025-09-01",
    "python3.9": "2025-12-15",
    "ruby3.2": "2026-03-31",
    "ruby3.3": "2027-03-31",
    "nodejs22.x": "2027-04-30",
    "nodejs24.x": "2028-04-30",
    "python3.12": "2028-10-31",
    "python3.13": "2029-06-30",
    "java21": "2029-06-30",
    "provided.al2023": "2029-06-30",
}

# CloudTrail (invoke-not-audited). Trails need a bucket to write to. A trail records Lambda Invoke events only when a
# selector asks for them: acme-audit (multi-Region, logging) records the invocations of the functions whose ARN starts
# with AUDITED_PREFIXES, plus loyalty-points by its exact bare ARN (which records its invocations through its alias
# `live` too: an Invoke record names the unqualified function ARN); acme-legacy-trail would record every us-east-1
# function (basic selector `arn:aws:lambda`) but is stopped; acme-eu-reads (eu-west-1 only) records read-only Lambda data events, which
# Invoke (readOnly=false) is not. The CloudTrail Lake store acme-privacy-lake (eu-west-1 only, enabled) records the
# invocations of the `gdpr-` functions.
TRAIL_BUCKET = "acme-cloudtrail-logs"
LAMBDA_DATA = [{"Field": "eventCategory", "Equals": ["Data"]},
               {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}]
AUDITED_PREFIXES = [f"arn:aws:lambda:{HOME}:{ACCOUNT}:function:{p}"
                    for p in ("orders-", "payments-", "reporting-", "ddb-stream-", "public-status-")]
LOYALTY_ARN = f"arn:aws:lambda:{HOME}:{ACCOUNT}:function:loyalty-points"
GDPR_PREFIX = f"arn:aws:lambda:{EU}:{ACCOUNT}:function:gdpr-"


@dataclass
class Trail:
    name: str
    home: str
    multi_region: bool
    logging: bool
    basic: list | None = None
    advanced: list | None = None


TRAILS = [
    Trail("acme-audit", HOME, True, True, advanced=[
        {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {"Name": "Audited services' invocations",
         "FieldSelectors": LAMBDA_DATA + [{"Field": "resources.ARN", "StartsWith": AUDITED_PREFIXES}]},
        {"Name": "Loyalty invocations",
         "FieldSelectors": LAMBDA_DATA + [{"Field": "resources.ARN", "Equals": [LOYALTY_ARN]}]},
    ]),
    Trail("acme-legacy-trail", HOME, False, False, basic=[
        {"ReadWriteType": "All", "IncludeManagementEvents": True,
         "DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}]},
    ]),
    Trail("acme-eu-reads", EU, False, True, advanced=[
        {"Name": "Lambda reads", "FieldSelectors": LAMBDA_DATA + [{"Field": "readOnly", "Equals": ["true"]}]},
    ]),
]


@dataclass
class EventDataStore:
    name: str
    region: str
    multi_region: bool
    advanced: list


EVENT_DATA_STORES = [
    EventDataStore("acme-privacy-lake", EU, False, [
        {"Name": "GDPR invocations",
         "FieldSelectors": LAMBDA_DATA + [{"Field": "resources.ARN", "StartsWith": [GDPR_PREFIX]}]},
    ]),
]


def invoke_audited(fn: Fn) -> bool:
    """Whether CloudTrail records the Invoke events of `fn`, whose records name its unqualified ARN (whatever alias)."""
    if fn.region == HOME:
        return any(fn.arn.startswith(p) for p in AUDITED_PREFIXES) or fn.arn == LOYALTY_ARN
    return fn.arn.startswith(GDPR_PREFIX)


# --- API Gateway front doors (issue 16 item 1) ------------------------------------------------------------------
@dataclass
class Route:
    method: str  # REST: the HTTP method; HTTP API: the route key's method
    path: str
    function: str  # the function the route invokes
    auth: str = "NONE"  # NONE | AWS_IAM | CUSTOM | COGNITO_USER_POOLS (REST) | JWT (HTTP)
    api_key: bool = False  # REST only
    # an alias the stage picks through ${stageVariables.alias} (REST): the integration URI names the variable
    alias_variable: str | None = None
    # the seeder adds the Lambda permission API Gateway needs (apigateway.amazonaws.com, SourceArn of this route on the
    # API's real id) unless False: then API Gateway's call is refused and the route reaches no one
    permission: bool = True
    # a role API Gateway assumes to invoke (REST integration `credentials`, HTTP `CredentialsArn`): the function's
    # policy is not consulted
    credentials: str | None = None
    # REST: the authorization the draft is changed to after the stage was deployed (UpdateMethod, no redeployment):
    # the stage still serves `auth`
    draft_auth: str | None = None

    @property
    def reaches(self) -> bool:
        """Whether API Gateway may invoke the function through the route."""
        return self.permission or self.credentials is not None


@dataclass
class Api:
    name: str
    region: str
    kind: str  # rest | http
    routes: list
    endpoint: str = "REGIONAL"  # REST: EDGE | REGIONAL | PRIVATE
    policy: dict | None = None  # REST resource policy
    waf: bool = False  # REST: a regional web ACL on the stage
    stage: str = "prod"  # HTTP APIs: $default
    why: str = ""
    # the default execute-api endpoint is disabled (disableExecuteApiEndpoint): only a custom domain name reaches it
    default_endpoint_disabled: bool = False
    # a custom domain name mapping the stage (REST: a base path mapping; HTTP: an API mapping) under `base_path`
    domain: str | None = None
    base_path: str = ""

    @property
    def public(self) -> bool:
        return self.endpoint != "PRIVATE"


def _execute_api_policy(condition=None):
    s = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    if condition:
        s["Condition"] = condition
    return doc(s)


APIS = [
    Api("orders-rest", HOME, "rest", [Route("POST", "/orders", "orders-api", auth="AWS_IAM", draft_auth="NONE")],
        waf=True,
        why="IAM-authorized route behind a web ACL: passes every API check; its draft was since made NONE but not "
            "deployed: the prod stage still serves AWS_IAM (passes)"),
    Api("payments-rest", HOME, "rest",
        [Route("POST", "/webhooks/stripe", "payments-webhook", auth="CUSTOM", alias_variable="live")], waf=True,
        why="Lambda (TOKEN) authorizer session-authorizer; the prod stage picks alias live through a stage variable"),
    Api("github-hooks", HOME, "rest", [Route("POST", "/github", "github-webhook-relay")], endpoint="EDGE",
        domain="hooks.acme.example",
        why="unauthenticated public route, no web ACL: critical api-unauthenticated-route and api-public-no-waf; the "
            "custom domain hooks.acme.example maps its stage too (named in the evidence)"),
    Api("partner-portal", HOME, "rest", [Route("GET", "/recommendations", "recommendations-v2")], waf=True,
        default_endpoint_disabled=True, domain="partners.acme.example", base_path="v1",
        why="default endpoint disabled, but the custom domain partners.acme.example maps the stage under v1: the "
            "unauthenticated route is critical at https://partners.acme.example/v1/recommendations"),
    Api("flags-internal", HOME, "rest", [Route("GET", "/flags", "feature-flags-edge")], waf=True,
        default_endpoint_disabled=True,
        why="default endpoint disabled and no custom domain maps the stage: the unauthenticated route is reachable "
            "from nowhere (passes)"),
    Api("partner-catalog", HOME, "rest", [Route("GET", "/prices", "partner-pricing-api", api_key=True)], waf=True,
        why="the method requires only an API key: not authentication (high)"),
    Api("metrics-private", HOME, "rest", [Route("GET", "/metrics", "internal-metrics-collector")], endpoint="PRIVATE",
        policy=_execute_api_policy(),
        why="private API whose resource policy allows everyone with no aws:SourceVpce: any VPC endpoint of any account"),
    Api("reporting-private", HOME, "rest", [Route("GET", "/reports", "reporting-etl")], endpoint="PRIVATE",
        policy=_execute_api_policy({"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}),
        why="private API pinned to the account's own VPC endpoint: passes"),
    Api("exports-http", EU, "http", [Route("POST", "/exports", "gdpr-export", auth="JWT")], stage="$default",
        why="HTTP API route with a JWT authorizer: passes (HTTP APIs cannot have a web ACL)"),
    Api("unsubscribe-http", EU, "http",
        [Route("GET", "/unsubscribe", "newsletter-unsubscribe-eu", permission=False,
               credentials=f"arn:aws:iam::{ACCOUNT}:role/apigw-invoke-unsubscribe")], stage="$default",
        why="HTTP API route with no authorization, invoking through an integration role (no Lambda permission for "
            "this API): critical"),
    Api("sso-legacy", EU, "rest", [Route("POST", "/saml/acs", "sso-bridge-eu", permission=False)],
        why="unauthenticated public route, no web ACL, but the function's policy lets API Gateway invoke it only from "
            "another API (apigw-sso names s5s4o3b2r1): API Gateway is refused, the route reaches no one (passes)"),
]


def api_permission_sid(api: Api, index: int) -> str:
    """The Sid of the Lambda permission the seeder adds for route `index` of `api` (see Route.permission)."""
    return f"apigw-{api.name}-{index}"


def api_permission_source(api: Api, route: Route, api_id: str) -> str:
    """The SourceArn of that permission: the route in every stage of the API (its real id, known once created)."""
    return apigw(api.region, api_id, f"*/{route.method}/{route.path.lstrip('/')}")


def api_route_permissions(function: str) -> list:
    """(API, route index, route) of the routes invoking `function` the seeder adds a Lambda permission for."""
    return [(a, i, r) for a in APIS for i, r in enumerate(a.routes) if r.function == function and r.permission]


def api_permissions(function: str) -> list:
    """(Sid, qualifier) of the Lambda permissions the seeder adds to `function` for the API routes invoking it."""
    return [(api_permission_sid(a, i), r.alias_variable) for a, i, r in api_route_permissions(function)]


def apis_of(function: str) -> list:
    """The APIs with a route to `function`, and those routes."""
    return [(a, [r for r in a.routes if r.function == function]) for a in APIS if any(r.function == function for r in a.routes)]


# --- Application Load Balancer front doors (issue 16 item 1) -----------------------------------------------------
@dataclass
class Alb:
    name: str
    region: str
    function: str  # registered in the load balancer's Lambda target group
    target_group: str
    scheme: str = "internet-facing"  # or internal
    port: int = 80  # an HTTP listener
    ingress: tuple = ("0.0.0.0/0",)  # what the security group admits on the port (CIDRs)
    auth: str | None = None  # authenticate-oidc | authenticate-cognito before the forward
    path: str | None = None  # a rule on this path forwards (the default rule answers 404); None: the default rule
    qualifier: str | None = None  # the alias registered
    why: str = ""

    @property
    def public_ingress(self) -> list:
        """The admitted CIDRs outside the ranges the internet cannot route to us (alb-unauthenticated-target's list:
        RFC 1918, shared address space, loopback, link-local)."""
        import ipaddress

        private = [ipaddress.ip_network(n) for n in
                   ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16")]
        return [c for c in self.ingress if not any(ipaddress.ip_network(c).subnet_of(p) for p in private)]

    def internet_wide(self) -> bool:
        """The security group admits the whole internet on the port (critical, not only some ranges: medium)."""
        return "0.0.0.0/0" in self.ingress or "::/0" in self.ingress

    def open_to_internet(self) -> bool:
        return self.scheme == "internet-facing" and self.auth is None and bool(self.public_ingress)


ALBS = [
    Alb("sandbox-public", HOME, "dev-sandbox-hello", "sandbox-hello-tg",
        why="internet-facing, port 80 open to the internet, the default rule forwards with no authentication: critical"),
    Alb("vat-public", EU, "vat-calculator-eu", "vat-tg", auth="authenticate-oidc", path="/vat/*",
        why="an authenticate-oidc action precedes the forward: passes"),
    Alb("reports-internal", HOME, "reporting-etl", "reporting-tg", scheme="internal",
        why="internal load balancer: passes"),
    Alb("metrics-vpn", HOME, "internal-metrics-collector", "metrics-tg", ingress=("10.8.0.0/16",),
        why="internet-facing, but its security group admits port 80 from the VPN range only: passes"),
    Alb("loyalty-partner", HOME, "loyalty-points", "loyalty-partner-tg", qualifier="live",
        ingress=("35.176.20.0/24",), path="/points/*",
        why="alias live behind an internet-facing ALB whose security group admits only the partner's public range: "
            "callers filtered, not authenticated (medium)"),
    Alb("exports-public", EU, "gdpr-export", "gdpr-export-tg",
        why="open and unauthenticated, but the function's policy never let the target group invoke it: passes"),
]


def albs_of(function: str) -> list:
    """The load balancers forwarding to `function`."""
    return [a for a in ALBS if a.function == function]
