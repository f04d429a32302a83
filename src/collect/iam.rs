//! IAM (global, once per scan): execution roles with every policy that applies to them, from
//! GetAccountAuthorizationDetails; AWS managed policy documents (once per ARN); service last-accessed data per role;
//! the roles the execution roles may pass by exact ARN (`iam:PassRole`), one level deep, with their policies.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_iam::types::{EntityType, JobStatusType, ManagedPolicyDetail, RoleDetail};
use aws_sdk_iam::Client;
use futures::future;
use futures::stream::{self, StreamExt};
use lambda_posture_checks::arn::{iam_name, Arn};
use lambda_posture_checks::inventory::{
    Gap, GapKind, InlinePolicy, ManagedPolicy, Role, RoleLastUsed, ServiceLastAccessed,
};
use lambda_posture_checks::json_text::JsonText;
use lambda_posture_checks::policy::RolePermissions;
use lambda_posture_checks::wildcard::has_wildcard;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::OnceCell;

use super::pacing::{Bucket, Call};
use super::{to_chrono, Ctx};

/// GetAccountAuthorizationDetails page size (the API maximum).
const AUTHORIZATION_DETAILS_PAGE: i32 = 1000;
/// GetServiceLastAccessedDetails page size.
const LAST_ACCESSED_PAGE: i32 = 1000;
/// Roles whose last-accessed jobs run at once; managed policies fetched at once.
const ROLE_CONCURRENCY: usize = 8;
/// How long to wait for one last-accessed job before recording a gap.
const JOB_DEADLINE: Duration = Duration::from_secs(180);

/// What GetAccountAuthorizationDetails returned: every role and customer managed policy, by ARN.
#[derive(Default)]
pub struct AuthorizationDetails {
    roles: HashMap<String, RoleDetail>,
    local_policies: HashMap<String, ManagedPolicyDetail>,
}

/// Every page of GetAccountAuthorizationDetails (roles and customer managed policies only); `None` on a gap.
pub async fn authorization_details(ctx: &Ctx, client: &Client) -> Option<AuthorizationDetails> {
    let mut details = AuthorizationDetails::default();
    let mut marker: Option<String> = None;
    loop {
        let result = ctx
            .pacer
            .call(
                Call::iam(
                    "GetAccountAuthorizationDetails",
                    Bucket::IamAuthorizationDetails,
                ),
                || {
                    client
                        .get_account_authorization_details()
                        .filter(EntityType::Role)
                        .filter(EntityType::LocalManagedPolicy)
                        .max_items(AUTHORIZATION_DETAILS_PAGE)
                        .set_marker(marker.clone())
                        .send()
                },
            )
            .await;
        let out = ctx.gaps.ok_or_record(result, None)?;
        for role in out.role_detail_list() {
            if let Some(arn) = role.arn() {
                details.roles.insert(arn.to_string(), role.clone());
            }
        }
        for policy in out.policies() {
            if let Some(arn) = policy.arn() {
                details
                    .local_policies
                    .insert(arn.to_string(), policy.clone());
            }
        }
        match out.marker().filter(|m| out.is_truncated() && !m.is_empty()) {
            Some(next) if marker.as_deref() != Some(next) => marker = Some(next.to_string()),
            _ => return Some(details),
        }
    }
}

