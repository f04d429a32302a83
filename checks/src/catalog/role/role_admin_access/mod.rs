//! role-admin-access: the execution role is administrator-equivalent (AdministratorAccess, PowerUserAccess,
//! IAMFullAccess, or any statement that effectively grants every action on every resource), and which of those
//! statements the other role checks leave to it (one problem, one finding).

use crate::catalog::live_versions::with_live_version_roles;
use serde_json::{json, Value};

use super::common::{role_failure, verdict};
use super::{
    role_action_wildcard, role_all_purpose, role_broad_managed_policy, role_data_exfiltration,
    role_logs_unscoped, role_privilege_escalation, role_resource_wildcard,
};
use crate::check::{Check, Outcome, RoleContext};
use crate::config::ValidConfig;
use crate::finding::Severity;
use crate::policy::{PolicySource, RolePermissions, Scope, SourcedStatement};

pub const CHECK: Check = Check {
    id: "role-admin-access",
    title: "Execution role has administrator access",
    severity: Severity::Critical,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_role(&CHECK, judge)),
};

/// One high-impact action in each of ten services other than IAM: a statement granting nearly all of them on every
/// resource through a global wildcard is administrator access, whatever a Deny or boundary trims at the edges.
const SERVICE_PROBES: &[&str] = &[
    "s3:GetObject",
    "ec2:RunInstances",
    "dynamodb:DeleteTable",
    "kms:Decrypt",
    "lambda:UpdateFunctionCode",
    "secretsmanager:GetSecretValue",
    "rds:DeleteDBInstance",
    "sqs:SendMessage",
    "cloudformation:CreateStack",
    "ssm:SendCommand",
];

/// At least this many of [`SERVICE_PROBES`] must survive Deny statements and the boundary.
const SERVICE_PROBES_NEEDED: usize = 8;

/// IAM actions that together let a principal grant itself anything: all of them on every resource is IAM full access.
const IAM_PROBES: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateUser",
    "iam:PassRole",
];

/// A role check whose problem a statement reported here contains: it leaves the statement to this finding (README,
/// "One problem, one finding") and judges the role's other statements as before.
struct Cover {
    /// The check's id.
    check: &'static str,
    /// The levels whose statements contain its problem.
    levels: &'static [Level],
    /// Whether the check could report the statement at all (listed in `also_covers` only then).
    applies: fn(&PolicySource) -> bool,
}

const EVERY_LEVEL: &[Level] = &[Level::Administrator, Level::PowerUser, Level::IamFull];
/// Every service on every resource: all the data, every write, every service, the logs of every function.
const EVERY_SERVICE: &[Level] = &[Level::Administrator, Level::PowerUser];
/// Can grant itself anything: every escalation path ends where the role already is. A power user lacks IAM, so a
/// path to a stronger role is a problem of its own.
const ANY_PERMISSION: &[Level] = &[Level::Administrator, Level::IamFull];

fn any_source(_: &PolicySource) -> bool {
    true
}

const COVERS: &[Cover] = &[
    Cover {
        check: role_action_wildcard::CHECK.id,
        levels: EVERY_LEVEL,
        applies: any_source,
    },
    Cover {
        check: role_resource_wildcard::CHECK.id,
        levels: EVERY_LEVEL,
        applies: any_source,
    },
    Cover {
        check: role_privilege_escalation::CHECK.id,
        levels: ANY_PERMISSION,
        applies: any_source,
    },
    Cover {
        check: role_data_exfiltration::CHECK.id,
        levels: EVERY_SERVICE,
        applies: any_source,
    },
    Cover {
        check: role_broad_managed_policy::CHECK.id,
        levels: EVERY_LEVEL,
        applies: role_broad_managed_policy::is_broad,
    },
    Cover {
        check: role_logs_unscoped::CHECK.id,
        levels: EVERY_SERVICE,
        applies: any_source,
    },
    Cover {
        check: role_all_purpose::CHECK.id,
        levels: EVERY_SERVICE,
        applies: any_source,
    },
];

/// The statements of a role that role-admin-access reports and one check leaves to it.
pub(super) struct Covered<'p>(Vec<&'p SourcedStatement>);

impl<'p> Covered<'p> {
    /// Whether `statement` is one of them.
    pub(super) fn holds(&self, statement: &SourcedStatement) -> bool {
        self.0.iter().any(|s| std::ptr::eq(*s, statement))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The policies they come from.
    pub(super) fn sources(&self) -> impl Iterator<Item = &PolicySource> {
        self.0.iter().map(|s| &s.source)
    }
}

/// The statements of `perms` that role-admin-access reports and whose problem `check` (one of [`COVERS`]) contains:
/// `check` judges the other statements only. None when role-admin-access is disabled: a check the user did not run
/// covers nothing.
pub(super) fn left_to_admin_access<'p>(
    perms: &'p RolePermissions,
    config: &ValidConfig,
    check: &str,
) -> Covered<'p> {
    let Some(cover) = COVERS.iter().find(|c| c.check == check) else {
        return Covered(vec![]);
    };
    if config.disabled.iter().any(|id| id == CHECK.id) {
        return Covered(vec![]);
    }
    Covered(
        perms
            .allow_statements()
            .filter(|s| {
                admin_level(perms, s).is_some_and(|(level, _)| cover.levels.contains(&level))
            })
            .collect(),
    )
}

