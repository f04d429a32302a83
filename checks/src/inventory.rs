//! The inventory: a versioned, serde-serialisable snapshot of one or more AWS accounts, everything the checks read.
//!
//! Collectors (in the application crate) fill it; checks only read it. It never holds a secret in clear:
//! environment variable values are classified at collection time by [`crate::secrets`] and only the verdict, the
//! value's shape and a masked preview are stored (see [`EnvVar`]).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arn::Arn;
use crate::json_text::JsonText;
use crate::timestamp::AwsTimestamp;

pub mod apis;
pub mod cloudtrail;
pub mod load_balancers;
pub mod validate;

pub use apis::{
    api_arn, lambda_target, resolve_stage_variables, Api, ApiAuthorizer, ApiKind, ApiRoute,
    ApiStage, DeployedMethod, FrontDoor, RouteTarget,
};
pub use load_balancers::{
    IngressRule, LambdaTarget, Listener, LoadBalancer, LoadBalancerDoor, LoadBalancing, Rule,
    RuleAction, RuleCondition, TargetGroup, WeightedTargetGroup,
};

/// Bumped whenever a field changes meaning or disappears; readers refuse newer versions.
pub const SCHEMA_VERSION: u32 = 1;

/// A snapshot of one scan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Format version of this file ([`SCHEMA_VERSION`] when written by this build).
    pub schema_version: u32,
    /// Version of lambda-posture that collected it.
    pub tool_version: String,
    /// When collection started; evaluation uses its date as "today" so a saved inventory evaluates the same way forever.
    pub collected_at: DateTime<Utc>,
    /// Days of CloudWatch history requested per function.
    pub lookback_days: u32,
    /// The accounts scanned (one per set of credentials).
    pub accounts: Vec<Account>,
}

/// One AWS account as seen by one set of credentials.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Account {
    /// The 12-digit account id.
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// Regions the scan covered (attempted), sorted.
    pub regions: Vec<String>,
    /// Regions of `regions` that are not enabled for the account (opt-in regions answering
    /// UnrecognizedClientException): skipped, not an error and not a gap.
    pub disabled_regions: Vec<String>,
    /// Every function of every scanned region.
    pub functions: Vec<Function>,
    /// Execution roles, and the roles they may pass by exact ARN (`iam:PassRole`, one level deep, no last-accessed
    /// data), keyed by role ARN. Checks judge functions' roles through `role(function.role_arn)`, never by iterating.
    pub roles: BTreeMap<String, Role>,
    /// GetAccountSettings per region.
    pub account_settings: BTreeMap<String, AccountSettings>,
    /// Every call that failed for good: checks needing its data say Unknown.
    pub gaps: Vec<Gap>,
    /// The DLQ and OnFailure destinations the functions name (SQS queues, SNS topics, EventBridge buses, S3 buckets),
    /// keyed by ARN; `None` when the scan did not look them up. A lookup that failed is a gap (the ARN's service and
    /// operation, `resource` = the ARN) and has no entry.
    pub destinations: Option<BTreeMap<String, Destination>>,
    /// The AWS Organizations organization of the account (organizations:DescribeOrganization); `None` when it was
    /// not read: an inventory from before it was collected, or the call failed (a gap says so).
    pub organization: Option<Organization>,
    /// The CloudWatch Logs log group of every function (`LoggingConfig.LogGroup`, or `/aws/lambda/<name>`), keyed by
    /// [`log_group_arn`]; `None` when the scan did not look them up (an inventory from before they were collected:
    /// the log checks are then not run). A lookup that failed is a gap (`logs` `DescribeLogGroups`) and has no entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_groups: Option<BTreeMap<String, LogGroup>>,
    /// The account's CloudTrail trails and event data stores (who records the functions' Invoke events); `None` when
    /// the scan did not read CloudTrail (an inventory from before it was collected: invoke-not-audited is then not
    /// run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudtrail: Option<cloudtrail::CloudTrail>,
    /// The API Gateway APIs (REST, HTTP, WebSocket) with a route integrated with a Lambda function, keyed by
    /// [`api_arn`]; `None` when the scan did not look them up (an inventory from before they were collected: the API
    /// checks are then not run). A failed call is a gap (`apigateway`, its operation, the region, and the API's ARN
    /// when it was about one API): every function of the region is then Unknown to the API checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apis: Option<BTreeMap<String, Api>>,
    /// The Lambda target groups and the Application Load Balancers forwarding to them (with their listeners, rules
    /// and security groups' inbound rules); `None` when the scan did not read Elastic Load Balancing (an inventory
    /// from before it was read: alb-unauthenticated-target is then not run). A failed call is a gap
    /// (`elasticloadbalancing` or `ec2` `DescribeSecurityGroups`, the region, and the resource when it was about
    /// one): the load balancer checks then say Unknown for the region's functions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancing: Option<LoadBalancing>,
}

