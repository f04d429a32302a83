"""Expected check outcomes of the demo account, derived from the declarations in `account.py`.

`expected(today)` answers, for every check id of the catalogue (docs/CHECKS.md), which functions must fail,
which must come out Unknown, and a few that must pass. Role-level verdicts are declared on the
roles; everything else follows from the function declarations with the rules written in
JUDGEMENTS (where a check's README leaves room, the rule chosen is stated there).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json

from . import account as A
from .fakesecrets import SecretFactory
from .packages import build_layer, build_package

# A copy of the check registry (checks/src/catalog), which is authoritative: tests/check_ids.rs holds this list to it,
# in its order.
CHECK_IDS = [
    "lambda-public-invoke",
    "lambda-url-public",
    "lambda-url-cors-wildcard",
    "lambda-service-invoke-unscoped",
    "lambda-cross-account-invoke",
    "lambda-notprincipal-allow",
    "api-unauthenticated-route",
    "api-private-open-policy",
    "alb-unauthenticated-target",
    "role-shared",
    "role-admin-access",
    "role-action-wildcard",
    "role-resource-wildcard",
    "role-privilege-escalation",
    "role-data-exfiltration",
    "role-broad-managed-policy",
    "role-logs-missing",
    "role-logs-unscoped",
    "role-trust-broad",
    "role-all-purpose",
    "role-unused-permissions",
    "role-missing",
    "env-secret-value",
    "env-secret-name",
    "env-no-cmk",
    "code-secret",
    "async-no-failure-destination",
    "dlq-unwritable",
    "esm-no-failure-destination",
    "no-reserved-concurrency",
    "concurrency-disabled",
    "timeout-near-limit",
    "high-error-rate",
    "throttled",
    "tracing-off",
    "log-group-missing",
    "log-retention",
    "log-group-no-cmk",
    "invoke-not-audited",
    "unused-function",
    "runtime-deprecated",
    "layer-foreign",
    "code-signing-off",
    "stale-function",
    "owner-tag-missing",
    "vpc-single-az",
    "function-not-in-vpc",
    "api-public-no-waf",
]

# Checks that run only when the configuration's `enabled` lists them (checks/src/catalog/mod.rs OFF_BY_DEFAULT). The
# expectations are those of a scan with them enabled (`enabled` in demo-expectations.json); with the default
# configuration they give no finding at all.
OFF_BY_DEFAULT = ["log-group-no-cmk", "function-not-in-vpc"]

# Checks that read the execution role: Unknown when the role cannot be read (role-missing fires instead).
ROLE_READING = [c for c in CHECK_IDS if c.startswith("role-") and c not in ("role-shared", "role-missing")]

DECLARABLE_ROLE_CHECKS = {
    "role-admin-access",
    "role-action-wildcard",
    "role-resource-wildcard",
    "role-privilege-escalation",
    "role-data-exfiltration",
    "role-broad-managed-policy",
    "role-trust-broad",
    "role-all-purpose",
    "role-unused-permissions",
}

# One problem, one finding (issue 10 follow-up): the role checks that leave a statement of the administrator level
# (every action on every resource) to role-admin-access, whose evidence.also_covers names them
# (checks/src/catalog/role/role_admin_access/README.md). They still judge the role's other policies, so they are
# dropped only for a role whose sole policy is an administrator one.
ADMINISTRATOR_POLICIES = {"AdministratorAccess"}
LEFT_TO_ADMIN_ACCESS = {
    "role-action-wildcard",
    "role-resource-wildcard",
    "role-privilege-escalation",
    "role-data-exfiltration",
    "role-all-purpose",
    "role-logs-unscoped",
    "role-broad-managed-policy",
}


def administrator_only(role: A.Role) -> bool:
    """role-admin-access fails it on an administrator policy, and it has no other policy."""
    return ("role-admin-access" in role.fails and bool(role.aws_managed)
            and set(role.aws_managed) <= ADMINISTRATOR_POLICIES and not role.customer_managed and not role.inline)


DEFAULTS = {
    "unused_days": 90,
    "all_purpose_services": 5,
    "timeout_ratio": 0.9,
    "stale_days": 365,
    "error_rate": 0.10,
    "error_rate_days": 7,
    "error_rate_min_invocations": 10,
    "runtime_warning_days": 180,
    "unused_permission_days": 90,
    "min_log_retention_days": 90,
    "owner_tags": ["owner", "team"],
    "trusted_accounts": [],
    "aws_owned_layer_accounts": [A.AWS_LAYER_ACCOUNT],
}

# The period over which the static expectations (demo-expectations.json) hold for a seed date.
# From: nodejs22.x enters the 180-day window (2027-04-30 - 180 d). Until: nodejs24.x enters it (2028-04-30 - 180 d).
VALID_FROM = "2026-11-01"
VALID_UNTIL = "2027-11-01"

JUDGEMENTS = [
    {
        "checks": ["alb-unauthenticated-target"],
        "functions": ["dev-sandbox-hello", "loyalty-points", "vat-calculator-eu", "reporting-etl",
                      "internal-metrics-collector", "gdpr-export"],
        "rule": "New (issue 16 item 1): the functions' Application Load Balancer front doors (account.ALBS). A rule "
        "forwarding to a Lambda target group with no authenticate action before the forward, on an internet-facing "
        "load balancer whose security group admits the listener's port from public addresses, fails when the "
        "function's policy lets that target group invoke it: dev-sandbox-hello (0.0.0.0/0, critical), loyalty-points "
        "alias live (one public range: medium). vat-calculator-eu (authenticate-oidc first), reporting-etl (internal), "
        "internal-metrics-collector (the VPN range only) and gdpr-export (its policy never allowed the target group) "
        "pass.",
    },
    {
        "checks": ["invoke-not-audited"],
        "functions": ["orders-api", "payments-webhook", "loyalty-points", "gdpr-export", "thumbnail-resizer-eu"],
        "rule": "New (issue 16 item 2): CloudTrail records a function's Invoke events only when a logging trail of "
        "its region (or multi-Region) or an enabled CloudTrail Lake store selects them. acme-audit (multi-Region) "
        "selects the orders-, payments-, reporting-, ddb-stream- and public-status- functions by ARN prefix (aliases "
        "included: payments-webhook's live) and loyalty-points by its exact bare ARN (an Invoke record names the "
        "unqualified function ARN, so its alias live's invocations too); the stopped acme-legacy-trail would record "
        "every us-east-1 function but records nothing; in eu-west-1 acme-eu-reads records read-only data events (Invoke is a write event) and the store "
        "acme-privacy-lake records gdpr-export only. Every other function fails.",
    },
    {
        "checks": ["api-unauthenticated-route", "api-public-no-waf", "api-private-open-policy"],
        "functions": ["github-webhook-relay", "partner-pricing-api", "newsletter-unsubscribe-eu",
                      "internal-metrics-collector", "orders-api", "payments-webhook", "gdpr-export", "reporting-etl",
                      "sso-bridge-eu", "recommendations-v2", "feature-flags-edge"],
        "rule": "New (issue 16 item 1): the functions' API Gateway front doors (account.APIS). A route with "
        "authorization NONE on an edge or regional API fails api-unauthenticated-route: github-webhook-relay (REST, "
        "critical), newsletter-unsubscribe-eu (HTTP API, critical), partner-pricing-api (an API key alone: high); "
        "IAM (orders-api), a Lambda TOKEN authorizer reached through a stage variable naming alias live "
        "(payments-webhook) and a JWT authorizer (gdpr-export) pass. api-public-no-waf fails the public REST stage "
        "without a web ACL (github-webhook-relay); HTTP APIs cannot have one. api-private-open-policy fails the "
        "private API whose policy allows everyone (internal-metrics-collector); reporting-etl's is pinned to a VPC "
        "endpoint and passes. A route is a way in only when API Gateway may invoke the function: the seeder adds the "
        "Lambda permission (SourceArn of the route on the API's real id) to every route but two plants: "
        "newsletter-unsubscribe-eu's integration invokes with a role (CredentialsArn), which needs none (still "
        "critical); sso-bridge-eu's unauthenticated public REST route (sso-legacy, no web ACL) has none for its API "
        "(apigw-sso names another API id): API Gateway is refused, both API checks pass. Custom domains: "
        "partner-portal's default endpoint is disabled but partners.acme.example maps its stage under v1 "
        "(recommendations-v2 fails, critical); flags-internal's is disabled with no domain (feature-flags-edge passes); "
        "hooks.acme.example maps github-hooks' stage beside its default endpoint (evidence only). Deployments: "
        "orders-rest's POST /orders was made NONE in the draft after its prod stage was deployed with AWS_IAM: the "
        "stage serves AWS_IAM, orders-api passes.",
    },
    {
        "checks": ["log-group-missing", "log-retention", "log-group-no-cmk"],
        "functions": ["stale-price-updater", "customer-db-migrator", "legacy-invoice-export", "checkout-service",
                      "orders-fulfillment"],
        "rule": "New (issue 16 item 3): a function's log group exists once it has run (custom groups are created with "
        "the infrastructure), so the never-invoked customer-db-migrator and legacy-invoice-export have none: the "
        "first's role may create it (AWSLambdaVPCAccessExecutionRole), the second's role is deleted (role-missing's "
        "finding), so neither fails log-group-missing; stale-price-updater's group was deleted and its scoped role "
        "may write but not create it: it fails. log-retention fails below 90 days (checkout-service 7, "
        "orders-fulfillment 30); never expiring passes. log-group-no-cmk is off by default and expected enabled: "
        "every existing group without a key fails (orders-api, payments-webhook and gdpr-export have one).",
    },
    {
        "checks": ["function-not-in-vpc"],
        "functions": ["reporting-etl", "customer-db-migrator", "refund-processor"],
        "rule": "Off by default (issue 16 item 4): expected failures are those of a scan with "
        "`enabled = [\"function-not-in-vpc\"]`; every function outside acme-prod fails it (info). The two VPC "
        "functions pass, customer-db-migrator although its one zone fails vpc-single-az (placement, not resilience); "
        "refund-processor was detached from acme-prod (a VpcConfig without subnets) and fails like the others. "
        "With the default configuration the check is not run: no finding, one checks_not_run entry.",
    },
    {
        "checks": ["role-missing"] + ROLE_READING,
        "functions": ["legacy-invoice-export"],
        "rule": "Changed (issue 10 follow-up, a deleted role): legacy-invoice-export's execution role was deleted; "
        "role-missing fails and is the one finding of that problem. The other role checks said Unknown beside it "
        "(eleven Unknowns, two critical); a deleted role grants nothing to anyone today, so they now report nothing, "
        "and dlq-unwritable does not judge delivery for a function that cannot run. No fail pair changes.",
    },
    {
        "checks": ["role-admin-access", "role-action-wildcard", "role-resource-wildcard", "role-privilege-escalation",
                   "role-data-exfiltration", "role-all-purpose", "role-logs-unscoped"],
        "functions": ["legacy-report-2019"],
        "rule": "Changed (issue 10 follow-up, administrator roles): legacy-report-2019 (legacy-admin-role: "
        "AdministratorAccess only) fails role-admin-access (critical) alone among these, and that finding's "
        "evidence.also_covers names the six others; before, they reported the same statement six more times "
        "(privilege escalation by 'every path', wildcard actions and resources, data reads, all services, log writes). "
        "One problem, one finding (checks/README.md): one fix, replacing the statement, resolves all seven. The checks "
        "still judge a role's other policies (image-pipeline-role's AmazonS3FullAccess keeps its findings); "
        "role-trust-broad (ec2 trust) and role-unused-permissions (usage data; its trimmed policy is the replacement) "
        "judge something else and still fail.",
    },
    {
        "checks": ["runtime-deprecated", "env-secret-value"],
        "functions": ["loyalty-points"],
        "rule": "Added (issue 10, item 11): a version that an alias points at runs the runtime and environment it was "
        "published with. loyalty-points' $LATEST is python3.13 with its Stripe key in Secrets Manager, but alias live "
        "still runs version 1 (python3.9, the key in STRIPE_SECRET_KEY): both checks fail on version 1 (resource "
        "…:loyalty-points:1, discriminator version:1…). Versions identical to $LATEST (image-upload-url, "
        "feature-flags-edge, …) add no finding: the $LATEST finding names them (also_in_live_versions).",
    },
    {
        "checks": ["lambda-cross-account-invoke"],
        "functions": ["loyalty-points"],
        "rule": "Added (issue 10, item 7): Principal * pinned by aws:PrincipalOrgID to the loyalty partner's organization "
        "(o-k7m2p9q4x1). The demo account manages an organization of its own (moto generates its id), read with "
        "organizations:DescribeOrganization, so the pin is to another organization: every account of it may invoke "
        "alias live. Before, an organization pin passed unless organization_id was configured.",
    },
    {
        "checks": ["lambda-public-invoke", "lambda-url-public"],
        "functions": ["checkout-service", "image-upload-url"],
        "rule": "Changed (issue 10, items 1 and 2): these two now fail lambda-url-public only and pass "
        "lambda-public-invoke. One exposure, one finding (checks/README.md): an AuthType NONE URL is lambda-url-public's, "
        "which names every statement that opens it; lambda-public-invoke owns the Lambda API and AWS_IAM URLs, and a URL "
        "grant (lambda:InvokeFunctionUrl, or lambda:InvokeFunction under lambda:InvokedViaFunctionUrl) never opens the "
        "API. Since October 2025 a URL caller needs both permissions (the grace period for older URLs has ended). "
        "checkout-service carries the two statements AWS writes today (FunctionURLAllowPublicAccess: Principal *, "
        "lambda:InvokeFunctionUrl, lambda:FunctionUrlAuthType=NONE; FunctionURLInvokeAllowPublicAccess: Principal *, "
        "lambda:InvokeFunction, lambda:InvokedViaFunctionUrl=true): anyone on the internet can call it, and "
        "lambda-url-public fails it at critical, naming both statements. image-upload-url (alias prod) keeps only the "
        "pre-October-2025 statement, so its URL refuses requests: lambda-url-public grades it low, one add-permission "
        "from public, naming the missing lambda:InvokeFunction. Before: lambda-public-invoke critical + "
        "lambda-url-public high for each.",
    },
    {
        "checks": ["lambda-service-invoke-unscoped"],
        "functions": ["thumbnail-resizer", "thumbnail-resizer-eu", "invoice-pdf-generator"],
        "rule": "A service principal with no fixed aws:SourceArn/aws:SourceAccount fails (thumbnail-resizer's s3-invoke). "
        "Issue 10 item 8: a service or Principal * held only by an S3 bucket ARN (no aws:SourceAccount) fails at low, "
        "since a deleted bucket's name can be registered by anyone; the demo's S3 grants all name the account, so they "
        "pass. No demo pair changed.",
    },
    {
        "checks": ["lambda-public-invoke", "no-reserved-concurrency"],
        "functions": ["search-indexer"],
        "rule": "Allow + NotPrincipal is reported by lambda-notprincipal-allow only; lambda-public-invoke looks at Principal. "
        "(search-indexer has reserved concurrency, so no-reserved-concurrency passes either way.)",
    },
    {
        "checks": ["lambda-public-invoke"],
        "functions": ["marketing-email-sender", "public-status-page"],
        "rule": "A condition value containing * or ? (ArnLike aws:SourceArn arn:aws:sns:us-east-1:*:newsletter-*) does not pin; "
        "an exact aws:SourceAccount or an exact aws:SourceArn does (public-status-page passes).",
    },
    {
        "checks": ["lambda-cross-account-invoke"],
        "functions": ["recommendations-v2", "feature-flags-edge", "marketing-email-sender", "checkout-service", "image-upload-url"],
        "rule": "Public (*) statements are lambda-public-invoke's; lambda-cross-account-invoke fires only for a named other account "
        "(arn:aws:iam::210987654321:root, or the bare id 210987654321 which AWS stores as that ARN).",
    },
    {
        "checks": ["role-resource-wildcard"],
        "functions": ["orders-api", "orders-fulfillment", "payments-webhook", "session-authorizer", "gdpr-export", "notify-slack", "cron-cleanup"],
        "rule": "Not flagged: logs:CreateLogGroup/CreateLogStream/PutLogEvents on * (role-logs-unscoped's subject) and actions "
        "that support no resource type (xray:PutTraceSegments, xray:PutTelemetryRecords, ec2:Describe*). Flagged: "
        "ec2:CreateNetworkInterface/DeleteNetworkInterface on * (AWSLambdaVPCAccessExecutionRole, customer-db-migrator), "
        "iam:PassRole and lambda:CreateFunction on * (deploy-hook), s3:* on *; * on * is role-admin-access's (judgement above). "
        "Judgement (issue 10 item 3): the ENI actions support resource types (network-interface, subnet, security-group), "
        "so customer-db-migrator still fails, but graded low (was high): on * they let the code create, delete and "
        "re-address network interfaces, nothing more; the finding names the function's subnets and security group. "
        "(sqs:DeleteMessage from AWSLambdaSQSQueueExecutionRole would be medium; no demo role has it.)",
    },
    {
        "checks": ["role-privilege-escalation"],
        "functions": ["deploy-hook", "legacy-report-2019", "orders-api", "reporting-etl"],
        "rule": "Judgement (issue 10 item 9): one finding per role listing every path. deploy-hook (ci-deployer-role) fails "
        "with one finding naming lambda-create-and-invoke and lambda-switch-function-role (PassRole on *), "
        "lambda-update-function-code and lambda-update-function-configuration (any function): it had two findings before. "
        "No other demo role can pass a role or change another function, so the failing set is unchanged. "
        "legacy-report-2019 passes since the administrator follow-up (see the role-admin-access judgement above).",
    },
    {
        "checks": ["role-broad-managed-policy"],
        "functions": ["legacy-report-2019"],
        "rule": "AdministratorAccess is role-admin-access's; role-broad-managed-policy fires for AWS managed policies named *FullAccess "
        "(AmazonS3FullAccess here). A permissions boundary (payments-role's acme-lambda-boundary, which allows dynamodb:* etc.) "
        "grants nothing and is never read as a grant.",
    },
    {
        "checks": ["role-all-purpose"],
        "functions": ["legacy-report-2019", "internal-metrics-collector", "orders-api"],
        "rule": "Threshold: more than 5 distinct service namespaces granted (default all_purpose_services = 5); Action * counts as "
        "all services, but an administrator statement is role-admin-access's (legacy-report-2019 passes since the "
        "administrator follow-up, judgement above). metrics-collector-role grants 9 (logs, s3, dynamodb, sqs, sns, kinesis, firehose, athena, glue); "
        "orders-api-role grants 4 (dynamodb, logs, secretsmanager, xray) and passes.",
    },
    {
        "checks": ["role-unused-permissions"],
        "functions": ["thumbnail-resizer", "thumbnail-resizer-eu", "legacy-report-2019", "internal-metrics-collector",
                      "customer-db-migrator", "recs-model-warmup", "dev-sandbox-hello"],
        "rule": "From the service-last-accessed data the seeder plants: a granted namespace with no last-authenticated date fails "
        "(s3-object-lambda from AmazonS3FullAccess; athena and glue; ec2/iam/rds/lambda/dynamodb under AdministratorAccess). "
        "A role's used namespaces were last used on its functions' last invocation day (or up to 2 days before), so "
        "the roles of customer-db-migrator (never invoked) and recs-model-warmup (last invoked 120 days ago) fail too; "
        "dev-sandbox-hello's (40 days) passes. Threshold: 90 days (unused_permission_days).",
    },
    {
        "checks": ["role-data-exfiltration"],
        "functions": ["billing-reconciler"],
        "rule": "secretsmanager:GetSecretValue and ssm:GetParameter(s) on * are unconstrained reads of secrets.",
    },
    {
        "checks": ["role-action-wildcard"],
        "functions": ["customer-db-migrator", "billing-reconciler"],
        "rule": "Only Action *, a service wildcard (s3:*) or NotAction count; explicit action lists pass.",
    },
    {
        "checks": ["env-secret-value", "env-secret-name"],
        "functions": ["audit-log-shipper-eu", "gdpr-export", "orders-api", "payments-webhook", "dev-sandbox-hello", "orders-fulfillment"],
        "rule": "Not secrets: placeholders (changeme, ${AUTH_TOKEN}), booleans (MYSQL_ALLOW_EMPTY_PASSWORD=yes), ARNs, SSM parameter "
        "names (/prod/...), file paths, UUIDs, URLs without userinfo, a 40-hex build SHA under a plain name. A secret-named "
        "variable holding such a reference or placeholder passes env-secret-name. One finding per variable: a value "
        "the detector recognises is env-secret-value's (critical), including a short human password under a "
        "password-like name (ADMIN_PASSWORD=Summer2019!, dev-sandbox-hello); env-secret-name (high) reports only the "
        "secret-named literals no value rule recognises.",
    },
    {
        "checks": ["env-secret-value"],
        "functions": ["session-authorizer", "customer-db-migrator"],
        "rule": "A JWT under SMOKE_TEST_IDENTITY and a postgres URL with a password under ORDERS_DB are values-only findings: those "
        "names are not secret-like, so env-secret-name passes for these two functions.",
    },
    {
        "checks": ["code-secret"],
        "functions": ["image-upload-url", "partner-inventory-feed", "billing-reconciler"],
        "rule": "--scan-code looks inside vendored node_modules, inside nested zips, and inside the function's layers from this "
        "account. config/example.env in the clean Python packages holds only placeholders and must not be reported.",
    },
    {
        "checks": ["async-no-failure-destination"],
        "functions": [
            "customer-db-migrator", "deploy-hook", "recs-model-warmup", "legacy-invoice-export", "audit-log-writer",
            "dev-sandbox-hello", "partner-pricing-api", "recommendations-v2", "feature-flags-edge", "marketing-email-sender",
        ],
        "rule": "Graded by the evidence of asynchronous invocation (issue 10 item 5). Medium: a service that invokes asynchronously "
        "(S3, SNS, EventBridge, CloudWatch Logs…; also * pinned to an SNS SourceArn, marketing-email-sender) or an asynchronous "
        "invoke config (cron-cleanup: retries but no OnFailure, which is no destination). Info: only * or another account may "
        "invoke and could choose InvocationType=Event (partner-pricing-api, recommendations-v2, feature-flags-edge). No finding: "
        "a function that names no invoker at all; changed from medium for customer-db-migrator, deploy-hook, recs-model-warmup, "
        "legacy-invoice-export, audit-log-writer and dev-sandbox-hello, which no longer fail.",
    },
    {
        "checks": ["esm-no-failure-destination"],
        "functions": ["orders-fulfillment"],
        "rule": "SQS mappings cannot carry an OnFailure destination; their failures go to the source queue's redrive policy "
        "(orders-queue has one), so orders-fulfillment passes. A stream mapping passes with an OnFailure destination, or with "
        "BisectBatchOnFunctionError or a finite MaximumRetryAttempts.",
    },
    {
        "checks": ["no-reserved-concurrency"],
        "functions": ["checkout-service", "image-upload-url", "marketing-email-sender", "feature-flags-edge", "partner-inventory-feed", "partner-pricing-api",
                      "internal-metrics-collector", "reporting-etl", "loyalty-points", "payments-webhook"],
        "rule": "'Invoked publicly' = fails lambda-public-invoke, or has an AuthType NONE URL whose qualifier's policy grants "
        "Principal * both lambda:InvokeFunctionUrl and lambda:InvokeFunction (the decision lambda-url-public grades "
        "critical); a named partner account is not public. 'Invoked by many sources' = two or more doors among the "
        "grants' distinct principals (the API Gateway permission the seeder adds for an API route included), the "
        "mappings and the URLs: changed (issue 16 item 1), the load balancer and API Gateway permissions made a second "
        "door for internal-metrics-collector, reporting-etl (both also invoked by EventBridge) and loyalty-points (its "
        "partner organization), which now fail; partner-pricing-api (an API route beside a partner account) too; "
        "payments-webhook has two and reserved concurrency. Changed (issue "
        "10 item 2 follow-up): image-upload-url now passes: its NONE URL grants the public only "
        "lambda:InvokeFunctionUrl, so it refuses every request and nobody can flood it (it failed when every NONE URL "
        "counted as public). checkout-service (both statements) still fails.",
    },
    {
        "checks": ["unused-function", "stale-function"],
        "functions": ["dev-sandbox-hello", "recs-model-warmup", "legacy-report-2019", "stale-price-updater"],
        "rule": "Lookback 90 days: last invocation 40 days ago passes; 120, 200 days ago and never fail. stale-function needs code older "
        "than 365 days AND an invocation within the lookback: stale-price-updater (code 500 days old, invoked yesterday) fails, "
        "legacy-report-2019 (code 1650 days old, last invoked 200 days ago) does not.",
    },
    {
        "checks": ["runtime-deprecated"],
        "functions": ["billing-reconciler", "feature-flags-edge"],
        "rule": f"Deprecating within 180 days counts (medium): ruby3.3 (2027-03-31) and nodejs22.x (2027-04-30). The static file "
        f"holds for seed dates {VALID_FROM} .. {VALID_UNTIL}; the manifest recomputes for its --today.",
    },
    {
        "checks": ["layer-foreign"],
        "functions": ["orders-api", "reporting-etl"],
        "rule": f"Layers published by {A.AWS_LAYER_ACCOUNT} (LambdaInsightsExtension) are AWS-owned; {A.FOREIGN_LAYER_ACCOUNT} is foreign.",
    },
    {
        "checks": ["owner-tag-missing"],
        "functions": ["customer-db-migrator", "notify-slack"],
        "rule": "One of the owner tags (owner, team) is enough.",
    },
]


# Services that invoke Lambda asynchronously (Lambda Developer Guide, "Invoking Lambda with events from other AWS
# services"), as checks/src/catalog/stability/invokers.rs lists them.
ASYNC_SERVICES = {"s3", "sns", "events", "ses", "iot", "iotevents", "logs", "codecommit", "config", "cloudformation",
                  "codepipeline", "lambda.alarms.cloudwatch"}


def async_caller(p: A.Perm) -> str:
    """How a permission's principal calls the function: "sync", "async" (a service that invokes asynchronously, named
    or as the service of the SourceArn of a * principal) or "other" (free to choose InvocationType=Event)."""
    if p.sync_only():
        return "sync"
    if p.is_service():
        service = p.principal.removesuffix(".amazonaws.com")
    else:
        service = p.source_arn.split(":")[2] if p.source_arn else None
    return "async" if service in ASYNC_SERVICES else "other"


def live_runtimes(fn: A.Fn) -> list:
    """The runtimes that run: $LATEST's, and the published versions' (aliased) when $LATEST was fixed since."""
    return [fn.runtime] + ([fn.released.runtime] if fn.released and fn.aliases else [])


def live_env(fn: A.Fn) -> list:
    """The environment of the aliased published versions when $LATEST was fixed since they were published."""
    return fn.released.env if fn.released and fn.aliases else []


def url_open(fn: A.Fn, url: A.Url) -> bool:
    """Anyone on the internet can call the URL: AuthType NONE, and its qualifier's policy grants Principal *, with no
    pinning condition, both permissions a URL caller needs since October 2025."""
    public = [p for p in fn.perms if p.qualifier == url.qualifier and p.is_public()]
    via_url = any(p.action == "lambda:InvokeFunctionUrl" and p.url_auth in (None, "NONE") for p in public)
    invoke = any(p.action == "lambda:InvokeFunction" for p in public)
    return url.auth == "NONE" and via_url and invoke


def bucket_name_only(p: A.Perm) -> bool:
    """A service or * grant held only by an S3 bucket ARN: the bucket's name can be re-registered by anyone."""
    s3 = p.source_arn is not None and p.source_arn.startswith("arn:aws:s3:::")
    return (p.is_service() or p.principal == "*") and s3 and p.source_account is None and p.org_id is None


