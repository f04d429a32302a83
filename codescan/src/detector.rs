//! The adapter to the secret detector of the checks crate (`lambda_posture_checks::secrets::scan_text`): the one
//! place that knows its types.

use super::Hit;

/// Every credential in `text`, as the checks crate's detector sees it.
pub fn checks_detector(text: &str) -> Vec<Hit> {
    lambda_posture_checks::secrets::scan_text(text)
        .into_iter()
        .map(|hit| Hit {
            line: hit.line,
            rule_id: hit.rule_id,
            masked_preview: hit.masked_preview,
        })
        .collect()
}
