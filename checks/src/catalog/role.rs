//! The checks of the catalogue's "What the function may do" group (`docs/CHECKS.md`): the execution role.

use crate::check::Check;

pub(crate) mod common;
pub(crate) mod logs;
mod role_action_wildcard;
mod role_admin_access;
mod role_all_purpose;
mod role_broad_managed_policy;
mod role_data_exfiltration;
mod role_logs_missing;
mod role_logs_unscoped;
mod role_missing;
mod role_privilege_escalation;
mod role_resource_wildcard;
mod role_shared;
mod role_trust_broad;
mod role_unused_permissions;

pub const CHECKS: &[&Check] = &[
    &role_shared::CHECK,
    &role_admin_access::CHECK,
    &role_action_wildcard::CHECK,
    &role_resource_wildcard::CHECK,
    &role_privilege_escalation::CHECK,
    &role_data_exfiltration::CHECK,
    &role_broad_managed_policy::CHECK,
    &role_logs_missing::CHECK,
    &role_logs_unscoped::CHECK,
    &role_trust_broad::CHECK,
    &role_all_purpose::CHECK,
    &role_unused_permissions::CHECK,
    &role_missing::CHECK,
];