/// What the scan found about one CloudWatch Logs log group (logs:DescribeLogGroups).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LogGroup {
    /// The group exists.
    pub exists: bool,
    /// `retentionInDays`; `None` = never expires (or the group does not exist).
    pub retention_days: Option<u32>,
    /// The customer managed KMS key the group is encrypted with (`kmsKeyId`); `None` = CloudWatch Logs' own
    /// encryption.
    pub kms_key_id: Option<String>,
    /// `STANDARD`, `INFREQUENT_ACCESS` or `DELIVERY` (`logGroupClass`), when AWS says.
    pub class: Option<String>,
}

/// The key of a log group in [`Account::log_groups`]: its ARN without the `:*` suffix.
pub fn log_group_arn(partition: &str, region: &str, account: &str, name: &str) -> String {
    format!("arn:{partition}:logs:{region}:{account}:log-group:{name}")
}

/// The account's membership of an AWS organization.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Organization {
    /// The organization id (`o-…`); `None`: the account belongs to no organization
    /// (AWSOrganizationsNotInUseException), a known answer.
    pub id: Option<String>,
}

/// What the scan found about one DLQ or OnFailure destination.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Destination {
    /// The target exists (sqs:GetQueueAttributes, sns:GetTopicAttributes, events:DescribeEventBus, s3:HeadBucket).
    pub exists: bool,
}

/// A function and everything collected about it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Function {
    /// The unqualified function ARN.
    pub arn: String,
    /// The function name.
    pub name: String,
    /// The region the function lives in.
    pub region: String,
    /// `None` for container images.
    pub runtime: Option<String>,
    /// The entry point (`index.handler`); `None` for container images.
    pub handler: Option<String>,
    /// `Zip` or `Image`.
    pub package_type: String,
    /// Instruction set architectures: `x86_64` or `arm64`.
    pub architectures: Vec<String>,
    /// ARN of the execution role the function runs as.
    pub role_arn: String,
    /// Configured memory in MB.
    pub memory_mb: Option<i32>,
    /// Configured timeout in seconds.
    pub timeout_seconds: Option<i32>,
    /// As AWS returns it (ISO 8601, e.g. `2024-01-02T03:04:05.000+0000`).
    pub last_modified: Option<String>,
    /// Base64 SHA-256 of the deployment package, as AWS reports it.
    pub code_sha256: Option<String>,
    /// Size of the deployment package in bytes.
    pub code_size: Option<i64>,
    /// The description its owner wrote.
    pub description: Option<String>,
    /// Lifecycle state: `Active`, `Pending`, `Inactive` or `Failed`.
    pub state: Option<String>,
    /// X-Ray tracing mode: `Active` or `PassThrough`.
    pub tracing_mode: Option<String>,
    /// Customer-managed KMS key encrypting environment variables; `None` = AWS-owned key.
    pub kms_key_arn: Option<String>,
    /// Environment variables, classified (never their values).
    pub environment: Vec<EnvVar>,
    /// DeadLetterConfig.TargetArn.
    pub dead_letter_target: Option<String>,
    /// The VPC attachment; `None` when the function is not in a VPC.
    pub vpc: Option<VpcConfig>,
    /// Where and how it logs; `None` when AWS returned no LoggingConfig.
    pub logging: Option<LoggingConfig>,
    /// Layers of `$LATEST`, in load order.
    pub layers: Vec<LayerRef>,
    /// The code signing configuration attached; `None` = code signing is off.
    pub code_signing_config_arn: Option<String>,
    /// Resource tags, key to value.
    pub tags: BTreeMap<String, String>,
    /// Reserved concurrency; `None` = not set (uses the unreserved pool).
    pub reserved_concurrency: Option<i32>,
    /// Provisioned concurrency configured on its aliases and versions.
    pub provisioned_concurrency: Vec<ProvisionedConcurrency>,
    /// Resource policies: the function's own (qualifier `None`) and each alias or version that has one (versions whose
    /// policy the scan did not read are listed in [`Function::skipped`]).
    pub resource_policies: Vec<ResourcePolicy>,
    /// Its aliases.
    pub aliases: Vec<Alias>,
    /// Published versions (not `$LATEST`).
    pub versions: Vec<String>,
    /// The configuration of each published version that runs code, in version order: one an alias (or its routing
    /// weights) or an event source mapping points at, or one invoked by its own qualifier (it has a resource policy,
    /// an asynchronous invocation configuration or provisioned concurrency of its own); `$LATEST`'s is the
    /// function's own fields.
    pub live_versions: Vec<LiveVersion>,
    /// Function URLs of the function and of its aliases.
    pub urls: Vec<FunctionUrl>,
    /// Asynchronous invocation settings (retries, destinations), per qualifier.
    pub async_invoke_configs: Vec<AsyncInvokeConfig>,
    /// Queues and streams the function reads from.
    pub event_source_mappings: Vec<EventSourceMapping>,
    /// CloudWatch metrics over the lookback; `None` when not collected (see gaps).
    pub metrics: Option<FunctionMetrics>,
    /// Secrets found in the deployment package and its layers; `None` when `--scan-code` was not used.
    pub code_scan: Option<CodeScan>,
    /// Per-function calls the scan's plan did not make (`scan --thorough` makes them all), each with why; see
    /// [`crate::plan`]. Absent from inventories collected before the plan, or with nothing skipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

