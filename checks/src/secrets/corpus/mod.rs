//! The detector's corpus: realistic environment variables and source snippets, positive and negative, run through
//! the public API exactly as the collector and `--scan-code` use it. Fake credentials are generated from fixed
//! patterns (see `testgen`), so nothing credential-shaped is committed verbatim.
//!
//! `cargo test -p lambda-posture-checks secrets::corpus -- --nocapture` prints the counts.

mod env_cases;
mod text_cases;

use crate::inventory::ValueKind;
use crate::secrets::testgen::expand_seeded;
use crate::secrets::{classify_env_var, is_masked, is_secret_name, scan_text};

/// What a corpus entry must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A credential the value rules find (env-secret-value), with this rule among the detections.
    Secret(&'static str),
    /// Not recognised by value, but a literal under a secret-like name (env-secret-name).
    NameOnly,
    /// Nothing to report.
    Clean,
}

/// An environment variable: name, value template, expectation.
pub type EnvCase = (&'static str, &'static str, Expect);

/// A source or config file: text template and the exact `(line, rule)` hits expected (none for a negative).
pub type TextCase = (&'static str, &'static [(u32, &'static str)]);

fn env_outcome(seed: &str, index: usize, case: &EnvCase) -> Result<(), String> {
    let (name, template, expect) = *case;
    let value = expand_seeded(template, &format!("{seed}env-{index}-{name}"));
    let var = classify_env_var(name, &value);
    let rules: Vec<&str> = var.detections.iter().map(|d| d.rule_id.as_str()).collect();
    let name_finding =
        rules.is_empty() && var.value_kind == ValueKind::Literal && is_secret_name(name);
    let ok = match expect {
        Expect::Secret(rule) => rules.contains(&rule),
        Expect::NameOnly => name_finding,
        Expect::Clean => rules.is_empty() && !name_finding,
    };
    // The template, not the expanded value, goes into the message: no credential-shaped output even in a failure.
    ok.then_some(()).ok_or_else(|| {
        format!(
            "env #{index} {name}={template:?}: expected {expect:?}, got {:?} rules {rules:?}",
            var.value_kind
        )
    })
}

fn text_outcome(seed: &str, index: usize, case: &TextCase) -> Result<(), String> {
    let (template, expected) = *case;
    let text = expand_seeded(template, &format!("{seed}text-{index}"));
    let got: Vec<(u32, String)> = scan_text(&text)
        .into_iter()
        .map(|h| (h.line, h.rule_id))
        .collect();
    let want: Vec<(u32, String)> = expected.iter().map(|(l, r)| (*l, r.to_string())).collect();
    (got == want)
        .then_some(())
        .ok_or_else(|| format!("text #{index}: expected {want:?}, got {got:?}\n{template}"))
}

#[derive(Default)]
struct Tally {
    positives: usize,
    missed: Vec<String>,
    negatives: usize,
    false_positives: Vec<String>,
    name_only: usize,
    name_only_wrong: Vec<String>,
}

/// Run the whole corpus; `seed` varies the random parts of the generated values.
fn tally(seed: &str) -> Tally {
    let mut t = Tally::default();
    for (i, case) in env_cases::CASES.iter().enumerate() {
        let outcome = env_outcome(seed, i, case);
        let (count, failures) = match case.2 {
            Expect::Secret(_) => (&mut t.positives, &mut t.missed),
            Expect::NameOnly => (&mut t.name_only, &mut t.name_only_wrong),
            Expect::Clean => (&mut t.negatives, &mut t.false_positives),
        };
        *count += 1;
        failures.extend(outcome.err());
    }
    for (i, case) in text_cases::CASES.iter().enumerate() {
        let outcome = text_outcome(seed, i, case);
        if case.1.is_empty() {
            t.negatives += 1;
            t.false_positives.extend(outcome.err());
        } else {
            t.positives += 1;
            t.missed.extend(outcome.err());
        }
    }
    t
}

#[test]
fn corpus_has_full_recall_and_no_false_positives() {
    let t = tally("");
    println!(
        "secrets corpus: {} positives ({} missed), {} negatives ({} false positives), {} name-only literals ({} wrong)",
        t.positives,
        t.missed.len(),
        t.negatives,
        t.false_positives.len(),
        t.name_only,
        t.name_only_wrong.len()
    );
    assert!(
        t.positives >= 150 && t.negatives >= 150,
        "corpus too small: {} positives, {} negatives",
        t.positives,
        t.negatives
    );
    let problems: Vec<&String> = t
        .missed
        .iter()
        .chain(&t.false_positives)
        .chain(&t.name_only_wrong)
        .collect();
    assert!(
        problems.is_empty(),
        "{} corpus failures:\n{}",
        problems.len(),
        problems
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every detection of the corpus has a preview of the shape [`crate::secrets::mask`] gives (at most 4 characters, a
/// quarter of the value at most): the password of a URL or connection string is never readable in one.
#[test]
fn every_preview_in_the_corpus_is_masked() {
    let mut previews = 0;
    for (i, (name, template, _)) in env_cases::CASES.iter().enumerate() {
        let value = expand_seeded(template, &format!("env-{i}-{name}"));
        for d in classify_env_var(name, &value).detections {
            previews += 1;
            assert!(
                is_masked(&d.masked_preview),
                "env #{i} {name}={template:?}: {} preview not masked",
                d.rule_id
            );
        }
    }
    for (i, (template, _)) in text_cases::CASES.iter().enumerate() {
        let text = expand_seeded(template, &format!("text-{i}"));
        for hit in scan_text(&text) {
            previews += 1;
            assert!(
                is_masked(&hit.masked_preview),
                "text #{i} line {}: {} preview not masked\n{template}",
                hit.line,
                hit.rule_id
            );
        }
    }
    assert!(previews >= 150, "only {previews} previews checked");
}

#[test]
fn every_rule_is_exercised_by_the_corpus() {
    let mut used: Vec<&str> = env_cases::CASES
        .iter()
        .filter_map(|c| {
            if let Expect::Secret(rule) = c.2 {
                Some(rule)
            } else {
                None
            }
        })
        .collect();
    used.extend(
        text_cases::CASES
            .iter()
            .flat_map(|c| c.1.iter().map(|(_, rule)| *rule)),
    );
    for (id, _) in crate::secrets::rule_ids() {
        assert!(used.contains(&id), "rule {id} has no corpus entry");
    }
}

/// The same corpus with other random values: generic rules measure entropy, so a random value can be unlucky (a
/// 20-character hex secret with six `a`s). Over 20 draws the miss rate must stay under 0.1% and nothing may fire on a
/// negative.
#[test]
fn corpus_holds_for_other_random_values() {
    let (mut positives, mut missed, mut negatives, mut false_positives) =
        (0, Vec::new(), 0, Vec::new());
    for draw in 0..20 {
        let t = tally(&format!("draw-{draw}-"));
        positives += t.positives + t.name_only;
        negatives += t.negatives;
        missed.extend(t.missed.into_iter().chain(t.name_only_wrong));
        false_positives.extend(t.false_positives);
    }
    println!(
        "secrets corpus over 20 draws: {positives} positives ({} missed), {negatives} negatives ({} false positives)",
        missed.len(),
        false_positives.len()
    );
    assert!(false_positives.is_empty(), "{}", false_positives.join("\n"));
    assert!(
        missed.len() * 1000 <= positives,
        "miss rate above 0.1%:\n{}",
        missed.join("\n")
    );
}
