//! Checks of the "data" group of CHECKS.md.

use crate::check::Check;

pub const CHECKS: &[&Check] = &[];
