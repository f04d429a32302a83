//! The write actions Lambda itself needs the execution role to hold, which AWS's own execution-role policies
//! (AWSLambdaSQSQueueExecutionRole, AWSLambdaVPCAccessExecutionRole) grant on `*`: graded by what they expose on `*`,
//! with the precise resources to name instead (from the functions using the role).

use crate::arn::Arn;
use crate::check::RoleContext;
use crate::finding::Severity;
use crate::policy::RolePermissions;

/// One family of plumbing actions.
pub struct Plumbing {
    pub name: &'static str,
    pub actions: &'static [&'static str],
    pub severity: Severity,
    /// What the actions on `*` let the function's code do, given the role's permissions.
    exposes: fn(&RolePermissions) -> &'static str,
    /// The resources to grant them on instead: those of the functions using the role.
    scope_to: fn(&RoleContext) -> Vec<String>,
    /// Said when no function of the role names such a resource.
    scope_hint: &'static str,
}

impl Plumbing {
    pub fn exposes(&self, perms: &RolePermissions) -> &'static str {
        (self.exposes)(perms)
    }

    /// The resources to name instead of `*`, or the hint when the inventory names none.
    pub fn scope_to(&self, ctx: &RoleContext) -> Result<Vec<String>, &'static str> {
        let mut found = (self.scope_to)(ctx);
        found.sort();
        found.dedup();
        if found.is_empty() {
            Err(self.scope_hint)
        } else {
            Ok(found)
        }
    }
}

pub const FAMILIES: &[Plumbing] = &[
    Plumbing {
        name: "SQS event source",
        actions: &["sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
        severity: Severity::Medium,
        exposes: |perms| {
            if perms
                .effective
                .grants_on_all_resources("sqs:ReceiveMessage")
                .is_empty()
            {
                "delete or hide the messages of any queue of the account whose receipt handles it holds"
            } else {
                "read and delete the messages of every queue of the account (sqs:ReceiveMessage is on * too)"
            }
        },
        scope_to: |ctx| {
            ctx.account
                .functions_using_role(&ctx.role.arn)
                .flat_map(|f| f.event_source_mappings.iter())
                .filter_map(|m| m.event_source_arn.clone())
                .filter(|arn| Arn::parse(arn).is_ok_and(|arn| arn.service == "sqs"))
                .collect()
        },
        scope_hint: "the queues its event source mappings read",
    },
    Plumbing {
        name: "VPC network interfaces",
        actions: &[
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
        ],
        severity: Severity::Low,
        exposes: |_| {
            "create network interfaces in any subnet and security group, delete any detached one, and add or remove \
             secondary private IPs of any interface of the account (no instance or traffic of its own)"
        },
        scope_to: |ctx| {
            let account = &ctx.account.account_id;
            let partition = match ctx.account.partition.as_str() {
                "" => "aws",
                p => p,
            };
            let mut found = Vec::new();
            for function in ctx.account.functions_using_role(&ctx.role.arn) {
                let Some(vpc) = &function.vpc else { continue };
                let prefix = format!("arn:{partition}:ec2:{}:{account}", function.region);
                found.extend(
                    vpc.subnet_ids
                        .iter()
                        .map(|s| format!("{prefix}:subnet/{s}")),
                );
                found.extend(
                    vpc.security_group_ids
                        .iter()
                        .map(|g| format!("{prefix}:security-group/{g}")),
                );
                if !vpc.subnet_ids.is_empty() {
                    found.push(format!("{prefix}:network-interface/*"));
                }
            }
            found
        },
        scope_hint: "the function's subnets and security groups (and network-interface/*)",
    },
];

/// The family an action belongs to, if it is plumbing.
pub fn family_of(action: &str) -> Option<&'static Plumbing> {
    FAMILIES
        .iter()
        .find(|f| f.actions.iter().any(|a| a.eq_ignore_ascii_case(action)))
}
