//! Resource-policy analysis: principal scope, caller pinning, function URL conditions.

use serde_json::{json, Value};

use crate::config::ValidConfig;
use crate::policy::resource::{
    caller_pinning, invoke_actions, only_via_url, principal_scope, url_auth_type,
};
use crate::policy::{PolicyDocument, Statement};

const OWN: &str = "123456789012";

fn statement(value: Value) -> Statement {
    PolicyDocument::parse(&json!({"Statement": [value]}))
        .unwrap()
        .statements
        .remove(0)
}

fn invoke(principal: Value, condition: Value) -> Statement {
    statement(
        json!({"Effect": "Allow", "Principal": principal, "Action": "lambda:InvokeFunction",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "Condition": condition}),
    )
}

fn config() -> ValidConfig {
    ValidConfig {
        trusted_accounts: vec!["111111111111".into()],
        organization_id: Some("o-abc123".into()),
        ..ValidConfig::default()
    }
}

fn pinned(condition: Value) -> bool {
    caller_pinning(&invoke(json!("*"), condition), OWN, &config()).is_pinned()
}

#[test]
fn principal_scopes() {
    let scope = |p: Value| principal_scope(&invoke(p, json!({})), OWN, &config()).unwrap();
    assert!(scope(json!("*")).is_public());
    assert!(scope(json!({"AWS": "*"})).is_public());
    assert!(scope(json!({"AWS": "arn:aws:iam::*:root"})).is_public());
    assert!(scope(json!({"AWS": "arn:aws:iam::12345678901?:root"})).is_public());
    let s = scope(
        json!({"AWS": ["123456789012", "arn:aws:iam::111111111111:role/ci", "arn:aws:sts::999999999999:assumed-role/x/y", "AROAEXAMPLEID"]}),
    );
    assert!(s.same_account && !s.is_public());
    assert_eq!(
        s.trusted_accounts.iter().collect::<Vec<_>>(),
        vec!["111111111111"]
    );
    assert_eq!(
        s.foreign_accounts.iter().collect::<Vec<_>>(),
        vec!["999999999999"]
    );
    assert_eq!(
        s.unresolved.iter().collect::<Vec<_>>(),
        vec!["AROAEXAMPLEID"]
    );
    let s = scope(
        json!({"Service": "s3.amazonaws.com", "Federated": "accounts.google.com", "CanonicalUser": "abc"}),
    );
    assert!(
        s.services.contains("s3.amazonaws.com")
            && s.federated.len() == 1
            && s.canonical_users.len() == 1
    );
    let not = principal_scope(
        &statement(json!({"Effect": "Allow", "NotPrincipal": {"AWS": "123456789012"}, "Action": "lambda:*"})),
        OWN,
        &config(),
    )
    .unwrap();
    assert!(not.negated && not.is_public());
    assert!(principal_scope(
        &statement(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})),
        OWN,
        &config()
    )
    .is_none());
}

