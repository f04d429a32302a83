//! Environment variables: each value is classified the moment it is read and never stored, printed or logged.

use lambda_posture_checks::inventory::EnvVar;
use lambda_posture_checks::secrets;

/// The inventory's view of a function's variables: names, value shapes and the secret detector's verdicts with a
/// masked preview, never a value. The whole environment is classified at once so that pairs (an AWS key id next to
/// its secret key) are recognised.
pub fn classify<'a>(variables: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<EnvVar> {
    secrets::classify_environment(variables)
}
