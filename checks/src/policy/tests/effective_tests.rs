//! Effective permissions of a role: inline + managed Allow, explicit Deny, permissions boundary, unreadable input.

use serde_json::{json, Value};

use crate::inventory::{InlinePolicy, ManagedPolicy, Role};
use crate::json_text::JsonText;
use crate::policy::{EffectivePermissions, Incomplete, PolicyKind};

fn role(
    inline: &[Value],
    managed: &[(&str, Option<Value>)],
    boundary: Option<Option<Value>>,
) -> Role {
    Role {
        arn: "arn:aws:iam::123456789012:role/r".into(),
        name: "r".into(),
        inline_policies: inline
            .iter()
            .enumerate()
            .map(|(i, d)| InlinePolicy {
                name: format!("inline{i}"),
                document: d.into(),
            })
            .collect(),
        attached_policies: managed
            .iter()
            .map(|(name, d)| ManagedPolicy {
                arn: format!("arn:aws:iam::aws:policy/{name}"),
                name: name.to_string(),
                document: d.as_ref().map(JsonText::from),
            })
            .collect(),
        permissions_boundary: boundary.map(|document| ManagedPolicy {
            arn: "arn:aws:iam::123456789012:policy/boundary".into(),
            name: "boundary".into(),
            document: document.map(JsonText::from),
        }),
        ..Role::default()
    }
}

fn allow(action: Value, resource: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
}

fn effective(role: &Role) -> EffectivePermissions {
    EffectivePermissions::of_role(role).unwrap()
}

#[test]
fn inline_and_managed_allows_are_united() {
    let r = role(
        &[allow(json!("s3:GetObject"), json!("arn:aws:s3:::b/*"))],
        &[("Dyn", Some(allow(json!("dynamodb:*"), json!("*"))))],
        None,
    );
    let p = effective(&r);
    let grants = p.allows("s3:getobject");
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].statement.source.kind, PolicyKind::Inline);
    assert_eq!(grants[0].resources(), vec!["arn:aws:s3:::b/*"]);
    assert!(!grants[0].on_all_resources());
    assert!(grants[0].reaches("arn:aws:s3:::b/k") && !grants[0].reaches("arn:aws:s3:::c/k"));
    assert!(p.is_allowed("dynamodb:DeleteTable"));
    assert_eq!(
        p.grants_on_all_resources("dynamodb:DeleteTable")[0]
            .statement
            .source
            .name,
        "Dyn"
    );
    assert!(p.grants_on_all_resources("s3:GetObject").is_empty());
    assert!(!p.is_allowed("s3:PutObject"));
    assert_eq!(p.statements().len(), 2);
    assert_eq!(
        p.services_granted().into_iter().collect::<Vec<_>>(),
        vec!["dynamodb", "s3"]
    );
}

#[test]
fn unconditional_deny_on_everything_removes_the_grant() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["iam:Put*", "iam:Attach*"], "Resource": "*"}
    ]});
    let p = effective(&role(&[doc], &[], None));
    assert!(p.allows("iam:PutRolePolicy").is_empty());
    assert!(p.allows("iam:AttachRolePolicy").is_empty());
    assert!(p.is_allowed("iam:PassRole"));
    let escalation = p.allowed_actions_matching("iam:*Policy");
    assert!(!escalation.contains(&"iam:PutRolePolicy") && escalation.contains(&"iam:CreatePolicy"));
}

#[test]
fn conditional_deny_does_not_remove_an_allow() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    ]});
    let p = effective(&role(&[doc], &[], None));
    assert_eq!(p.grants_on_all_resources("s3:GetObject").len(), 1);
}

#[test]
fn deny_on_some_resources_narrows_or_removes() {
    let doc = json!({"Statement": [
        {"Sid": "All", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Sid": "One", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/a/*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::secret/*", "arn:aws:s3:::${aws:username}/*"]}
    ]});
    let p = effective(&role(&[doc], &[], None));
    let grants = p.allows("s3:GetObject");
    assert_eq!(
        grants.len(),
        1,
        "the Allow on secret/a/* is entirely denied"
    );
    assert_eq!(grants[0].statement.statement.label(), "All");
    assert_eq!(
        grants[0].denied_resources,
        vec!["arn:aws:s3:::secret/*"],
        "variables are not fixed exclusions"
    );
    assert!(grants[0].on_all_resources());
    assert!(
        !grants[0].reaches("arn:aws:s3:::secret/x") && grants[0].reaches("arn:aws:s3:::public/x")
    );
}