/// The execution roles named on `role_arns` (as functions are listed, duplicates allowed), complete with policies
/// and last-accessed data. Reads GetAccountAuthorizationDetails first; each role is completed as soon as it is named.
/// Then the roles they may pass by exact ARN (see [`named_pass_role_targets`]) that are not execution roles
/// themselves, with their policies (no last-accessed data: no check judges them as execution roles), so that
/// role-privilege-escalation can judge what passing them gives. Their own PassRole targets are not followed.
pub async fn roles(
    ctx: &Ctx,
    client: &Client,
    role_arns: UnboundedReceiver<String>,
) -> BTreeMap<String, Role> {
    let Some(details) = authorization_details(ctx, client).await else {
        return BTreeMap::new();
    };
    let details = &details;
    let cache = &ManagedCache::default();
    let mut seen = HashSet::new();
    let mut roles: BTreeMap<String, Role> = stream::unfold(role_arns, |mut rx| async move {
        rx.recv().await.map(|arn| (arn, rx))
    })
    .filter(move |arn| future::ready(seen.insert(arn.clone())))
    .filter_map(|arn| future::ready(existing(details, &arn, "execution role")))
    // boxed: the stream keeps an empty task the size of its future
    .map(|detail| Box::pin(complete_role(ctx, client, details, detail, cache, true)))
    .buffer_unordered(ROLE_CONCURRENCY)
    .map(|role| (role.arn.clone(), role))
    .collect()
    .await;
    let targets: BTreeSet<String> = roles
        .values()
        .flat_map(named_pass_role_targets)
        .filter(|arn| !roles.contains_key(arn))
        .collect();
    let passed: Vec<Role> = stream::iter(targets)
        .filter_map(|arn| future::ready(existing(details, &arn, "role passed by name")))
        .map(|detail| Box::pin(complete_role(ctx, client, details, detail, cache, false)))
        .buffer_unordered(ROLE_CONCURRENCY)
        .collect()
        .await;
    roles.extend(passed.into_iter().map(|role| (role.arn.clone(), role)));
    roles
}

/// The role `arn` as GetAccountAuthorizationDetails listed it; a role that does not exist is logged and skipped
/// (the checks see it missing from the inventory).
fn existing<'d>(
    details: &'d AuthorizationDetails,
    arn: &str,
    what: &str,
) -> Option<&'d RoleDetail> {
    let detail = details.roles.get(arn);
    if detail.is_none() {
        tracing::info!(role = %arn, "{what} not found in the account");
    }
    detail
}

/// The roles `role` may pass by exact ARN: the role ARNs without wildcard or policy variable named by the Allow
/// statements that grant `iam:PassRole` (or `iam:*`, `*`) after Deny statements and the permissions boundary, read
/// with the checks' policy model. Wildcard and `NotResource` grants name no role; the role itself is left out.
pub fn named_pass_role_targets(role: &Role) -> BTreeSet<String> {
    let permissions = RolePermissions::of(role);
    permissions
        .effective
        .allows("iam:PassRole")
        .iter()
        .flat_map(|grant| {
            grant
                .resources()
                .into_iter()
                .filter(|arn| is_exact_role_arn(arn) && grant.reaches(arn))
        })
        .filter(|arn| *arn != role.arn)
        .collect()
}

/// `arn:<partition>:iam::<account>:role/<path/name>` with no wildcard (`*`, `?`) and no policy variable.
fn is_exact_role_arn(pattern: &str) -> bool {
    let role = Arn::parse(pattern).is_ok_and(|arn| {
        arn.service == "iam"
            && arn.region.is_empty()
            && !arn.account.is_empty()
            && arn.resource.len() > "role/".len()
            && arn.resource.starts_with("role/")
    });
    role && !has_wildcard(pattern) && !pattern.contains("${")
}

/// One role: its documents (AWS managed ones through the cache) and, with `last_accessed`, its service
/// last-accessed data.
async fn complete_role(
    ctx: &Ctx,
    client: &Client,
    details: &AuthorizationDetails,
    detail: &RoleDetail,
    cache: &ManagedCache,
    last_accessed: bool,
) -> Role {
    let role_arn = detail.arn().unwrap_or_default();
    let aws_managed: Vec<String> = policy_arns(detail)
        .filter(|arn| !details.local_policies.contains_key(arn))
        .collect();
    let (documents, last_accessed) = tokio::join!(
        future::join_all(aws_managed.into_iter().map(|arn| async move {
            let document = cache.get(ctx, client, &arn).await;
            (arn, document)
        })),
        async {
            match last_accessed {
                true => services_last_accessed(ctx, client, role_arn).await,
                false => None,
            }
        },
    );
    let documents: HashMap<String, ManagedDocument> = documents.into_iter().collect();
    let mut role = role_from_detail(ctx, detail, details, &documents);
    role.services_last_accessed = last_accessed;
    role
}