/// A call the plan did not make for a function: "not needed" (its answer is known without asking: read the field
/// as collected) or "not examined" (left unread to keep the scan practical: the data is unknown, and the report's
/// summary counts it). A call that was made and failed is a [`Gap`] instead.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Skipped {
    /// AWS operation, e.g. `ListProvisionedConcurrencyConfigs`, `GetPolicy`.
    pub operation: String,
    /// The qualifiers it was not made for (the versions whose `GetPolicy` was not read); empty: the call about the
    /// function itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub qualifiers: Vec<String>,
    /// Whether the answer is known anyway or left unknown.
    pub kind: SkipKind,
    /// Why, in one sentence (the AWS rule it relies on, or what reads it).
    pub reason: String,
}

/// Why a call was not made: see [`Skipped`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SkipKind {
    /// The answer is known without asking: the field holds it (collected, and empty).
    #[default]
    NotNeeded,
    /// Not read by default (`--thorough` reads it): the data is unknown.
    NotExamined,
}

/// Result of scanning a function's deployment package and layers for hard-coded secrets (`--scan-code`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CodeScan {
    /// Packages that could not be scanned (container image, download failed, corrupt archive), with the reason.
    pub unscanned: Vec<UnscannedPackage>,
    /// Packages scanned completely: `function` or a layer version ARN, with the package's CodeSha256.
    pub scanned: Vec<ScannedPackage>,
    /// Secrets found in the scanned packages.
    pub findings: Vec<CodeSecret>,
}

/// A package read to the end by `--scan-code`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ScannedPackage {
    /// `function` or the layer version ARN.
    pub source: String,
    /// The package's CodeSha256, to tell a changed package from the one scanned.
    pub code_sha256: Option<String>,
    /// Files read, archives inside the package included.
    pub files_scanned: u64,
}

/// A package `--scan-code` could not read: the check on it is Unknown.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct UnscannedPackage {
    /// `function` or the layer version ARN.
    pub source: String,
    /// Why it could not be scanned (container image, download failed, corrupt archive).
    pub reason: String,
}

/// A secret hard-coded in a package: where it is and which rule matched, never the value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CodeSecret {
    /// `function` or the layer version ARN.
    pub source: String,
    /// Path inside the package (`a.zip!inner/file.py` for nested archives).
    pub path: String,
    /// Line number in the file, from 1.
    pub line: u32,
    /// The detector rule that matched (e.g. `aws-access-key-id`).
    pub rule_id: String,
    /// The match masked as in [`SecretDetection::masked_preview`].
    pub masked_preview: String,
}

