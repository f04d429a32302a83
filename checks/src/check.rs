//! The check contract: a plain const struct per check, evaluated once per function.

use chrono::NaiveDate;
use serde_json::Value;

use crate::config::Config;
use crate::finding::Severity;
use crate::inventory::{Account, Function, Gap, Role};

/// A check of the catalogue. Adding a check touches its folder plus one line of its group's list.
pub struct Check {
    /// Kebab-case, unique, never reused.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// Markdown: What it checks / Why it matters / How to fix / Example.
    pub docs: &'static str,
    pub evaluate: fn(&FunctionContext) -> Vec<Outcome>,
}

impl Check {
    /// The body of a `## <heading>` section of the docs (up to the next `## `), trimmed; empty when absent.
    pub fn doc_section(&self, heading: &str) -> &'static str {
        let docs = self.docs;
        let marker = format!("## {heading}");
        let Some(start) = docs.lines().find(|l| l.trim_end() == marker).map(|l| l.as_ptr() as usize - docs.as_ptr() as usize)
        else {
            return "";
        };
        let body = &docs[start + marker.len()..];
        let end = body.find("\n## ").unwrap_or(body.len());
        body[..end].trim()
    }

    /// The "How to fix" section of the docs: remediation text for tickets and reports.
    pub fn remediation(&self) -> &'static str {
        self.doc_section("How to fix")
    }
}

/// Everything a check may read while judging one function.
pub struct FunctionContext<'a> {
    pub account: &'a Account,
    pub function: &'a Function,
    pub config: &'a Config,
    /// The scan date (inventory collection date), never the wall clock.
    pub today: NaiveDate,
    pub lookback_days: u32,
}

impl<'a> FunctionContext<'a> {
    /// The gap hiding `service:operation` data for this function, if any.
    pub fn gap(&self, service: &str, operation: &str) -> Option<&'a Gap> {
        self.account.gap_for(service, operation, self.function)
    }

    /// The execution role, or why it is not available.
    pub fn role(&self) -> Result<&'a Role, RoleUnavailable<'a>> {
        if let Some(role) = self.account.role(&self.function.role_arn) {
            return Ok(role);
        }
        match self.account.role_gap(&self.function.role_arn) {
            Some(gap) => Err(RoleUnavailable::NotCollected(gap)),
            None => Err(RoleUnavailable::Missing),
        }
    }

    /// `Unknown` outcome when a role is needed but could not be read; empty when the role simply does not exist
    /// (role-missing reports that).
    pub fn role_or_outcomes(&self) -> Result<&'a Role, Vec<Outcome>> {
        match self.role() {
            Ok(role) => Ok(role),
            Err(RoleUnavailable::NotCollected(gap)) => Err(vec![Outcome::unknown_from_gap(gap)]),
            Err(RoleUnavailable::Missing) => Err(vec![]),
        }
    }
}

/// Why the execution role is not in the inventory.
#[derive(Debug)]
pub enum RoleUnavailable<'a> {
    /// IAM data could not be collected.
    NotCollected(&'a Gap),
    /// Collected fine, and the role is not there: it was deleted.
    Missing,
}

/// What a check concludes for one function (absence of outcomes = pass).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Fail(Failure),
    Unknown { reason: String },
}

/// The details of a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub message: String,
    /// Distinguishes several failures of one check on one function.
    pub discriminator: Option<String>,
    /// The resource the failure is about when it is not the function itself (alias ARN, role ARN…).
    pub resource_arn: Option<String>,
    pub evidence: Value,
    /// Replaces the check's default severity for this failure (e.g. deprecated vs. deprecating soon).
    pub severity: Option<Severity>,
}

impl Outcome {
    pub fn fail(message: impl Into<String>, evidence: Value) -> Outcome {
        Outcome::Fail(Failure { message: message.into(), discriminator: None, resource_arn: None, evidence, severity: None })
    }

    pub fn fail_with(message: impl Into<String>, discriminator: impl Into<String>, evidence: Value) -> Outcome {
        Outcome::Fail(Failure {
            message: message.into(),
            discriminator: Some(discriminator.into()),
            resource_arn: None,
            evidence,
            severity: None,
        })
    }

    pub fn unknown(reason: impl Into<String>) -> Outcome {
        Outcome::Unknown { reason: reason.into() }
    }

    pub fn unknown_from_gap(gap: &Gap) -> Outcome {
        Outcome::unknown(format!(
            "{}:{} could not be collected ({:?}): {}",
            gap.service, gap.operation, gap.kind, gap.error
        ))
    }

    /// Builder: set the severity of a failure.
    pub fn with_severity(mut self, severity: Severity) -> Outcome {
        if let Outcome::Fail(f) = &mut self {
            f.severity = Some(severity);
        }
        self
    }
}