/// ARNs of the managed policies attached to a role and of its permissions boundary.
fn policy_arns(role: &RoleDetail) -> impl Iterator<Item = String> + '_ {
    role.attached_managed_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .chain(
            role.permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn()),
        )
        .map(str::to_string)
}

/// A managed policy's name and default-version document.
#[derive(Clone)]
struct ManagedDocument {
    name: String,
    document: Option<JsonText>,
}

/// AWS managed policy documents, fetched once per ARN however many roles attach them.
#[derive(Default)]
struct ManagedCache(Mutex<HashMap<String, Arc<OnceCell<ManagedDocument>>>>);

impl ManagedCache {
    async fn get(&self, ctx: &Ctx, client: &Client, arn: &str) -> ManagedDocument {
        let cell = self
            .0
            .lock()
            .expect("cache lock")
            .entry(arn.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| aws_managed_document(ctx, client, arn))
            .await
            .clone()
    }
}

/// GetPolicy + GetPolicyVersion (default version) of an AWS managed policy.
async fn aws_managed_document(ctx: &Ctx, client: &Client, arn: &str) -> ManagedDocument {
    let mut managed = ManagedDocument {
        name: iam_name(arn).to_string(),
        document: None,
    };
    let policy = ctx
        .pacer
        .call(Call::iam("GetPolicy", Bucket::Iam), || {
            client.get_policy().policy_arn(arn).send()
        })
        .await;
    let Some(policy) = ctx.gaps.ok_or_record(policy, Some(arn)) else {
        return managed;
    };
    let Some(policy) = policy.policy() else {
        return managed;
    };
    if let Some(name) = policy.policy_name() {
        managed.name = name.to_string();
    }
    let Some(version) = policy.default_version_id() else {
        return managed;
    };
    let result = ctx
        .pacer
        .call(Call::iam("GetPolicyVersion", Bucket::Iam), || {
            client
                .get_policy_version()
                .policy_arn(arn)
                .version_id(version)
                .send()
        })
        .await;
    let Some(out) = ctx.gaps.ok_or_record(result, Some(arn)) else {
        return managed;
    };
    let text = out
        .policy_version()
        .and_then(|v| v.document())
        .unwrap_or_default();
    managed.document = decoded_or_gap(ctx, "GetPolicyVersion", arn, text);
    managed
}

/// A role as the inventory holds it; every document URL-decoded.
fn role_from_detail(
    ctx: &Ctx,
    detail: &RoleDetail,
    details: &AuthorizationDetails,
    aws_managed: &HashMap<String, ManagedDocument>,
) -> Role {
    const OPERATION: &str = "GetAccountAuthorizationDetails";
    let arn = detail.arn().unwrap_or_default().to_string();
    let managed = |policy_arn: &str, name: Option<&str>| -> ManagedPolicy {
        let (fallback_name, document) = match details.local_policies.get(policy_arn) {
            Some(local) => (
                local.policy_name().unwrap_or_default().to_string(),
                default_version_text(local)
                    .and_then(|text| decoded_or_gap(ctx, OPERATION, policy_arn, text)),
            ),
            None => match aws_managed.get(policy_arn) {
                Some(m) => (m.name.clone(), m.document.clone()),
                None => (iam_name(policy_arn).to_string(), None),
            },
        };
        ManagedPolicy {
            arn: policy_arn.to_string(),
            name: name.map(str::to_string).unwrap_or(fallback_name),
            document,
        }
    };
    Role {
        name: detail.role_name().unwrap_or_default().to_string(),
        path: detail.path().unwrap_or("/").to_string(),
        create_date: detail.create_date().and_then(to_chrono),
        trust_policy: detail
            .assume_role_policy_document()
            .and_then(|text| decoded_or_gap(ctx, OPERATION, &arn, text))
            .unwrap_or_default(),
        inline_policies: detail
            .role_policy_list()
            .iter()
            .map(|p| InlinePolicy {
                name: p.policy_name().unwrap_or_default().to_string(),
                document: p
                    .policy_document()
                    .and_then(|text| decoded_or_gap(ctx, OPERATION, &arn, text))
                    .unwrap_or_default(),
            })
            .collect(),
        attached_policies: detail
            .attached_managed_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(|a| managed(a, p.policy_name())))
            .collect(),
        permissions_boundary: detail
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(|a| managed(a, None)),
        last_used: detail.role_last_used().map(|u| RoleLastUsed {
            last_used_date: u.last_used_date().and_then(to_chrono),
            region: u.region().map(str::to_string),
        }),
        services_last_accessed: None,
        tags: detail
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        arn,
    }
}