#[test]
fn fixed_values_of_pinning_keys_pin() {
    assert!(pinned(
        json!({"StringEquals": {"aws:SourceAccount": "999999999999"}})
    ));
    assert!(
        pinned(json!({"StringEquals": {"AWS:SOURCEACCOUNT": "999999999999"}})),
        "keys are case-insensitive"
    );
    assert!(pinned(
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}})
    ));
    assert!(pinned(
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    ));
    assert!(pinned(
        json!({"StringEquals": {"aws:PrincipalAccount": ["123456789012", "111111111111"]}})
    ));
    assert!(pinned(
        json!({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/caller"}})
    ));
    assert!(pinned(
        json!({"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c"}})
    ));
    assert!(pinned(
        json!({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c"}})
    ));
    assert!(pinned(
        json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.7"]}})
    ));
    assert!(pinned(
        json!({"StringEquals": {"aws:SourceOwner": "123456789012"}})
    ));
    assert!(pinned(
        json!({"ForAnyValue:StringEquals": {"aws:SourceAccount": "123456789012"}})
    ));
    assert!(
        pinned(json!({"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}})),
        "a variable the resource fixes"
    );
    assert!(pinned(
        json!({"StringEquals": {"aws:PrincipalOrgID": "${aws:ResourceOrgID}"}})
    ));
    // Wildcards after a fixed owner still pin: API Gateway source ARNs, S3 objects of one bucket.
    assert!(pinned(
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/items"}})
    ));
    assert!(pinned(
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:*"}})
    ));
    assert!(pinned(
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::my-bucket/*"}})
    ));
    assert!(pinned(
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/app-*"}})
    ));
    // StringEquals compares literally: `*` there is a character, not a wildcard.
    assert!(pinned(json!({"StringEquals": {"aws:SourceAccount": "*"}})));
    // Conditions are ANDed: one pinning condition is enough.
    assert!(pinned(
        json!({"StringNotEquals": {"aws:SourceAccount": "1"}, "StringEquals": {"aws:SourceVpc": "vpc-1"}})
    ));
}

#[test]
fn wildcards_variables_and_loose_operators_do_not_pin() {
    let loose = [
        json!({}),
        json!({"StringLike": {"aws:SourceAccount": "*"}}),
        json!({"StringLike": {"aws:SourceAccount": "12345678901?"}}),
        json!({"StringLike": {"aws:PrincipalOrgID": "o-*"}}),
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}),
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::my-bucket*"}}),
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:*:topic"}}),
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:*:us-east-1:123456789012:x"}}),
        json!({"ArnLike": {"aws:SourceArn": ["arn:aws:sns:us-east-1:123456789012:t", "*"]}}),
        json!({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}),
        json!({"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}),
        json!({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/${aws:username}"}}),
        json!({"StringNotEquals": {"aws:SourceAccount": "123456789012"}}),
        json!({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::evil"}}),
        json!({"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}),
        json!({"ForAllValues:StringEquals": {"aws:SourceAccount": "123456789012"}}),
        json!({"Null": {"aws:SourceArn": "false"}}),
        json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
        json!({"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}),
        json!({"IpAddress": {"aws:SourceIp": "::/0"}}),
        json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        json!({"StringEquals": {"aws:SourceIp": "10.0.0.1"}}),
        json!({"Bool": {"aws:SecureTransport": "true"}}),
        json!({"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}),
        json!({"NumericEquals": {"aws:SourceAccount": "123456789012"}}),
    ];
    for condition in loose {
        assert!(!pinned(condition.clone()), "{condition} must not pin");
    }
    let p = caller_pinning(
        &invoke(
            json!("*"),
            json!({"StringLike": {"aws:SourceAccount": "*"}}),
        ),
        OWN,
        &config(),
    );
    assert_eq!(p.not_pinning.len(), 1);
    assert!(p.not_pinning[0].reason.contains("wildcard"));
}

#[test]
fn pinned_accounts_and_organizations() {
    let p = caller_pinning(
        &invoke(
            json!("*"),
            json!({
                "StringEquals": {"aws:SourceAccount": ["999999999999", "123456789012"], "aws:PrincipalOrgID": "o-zzz"},
                "ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:999999999999:*"}
            }),
        ),
        OWN,
        &config(),
    );
    assert_eq!(
        p.accounts().unwrap().into_iter().collect::<Vec<_>>(),
        vec!["999999999999"]
    );
    assert_eq!(
        p.organizations().unwrap().into_iter().collect::<Vec<_>>(),
        vec!["o-zzz"]
    );
    assert!(p.pinned_by(&["aws:SourceArn"]) && !p.pinned_by(&["aws:SourceVpc"]));
    let bucket = caller_pinning(
        &invoke(
            json!("*"),
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b"}}),
        ),
        OWN,
        &config(),
    );
    assert!(bucket.is_pinned() && bucket.accounts().is_none());
}

#[test]
fn function_url_conditions() {
    let url_none = statement(
        json!({"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
        "Resource": "*", "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}),
    );
    assert_eq!(url_auth_type(&url_none).as_deref(), Some("NONE"));
    assert!(only_via_url(&url_none));
    assert_eq!(invoke_actions(&url_none), vec!["lambda:InvokeFunctionUrl"]);
    let via_url = invoke(
        json!("*"),
        json!({"Bool": {"lambda:InvokedViaFunctionUrl": true}}),
    );
    assert!(only_via_url(&via_url) && url_auth_type(&via_url).is_none());
    let iam = invoke(
        json!("*"),
        json!({"StringEquals": {"lambda:functionurlauthtype": "AWS_IAM"}}),
    );
    assert_eq!(url_auth_type(&iam).as_deref(), Some("AWS_IAM"));
    assert!(!only_via_url(&invoke(json!("*"), json!({}))));
    assert!(!only_via_url(&invoke(
        json!("*"),
        json!({"StringEqualsIfExists": {"lambda:FunctionUrlAuthType": "NONE"}})
    )));
    assert!(!only_via_url(&invoke(
        json!("*"),
        json!({"Bool": {"lambda:InvokedViaFunctionUrl": "false"}})
    )));
    let all = statement(
        json!({"Effect": "Allow", "Principal": "*", "Action": "lambda:*", "Resource": "*"}),
    );
    assert_eq!(invoke_actions(&all).len(), 3);
    let not = statement(
        json!({"Effect": "Allow", "Principal": "*", "NotAction": "lambda:InvokeFunctionUrl", "Resource": "*"}),
    );
    assert_eq!(
        invoke_actions(&not),
        vec!["lambda:InvokeFunction", "lambda:InvokeAsync"]
    );
}

#[test]
fn account_values_that_are_not_account_ids_restrict_to_nothing_more() {
    let p = caller_pinning(
        &invoke(
            json!("*"),
            json!({"StringEquals": {"aws:SourceAccount": ["self", "999999999999"]}}),
        ),
        OWN,
        &config(),
    );
    assert!(p.is_pinned());
    assert_eq!(
        p.accounts().unwrap().into_iter().collect::<Vec<_>>(),
        vec!["999999999999"]
    );
    let nothing = caller_pinning(
        &invoke(
            json!("*"),
            json!({"StringEquals": {"aws:SourceAccount": "self"}}),
        ),
        OWN,
        &config(),
    );
    assert!(nothing.is_pinned() && nothing.accounts().is_none());
}
