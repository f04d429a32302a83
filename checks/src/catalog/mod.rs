//! The check catalogue: every check the scanner ships, grouped as in CHECKS.md. Ids never change once shipped.

use std::sync::OnceLock;

use crate::check::Check;

mod access;
mod data;
mod hygiene;
mod role;
mod stability;

/// Every check, in catalogue order.
pub fn all() -> &'static [&'static Check] {
    static ALL: OnceLock<Vec<&'static Check>> = OnceLock::new();
    ALL.get_or_init(|| {
        [access::CHECKS, role::CHECKS, data::CHECKS, stability::CHECKS, hygiene::CHECKS]
            .into_iter()
            .flatten()
            .copied()
            .collect()
    })
}

/// The check with this id.
pub fn find(id: &str) -> Option<&'static Check> {
    all().iter().copied().find(|c| c.id == id)
}