/// One environment variable: its name and what the secret detector concluded about its value (never the value).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EnvVar {
    /// The variable name.
    pub name: String,
    /// Shape of the value, enough for the name-based checks.
    pub value_kind: ValueKind,
    /// Length of the value in characters.
    pub value_length: usize,
    /// Detector verdicts at collection time.
    pub detections: Vec<SecretDetection>,
}

/// What kind of value an environment variable holds, decided at collection time.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ValueKind {
    /// No value (an empty string).
    #[default]
    Empty,
    /// A reference to where the secret really lives: Secrets Manager / SSM ARN or name, `{{resolve:…}}`, a path
    /// (`/prod/db/password`), or a value encrypted client-side (KMS ciphertext, sops `ENC[…]`).
    SecretReference,
    /// A placeholder (`changeme`, `${TOKEN}`, `<your-key>`, `xxx`…), a boolean or a number, or another shape no
    /// credential has (URL without credentials, hostname, date, version).
    Placeholder,
    /// Any other literal value.
    Literal,
}

/// A secret found in a value: which rule, and a masked preview that cannot be used to recover the secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SecretDetection {
    /// The detector rule that matched (e.g. `aws-secret-access-key`).
    pub rule_id: String,
    /// What the rule recognises, for people.
    pub description: String,
    /// E.g. `AKIA…(20 chars)`: at most 4 leading characters, never more than a quarter of the value.
    pub masked_preview: String,
}

/// A function's VPC attachment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct VpcConfig {
    /// The VPC id.
    pub vpc_id: Option<String>,
    /// The subnets the function's network interfaces are placed in.
    pub subnet_ids: Vec<String>,
    /// The security groups of those interfaces.
    pub security_group_ids: Vec<String>,
    /// Subnet id → availability zone, when it could be resolved; `None` = not collected.
    pub subnet_azs: Option<BTreeMap<String, String>>,
}

/// Where and how a function logs (LoggingConfig).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingConfig {
    /// Custom log group; `None` = the default `/aws/lambda/<function name>`.
    pub log_group: Option<String>,
    /// `Text` or `JSON`.
    pub log_format: Option<String>,
    /// Application log level (`TRACE` … `FATAL`; JSON format only), when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<String>,
    /// System log level (`DEBUG`, `INFO`, `WARN`; JSON format only), when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<String>,
}

/// A layer version a function loads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LayerRef {
    /// Layer version ARN.
    pub arn: String,
    /// Account that published the layer, parsed from the ARN.
    pub owner_account: String,
    /// Size of the layer's package in bytes.
    pub code_size: Option<i64>,
}

/// Provisioned concurrency on one alias or version (billed whether invoked or not).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ProvisionedConcurrency {
    /// Alias or version.
    pub qualifier: String,
    /// Execution environments requested.
    pub requested: i32,
    /// Execution environments allocated so far.
    pub allocated: Option<i32>,
    /// `IN_PROGRESS`, `READY` or `FAILED`.
    pub status: Option<String>,
}

/// A resource-based policy document as AWS returns it (kept as compact JSON text, like every policy document here).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ResourcePolicy {
    /// `None` for the function itself; alias name or version number otherwise.
    pub qualifier: Option<String>,
    /// The policy document.
    pub document: JsonText,
}

/// A function alias: a name pointing at a version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Alias {
    /// The alias name.
    pub name: String,
    /// The alias ARN (the function ARN qualified by the name).
    pub arn: String,
    /// The version that receives the alias's main traffic.
    pub function_version: String,
    /// Versions that also receive a share of the alias's traffic (RoutingConfig.AdditionalVersionWeights).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_versions: Vec<String>,
}