/// How much of the account a statement hands over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Every action on every resource.
    Administrator,
    /// Every service but (at least part of) IAM.
    PowerUser,
    /// All of IAM: can grant itself anything.
    IamFull,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Administrator => "administrator",
            Level::PowerUser => "power-user",
            Level::IamFull => "iam-full-access",
        }
    }
}

fn judge(ctx: &RoleContext) -> Vec<Outcome> {
    let perms = ctx.permissions;
    let admin: Vec<(Level, Vec<&str>, &SourcedStatement)> = perms
        .allow_statements()
        .filter_map(|s| admin_level(perms, s).map(|(level, cut)| (level, cut, s)))
        .collect();
    let failures = match admin.first() {
        None => vec![],
        Some((level, _, first)) => {
            let statements: Vec<Value> = admin
                .iter()
                .map(|(level, cut, s)| {
                    let mut evidence = s.evidence();
                    evidence["level"] = json!(level.as_str());
                    if !cut.is_empty() {
                        evidence["taken_away_by_deny_or_boundary"] = json!(cut);
                    }
                    if perms.published_content_used(s) {
                        evidence["document_from"] =
                            json!("published AWS content (the document could not be read)");
                    }
                    evidence
                })
                .collect();
            let covers: Vec<&str> = COVERS
                .iter()
                .filter(|c| !ctx.config.disabled.iter().any(|id| id == c.check))
                .filter(|c| {
                    admin
                        .iter()
                        .any(|(level, _, s)| c.levels.contains(level) && (c.applies)(&s.source))
                })
                .map(|c| c.check)
                .collect();
            vec![role_failure(
                perms.role,
                format!(
                    "Execution role {} has {} access through {} (statement {})",
                    perms.role.name,
                    level.as_str(),
                    first.source.describe(),
                    first.statement.label()
                ),
                json!({ "role_arn": perms.role.arn, "statements": statements, "also_covers": covers }),
            )]
        }
    };
    verdict(perms, failures)
}

/// The admin level a statement effectively grants, if any, with the probe actions that Deny statements or the
/// boundary take away from it.
fn admin_level(
    perms: &RolePermissions,
    statement: &SourcedStatement,
) -> Option<(Level, Vec<&'static str>)> {
    if !statement.statement.on_all_resources() {
        return None;
    }
    let global = is_global_wildcard(statement);
    let cut = |probes: &'static [&'static str]| -> Vec<&'static str> {
        probes
            .iter()
            .copied()
            .filter(|a| !survives(perms, statement, a))
            .collect()
    };
    let iam_cut = cut(IAM_PROBES);
    let iam_full = (global || covers_all_of_iam(statement)) && iam_cut.is_empty();
    let services_cut = if global {
        cut(SERVICE_PROBES)
    } else {
        SERVICE_PROBES.to_vec()
    };
    let services = SERVICE_PROBES.len() - services_cut.len() >= SERVICE_PROBES_NEEDED;
    let level = match (services, iam_full) {
        (true, true) => Level::Administrator,
        (true, false) => Level::PowerUser,
        (false, true) => Level::IamFull,
        (false, false) => return None,
    };
    let mut taken_away = if services { services_cut } else { vec![] };
    if global {
        taken_away.extend(iam_cut);
    }
    Some((level, taken_away))
}

/// `Action: "*"` (or `*:*`), or a `NotAction`: the statement names every service at once.
fn is_global_wildcard(statement: &SourcedStatement) -> bool {
    match &statement.statement.actions {
        Scope::Except(_) => true,
        Scope::Only(patterns) => patterns
            .iter()
            .any(|p| p.raw.split(':').all(|part| part.chars().all(|c| c == '*'))),
    }
}

/// The statement names `iam:*` (or a pattern covering it, such as `i*:*`).
fn covers_all_of_iam(statement: &SourcedStatement) -> bool {
    match &statement.statement.actions {
        Scope::Except(_) => true,
        Scope::Only(patterns) => patterns
            .iter()
            .any(|p| crate::policy::pattern_covers(&p.raw, "iam:*", true)),
    }
}

/// Whether the statement still grants `action` on every resource after Deny statements and the boundary.
fn survives(perms: &RolePermissions, statement: &SourcedStatement, action: &str) -> bool {
    perms
        .grant_from(statement, action)
        .is_some_and(|g| g.on_all_resources() && g.denied_resources.is_empty())
}
