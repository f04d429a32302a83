//! Judging a report or an inventory on its own: schema validation, stable output, masked secrets, `unused` names.

use serde_json::Value;

use super::root;

/// Errors of `instance` against `schema/<file>` (empty = valid).
pub fn schema_errors(schema_file: &str, instance: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema").join(schema_file)).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{schema_file}: invalid schema: {e}"));
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} (at {})", e.instance_path()))
        .collect()
}

/// Two runs on the same inventory give the same bytes (nothing in a report depends on the run).
pub fn assert_deterministic(a: &str, b: &str) {
    assert_eq!(
        a, b,
        "two runs on the same inventory must give identical output"
    );
}

/// The function names an `unused --format json` report lists, in its order.
pub fn unused_names(json: &Value) -> Vec<&str> {
    json["unused"]
        .as_array()
        .expect("an `unused` array")
        .iter()
        .map(|u| u["name"].as_str().expect("a name"))
        .collect()
}

/// How the planted secrets begin: PEM keys, AWS key ids, GitHub, Slack and Stripe tokens, JWTs, database URLs.
pub const SECRET_SHAPES: [&str; 8] = [
    "-----BEGIN",
    "AKIA",
    "ghp_",
    "xoxb-",
    "sk_live_",
    "eyJhbGci",
    "postgres://",
    "mysql://",
];

/// Panics where a planted secret's shape appears in `text` without the mask's `…` nearby (40 characters before,
/// 60 after): a masked preview may keep a secret's first characters, never the secret.
pub fn assert_secrets_masked(text: &str) {
    for needle in SECRET_SHAPES {
        for (i, _) in text.match_indices(needle) {
            let context = &text[i.saturating_sub(40)..(i + 60).min(text.len())];
            assert!(
                context.contains('…'),
                "`{needle}` appears unmasked near: {context}"
            );
        }
    }
}
