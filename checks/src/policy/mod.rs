//! IAM policy model and analysis: parsing documents, the action table, effective permissions of a role, and
//! resource-policy analysis for Lambda.
//!
//! # API (stable: other checks build on it)
//!
//! [`document`] — the model.
//! - [`PolicyDocument::parse`]`(&Value) -> Result<PolicyDocument, PolicyError>` (and `parse_str`) reads every legal
//!   shape: `Statement` object or list; `Action`/`NotAction` and `Resource`/`NotResource` as [`Scope::Only`] /
//!   [`Scope::Except`]; `Principal`/`NotPrincipal` as [`Principals`] (`"*"` → [`Principal::Anyone`], `AWS`, `Service`,
//!   `Federated`, `CanonicalUser`, strings or lists); `Condition` flattened to [`Condition`]s whose [`Operator`]
//!   splits `ForAnyValue:`/`ForAllValues:` and `IfExists`; values as strings (booleans and numbers stringified).
//!   Malformed input (no Effect, Effect not Allow/Deny, both Action and NotAction, a non-`*` string principal, an
//!   action without `service:`…) is an error. Unknown statement keys are ignored.
//! - [`Statement`]: `index`, `sid`, `effect`, `principal`, `actions`, `resources`, `conditions`, `raw` (the JSON for
//!   evidence), `label()` (Sid or `#index`), `applies_to_action(a)` (case-insensitive, wildcards, NotAction),
//!   `applies_to_resource(arn)`, `on_all_resources()`, `conditions_on(key)` (case-insensitive key).
//! - [`ActionPattern`]: `matches`, `service`, `is_service_wildcard` (`*`, `s3:*`), `has_wildcard`.
//! - [`resource_matches`](document::resource_matches)`(pattern, arn)`: ARN wildcards, policy variables match like `*`.
//!
//! [`actions`] — the bundled action table (AWS Service Authorization Reference; see `checks/data/README.md`).
//! - `access_level(action) -> Option<AccessLevel>` (List / Read / Write / Tagging / PermissionsManagement;
//!   `AccessLevel::is_write()` covers the last three), `has_resource_types(action)` (`Some(false)`: grantable on `*`
//!   only), `canonical(action)`, `expand(pattern)` (case-insensitive glob
//!   over the table), `services()`, `is_known_service(s)`, `service_of(action)`, `len()`.
//!
//! [`effective`] — what an execution role may do.
//! - [`EffectivePermissions::of_role`]`(&Role) -> Result<_, Incomplete>` (a `None` managed or boundary document, or
//!   a malformed one, is [`Incomplete`]: say Unknown), or `of_role_partial(&Role) -> (_, Vec<Incomplete>)` to judge
//!   what could be read.
//! - Queries: `allows(action) -> Vec<Grant>` (a concrete action name, any case; after explicit Deny and the
//!   permissions boundary), `grant_from(statement, action) -> Option<Grant>` (that entry of `allows` alone),
//!   `is_allowed`, `grants_on_all_resources(action)`, `allowed_actions_matching(pattern)`, `services_granted()`, `statements()`,
//!   `boundary_statements()`. A [`Grant`] has the [`SourcedStatement`] (policy name / ARN / kind + statement),
//!   `conditional`, `denied_resources`, `boundary`, and `on_all_resources()`, `reaches(arn)`, `resources()`,
//!   `evidence()`.
//!
//! [`role`] — an execution role as the checks judge it.
//! - [`RolePermissions::of`]`(&Role)`: the effective permissions from what could be read (the published content of
//!   AdministratorAccess, PowerUserAccess and IAMFullAccess standing in for theirs when unreadable), `incomplete`,
//!   `boundary_unreadable()`, `allow_statements()`, `grant_from(statement, action)`, `services_granted()` (computed
//!   once), `published_content_used(statement)`, `exceeds(other) -> Option<(action, resource)>` (something this role
//!   may do that `other` may not: is it stronger?); [`known_aws_document`](role::known_aws_document)`(arn)`.
//!
//! [`resource`] — Lambda resource policies.
//! - [`principal_scope`](resource::principal_scope)`(statement, own_account, config) -> Option<PrincipalScope>`:
//!   public / same account / trusted accounts / foreign accounts / services / federated / canonical users, and
//!   whether it is a `NotPrincipal`.
//! - [`caller_pinning`](resource::caller_pinning)`(statement, own_account, config) -> Pinning`: the conditions that
//!   pin the caller (aws:SourceAccount, SourceArn, SourceOwner, PrincipalOrgID, PrincipalAccount, PrincipalArn,
//!   SourceVpc, SourceVpce, SourceIp, SourceOrgID with fixed values) and those that look like they do but do not, with why;
//!   `Pinning::accounts()` / `organizations()` give what the pins restrict callers to.
//! - `url_auth_type(statement)`, `only_via_url(statement)`, `invoke_actions(statement)`, `lambda_actions(statement)`.

pub mod actions;
pub mod document;
pub mod effective;
pub mod resource;
pub mod role;

pub use crate::wildcard::{covers as pattern_covers, matches as pattern_matches};
pub use actions::AccessLevel;
pub use document::{
    ActionPattern, Condition, Effect, Operator, PolicyDocument, PolicyError, Principal, Principals,
    Scope, SetQualifier, Statement,
};
pub use effective::{
    EffectivePermissions, Grant, Incomplete, PolicyKind, PolicySource, SourcedStatement,
};
pub use role::RolePermissions;

#[cfg(test)]
mod tests;