def role_allows(role: A.Role, action: str, arn: str) -> bool:
    if "AdministratorAccess" in role.aws_managed:
        return True
    docs = [A.CUSTOMER_POLICIES[c].document for c in role.customer_managed]
    docs += [d for n, d in role.inline.items() if n not in role.removed_inline]
    for d in docs:
        for s in d["Statement"]:
            if s["Effect"] != "Allow":
                continue
            acts = s["Action"]
            res = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            if any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in acts) and any(fnmatch.fnmatchcase(arn, r) for r in res):
                return True
    return False


def last_invocation(fn: A.Fn, today: dt.date) -> dt.date | None:
    p = fn.activity.pattern
    if p == "busy":
        return today - dt.timedelta(days=1)
    if p == "weekly":
        d = today - dt.timedelta(days=1)
        while d.weekday() != 0:
            d -= dt.timedelta(days=1)
        return d
    if p.startswith("last:"):
        return today - dt.timedelta(days=int(p.split(":")[1]))
    return None


def planted_code(fn: A.Fn, secrets: SecretFactory):
    """[(source, path, kind)] of secrets --scan-code must find for this function."""
    _, planted, _, _ = build_package(fn.package, fn.description, secrets, fn.name)
    out = [("function", p, k) for p, k in planted]
    for key in fn.layers:
        acct, lname, kind, _ = A.LAYERS[key]
        _, lp = build_layer(kind, secrets, lname)
        out += [(f"layer:{lname}", p, k) for p, k in lp]
    return out


