//! Checks of the "What the function may do (execution role)" group of CHECKS.md.

use crate::check::Check;

mod common;
mod role_missing;
mod role_shared;

pub const CHECKS: &[&Check] = &[&role_shared::CHECK, &role_missing::CHECK];