/// What a published version locked in when it was published: the settings the checks judge per running version.
/// A version keeps them whatever `$LATEST` became since (a DLQ added later does not protect it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LiveVersion {
    /// The version number.
    pub version: String,
    /// As [`Function::runtime`], for this version.
    pub runtime: Option<String>,
    /// As [`Function::package_type`], for this version.
    pub package_type: String,
    /// As [`Function::role_arn`], for this version.
    pub role_arn: String,
    /// As [`Function::kms_key_arn`], for this version.
    pub kms_key_arn: Option<String>,
    /// As [`Function::environment`], for this version.
    pub environment: Vec<EnvVar>,
    /// As [`Function::dead_letter_target`], for this version.
    pub dead_letter_target: Option<String>,
    /// As [`Function::layers`], for this version.
    pub layers: Vec<LayerRef>,
    /// As [`Function::code_sha256`], for this version.
    pub code_sha256: Option<String>,
    /// As [`Function::last_modified`]: when this version was published.
    pub last_modified: Option<String>,
}

/// A function URL: an HTTPS endpoint that invokes the function or one of its aliases.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionUrl {
    /// The endpoint (`https://<id>.lambda-url.<region>.on.aws/`).
    pub url: String,
    /// `None` for the function itself, alias name otherwise.
    pub qualifier: Option<String>,
    /// `NONE` or `AWS_IAM`.
    pub auth_type: String,
    /// Its CORS settings; `None` when none are configured.
    pub cors: Option<Cors>,
    /// `BUFFERED` or `RESPONSE_STREAM`.
    pub invoke_mode: Option<String>,
}

/// The CORS settings of a function URL: which browser origins may call it, and how.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Cors {
    /// Origins allowed to call the URL from a browser (`*` = any).
    pub allow_origins: Vec<String>,
    /// HTTP methods allowed.
    pub allow_methods: Vec<String>,
    /// Request headers allowed.
    pub allow_headers: Vec<String>,
    /// Whether cookies and authorization headers may be sent.
    pub allow_credentials: Option<bool>,
}

/// What happens to a failed or succeeded asynchronous invocation of one qualifier.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AsyncInvokeConfig {
    /// `$LATEST`, an alias or a version.
    pub qualifier: String,
    /// Retries after a failed invocation (0 to 2).
    pub maximum_retry_attempts: Option<i32>,
    /// How long an event may wait before it is discarded.
    pub maximum_event_age_seconds: Option<i32>,
    /// ARN of the destination of successful invocations.
    pub on_success: Option<String>,
    /// ARN of the destination of invocations that failed for good.
    pub on_failure: Option<String>,
}

/// A queue or stream the function is made to read (an event source mapping).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EventSourceMapping {
    /// The mapping's id.
    pub uuid: String,
    /// ARN of the queue or stream; `None` for sources named otherwise (self-managed Kafka).
    pub event_source_arn: Option<String>,
    /// Function ARN as the mapping names it (may carry a qualifier).
    pub function_arn: String,
    /// `Enabled`, `Disabled`, `Creating`, `Updating`…
    pub state: Option<String>,
    /// Most records per invocation.
    pub batch_size: Option<i32>,
    /// Where a stream is first read: `TRIM_HORIZON`, `LATEST` or `AT_TIMESTAMP`.
    pub starting_position: Option<String>,
    /// ARN where records that failed for good are sent.
    pub on_failure_destination: Option<String>,
    /// Retries of a failed batch (stream sources); -1 = until the record expires.
    pub maximum_retry_attempts: Option<i32>,
    /// Age past which a record is discarded (stream sources); -1 = never.
    pub maximum_record_age_seconds: Option<i32>,
    /// Whether a failed batch is split in two and retried.
    pub bisect_batch_on_function_error: Option<bool>,
    /// `ReportBatchItemFailures` when the function reports which records failed.
    pub function_response_types: Vec<String>,
}

/// Daily CloudWatch statistics over the lookback.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionMetrics {
    /// First day of the window (inclusive).
    pub since: NaiveDate,
    /// Last day of the window (inclusive, the collection date).
    pub until: NaiveDate,
    /// Days that had any datapoint, ascending; days absent had no invocations.
    pub daily: Vec<DailyMetrics>,
    /// Last day with a non-zero Invocations datapoint; `None` = never within the window.
    pub last_invocation: Option<NaiveDate>,
}

