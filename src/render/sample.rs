//! A hand-made report for renderer unit tests: every severity and status, evidence with a masked preview, a muted
//! finding, a gap, stale suppressions, and hostile text (markup, formulas) where a user controls names and tags.

use std::collections::BTreeMap;

use lambda_posture_checks::finding::{stable_id, Finding, Severity, Status};
use lambda_posture_checks::inventory::{Account, Function, Gap, GapKind, Inventory};
use lambda_posture_checks::report::Report;
use lambda_posture_checks::suppress::{self, Suppression, ValidSuppression};
use serde_json::{json, Value};

pub const ACCOUNT: &str = "111122223333";

fn function(name: &str, region: &str, runtime: Option<&str>, tags: &[(&str, &str)]) -> Function {
    Function {
        arn: format!("arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"),
        name: name.into(),
        region: region.into(),
        runtime: runtime.map(str::to_string),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    }
}

pub fn inventory() -> Inventory {
    Inventory {
        schema_version: 1,
        tool_version: "0.1.0".into(),
        collected_at: "2026-11-01T10:00:00Z".parse().unwrap(),
        lookback_days: 90,
        accounts: vec![Account {
            account_id: ACCOUNT.into(),
            partition: "aws".into(),
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            functions: vec![
                function(
                    "orders-api",
                    "us-east-1",
                    Some("python3.12"),
                    &[("owner", "team-orders"), ("env", "prod")],
                ),
                function(
                    "legacy-billing",
                    "eu-west-1",
                    Some("nodejs14.x"),
                    &[("team", "=HYPERLINK(\"http://x\")")],
                ),
                function("<script>alert(1)</script>", "us-east-1", None, &[]),
                function("clean-fn", "us-east-1", Some("python3.13"), &[]),
            ],
            gaps: vec![Gap {
                service: "lambda".into(),
                operation: "GetPolicy".into(),
                region: Some("us-east-1".into()),
                resource: Some(format!(
                    "arn:aws:lambda:us-east-1:{ACCOUNT}:function:<script>alert(1)</script>"
                )),
                kind: GapKind::AccessDenied,
                error: "User is not authorized to perform lambda:GetPolicy".into(),
            }],
            ..Default::default()
        }],
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    check: &str,
    title: &str,
    severity: Severity,
    status: Status,
    f: &Function,
    discriminator: Option<&str>,
    message: &str,
    evidence: Value,
) -> Finding {
    let owner_tags: BTreeMap<String, String> = f
        .tags
        .iter()
        .filter(|(k, _)| k.as_str() == "owner" || k.as_str() == "team")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let known = lambda_posture_checks::catalog::find(check);
    Finding {
        id: stable_id(check, &f.arn, discriminator),
        check_id: check.to_string().into(),
        title: title.to_string().into(),
        severity,
        status,
        account_id: ACCOUNT.into(),
        region: f.region.as_str().into(),
        resource_arn: f.arn.as_str().into(),
        resource_name: f.name.as_str().into(),
        discriminator: discriminator.map(str::to_string),
        message: message.into(),
        evidence: evidence.into(),
        function_arn: f.arn.as_str().into(),
        owner_tags: owner_tags.into(),
        remediation: known
            .map_or(
                "Restrict the resource policy: remove the `*` principal.",
                |c| c.remediation(),
            )
            .into(),
        doc_url: lambda_posture_checks::catalog::doc_url(check),
        compliance: lambda_posture_checks::compliance::controls_of(check),
        suppression: None,
    }
}

/// The sample report, with suppressions applied (one active, one expired, one unmatched).
pub fn report() -> Report {
    let inventory = inventory();
    let fns = &inventory.accounts[0].functions;
    let (orders, legacy, hostile) = (&fns[0], &fns[1], &fns[2]);
    let findings = vec![
        finding(
            "lambda-public-invoke",
            "Anyone can invoke the function",
            Severity::Critical,
            Status::Fail,
            orders,
            Some("AllowAll"),
            "Statement AllowAll lets any principal invoke the function",
            json!({"statement": {"Sid": "AllowAll", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction"}}),
        ),
        finding(
            "env-secret-value",
            "Environment variable holds a credential",
            Severity::Critical,
            Status::Fail,
            legacy,
            Some("AWS_SECRET"),
            "Variable AWS_SECRET holds an AWS access key id",
            json!({"variable": "AWS_SECRET", "rule_id": "aws-access-key-id", "masked_preview": "AKIA…(20 chars)"}),
        ),
        finding(
            "high-error-rate",
            "High error rate",
            Severity::Medium,
            Status::Fail,
            legacy,
            None,
            "-1+2 errors per invocation on 2026-10-30: 42% of 120 invocations failed",
            json!({"date": "2026-10-30", "invocations": 120.0, "errors": 50.0, "error_rate": 0.42}),
        ),
        finding(
            "tracing-off",
            "X-Ray tracing is not active",
            Severity::Low,
            Status::Fail,
            orders,
            None,
            "X-Ray tracing is PassThrough rather than Active",
            json!({"tracing_mode": "PassThrough"}),
        ),
        finding(
            "tracing-off",
            "X-Ray tracing is not active",
            Severity::Low,
            Status::Fail,
            legacy,
            None,
            "X-Ray tracing is not configured rather than Active",
            json!({"tracing_mode": null}),
        ),
        finding(
            "lambda-public-invoke",
            "Anyone can invoke the function",
            Severity::Critical,
            Status::Unknown,
            hostile,
            None,
            "Could not decide: lambda:GetPolicy could not be collected (AccessDenied): <b>denied</b>",
            json!({"reason": "lambda:GetPolicy could not be collected (AccessDenied): <b>denied</b>"}),
        ),
    ];
    let suppressions: Vec<ValidSuppression> = [
        Suppression {
            check: Some("tracing-off".into()),
            resource: Some("arn:aws:lambda:eu-west-1:*".into()),
            reason: "EU functions are traced by the <vendor> agent".into(),
            expires: "2026-12-31".parse().ok(),
            ..Default::default()
        },
        Suppression {
            check: Some("high-error-rate".into()),
            reason: "known flaky upstream".into(),
            expires: "2026-10-01".parse().ok(),
            ..Default::default()
        },
        Suppression {
            tag: Some("env=staging".into()),
            reason: "staging is disposable".into(),
            ..Default::default()
        },
    ]
    .into_iter()
    .map(|entry| entry.validate(|_| true).expect("a valid sample entry"))
    .collect();
    let mut findings = findings;
    let uses = suppress::apply(&mut findings, &inventory, &suppressions);
    Report::new(
        &inventory,
        findings,
        vec!["lambda-public-invoke".into(), "tracing-off".into()],
        uses,
    )
}