/// The default version's document text of a customer managed policy.
fn default_version_text(policy: &ManagedPolicyDetail) -> Option<&str> {
    let versions = policy.policy_version_list();
    versions
        .iter()
        .find(|v| v.is_default_version())
        .or_else(|| {
            versions
                .iter()
                .find(|v| v.version_id() == policy.default_version_id())
        })
        .and_then(|v| v.document())
}

/// IAM returns policy documents URL-encoded (RFC 3986); decode and parse.
pub fn decode_document(text: &str) -> Result<Value, String> {
    let decoded = urlencoding::decode(text).map_err(|e| format!("not URL-encoded UTF-8: {e}"))?;
    serde_json::from_str(&decoded)
        .or_else(|_| serde_json::from_str(text))
        .map_err(|e| format!("the policy document is not JSON: {e}"))
}

fn decoded_or_gap(ctx: &Ctx, operation: &str, resource: &str, text: &str) -> Option<JsonText> {
    match decode_document(text) {
        Ok(value) => Some(JsonText::from(value)),
        Err(error) => {
            ctx.gaps.push(Gap {
                service: "iam".into(),
                operation: operation.into(),
                region: None,
                resource: Some(resource.to_string()),
                kind: GapKind::Error,
                error,
            });
            None
        }
    }
}

