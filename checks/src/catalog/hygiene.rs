//! The checks of the catalogue's "Hygiene and supply chain" group (`docs/CHECKS.md`): unused, outdated, foreign or
//! unowned code.

use crate::check::Check;

mod api_public_no_waf;
mod code_signing_off;
mod function_not_in_vpc;
mod layer_foreign;
mod owner_tag_missing;
mod runtime_deprecated;
mod stale_function;
pub(crate) mod unused_function;
mod vpc_single_az;

pub const CHECKS: &[&Check] = &[
    &unused_function::CHECK,
    &runtime_deprecated::CHECK,
    &layer_foreign::CHECK,
    &code_signing_off::CHECK,
    &stale_function::CHECK,
    &owner_tag_missing::CHECK,
    &vpc_single_az::CHECK,
    &function_not_in_vpc::CHECK,
    &api_public_no_waf::CHECK,
];