/// One day of a function's CloudWatch metrics.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DailyMetrics {
    /// The day (UTC).
    pub date: NaiveDate,
    /// Invocations that day (Sum).
    pub invocations: f64,
    /// Invocations that ended in an error that day (Sum).
    pub errors: f64,
    /// Invocation requests throttled that day (Sum).
    pub throttles: f64,
    /// Maximum Duration of the day in milliseconds.
    pub max_duration_ms: Option<f64>,
}

/// An execution role with every policy that applies to it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Role {
    /// The role ARN.
    pub arn: String,
    /// The role name.
    pub name: String,
    /// The IAM path (`/` by default).
    pub path: String,
    /// When the role was created.
    pub create_date: Option<DateTime<Utc>>,
    /// Trust (assume-role) policy, decoded from IAM's URL encoding.
    pub trust_policy: JsonText,
    /// Policies embedded in the role.
    pub inline_policies: Vec<InlinePolicy>,
    /// Managed policies attached to the role.
    pub attached_policies: Vec<ManagedPolicy>,
    /// The permissions boundary, which caps what the policies grant.
    pub permissions_boundary: Option<ManagedPolicy>,
    /// When and where the role was last used, as IAM tracks it.
    pub last_used: Option<RoleLastUsed>,
    /// IAM service last-accessed data; `None` = not collected.
    pub services_last_accessed: Option<Vec<ServiceLastAccessed>>,
    /// Role tags, key to value.
    pub tags: BTreeMap<String, String>,
}

/// A policy embedded in a role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct InlinePolicy {
    /// The policy name.
    pub name: String,
    /// The policy document, decoded from IAM's URL encoding.
    pub document: JsonText,
}

/// A managed policy attached to a role (or used as its permissions boundary).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ManagedPolicy {
    /// The policy ARN.
    pub arn: String,
    /// The policy name.
    pub name: String,
    /// The default version's document, decoded; `None` when it could not be read (see gaps).
    pub document: Option<JsonText>,
}

impl ManagedPolicy {
    /// AWS managed policies live under `arn:<partition>:iam::aws:policy/`.
    pub fn is_aws_managed(&self) -> bool {
        self.arn.contains(":iam::aws:policy/")
    }
}

/// IAM's record of a role's last use (RoleLastUsed).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RoleLastUsed {
    /// When the role was last assumed; `None` = not in IAM's tracking period.
    pub last_used_date: Option<DateTime<Utc>>,
    /// The region it was last used in.
    pub region: Option<String>,
}

/// When a role last used one service (IAM service last-accessed data).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceLastAccessed {
    /// Service namespace, e.g. `s3`.
    pub namespace: String,
    /// Last authenticated call to the service; `None` = never in IAM's tracking period.
    pub last_authenticated: Option<DateTime<Utc>>,
}

/// Lambda's account-level limits in one region (GetAccountSettings).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AccountSettings {
    /// Concurrent executions the account may run in the region.
    pub concurrent_executions_limit: Option<i32>,
    /// What is left of that limit for functions without reserved concurrency.
    pub unreserved_concurrent_executions: Option<i32>,
    /// Total size of all deployment packages the region may hold, in bytes.
    pub code_size_limit: Option<i64>,
}

/// A call that failed for good (after retries). Checks that need its data say Unknown.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Gap {
    /// `lambda`, `iam`, `cloudwatch`, `sts`.
    pub service: String,
    /// AWS operation name, e.g. `GetPolicy`.
    pub operation: String,
    /// `None` for global services (IAM).
    pub region: Option<String>,
    /// ARN (or name) of the resource the call was about; `None` for region- or account-wide calls.
    pub resource: Option<String>,
    /// What kind of failure it was.
    pub kind: GapKind,
    /// One-line error as AWS or the transport reported it.
    pub error: String,
}

/// Why a call failed for good.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum GapKind {
    /// The credentials lack the permission.
    AccessDenied,
    /// AWS kept throttling the call past the retries.
    Throttled,
    /// The scanner chose not to collect it (flag), e.g. metrics disabled.
    Skipped,
    /// Any other failure (network, service error, unreadable answer).
    #[default]
    Error,
}