def role_last_use(role_name: str, today: dt.date) -> dt.date | None:
    """The role's last use = the latest last invocation of its functions (what RoleLastUsed and
    service-last-accessed are seeded with)."""
    lasts = [last_invocation(f, today) for f in A.FUNCTIONS if f.role == role_name]
    lasts = [d for d in lasts if d is not None]
    return max(lasts) if lasts else None


def function_outcomes(fn: A.Fn, today: dt.date, secrets: SecretFactory, role_users: dict, deleted_roles: set):
    """(fails: set, unknown: set) for one function."""
    role = A.ROLES[fn.role]
    fails = set()
    unknown = set()
    last = last_invocation(fn, today)
    invoked_recently = last is not None and (today - last).days <= DEFAULTS["unused_days"]

    # who can invoke
    # one exposure, one finding: a URL grant (InvokeFunctionUrl, or InvokeFunction via the URL) is the URL's
    # (lambda-url-public), never the API's
    if any(p.is_public() and p.action != "lambda:InvokeFunctionUrl" and not p.via_url for p in fn.perms):
        fails.add("lambda-public-invoke")
    if any(u.auth == "NONE" for u in fn.urls):
        fails.add("lambda-url-public")
    if any("*" in (u.cors_origins or []) for u in fn.urls):
        fails.add("lambda-url-cors-wildcard")
    if any(p.service_unscoped() or bucket_name_only(p) for p in fn.perms):
        fails.add("lambda-service-invoke-unscoped")
    # API Gateway front doors (A.APIS): a route with no authorization on a public API (an API key is not
    # authentication); a public REST stage without a web ACL (HTTP APIs cannot have one); a private API whose policy
    # allows everyone without aws:SourceVpce / aws:SourceVpc
    # A route API Gateway may not invoke the function through (no Lambda permission for it, no integration role)
    # reaches no one.
    for api, routes in A.apis_of(fn.name):
        routes = [r for r in routes if r.reaches]
        if not routes:
            continue
        # the default endpoint disabled and no custom domain mapping the stage: reachable from nowhere
        reachable = not api.default_endpoint_disabled or api.domain is not None
        if api.public and reachable and any(r.auth == "NONE" for r in routes):
            fails.add("api-unauthenticated-route")
        if api.kind == "rest" and api.public and not api.waf:
            fails.add("api-public-no-waf")
        if not api.public and api.policy and not any(
                k in json.dumps(api.policy) for k in ("aws:SourceVpce", "aws:SourceVpc")):
            fails.add("api-private-open-policy")
    # Application Load Balancer front doors (A.ALBS): open to public addresses, no authenticate action, and the
    # function's (registered qualifier's) policy lets the target group invoke it
    for alb in A.albs_of(fn.name):
        granted = any(p.principal == "elasticloadbalancing.amazonaws.com" and p.qualifier == alb.qualifier
                      and p.source_arn == A.tg_arn(alb.region, alb.target_group) for p in fn.perms)
        if alb.open_to_internet() and granted:
            fails.add("alb-unauthenticated-target")
    if any(p.foreign_account() and p.foreign_account() not in DEFAULTS["trusted_accounts"] for p in fn.perms):
        fails.add("lambda-cross-account-invoke")
    if any(p.org_id for p in fn.perms):
        fails.add("lambda-cross-account-invoke")  # the demo's own organization id is moto's: every declared one is foreign
    if any(p.not_principal is not None for p in fn.perms):
        fails.add("lambda-notprincipal-allow")

    # execution role
    if len(role_users[fn.role]) > 1:
        fails.add("role-shared")
    if fn.role in deleted_roles:
        fails.add("role-missing")  # the one finding: a deleted role grants nothing, the other role checks say nothing
    else:
        assert not (role.fails - DECLARABLE_ROLE_CHECKS), (role.name, role.fails - DECLARABLE_ROLE_CHECKS)
        fails |= role.fails
        used = role_last_use(fn.role, today)
        if used is None or (today - used).days > DEFAULTS["unused_permission_days"]:
            fails.add("role-unused-permissions")  # nothing it grants was used within the window
        logs = role.logs or []
        if "*" in logs:
            fails.add("role-logs-unscoped")
        elif not any(fnmatch.fnmatchcase(fn.effective_log_group, g) for g in logs):
            fails.add("role-logs-missing")
        if administrator_only(role):
            fails -= LEFT_TO_ADMIN_ACCESS

    # secrets
    # one finding per variable: a value the detector recognises (a credential, or a password under a password-like
    # name) is env-secret-value's; env-secret-name reports the secret-named literals no value rule recognises
    recognised = [e for e in fn.env if e.secret_kind or e.value == "weak"]
    if recognised or any(e.secret_kind or e.value == "weak" for e in live_env(fn)):
        fails.add("env-secret-value")
    if any(e.name_hit and e not in recognised for e in fn.env):
        fails.add("env-secret-name")
    if fn.env and not fn.cmk:
        fails.add("env-no-cmk")
    if planted_code(fn, secrets):
        fails.add("code-secret")

    # stability
    targets = ([fn.dlq] if fn.dlq else []) + ([fn.async_cfg.on_failure] if fn.async_cfg and fn.async_cfg.on_failure else [])
    callers = {async_caller(p) for p in fn.perms}
    async_proven = "async" in callers or fn.async_cfg is not None
    if (async_proven or "other" in callers) and not targets:
        fails.add("async-no-failure-destination")  # medium when proven, info when only "other" callers
    for t in targets:
        action = "sqs:SendMessage" if t.kind == "sqs" else "sns:Publish"
        if not t.exists:
            fails.add("dlq-unwritable")
        elif fn.role in deleted_roles:
            pass  # the function does not run, nothing is delivered: role-missing's finding
        elif not role_allows(role, action, t.arn(fn.region)):
            fails.add("dlq-unwritable")
    if any(e.fails() for e in fn.esms):
        fails.add("esm-no-failure-destination")
    public = "lambda-public-invoke" in fails or any(url_open(fn, u) for u in fn.urls)
    # "invoked by many sources": two or more doors among the invoke grants' distinct principals (URL-only grants are
    # the URL's; the Lambda permission the seeder adds for an API route, A.api_permissions, is API Gateway's), the
    # event source mappings and the function URLs
    grants = {p.principal for p in fn.perms if p.principal and not (p.action == "lambda:InvokeFunctionUrl" or p.via_url)}
    if A.api_permissions(fn.name):
        grants.add("apigateway.amazonaws.com")
    many = len(grants) + len(fn.esms) + len(fn.urls) >= 2
    if (public or many) and fn.reserved is None:
        fails.add("no-reserved-concurrency")
    if fn.reserved == 0:
        fails.add("concurrency-disabled")
    act = fn.activity
    if invoked_recently and act.duration_ratio >= DEFAULTS["timeout_ratio"]:
        fails.add("timeout-near-limit")
    if (invoked_recently and act.error_spike and act.error_spike[0] <= DEFAULTS["error_rate_days"]
            and act.error_spike[1] > DEFAULTS["error_rate"] and act.per_day * 0.8 >= DEFAULTS["error_rate_min_invocations"]):
        fails.add("high-error-rate")
    if any(d <= DEFAULTS["unused_days"] for d in act.throttle_days) and last is not None:
        fails.add("throttled")
    if not fn.tracing:
        fails.add("tracing-off")
    if not A.invoke_audited(fn):
        fails.add("invoke-not-audited")
    # the log group: exists once the function has run (custom groups always), unless deleted
    if fn.log_group_exists:
        if fn.log_retention is not None and fn.log_retention < DEFAULTS["min_log_retention_days"]:
            fails.add("log-retention")
        if not fn.log_kms:
            fails.add("log-group-no-cmk")  # off by default: expected with it enabled
    elif fn.role not in deleted_roles:
        logs = role.logs or []
        writes = "*" in logs or any(fnmatch.fnmatchcase(fn.effective_log_group, g) for g in logs)
        # logs on "*" come from AWS managed execution roles (or logs:*), which also grant logs:CreateLogGroup;
        # scoped roles grant only CreateLogStream and PutLogEvents (seed 000's second statement)
        if writes and "*" not in logs:
            fails.add("log-group-missing")

    # hygiene
    if not invoked_recently:
        fails.add("unused-function")
    for runtime in live_runtimes(fn):
        dep = A.RUNTIME_DEPRECATION.get(runtime)
        if dep and (dt.date.fromisoformat(dep) - today).days <= DEFAULTS["runtime_warning_days"]:
            fails.add("runtime-deprecated")
    trusted = {A.ACCOUNT, *DEFAULTS["aws_owned_layer_accounts"], *DEFAULTS["trusted_accounts"]}
    if any(A.LAYERS[k][0] not in trusted for k in fn.layers):
        fails.add("layer-foreign")
    if not fn.csc:
        fails.add("code-signing-off")
    if fn.code_age_days is not None and fn.code_age_days > DEFAULTS["stale_days"] and invoked_recently:
        fails.add("stale-function")
    if not any(k.lower() in DEFAULTS["owner_tags"] for k in fn.tags):
        fails.add("owner-tag-missing")
    if fn.vpc == "1az":
        fails.add("vpc-single-az")
    if not fn.in_vpc:
        fails.add("function-not-in-vpc")  # off by default: expected with `enabled = ["function-not-in-vpc"]`
    return fails, unknown - fails


