//! The rule table: loaded once from `checks/data/secret-rules.toml` (embedded), compiled, and matched against text
//! (rules that find a credential anywhere) or against a name and its value (rules that need a secret-like name).

use std::sync::OnceLock;

use regex::{Regex, RegexSet};
use serde::Deserialize;

use super::names;
use super::validators::{self, Confirmed, Validator};

const RULES_TOML: &str = include_str!("../../data/secret-rules.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    description: String,
    pattern: String,
    name: Option<String>,
    validator: Option<String>,
    #[serde(default)]
    generic: bool,
    /// Read only by the examples test; parsed always so a misspelt key is an error in every build.
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    positives: Vec<String>,
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    negatives: Vec<String>,
}

/// Which names a named rule applies to (the name must be secret-like in every case).
#[derive(Debug)]
pub enum NameFilter {
    /// Any secret-like name (`@secret`).
    SecretLike,
    /// A password-like name (`@password`).
    PasswordLike,
    /// A secret-like name that also matches this regex.
    Matching(Regex),
}

impl NameFilter {
    pub fn accepts(&self, name: &str) -> bool {
        match self {
            NameFilter::SecretLike => names::is_secret_name(name),
            NameFilter::PasswordLike => names::is_password_name(name),
            NameFilter::Matching(re) => re.is_match(name) && names::is_secret_name(name),
        }
    }
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub regex: Regex,
    /// `None`: the rule finds its credential anywhere in a text.
    pub name: Option<NameFilter>,
    pub validator: Validator,
    /// Gives way to a specific rule, or an earlier generic rule, that found the same text.
    pub generic: bool,
    /// Position in the file: among generic rules, the earlier wins.
    pub order: usize,
    /// Examples the rule must find / must not find (see the file header for the template syntax).
    #[cfg(test)]
    pub positives: Vec<String>,
    #[cfg(test)]
    pub negatives: Vec<String>,
}

/// A credential a rule found: where (byte range in the scanned text) and its masked preview. Never the value.
pub struct Hit {
    pub rule: &'static Rule,
    pub span: std::ops::Range<usize>,
    pub preview: String,
}

struct Table {
    rules: Vec<Rule>,
    /// Regexes of the anywhere-rules, to run only the rules that can match a text.
    anywhere: RegexSet,
    anywhere_index: Vec<usize>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        compile(RULES_TOML).unwrap_or_else(|e| panic!("checks/data/secret-rules.toml: {e}"))
    })
}

fn compile(text: &str) -> Result<Table, String> {
    let file: RuleFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut rules = Vec::new();
    for (order, spec) in file.rules.into_iter().enumerate() {
        let regex = Regex::new(&spec.pattern).map_err(|e| format!("rule {}: {e}", spec.id))?;
        let name = match spec.name.as_deref() {
            None => None,
            Some("@secret") => Some(NameFilter::SecretLike),
            Some("@password") => Some(NameFilter::PasswordLike),
            Some(re) => Some(NameFilter::Matching(
                Regex::new(re).map_err(|e| format!("rule {}: {e}", spec.id))?,
            )),
        };
        let validator = Validator::parse(spec.validator.as_deref())
            .map_err(|e| format!("rule {}: {e}", spec.id))?;
        rules.push(Rule {
            id: spec.id,
            description: spec.description,
            regex,
            name,
            validator,
            generic: spec.generic,
            order,
            #[cfg(test)]
            positives: spec.positives,
            #[cfg(test)]
            negatives: spec.negatives,
        });
    }
    let anywhere_index: Vec<usize> = (0..rules.len())
        .filter(|&i| rules[i].name.is_none())
        .collect();
    let anywhere = RegexSet::new(anywhere_index.iter().map(|&i| rules[i].regex.as_str()))
        .map_err(|e| e.to_string())?;
    Ok(Table {
        rules,
        anywhere,
        anywhere_index,
    })
}

/// Every rule, in file order.
pub fn all() -> &'static [Rule] {
    &table().rules
}

impl Rule {
    /// Where this (anywhere-)rule finds a credential in `text`.
    pub fn find_in(&'static self, text: &str, out: &mut Vec<Hit>) {
        for caps in self.regex.captures_iter(text) {
            if let Some(Confirmed { span, preview }) =
                validators::confirm(self.validator, &caps, text)
            {
                out.push(Hit {
                    rule: self,
                    span,
                    preview,
                });
            }
        }
    }

    /// Whether this named rule finds a credential in `value` held by `name`; the span is relative to `value`.
    pub fn match_named(&'static self, name: &str, value: &str) -> Option<Hit> {
        let filter = self.name.as_ref()?;
        if !filter.accepts(name) {
            return None;
        }
        let caps = self.regex.captures(value)?;
        let Confirmed { span, preview } = validators::confirm(self.validator, &caps, value)?;
        Some(Hit {
            rule: self,
            span,
            preview,
        })
    }
}

/// Credentials found anywhere in `text` by the rules that need no name.
pub fn find_anywhere(text: &str) -> Vec<Hit> {
    let table = table();
    let mut hits = Vec::new();
    for set_index in table.anywhere.matches(text).iter() {
        table.rules[table.anywhere_index[set_index]].find_in(text, &mut hits);
    }
    hits
}

/// Credentials found in `value` because of its `name` (spans relative to `value`).
pub fn find_named(name: &str, value: &str) -> Vec<Hit> {
    all()
        .iter()
        .filter_map(|rule| rule.match_named(name, value))
        .collect()
}

/// The rule with this id (for the AWS secret key found next to a key id).
pub fn by_id(id: &str) -> &'static Rule {
    all()
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no secret rule `{id}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::testgen::expand;

    /// Whether `rule` finds a credential in an example (`NAME=value` for named rules).
    fn finds(rule: &'static Rule, example: &str) -> bool {
        if rule.name.is_some() {
            let (name, value) = example
                .split_once('=')
                .expect("named rule examples are NAME=value");
            rule.match_named(name, value).is_some()
        } else {
            let mut hits = Vec::new();
            rule.find_in(example, &mut hits);
            !hits.is_empty()
        }
    }

    #[test]
    fn every_rule_finds_its_positives_and_none_of_its_negatives() {
        let mut problems = Vec::new();
        for rule in all() {
            assert!(
                !rule.positives.is_empty() && !rule.negatives.is_empty(),
                "rule {} needs examples of both kinds",
                rule.id
            );
            for example in &rule.positives {
                if !finds(rule, &expand(example)) {
                    problems.push(format!("{}: misses positive {example:?}", rule.id));
                }
            }
            for example in &rule.negatives {
                if finds(rule, &expand(example)) {
                    problems.push(format!("{}: fires on negative {example:?}", rule.id));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in all() {
            assert!(
                seen.insert(rule.id.as_str()),
                "duplicate rule id {}",
                rule.id
            );
            assert!(rule.id.split('-').all(|p| !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())));
            assert!(!rule.description.is_empty());
        }
    }

    #[test]
    fn unknown_validator_is_refused() {
        let bad =
            "[[rules]]\nid = \"x\"\ndescription = \"x\"\npattern = \"x\"\nvalidator = \"nope\"\n";
        assert!(compile(bad).is_err());
    }
}
