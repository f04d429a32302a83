//! The checks of the catalogue's "Who can invoke the function" group (`docs/CHECKS.md`): resource policies, URLs.

use crate::check::Check;

mod alb_unauthenticated_target;
mod api_private_open_policy;
mod api_unauthenticated_route;
pub(crate) mod front_doors;
mod lambda_cross_account_invoke;
mod lambda_notprincipal_allow;
mod lambda_public_invoke;
mod lambda_service_invoke_unscoped;
mod lambda_url_cors_wildcard;
mod lambda_url_public;
pub(crate) mod policies;

pub const CHECKS: &[&Check] = &[
    &lambda_public_invoke::CHECK,
    &lambda_url_public::CHECK,
    &lambda_url_cors_wildcard::CHECK,
    &lambda_service_invoke_unscoped::CHECK,
    &lambda_cross_account_invoke::CHECK,
    &lambda_notprincipal_allow::CHECK,
    &api_unauthenticated_route::CHECK,
    &api_private_open_policy::CHECK,
    &alb_unauthenticated_target::CHECK,
];
