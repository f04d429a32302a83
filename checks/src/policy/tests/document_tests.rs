//! Parsing every legal shape of a policy document, and refusing malformed ones.

use serde_json::json;

use crate::policy::{Effect, PolicyDocument, PolicyError, Principal, Scope, SetQualifier};

fn parse(value: serde_json::Value) -> PolicyDocument {
    PolicyDocument::parse(&value).unwrap_or_else(|e| panic!("{value}: {e}"))
}

fn error(value: serde_json::Value) -> PolicyError {
    PolicyDocument::parse(&value).expect_err(&value.to_string())
}

#[test]
fn single_statement_object_and_string_elements() {
    let doc = parse(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
    );
    assert_eq!(doc.version.as_deref(), Some("2012-10-17"));
    assert_eq!(doc.statements.len(), 1);
    let s = &doc.statements[0];
    assert_eq!(s.effect, Effect::Allow);
    assert_eq!(s.label(), "#0");
    assert!(s.applies_to_action("S3:getobject"));
    assert!(!s.applies_to_action("s3:PutObject"));
    assert!(s.on_all_resources());
    assert!(s.principal.is_none());
}

#[test]
fn statement_list_with_sids_lists_and_wildcards() {
    let doc = parse(json!({"Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:List?ucket"], "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]},
        {"Sid": "", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secret/*"}
    ]}));
    let (read, deny) = (&doc.statements[0], &doc.statements[1]);
    assert_eq!(read.label(), "Read");
    assert_eq!(deny.label(), "#1");
    assert!(read.applies_to_action("s3:GetObjectAcl") && read.applies_to_action("s3:listbucket"));
    assert!(!read.applies_to_action("s3:ListBuckets"));
    assert!(
        read.applies_to_resource("arn:aws:s3:::b/key")
            && !read.applies_to_resource("arn:aws:s3:::c/key")
    );
    assert!(!read.on_all_resources());
    assert_eq!(deny.effect, Effect::Deny);
}

#[test]
fn not_action_and_not_resource_are_complements() {
    let doc = parse(
        json!({"Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "NotResource": "arn:aws:s3:::private/*"}]}),
    );
    let s = &doc.statements[0];
    assert!(matches!(s.actions, Scope::Except(_)));
    assert!(s.applies_to_action("s3:DeleteBucket"));
    assert!(!s.applies_to_action("IAM:PassRole"));
    assert!(s.applies_to_resource("arn:aws:s3:::public/x"));
    assert!(!s.applies_to_resource("arn:aws:s3:::private/x"));
    assert!(
        s.on_all_resources(),
        "NotResource reaches everything but a few"
    );
}

#[test]
fn every_principal_shape() {
    let doc = parse(json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction"},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "lambda:InvokeFunction"},
        {"Effect": "Allow", "Principal": {"AWS": ["123456789012", "arn:aws:iam::210987654321:role/x"]}, "Action": "lambda:InvokeFunction"},
        {"Effect": "Allow", "Principal": {"Service": ["s3.amazonaws.com", "sns.amazonaws.com"]}, "Action": "lambda:InvokeFunction"},
        {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"},
        {"Effect": "Allow", "Principal": {"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}, "Action": "s3:GetObject"},
        {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "lambda:InvokeFunction"},
        {"Effect": "Allow", "Principal": {"AWS": []}, "Action": "lambda:InvokeFunction"}
    ]}));
    let p = |i: usize| doc.statements[i].principal.clone().unwrap();
    assert_eq!(p(0).entries, vec![Principal::Anyone]);
    assert_eq!(p(1).entries, vec![Principal::Aws("*".into())]);
    assert_eq!(p(2).entries.len(), 2);
    assert_eq!(
        p(3).entries,
        vec![
            Principal::Service("s3.amazonaws.com".into()),
            Principal::Service("sns.amazonaws.com".into())
        ]
    );
    assert_eq!(
        p(4).entries,
        vec![Principal::Federated(
            "cognito-identity.amazonaws.com".into()
        )]
    );
    assert!(matches!(&p(5).entries[0], Principal::CanonicalUser(_)));
    assert!(p(6).negated && !p(0).negated);
    assert!(p(7).entries.is_empty());
}

#[test]
fn conditions_with_qualifiers_suffixes_and_scalar_values() {
    let doc = parse(
        json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {
            "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]},
            "forallvalues:StringEquals": {"aws:TagKeys": "x"},
            "Bool": {"aws:SecureTransport": true},
            "NumericLessThan": {"s3:max-keys": 10},
            "StringEquals": {"AWS:SourceAccount": "123456789012", "aws:SourceArn": ["arn:aws:sns:us-east-1:123456789012:t"]},
            "Null": {"aws:TokenIssueTime": "false"}
        }}]}),
    );
    let s = &doc.statements[0];
    assert_eq!(s.conditions.len(), 7);
    let tags = s
        .conditions
        .iter()
        .find(|c| c.operator.raw == "ForAnyValue:StringLikeIfExists")
        .unwrap();
    assert_eq!(tags.operator.base, "StringLike");
    assert_eq!(tags.operator.set, Some(SetQualifier::ForAnyValue));
    assert!(tags.operator.if_exists);
    assert_eq!(tags.values, vec!["a*", "b"]);
    let all = s
        .conditions
        .iter()
        .find(|c| c.operator.raw == "forallvalues:StringEquals")
        .unwrap();
    assert_eq!(all.operator.set, Some(SetQualifier::ForAllValues));
    assert_eq!(
        s.conditions_on("aws:securetransport")
            .next()
            .unwrap()
            .values,
        vec!["true"]
    );
    assert_eq!(
        s.conditions_on("s3:max-keys").next().unwrap().values,
        vec!["10"]
    );
    assert_eq!(
        s.conditions_on("aws:sourceaccount").count(),
        1,
        "keys are case-insensitive"
    );
    assert!(s
        .conditions
        .iter()
        .any(|c| c.operator.is("stringequals") && !c.operator.is_negated()));
    assert!(s
        .conditions
        .iter()
        .any(|c| c.operator.is("Null") && !c.operator.is_negated()));
}

#[test]
fn negated_operators() {
    let doc = parse(
        json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {
            "StringNotEquals": {"a:b": "x"}, "ArnNotLikeIfExists": {"a:c": "y"}, "NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}
        }}]}),
    );
    assert!(doc.statements[0]
        .conditions
        .iter()
        .all(|c| c.operator.is_negated()));
}

#[test]
fn raw_statement_is_kept_for_evidence() {
    let raw = json!({"Sid": "X", "Effect": "Allow", "Action": "s3:*", "Resource": "*", "Extra": 1});
    let doc = parse(json!({"Statement": [raw.clone()]}));
    assert_eq!(doc.statements[0].raw, raw);
}

#[test]
fn parse_str_reads_text() {
    let doc =
        PolicyDocument::parse_str(r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#)
            .unwrap();
    assert_eq!(doc.statements[0].effect, Effect::Deny);
    assert!(PolicyDocument::parse_str("{not json").is_err());
}

#[test]
fn malformed_documents_are_errors() {
    assert_eq!(error(json!("text")), PolicyError::NotAnObject);
    assert_eq!(
        error(json!({"Version": "2012-10-17"})),
        PolicyError::NoStatement
    );
    assert!(matches!(
        error(json!({"Statement": "x"})),
        PolicyError::BadDocument(_)
    ));
    assert!(matches!(
        error(json!({"Version": 1, "Statement": []})),
        PolicyError::BadDocument(_)
    ));
    let bad_statements = [
        json!("x"),
        json!({"Action": "s3:*", "Resource": "*"}),
        json!({"Effect": "allow", "Action": "s3:*", "Resource": "*"}),
        json!({"Effect": "Allow", "Resource": "*"}),
        json!({"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}),
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "NotResource": "x"}),
        json!({"Effect": "Allow", "Action": "GetObject", "Resource": "*"}),
        json!({"Effect": "Allow", "Action": [1], "Resource": "*"}),
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": {"a": 1}}),
        json!({"Effect": "Allow", "Principal": "123456789012", "Action": "s3:*"}),
        json!({"Effect": "Allow", "Principal": {"Robot": "x"}, "Action": "s3:*"}),
        json!({"Effect": "Allow", "Principal": ["*"], "Action": "s3:*"}),
        json!({"Effect": "Allow", "Principal": "*", "NotPrincipal": "*", "Action": "s3:*"}),
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": "x"}),
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": "x"}}),
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"k": {"a": 1}}}}),
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"k": [null]}}}),
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Sometimes:StringEquals": {"k": "v"}}}),
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IfExists": {"k": "v"}}}),
        json!({"Sid": 3, "Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
    ];
    for (i, statement) in bad_statements.into_iter().enumerate() {
        let err = error(
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, statement]}),
        );
        assert!(
            matches!(err, PolicyError::BadStatement { index: 1, .. }),
            "case {i}: {err:?}"
        );
    }
}

#[test]
fn policy_variables_in_resources_match_like_wildcards() {
    let doc = parse(
        json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}),
    );
    assert!(doc.statements[0].applies_to_resource("arn:aws:s3:::home/alice/file"));
    assert!(!doc.statements[0].applies_to_resource("arn:aws:s3:::other/alice/file"));
    assert_eq!(
        crate::policy::document::without_variables("a${*}b${x}c"),
        "a?b*c"
    );
}

#[test]
fn action_pattern_helpers() {
    let doc = parse(
        json!({"Statement": [{"Effect": "Allow", "Action": ["*", "S3:*", "s3:Get*", "iam:PassRole"], "Resource": "*"}]}),
    );
    let patterns = doc.statements[0].actions.entries();
    assert!(patterns[0].is_service_wildcard() && patterns[0].service().is_none());
    assert!(patterns[1].is_service_wildcard() && patterns[1].service().as_deref() == Some("s3"));
    assert!(!patterns[2].is_service_wildcard() && patterns[2].has_wildcard());
    assert!(!patterns[3].has_wildcard());
}