/// GenerateServiceLastAccessedDetails, then GetServiceLastAccessedDetails until the job completes (bounded).
async fn services_last_accessed(
    ctx: &Ctx,
    client: &Client,
    role_arn: &str,
) -> Option<Vec<ServiceLastAccessed>> {
    let job = ctx
        .pacer
        .call(
            Call::iam("GenerateServiceLastAccessedDetails", Bucket::Iam),
            || {
                client
                    .generate_service_last_accessed_details()
                    .arn(role_arn)
                    .send()
            },
        )
        .await;
    let job = ctx.gaps.ok_or_record(job, Some(role_arn))?;
    let job_id = job.job_id()?.to_string();
    let started = Instant::now();
    let mut poll_delay = Duration::from_millis(250);
    let mut services = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let result = ctx
            .pacer
            .call(
                Call::iam("GetServiceLastAccessedDetails", Bucket::Iam),
                || {
                    client
                        .get_service_last_accessed_details()
                        .job_id(&job_id)
                        .max_items(LAST_ACCESSED_PAGE)
                        .set_marker(marker.clone())
                        .send()
                },
            )
            .await;
        let out = ctx.gaps.ok_or_record(result, Some(role_arn))?;
        let failure = |error: String| Gap {
            service: "iam".into(),
            operation: "GetServiceLastAccessedDetails".into(),
            region: None,
            resource: Some(role_arn.to_string()),
            kind: GapKind::Error,
            error,
        };
        match out.job_status() {
            JobStatusType::Completed => {
                services.extend(
                    out.services_last_accessed()
                        .iter()
                        .map(|s| ServiceLastAccessed {
                            namespace: s.service_namespace().to_string(),
                            last_authenticated: s.last_authenticated().and_then(to_chrono),
                        }),
                );
                match out.marker().filter(|m| out.is_truncated() && !m.is_empty()) {
                    Some(next) if marker.as_deref() != Some(next) => {
                        marker = Some(next.to_string())
                    }
                    _ => break,
                }
            }
            JobStatusType::Failed => {
                let reason = out
                    .error()
                    .map(|e| format!("{}: {}", e.code(), e.message()));
                ctx.gaps.push(failure(format!(
                    "the job failed: {}",
                    reason.unwrap_or_else(|| "no reason given".into())
                )));
                return None;
            }
            _ if started.elapsed() >= JOB_DEADLINE => {
                ctx.gaps.push(failure(format!(
                    "the job did not complete within {} s",
                    JOB_DEADLINE.as_secs()
                )));
                return None;
            }
            _ => {
                tokio::time::sleep(poll_delay).await;
                poll_delay = (poll_delay * 2).min(Duration::from_secs(5));
            }
        }
    }
    services.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    Some(services)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_url_decoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(decode_document(encoded).unwrap()["Version"], "2012-10-17");
        // Already decoded (the emulator's trust policies): still parsed.
        assert_eq!(
            decode_document(r#"{"Version":"2012-10-17"}"#).unwrap()["Version"],
            "2012-10-17"
        );
        // A plus sign stays a plus sign (IAM encodes spaces as %20).
        let with_plus = urlencoding::encode(r#"{"Sid":"a+b c"}"#).into_owned();
        assert_eq!(decode_document(&with_plus).unwrap()["Sid"], "a+b c");
        assert!(decode_document("%7Bnot json").is_err());
    }

    fn role_with(inline: Value, attached: Value, boundary: Option<Value>) -> Role {
        let managed = |document: Value| ManagedPolicy {
            arn: "arn:aws:iam::111122223333:policy/p".into(),
            name: "p".into(),
            document: Some(JsonText::from(document)),
        };
        Role {
            arn: "arn:aws:iam::111122223333:role/fn".into(),
            name: "fn".into(),
            inline_policies: vec![InlinePolicy {
                name: "inline".into(),
                document: JsonText::from(inline),
            }],
            attached_policies: vec![managed(attached)],
            permissions_boundary: boundary.map(managed),
            ..Role::default()
        }
    }

    fn statements(list: Value) -> Value {
        serde_json::json!({"Version": "2012-10-17", "Statement": list})
    }

    #[test]
    fn pass_role_targets_are_the_exact_role_arns_granted() {
        let role = role_with(
            statements(serde_json::json!([
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [
                    "arn:aws:iam::111122223333:role/deployer",
                    "arn:aws:iam::111122223333:role/ci-*",
                    "arn:aws:iam::111122223333:role/${aws:username}",
                    "arn:aws:iam::111122223333:role/fn",
                    "arn:aws:s3:::bucket",
                ]},
                {"Effect": "Allow", "Action": "iam:PassRole",
                 "NotResource": "arn:aws:iam::111122223333:role/not-this"},
                {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:iam::111122223333:role/not-passrole"},
                {"Effect": "Deny", "Action": "iam:PassRole",
                 "Resource": "arn:aws:iam::111122223333:role/denied-named"},
                {"Effect": "Deny", "Action": "iam:PassRole",
                 "Resource": "arn:aws:iam::111122223333:role/denied"},
                {"Effect": "Allow", "Action": "iam:PassRole",
                 "Resource": "arn:aws:iam::111122223333:role/denied"},
            ])),
            statements(serde_json::json!([
                {"Effect": "Allow", "Action": "iam:*",
                 "Resource": "arn:aws:iam::111122223333:role/service-role/admin"},
                {"Effect": "Allow", "Action": "*",
                 "Resource": "arn:aws:iam::444455556666:role/other-account"},
            ])),
            None,
        );
        let targets: Vec<String> = named_pass_role_targets(&role).into_iter().collect();
        assert_eq!(
            targets,
            [
                "arn:aws:iam::111122223333:role/deployer",
                "arn:aws:iam::111122223333:role/service-role/admin",
                "arn:aws:iam::444455556666:role/other-account",
            ]
        );
    }

    #[test]
    fn pass_role_targets_outside_the_boundary_are_not_collected() {
        let allow = |resource: &str| {
            statements(serde_json::json!([
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": resource},
            ]))
        };
        let role = role_with(
            allow("arn:aws:iam::111122223333:role/inside"),
            allow("arn:aws:iam::111122223333:role/outside"),
            Some(allow("arn:aws:iam::111122223333:role/inside")),
        );
        let targets: Vec<String> = named_pass_role_targets(&role).into_iter().collect();
        assert_eq!(targets, ["arn:aws:iam::111122223333:role/inside"]);
    }
}
