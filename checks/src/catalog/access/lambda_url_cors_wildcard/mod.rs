//! lambda-url-cors-wildcard: a function URL whose CORS configuration allows every origin.

use serde_json::json;

use crate::catalog::access::policies::{outcomes, read_urls, scope_name, url_failure};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "lambda-url-cors-wildcard",
    title: "Function URL CORS allows any origin",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let (urls, unknown) = read_urls(ctx);
    let failures = urls
        .iter()
        .filter_map(|url| {
            let cors = url.cors.as_ref()?;
            cors.allow_origins.iter().any(|o| o.trim() == "*").then(|| {
                let message = format!(
                    "{} of {} answers cross-origin requests from any website (CORS AllowOrigins *)",
                    url.url,
                    scope_name(url.qualifier.as_deref())
                );
                let details = json!({
                    "allow_origins": cors.allow_origins,
                    "allow_methods": cors.allow_methods,
                    "allow_credentials": cors.allow_credentials,
                });
                url_failure(ctx, "cors", url, message, details)
            })
        })
        .collect();
    outcomes(failures, unknown)
}
