//! Checks of the "role" group of CHECKS.md.

use crate::check::Check;

pub const CHECKS: &[&Check] = &[];
