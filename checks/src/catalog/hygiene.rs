//! Checks of the "hygiene" group of CHECKS.md.

use crate::check::Check;

pub const CHECKS: &[&Check] = &[];
