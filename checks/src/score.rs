//! Scoring: a 0–100 score per function and a letter grade per account, both monotone in the findings.
//!
//! A function starts at 100. Each failing finding multiplies the score by a factor that depends on its severity
//! (critical ×0.50, high ×0.75, medium ×0.90, low ×0.97, info ×1.00), so a new finding never raises a score and
//! the worst problems dominate. Unknown and muted findings do not change the score (they are shown apart).
//! The account grade comes from the mean function score, capped by the worst failing severity:
//! A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, F below; any critical failure caps the grade at D, any high failure at C.

use crate::finding::{Finding, Severity, Status};

/// The multiplier one failing finding of `severity` applies to a score.
pub fn factor(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 0.50,
        Severity::High => 0.75,
        Severity::Medium => 0.90,
        Severity::Low => 0.97,
        Severity::Info => 1.00,
    }
}

/// Score of one resource from its findings (only `Fail` ones count).
pub fn function_score<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> u8 {
    let product = findings
        .into_iter()
        .filter(|f| f.status == Status::Fail)
        .fold(100.0_f64, |score, f| score * factor(f.severity));
    product.floor().clamp(0.0, 100.0) as u8
}

/// Letter grade of an account from its function scores and the worst failing severity.
pub fn account_grade(scores: &[u8], worst_failure: Option<Severity>) -> char {
    let mean = if scores.is_empty() {
        100.0
    } else {
        scores.iter().map(|&s| s as f64).sum::<f64>() / scores.len() as f64
    };
    let by_mean = match mean {
        m if m >= 90.0 => 'A',
        m if m >= 80.0 => 'B',
        m if m >= 70.0 => 'C',
        m if m >= 60.0 => 'D',
        _ => 'F',
    };
    let cap = match worst_failure {
        Some(Severity::Critical) => 'D',
        Some(Severity::High) => 'C',
        _ => 'A',
    };
    // Later letters are worse grades.
    by_mean.max(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::stable_id;
    use serde_json::Value;

    fn finding(severity: Severity, status: Status) -> Finding {
        Finding {
            id: stable_id("x", "y", None),
            check_id: "x".into(),
            title: "x".into(),
            severity,
            status,
            account_id: "1".into(),
            region: "r".into(),
            resource_arn: "y".into(),
            resource_name: "y".into(),
            discriminator: None,
            message: String::new(),
            evidence: Value::Null.into(),
            function_arn: "".into(),
            owner_tags: Default::default(),
            remediation: Default::default(),
            doc_url: Default::default(),
            compliance: Default::default(),
            suppression: None,
        }
    }

    #[test]
    fn clean_function_scores_100() {
        assert_eq!(function_score(&[]), 100);
    }

    #[test]
    fn severities_weigh_as_documented() {
        assert_eq!(
            function_score(&[finding(Severity::Critical, Status::Fail)]),
            50
        );
        assert_eq!(function_score(&[finding(Severity::High, Status::Fail)]), 75);
        assert_eq!(
            function_score(&[finding(Severity::Medium, Status::Fail)]),
            90
        );
        assert_eq!(function_score(&[finding(Severity::Low, Status::Fail)]), 97);
        assert_eq!(
            function_score(&[finding(Severity::Info, Status::Fail)]),
            100
        );
        assert_eq!(
            function_score(&[
                finding(Severity::High, Status::Unknown),
                finding(Severity::High, Status::Muted)
            ]),
            100
        );
    }

    #[test]
    fn adding_a_finding_never_raises_the_score() {
        let all = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ];
        let mut findings = Vec::new();
        let mut previous = function_score(&findings);
        for round in 0..30 {
            findings.push(finding(all[round % all.len()], Status::Fail));
            let now = function_score(&findings);
            assert!(now <= previous, "score rose from {previous} to {now}");
            previous = now;
        }
        assert_eq!(previous, 0);
    }

    #[test]
    fn grade_is_capped_by_worst_failure_and_monotone() {
        assert_eq!(account_grade(&[100, 100], None), 'A');
        assert_eq!(account_grade(&[100, 100], Some(Severity::High)), 'C');
        assert_eq!(account_grade(&[100, 100], Some(Severity::Critical)), 'D');
        assert_eq!(account_grade(&[50, 40], None), 'F');
        assert_eq!(account_grade(&[], None), 'A');
        // Lowering any score never improves the grade.
        let mut scores = vec![100u8; 4];
        let mut previous = account_grade(&scores, None);
        for i in 0..4 {
            scores[i] = 30;
            let now = account_grade(&scores, None);
            assert!(now >= previous);
            previous = now;
        }
    }
}
