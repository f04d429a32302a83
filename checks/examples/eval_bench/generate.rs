//! A synthetic account for the evaluation benchmark: many functions sharing a few hundred execution roles whose
//! policies look like the ones real accounts have (the Lambda basic execution policy, scoped data access, the odd
//! `*:*`, managed FullAccess policies, boundaries, Deny statements, conditions). Deterministic for a given size.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use lambda_posture_checks::inventory::{
    Account, Alias, AsyncInvokeConfig, DailyMetrics, EnvVar, EventSourceMapping, Function,
    FunctionMetrics, FunctionUrl, InlinePolicy, Inventory, LayerRef, ManagedPolicy, ResourcePolicy,
    Role, RoleLastUsed, SecretDetection, ServiceLastAccessed, ValueKind, VpcConfig, SCHEMA_VERSION,
};
use lambda_posture_checks::json_text::JsonText;
use serde_json::{json, Value};

const ACCOUNT: &str = "123456789012";
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const LOOKBACK_DAYS: u32 = 90;

/// A small deterministic generator (64-bit LCG): the same inventory on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn scan_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

/// An inventory of `functions` functions sharing `roles` execution roles, spread over three regions.
pub fn inventory(functions: usize, roles: usize) -> Inventory {
    let mut dice = Dice(42);
    let roles: BTreeMap<String, Role> = (0..roles)
        .map(|i| role(i, &mut dice))
        .map(|r| (r.arn.clone(), r))
        .collect();
    let arns: Vec<&String> = roles.keys().collect();
    let functions = (0..functions)
        .map(|i| {
            // A few roles are shared by many functions, most by a handful.
            let role = if dice.chance(30) {
                arns[dice.below(arns.len().min(20))]
            } else {
                arns[dice.below(arns.len())]
            };
            function(i, role, &mut dice)
        })
        .collect();
    Inventory {
        schema_version: SCHEMA_VERSION,
        tool_version: "bench".into(),
        collected_at: Utc.from_utc_datetime(&scan_date().and_hms_opt(8, 0, 0).unwrap()),
        lookback_days: LOOKBACK_DAYS,
        accounts: vec![Account {
            account_id: ACCOUNT.into(),
            partition: "aws".into(),
            regions: REGIONS.iter().map(|r| r.to_string()).collect(),
            functions,
            roles,
            ..Account::default()
        }],
    }
}

fn doc(statements: Vec<Value>) -> JsonText {
    json!({ "Version": "2012-10-17", "Statement": statements }).into()
}

fn managed(name: &str, document: Option<JsonText>) -> ManagedPolicy {
    ManagedPolicy {
        arn: format!("arn:aws:iam::aws:policy/{name}"),
        name: name.rsplit('/').next().unwrap().into(),
        document,
    }
}

