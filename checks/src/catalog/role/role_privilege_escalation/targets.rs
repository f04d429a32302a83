//! Whom an escalation path lets the execution role act as: the roles it can pass to a service and the functions whose
//! code or configuration it can change, kept only when they are stronger than the role itself (they can do something
//! it cannot, judged on their effective permissions from the inventory).

use std::collections::HashMap;

use crate::check::{Place, RoleContext};
use crate::inventory::Role;
use crate::policy::{Grant, PolicyDocument, Principal, RolePermissions};

/// The roles and functions around the judged role, with their strength judged once.
pub struct Targets<'a> {
    ctx: &'a RoleContext<'a>,
    place: Place<'a>,
    /// Role ARN → what it can do that the judged role cannot (`None`: nothing).
    strength: HashMap<String, Option<String>>,
}

/// What `iam:PassRole` grants reach for one service.
#[derive(Default)]
pub struct Passable {
    /// Stronger roles (or "any role matching …" for a broad grant), described for the evidence.
    pub stronger: Vec<String>,
    /// Roles the grants name that are not in the inventory (the scan collects execution roles and the roles they
    /// name in PassRole grants; a role of another account, or one that does not exist, is not): their strength is not
    /// known.
    pub unjudged: Vec<String>,
}

impl<'a> Targets<'a> {
    pub fn new(ctx: &'a RoleContext<'a>, place: Place<'a>) -> Targets<'a> {
        Targets {
            ctx,
            place,
            strength: HashMap::new(),
        }
    }

    /// The roles the `iam:PassRole` grants let the judged role pass to `service`: a broad grant (a role wildcard)
    /// reaches any role, including ones the scan cannot see; a named role counts when it trusts `service` and is
    /// stronger.
    pub fn passable(&mut self, grants: &[Grant], service: &str) -> Passable {
        let mut found = Passable::default();
        for grant in grants {
            if super::is_broad(grant) {
                found.stronger.push(format!(
                    "any role matching {}",
                    grant.resources().join(", ")
                ));
                continue;
            }
            for pattern in grant.resources() {
                let own = pattern == self.ctx.role.arn;
                let roles: Vec<&Role> = self
                    .ctx
                    .account
                    .roles
                    .values()
                    .filter(|r| r.arn != self.ctx.role.arn && grant.reaches(&r.arn))
                    .filter(|r| crate::policy::pattern_matches(&pattern, &r.arn, false))
                    .collect();
                if roles.is_empty() && !own {
                    found.unjudged.push(pattern.clone());
                }
                for role in roles.into_iter().filter(|r| trusts(r, service)) {
                    if let Some(what) = self.stronger(role) {
                        found.stronger.push(format!("role {} ({what})", role.name));
                    }
                }
            }
        }
        found.stronger.dedup();
        found
    }

    /// The functions `grant` lets the judged role change that run as a stronger role: "any function of the account"
    /// when it reaches an arbitrary function name, otherwise the scanned functions with a stronger role.
    pub fn stronger_functions(&mut self, grant: &Grant) -> Vec<String> {
        let Place {
            partition,
            region,
            account,
        } = self.place;
        let arbitrary = format!(
            "arn:{partition}:lambda:{region}:{account}:function:lambda-posture-probe-any-function"
        );
        if grant.reaches(&arbitrary) {
            return vec!["any function of the account".to_string()];
        }
        let ctx = self.ctx;
        let mut found = Vec::new();
        for function in ctx.account.functions.iter() {
            if function.role_arn == ctx.role.arn || !grant.reaches(&function.arn) {
                continue;
            }
            let Some(role) = ctx.account.role(&function.role_arn) else {
                continue;
            };
            if let Some(what) = self.stronger(role) {
                found.push(format!(
                    "function {} (role {}: {what})",
                    function.name, role.name
                ));
            }
        }
        found
    }

    /// What `role` can do that the judged role cannot, computed once per role.
    fn stronger(&mut self, role: &Role) -> Option<String> {
        let judged = self.ctx.permissions;
        self.strength
            .entry(role.arn.clone())
            .or_insert_with(|| {
                RolePermissions::of(role)
                    .exceeds(judged)
                    .map(|(action, resource)| {
                        format!("may {action} on {resource}, which this role may not")
                    })
            })
            .clone()
    }
}

/// Whether the role's trust policy lets `service` assume it (an unreadable trust policy is assumed to).
fn trusts(role: &Role, service: &str) -> bool {
    let Ok(document) = PolicyDocument::parse(&role.trust_policy.value()) else {
        return true;
    };
    document.statements.iter().any(|s| {
        s.is_allow()
            && s.applies_to_action("sts:AssumeRole")
            && s.principal.as_ref().is_some_and(|p| {
                !p.negated
                    && p.entries.iter().any(|e| match e {
                        Principal::Service(name) => name.eq_ignore_ascii_case(service),
                        Principal::Anyone => true,
                        _ => false,
                    })
            })
    })
}