#[test]
fn not_action_allow_grants_everything_else() {
    let doc = json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}});
    let p = effective(&role(&[doc], &[], None));
    assert!(p.is_allowed("s3:DeleteBucket") && !p.is_allowed("iam:PassRole"));
    let services = p.services_granted();
    assert!(services.contains("ec2") && !services.contains("iam"));
}

#[test]
fn conditional_allow_is_flagged() {
    let doc = json!({"Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}});
    let p = effective(&role(&[doc], &[], None));
    let grants = p.grants_on_all_resources("kms:Decrypt");
    assert!(grants[0].conditional);
    assert_eq!(grants[0].evidence()["conditional"], json!(true));
    assert_eq!(grants[0].evidence()["policy_kind"], json!("inline"));
}

#[test]
fn boundary_intersects() {
    let identity = allow(json!(["s3:*", "iam:*"]), json!("*"));
    let boundary = json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::app/*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    ]});
    let p = effective(&role(&[identity], &[], Some(Some(boundary))));
    assert!(
        p.allows("iam:PassRole").is_empty(),
        "not admitted by the boundary"
    );
    assert!(
        p.allows("s3:DeleteObject").is_empty(),
        "denied in the boundary"
    );
    let get = p.allows("s3:GetObject");
    assert_eq!(get.len(), 1);
    assert!(
        !get[0].on_all_resources(),
        "the boundary limits it to app/*"
    );
    assert!(get[0].reaches("arn:aws:s3:::app/x") && !get[0].reaches("arn:aws:s3:::other/x"));
    assert_eq!(p.boundary_statements().map(<[_]>::len), Some(2));
    assert_eq!(
        p.services_granted().into_iter().collect::<Vec<_>>(),
        vec!["s3"]
    );
}

#[test]
fn unreadable_documents_are_incomplete() {
    let r = role(&[allow(json!("s3:*"), json!("*"))], &[("Gone", None)], None);
    match EffectivePermissions::of_role(&r) {
        Err(Incomplete::Unreadable(source)) => assert_eq!(source.name, "Gone"),
        other => panic!("{other:?}"),
    }
    let (partial, missing) = EffectivePermissions::of_role_partial(&r);
    assert_eq!(missing.len(), 1);
    assert!(partial.is_allowed("s3:GetObject"));
    assert!(missing[0]
        .to_string()
        .contains("arn:aws:iam::aws:policy/Gone"));

    let no_boundary_doc = role(&[allow(json!("s3:*"), json!("*"))], &[], Some(None));
    assert!(
        matches!(EffectivePermissions::of_role(&no_boundary_doc), Err(Incomplete::Unreadable(s)) if s.kind == PolicyKind::Boundary)
    );
    let (partial, _) = EffectivePermissions::of_role_partial(&no_boundary_doc);
    assert!(
        partial.is_allowed("s3:GetObject"),
        "an unreadable boundary over-approximates to none"
    );

    let malformed = role(
        &[json!({"Statement": {"Effect": "Maybe", "Action": "*", "Resource": "*"}})],
        &[],
        None,
    );
    assert!(matches!(
        EffectivePermissions::of_role(&malformed),
        Err(Incomplete::Malformed { .. })
    ));
}

#[test]
fn unknown_services_named_by_an_allow_are_reported() {
    let p = effective(&role(
        &[allow(
            json!(["newservice:DoThing", "s3:GetObject"]),
            json!("*"),
        )],
        &[],
        None,
    ));
    assert_eq!(
        p.services_granted().into_iter().collect::<Vec<_>>(),
        vec!["newservice", "s3"]
    );
}

#[test]
fn star_on_star_grants_every_action() {
    let p = effective(&role(
        &[],
        &[("AdministratorAccess", Some(allow(json!("*"), json!("*"))))],
        None,
    ));
    assert_eq!(
        p.allowed_actions_matching("*").len(),
        crate::policy::actions::len()
    );
    assert!(p.services_granted().len() > 300);
    assert!(p.statements()[0].source.is_aws_managed());
}
