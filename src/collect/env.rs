//! Environment variables: each value is classified the moment it is read and never stored, printed or logged.

use lambda_posture_checks::inventory::{EnvVar, ValueKind};

/// The inventory's view of one variable: name, value shape and detector verdicts, never the value.
pub fn classify(name: &str, value: &str) -> EnvVar {
    classify_env_var(name, value)
}

// TEMPORARY until branch `secrets` lands `lambda_posture_checks::secrets::classify_env_var`: this records only the
// value's length and emptiness; replace the body with the detector call when merging.
fn classify_env_var(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value_kind: if value.is_empty() {
            ValueKind::Empty
        } else {
            ValueKind::Literal
        },
        value_length: value.chars().count(),
        detections: Vec::new(),
    }
}