fn role(i: usize, dice: &mut Dice) -> Role {
    let name = format!("app-{i}-role");
    let table = format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/app-{i}");
    let bucket = format!("arn:aws:s3:::app-{i}-data");
    let mut app = vec![
        json!({ "Sid": "Data", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], "Resource": [table, format!("{table}/index/*")] }),
        json!({ "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": format!("{bucket}/*") }),
        json!({ "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:app-{i}-dlq") }),
        json!({ "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app-{i}-*") }),
        json!({ "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": { "StringEquals": { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } } }),
    ];
    if dice.chance(30) {
        app.push(json!({ "Effect": "Allow", "Action": ["dynamodb:*", "s3:*"], "Resource": "*" }));
    }
    if dice.chance(15) {
        app.push(json!({ "Effect": "Allow", "Action": ["ssm:GetParameter*", "sns:Publish", "events:PutEvents", "lambda:InvokeFunction"], "Resource": "*" }));
    }
    if dice.chance(8) {
        app.push(json!({ "Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:UpdateFunctionCode"], "Resource": "*" }));
    }
    if dice.chance(5) {
        app.push(json!({ "Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*" }));
    }
    if dice.chance(10) {
        app.push(json!({ "Effect": "Deny", "Action": ["s3:DeleteBucket", "dynamodb:DeleteTable"], "Resource": "*" }));
    }
    let logs = if dice.chance(40) {
        doc(vec![
            json!({ "Effect": "Allow", "Action": "logs:*", "Resource": "*" }),
        ])
    } else {
        doc(vec![
            json!({ "Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": format!("arn:aws:logs:us-east-1:{ACCOUNT}:*") }),
            json!({ "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": format!("arn:aws:logs:*:{ACCOUNT}:log-group:/aws/lambda/fn-*:*") }),
        ])
    };
    let mut attached = vec![managed(
        "service-role/AWSLambdaBasicExecutionRole",
        Some(doc(vec![
            json!({ "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*" }),
        ])),
    )];
    if dice.chance(20) {
        attached.push(managed(
            "AmazonS3FullAccess",
            Some(doc(vec![json!({ "Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*" })])),
        ));
    }
    if dice.chance(10) {
        attached.push(managed(
            "AmazonDynamoDBFullAccess",
            Some(doc(vec![
                json!({ "Effect": "Allow", "Action": ["dynamodb:*", "dax:*", "application-autoscaling:*", "cloudwatch:*", "datapipeline:*", "ec2:DescribeVpcs", "ec2:DescribeSubnets", "kms:ListAliases", "sns:ListTopics", "lambda:ListFunctions", "resource-groups:*", "tag:GetResources"], "Resource": "*" }),
                json!({ "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": { "StringLike": { "iam:PassedToService": ["application-autoscaling.amazonaws.com", "dax.amazonaws.com"] } } }),
            ])),
        ));
    }
    if dice.chance(4) {
        attached.push(managed("PowerUserAccess", None)); // unreadable: its published content stands in
    }
    if dice.chance(2) {
        attached.push(managed(
            "AdministratorAccess",
            Some(doc(vec![
                json!({ "Effect": "Allow", "Action": "*", "Resource": "*" }),
            ])),
        ));
    }
    let boundary = dice.chance(10).then(|| ManagedPolicy {
        arn: format!("arn:aws:iam::{ACCOUNT}:policy/boundary"),
        name: "boundary".into(),
        document: Some(doc(vec![
            json!({ "Effect": "Allow", "Action": ["logs:*", "s3:*", "dynamodb:*", "sqs:*", "sns:*", "kms:Decrypt", "secretsmanager:GetSecretValue"], "Resource": "*" }),
        ])),
    });
    let mut trusted = vec![
        json!({ "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": "sts:AssumeRole" }),
    ];
    if dice.chance(5) {
        trusted.push(json!({ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::210987654321:root" }, "Action": "sts:AssumeRole" }));
    }
    let created =
        Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap() + Duration::days(dice.below(900) as i64);
    let accessed = dice.chance(70).then(|| {
        [
            "logs",
            "dynamodb",
            "s3",
            "sqs",
            "secretsmanager",
            "kms",
            "sns",
            "ssm",
            "lambda",
            "iam",
            "events",
        ]
        .iter()
        .map(|service| ServiceLastAccessed {
            namespace: service.to_string(),
            last_authenticated: dice
                .chance(60)
                .then(|| created + Duration::days(dice.below(600) as i64)),
        })
        .collect()
    });
    Role {
        arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
        name,
        path: "/".into(),
        create_date: Some(created),
        trust_policy: doc(trusted),
        inline_policies: vec![
            InlinePolicy {
                name: "logs".into(),
                document: logs,
            },
            InlinePolicy {
                name: "app".into(),
                document: doc(app),
            },
        ],
        attached_policies: attached,
        permissions_boundary: boundary,
        last_used: Some(RoleLastUsed {
            last_used_date: Some(created),
            region: Some("us-east-1".into()),
        }),
        services_last_accessed: accessed,
        tags: BTreeMap::new(),
    }
}

fn function(i: usize, role_arn: &str, dice: &mut Dice) -> Function {
    let region = REGIONS[i % REGIONS.len()];
    let name = format!("fn-{i}");
    let arn = format!("arn:aws:lambda:{region}:{ACCOUNT}:function:{name}");
    let mut policy = vec![json!({
        "Sid": "apigw", "Effect": "Allow", "Principal": { "Service": "apigateway.amazonaws.com" },
        "Action": "lambda:InvokeFunction", "Resource": arn,
        "Condition": { "ArnLike": { "AWS:SourceArn": format!("arn:aws:execute-api:{region}:{ACCOUNT}:api{i}/*") } }
    })];
    if dice.chance(10) {
        policy.push(json!({ "Sid": "s3", "Effect": "Allow", "Principal": { "Service": "s3.amazonaws.com" }, "Action": "lambda:InvokeFunction", "Resource": arn, "Condition": { "ArnLike": { "AWS:SourceArn": "arn:aws:s3:::uploads" } } }));
    }
    if dice.chance(2) {
        policy.push(json!({ "Sid": "public", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": arn }));
    }
    let since = scan_date() - Duration::days(i64::from(LOOKBACK_DAYS) - 1);
    let quiet = dice.chance(15);
    let daily = (0..LOOKBACK_DAYS as i64)
        .filter(|_| !quiet)
        .map(|d| DailyMetrics {
            date: since + Duration::days(d),
            invocations: 1000.0,
            errors: if dice.chance(3) { 200.0 } else { 3.0 },
            throttles: if dice.chance(2) { 5.0 } else { 0.0 },
            max_duration_ms: Some(if dice.chance(2) { 29_000.0 } else { 800.0 }),
        })
        .collect();
    let env = |name: &str, kind: ValueKind, detections: Vec<SecretDetection>| EnvVar {
        name: name.into(),
        value_kind: kind,
        value_length: 24,
        detections,
    };
    let mut environment = vec![
        env("TABLE", ValueKind::Literal, vec![]),
        env("DB_SECRET", ValueKind::SecretReference, vec![]),
    ];
    if dice.chance(3) {
        environment.push(env("API_TOKEN", ValueKind::Literal, vec![]));
    }
    if dice.chance(1) {
        let detection = SecretDetection {
            rule_id: "aws-access-key-id".into(),
            description: "AWS access key id".into(),
            masked_preview: "AKIA…(20 chars)".into(),
        };
        environment.push(env("AWS_KEY", ValueKind::Literal, vec![detection]));
    }
    let esm = dice.chance(20).then(|| EventSourceMapping {
        uuid: format!("esm-{i}"),
        event_source_arn: Some(format!("arn:aws:sqs:{region}:{ACCOUNT}:queue-{i}")),
        function_arn: arn.clone(),
        state: Some("Enabled".into()),
        batch_size: Some(10),
        ..EventSourceMapping::default()
    });
    Function {
        region: region.into(),
        runtime: Some(["python3.12", "nodejs20.x", "python3.8", "java21"][dice.below(4)].into()),
        handler: Some("app.handler".into()),
        package_type: "Zip".into(),
        architectures: vec!["arm64".into()],
        role_arn: role_arn.into(),
        memory_mb: Some(256),
        timeout_seconds: Some(30),
        last_modified: Some(format!("202{}-03-04T05:06:07.000+0000", 3 + dice.below(3))),
        code_sha256: Some("c2hh".into()),
        code_size: Some(1024),
        state: Some("Active".into()),
        tracing_mode: Some(
            if dice.chance(50) {
                "Active"
            } else {
                "PassThrough"
            }
            .into(),
        ),
        kms_key_arn: dice
            .chance(30)
            .then(|| format!("arn:aws:kms:{region}:{ACCOUNT}:key/k")),
        environment,
        dead_letter_target: dice.chance(20).then(|| {
            format!(
                "arn:aws:sqs:us-east-1:{ACCOUNT}:app-{}-dlq",
                dice.below(500)
            )
        }),
        vpc: dice.chance(20).then(|| VpcConfig {
            vpc_id: Some("vpc-1".into()),
            subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            security_group_ids: vec!["sg-1".into()],
            subnet_azs: Some(BTreeMap::from([
                ("subnet-a".into(), "a".into()),
                ("subnet-b".into(), "b".into()),
            ])),
        }),
        layers: dice
            .chance(10)
            .then(|| LayerRef {
                arn: format!("arn:aws:lambda:{region}:999999999999:layer:x:3"),
                owner_account: "999999999999".into(),
                code_size: None,
            })
            .into_iter()
            .collect(),
        tags: if dice.chance(60) {
            BTreeMap::from([("team".into(), "payments".into())])
        } else {
            BTreeMap::new()
        },
        reserved_concurrency: dice.chance(20).then_some(10),
        resource_policies: vec![ResourcePolicy {
            qualifier: None,
            document: doc(policy),
        }],
        aliases: vec![Alias {
            name: "live".into(),
            arn: format!("{arn}:live"),
            function_version: "3".into(),
            ..Alias::default()
        }],
        versions: vec!["1".into(), "2".into(), "3".into()],
        urls: dice
            .chance(5)
            .then(|| FunctionUrl {
                url: format!("https://{name}.lambda-url.{region}.on.aws/"),
                qualifier: None,
                auth_type: "AWS_IAM".into(),
                cors: None,
                invoke_mode: None,
            })
            .into_iter()
            .collect(),
        async_invoke_configs: dice
            .chance(30)
            .then(|| AsyncInvokeConfig {
                qualifier: "$LATEST".into(),
                maximum_retry_attempts: Some(2),
                on_failure: Some(format!("arn:aws:sqs:{region}:{ACCOUNT}:failures")),
                ..AsyncInvokeConfig::default()
            })
            .into_iter()
            .collect(),
        event_source_mappings: esm.into_iter().collect(),
        metrics: Some(FunctionMetrics {
            since,
            until: scan_date(),
            daily,
            last_invocation: None,
        }),
        name,
        arn,
        ..Function::default()
    }
}