impl Gap {
    /// Whether this gap hides data about `function` for `operation`: a call about the function itself, or a
    /// region-wide call in its region (listings), or an account-wide one.
    pub fn affects(&self, service: &str, operation: &str, function: &Function) -> bool {
        self.service == service
            && self.operation == operation
            && self.region.as_deref().is_none_or(|r| r == function.region)
            && self.resource.as_deref().is_none_or(|r| {
                r == function.arn
                    || r == function.name
                    || r.starts_with(&format!("{}:", function.arn))
            })
    }
}

impl Account {
    /// The gap, if any, that hides `service:operation` data about `function`.
    pub fn gap_for(&self, service: &str, operation: &str, function: &Function) -> Option<&Gap> {
        self.gaps
            .iter()
            .find(|g| g.affects(service, operation, function))
    }

    /// The gap, if any, that hides a role's data (IAM is global; a gap about the role itself or an account-wide one).
    pub fn role_gap(&self, role_arn: &str) -> Option<&Gap> {
        self.gaps.iter().find(|g| {
            g.service == "iam"
                && g.resource
                    .as_deref()
                    .is_none_or(|r| r == role_arn || role_arn.ends_with(&format!("/{r}")))
        })
    }

    /// The role with this ARN, when it was collected.
    pub fn role(&self, arn: &str) -> Option<&Role> {
        self.roles.get(arn)
    }

    /// Functions whose execution role is `role_arn`, in every region.
    pub fn functions_using_role<'a>(
        &'a self,
        role_arn: &'a str,
    ) -> impl Iterator<Item = &'a Function> + 'a {
        self.functions
            .iter()
            .filter(move |f| f.role_arn == role_arn)
    }
}

impl Function {
    /// The log group the function writes to.
    pub fn log_group(&self) -> String {
        self.logging
            .as_ref()
            .and_then(|l| l.log_group.clone())
            .unwrap_or_else(|| format!("/aws/lambda/{}", self.name))
    }

    /// The calendar day (UTC) of `last_modified`; `None` when absent or not an AWS timestamp.
    pub fn last_modified_date(&self) -> Option<NaiveDate> {
        let text = self.last_modified.as_deref()?;
        AwsTimestamp::parse(text).ok().map(AwsTimestamp::date)
    }

    /// Account id parsed from the function ARN.
    pub fn account_id(&self) -> &str {
        Arn::parse(&self.arn).map_or("", |arn| arn.account)
    }

    /// What makes a published version run: `alias prod`, `event source mapping <uuid>`, `its resource policy`,
    /// `its asynchronous invocation configuration`, `its provisioned concurrency`.
    pub fn pointers_to(&self, version: &str) -> Vec<String> {
        let own = |name: &str, has: bool| has.then(|| format!("its {name}"));
        let own_settings = [
            own(
                "resource policy",
                self.resource_policies
                    .iter()
                    .any(|p| p.qualifier.as_deref() == Some(version)),
            ),
            own(
                "asynchronous invocation configuration",
                self.async_invoke_configs
                    .iter()
                    .any(|c| c.qualifier == version),
            ),
            own(
                "provisioned concurrency",
                self.provisioned_concurrency
                    .iter()
                    .any(|p| p.qualifier == version),
            ),
        ];
        let aliases = self
            .aliases
            .iter()
            .filter(|a| {
                a.function_version == version || a.additional_versions.iter().any(|v| v == version)
            })
            .map(|a| format!("alias {}", a.name));
        let mappings = self
            .event_source_mappings
            .iter()
            .filter(|m| {
                Arn::parse(&m.function_arn).is_ok_and(|arn| arn.qualifier() == Some(version))
            })
            .map(|m| format!("event source mapping {}", m.uuid));
        aliases
            .chain(mappings)
            .chain(own_settings.into_iter().flatten())
            .collect()
    }

    /// The live version a qualifier runs (an alias resolved to its version); `None` for `$LATEST`, an alias of
    /// `$LATEST`, and a version whose configuration was not collected.
    pub fn live_version_of(&self, qualifier: &str) -> Option<&LiveVersion> {
        let version = self
            .aliases
            .iter()
            .find(|a| a.name == qualifier)
            .map_or(qualifier, |a| a.function_version.as_str());
        self.live_versions.iter().find(|v| v.version == version)
    }

