//! Checks of the "Stability" group of CHECKS.md: events are never dropped, the function is watched.

use crate::check::Check;

mod tracing_off;

pub const CHECKS: &[&Check] = &[&tracing_off::CHECK];
