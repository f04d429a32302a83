//! The checks of the catalogue's "Stability" group (`docs/CHECKS.md`): events are never dropped, the function is
//! watched.

use crate::check::Check;

mod async_no_failure_destination;
pub(crate) mod common;
mod concurrency_disabled;
mod dlq_unwritable;
mod esm_no_failure_destination;
mod high_error_rate;
mod invoke_not_audited;
pub(crate) mod invokers;
mod log_group_missing;
mod log_group_no_cmk;
mod log_groups;
mod log_retention;
mod no_reserved_concurrency;
mod throttled;
mod timeout_near_limit;
mod tracing_off;

pub const CHECKS: &[&Check] = &[
    &async_no_failure_destination::CHECK,
    &dlq_unwritable::CHECK,
    &esm_no_failure_destination::CHECK,
    &no_reserved_concurrency::CHECK,
    &concurrency_disabled::CHECK,
    &timeout_near_limit::CHECK,
    &high_error_rate::CHECK,
    &throttled::CHECK,
    &tracing_off::CHECK,
    &log_group_missing::CHECK,
    &log_retention::CHECK,
    &log_group_no_cmk::CHECK,
    &invoke_not_audited::CHECK,
];