    /// The function as a live version runs it: the version's locked-in settings on the function's identity (ARN,
    /// name, region, so gaps about the function apply), nothing else (its aliases, URLs, async and mapping
    /// configurations are the function's and judged there).
    pub fn at_version(&self, version: &LiveVersion) -> Function {
        Function {
            arn: self.arn.clone(),
            name: self.name.clone(),
            region: self.region.clone(),
            runtime: version.runtime.clone(),
            package_type: version.package_type.clone(),
            role_arn: version.role_arn.clone(),
            kms_key_arn: version.kms_key_arn.clone(),
            environment: version.environment.clone(),
            dead_letter_target: version.dead_letter_target.clone(),
            layers: version.layers.clone(),
            code_sha256: version.code_sha256.clone(),
            last_modified: version.last_modified.clone(),
            ..Function::default()
        }
    }
}

/// Why an inventory file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file is not JSON.
    #[error("{path}: not valid JSON: {error}")]
    Malformed {
        /// The file.
        path: String,
        /// The JSON parser's error, with line and column.
        error: serde_json::Error,
    },
    /// A field has the wrong type or an unknown name.
    #[error("{path}: field `{}`: {}", one_line(.field), one_line(&.error.to_string()))]
    InvalidField {
        /// The file.
        path: String,
        /// Dotted path of the field (`accounts[0].functions[3].timeout_seconds`).
        field: String,
        /// What serde found wrong with it.
        error: serde_json::Error,
    },
    /// The file was written by a newer lambda-posture.
    #[error("{path}: schema_version {found} is newer than this lambda-posture understands ({SCHEMA_VERSION}); upgrade lambda-posture")]
    NewerSchema {
        /// The file.
        path: String,
        /// Its `schema_version`.
        found: u64,
    },
    /// No `schema_version`: probably not an inventory.
    #[error("{path}: missing field `schema_version`; is this a lambda-posture inventory?")]
    NoSchemaVersion {
        /// The file.
        path: String,
    },
    /// Parsed, but a value is out of its documented range or contradicts another ([`validate`]).
    #[error("{path}: field `{}`: {}", one_line(.field), one_line(.message))]
    Invalid {
        /// The file.
        path: String,
        /// Dotted path of the field.
        field: String,
        /// What is wrong with the value.
        message: String,
    },
}

/// `text` from the file (a field name or value it holds) on one line: control characters shown as `<U+XXXX>`, the
/// notation of every human output, so an error stays one line whatever the file spells.
pub(crate) fn one_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    for c in text.chars() {
        match c.is_control() {
            true => line.push_str(&format!("<U+{:04X}>", u32::from(c))),
            false => line.push(c),
        }
    }
    line
}

impl Inventory {
    /// Parse an inventory, checking the schema version before the fields so a newer file gets the right error.
    /// Read twice, never held as a `serde_json::Value` (a 10,000-function inventory would take 4x its size).
    pub fn from_json(path: &str, text: &str) -> Result<Inventory, InventoryError> {
        /// Only the version: serde skips every other field without allocating.
        #[derive(Deserialize)]
        struct Version {
            schema_version: Option<Value>,
        }
        let malformed = |error| InventoryError::Malformed {
            path: path.to_string(),
            error,
        };
        let version = if crate::json_text::is_object(text).map_err(malformed)? {
            serde_json::from_str::<Version>(text)
                .map_err(malformed)?
                .schema_version
        } else {
            None // valid JSON, but not an object: not an inventory
        };
        match version.as_ref().and_then(Value::as_u64) {
            None => {
                return Err(InventoryError::NoSchemaVersion {
                    path: path.to_string(),
                })
            }
            Some(v) if v > SCHEMA_VERSION as u64 => {
                return Err(InventoryError::NewerSchema {
                    path: path.to_string(),
                    found: v,
                })
            }
            Some(_) => {}
        }
        // the error names the field as a path (accounts[0].functions[3].timeout_seconds)
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let mut inventory = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            InventoryError::InvalidField {
                path: path.to_string(),
                field: e.path().to_string(),
                error: e.into_inner(),
            }
        })?;
        validate::check(&mut inventory, path, text)?;
        Ok(inventory)
    }

    /// The evaluation date: the day collection started.
    pub fn scan_date(&self) -> NaiveDate {
        self.collected_at.date_naive()
    }
}