# For pass examples: a function is a telling pass for a check when it has the feature the check looks at.
RELEVANT = {
    "lambda-public-invoke": lambda f: any(p.principal == "*" for p in f.perms),
    "lambda-url-public": lambda f: bool(f.urls),
    "lambda-url-cors-wildcard": lambda f: bool(f.urls),
    "lambda-service-invoke-unscoped": lambda f: any(p.is_service() for p in f.perms),
    "lambda-cross-account-invoke": lambda f: bool(f.perms),
    "lambda-notprincipal-allow": lambda f: bool(f.perms),
    "env-secret-value": lambda f: len(f.env) >= 3,
    "env-secret-name": lambda f: len(f.env) >= 3,
    "env-no-cmk": lambda f: bool(f.env),
    "code-secret": lambda f: f.package.endswith("-clean"),
    "async-no-failure-destination": lambda f: bool(f.dlq or (f.async_cfg and f.async_cfg.on_failure)),
    "dlq-unwritable": lambda f: bool(f.dlq or (f.async_cfg and f.async_cfg.on_failure)),
    "esm-no-failure-destination": lambda f: bool(f.esms),
    "no-reserved-concurrency": lambda f: f.reserved is not None,
    "concurrency-disabled": lambda f: f.reserved is not None,
    "timeout-near-limit": lambda f: f.activity.pattern == "busy",
    "high-error-rate": lambda f: f.activity.pattern == "busy",
    "throttled": lambda f: f.activity.pattern == "busy",
    "unused-function": lambda f: f.activity.pattern != "busy",
    "layer-foreign": lambda f: bool(f.layers),
    "stale-function": lambda f: f.activity.pattern == "busy",
    "vpc-single-az": lambda f: f.in_vpc,
    "log-group-missing": lambda f: not f.log_group_exists,
    "log-retention": lambda f: f.log_retention is not None,
    "log-group-no-cmk": lambda f: f.log_kms,
    "invoke-not-audited": A.invoke_audited,
    "function-not-in-vpc": lambda f: f.vpc is not None,  # in acme-prod, or detached (fails)
    "api-unauthenticated-route": lambda f: bool(A.apis_of(f.name)),
    "alb-unauthenticated-target": lambda f: bool(A.albs_of(f.name)),
    "api-private-open-policy": lambda f: any(not a.public for a, _ in A.apis_of(f.name)),
    "api-public-no-waf": lambda f: any(a.kind == "rest" and a.public for a, _ in A.apis_of(f.name)),
    "role-logs-missing": lambda f: f.log_group is not None,
    "role-shared": lambda f: f.region == A.EU,
}


