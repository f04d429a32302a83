//! Checks of the "access" group of CHECKS.md.

use crate::check::Check;

pub const CHECKS: &[&Check] = &[];