def expected(today: dt.date, seed: int):
    secrets = SecretFactory(seed)
    role_users = {}
    for f in A.FUNCTIONS:
        role_users.setdefault(f.role, []).append(f.name)
    deleted = {r.name for r in A.ROLES.values() if r.deleted}
    per_fn = {}
    for f in A.FUNCTIONS:
        per_fn[f.name] = function_outcomes(f, today, secrets, role_users, deleted)
    checks = {}
    for c in CHECK_IDS:
        failing = sorted(n for n, (fails, _) in per_fn.items() if c in fails)
        unknown = sorted(n for n, (_, unk) in per_fn.items() if c in unk)
        passing_all = [f for f in A.FUNCTIONS if c not in per_fn[f.name][0] and c not in per_fn[f.name][1]]
        rel = RELEVANT.get(c, lambda f: True)
        telling = [f.name for f in passing_all if rel(f)] or [f.name for f in passing_all]
        preferred = [n for n in ("orders-api", "gdpr-export", "payments-webhook") if n in telling]
        examples = (preferred + [n for n in telling if n not in preferred])[:3]
        checks[c] = {"fail": failing, "pass_examples": sorted(examples), "unknown": unknown}
    return checks, per_fn


def self_check(checks):
    problems = []
    for c, v in checks.items():
        if not v["fail"]:
            problems.append(f"{c}: no failing function")
        if not v["pass_examples"]:
            problems.append(f"{c}: no passing function")
    return problems
